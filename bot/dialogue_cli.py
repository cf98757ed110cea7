"""`python -m bot dialogue list|add|set|close`: manage dialogues from the command line.

Changes made here (like those made in the chat) are kept when the bot restarts: the config no
longer sets a field an admin changed. Reminders are planned from the stored dates on every tick,
so a new date re-plans them without anything else to do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.services import open_services
from domain.address import ADDRESSES, DEFAULT_ADDRESS, parse_address
from domain.categories import DEFAULT_CATEGORIES
from domain.models import DialogueSpec
from domain.texts import load_texts
from domain.timefmt import fmt_datetime, fmt_day
from domain.workdays import due_dates
from handlers.common import parse_local

EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    h = load_texts()
    parser = subparsers.add_parser("dialogue", help=h("cli_help.dialogue"))
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help=h("cli_help.dialogue_list"))
    add = actions.add_parser("add", help=h("cli_help.dialogue_add"))
    add.add_argument("--code", required=True)
    add.add_argument("--title", required=True)
    add.add_argument("--deadline", required=True, help=h("cli_help.dialogue_deadline"))
    _common(add)
    change = actions.add_parser("set", help=h("cli_help.dialogue_set"))
    change.add_argument("code")
    change.add_argument("--title")
    change.add_argument("--deadline")
    _common(change)
    flags = change.add_mutually_exclusive_group()
    flags.add_argument("--complex", action="store_true", help=h("cli_help.dialogue_complex"))
    flags.add_argument("--simple", action="store_true", help=h("cli_help.dialogue_simple"))
    close = actions.add_parser("close", help=h("cli_help.dialogue_close"))
    close.add_argument("code")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--meeting-at", dest="meeting_at")
    parser.add_argument("--meeting-note", dest="meeting_note")
    parser.add_argument("--location")
    parser.add_argument("--host")
    parser.add_argument("--audience")
    parser.add_argument("--categories", help=load_texts()("cli_help.dialogue_categories"))
    parser.add_argument(
        "--address", help=load_texts()("cli_help.dialogue_address", choices=", ".join(ADDRESSES))
    )


class UsageError(Exception):
    pass


def _moment(value: str, tz: ZoneInfo, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        parsed = parse_local(value, tz)
        if parsed is None:
            raise UsageError(load_texts()("dialogue_cli.bad_moment", option=option)) from None
        return parsed
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _address(value: str) -> str:
    address = parse_address(value)
    if address is None:
        choices = ", ".join(ADDRESSES)
        raise UsageError(load_texts()("dialogue_cli.bad_address", choices=choices))
    return address


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(_run(args, settings))
    except UsageError as exc:
        print(load_texts()("dialogue_cli.error", problem=exc), file=sys.stderr)
        return EXIT_USAGE


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    texts = load_texts()
    services = await open_services(settings)
    tz = settings.commune.tz
    now = services.clock()
    try:
        if args.action == "list":
            async with services.store.reader() as rd:
                dialogues = await rd.dialogues()
                rows = []
                for d in dialogues:
                    conclusion = await rd.conclusion(d.id)
                    due, answers = due_dates(d, conclusion.published_at if conclusion else None)
                    meeting = fmt_datetime(d.meeting_at, d.tz) if d.meeting_at else "-"
                    state = "state_open" if d.is_open(now) else "state_closed"
                    rows.append(
                        texts(
                            "dialogue_cli.list_row",
                            code=d.code,
                            state=texts(f"dialogue_cli.{state}"),
                            deadline=fmt_datetime(d.deadline, d.tz),
                            meeting=meeting,
                            due=fmt_day(due) if due else "-",
                            answers=fmt_day(answers) if answers else "-",
                            title=d.title,
                        )
                    )
            print("\n".join(rows) if rows else texts("closed.no_dialogue"))
            return 0
        if args.action == "add":
            known = {c.key for c in settings.categories}
            cats = (
                tuple(args.categories.split(","))
                if args.categories
                else tuple(c.key for c in DEFAULT_CATEGORIES)
            )
            unknown = [c for c in cats if c not in known]
            if unknown:
                raise UsageError(texts("dialogue_cli.unknown_categories", keys=", ".join(unknown)))
            code = args.code.strip().upper()
            spec = DialogueSpec(
                code=code,
                title=args.title,
                host=args.host or "",
                audience=args.audience or "",
                deadline=_moment(args.deadline, tz, "--deadline"),
                meeting_at=_moment(args.meeting_at, tz, "--meeting-at")
                if args.meeting_at
                else None,
                meeting_note=args.meeting_note or "",
                location=args.location or "",
                timezone=settings.commune.timezone,
                categories=cats,
                address=_address(args.address) if args.address else DEFAULT_ADDRESS,
            )
            async with services.store.transaction() as tx:
                if await tx.dialogue_by_code(code) is not None:
                    raise UsageError(texts("dialogue_cli.code_taken", code=code))
                await tx.upsert_dialogue(spec, now)
                await tx.audit(now, "cli", "dialogue", f"{code}: added")
            print(texts("dialogue_cli.added", code=code))
            return 0
        code = args.code.strip().upper()
        changes: dict[str, object] = {}
        if args.action == "close":
            changes["closed"] = True
        else:
            for key in ("title", "meeting_note", "location", "host", "audience"):
                if getattr(args, key) is not None:
                    changes[key] = getattr(args, key)
            if args.deadline:
                changes["deadline"] = _moment(args.deadline, tz, "--deadline")
            if args.meeting_at:
                changes["meeting_at"] = _moment(args.meeting_at, tz, "--meeting-at")
            if args.address is not None:
                changes["address"] = _address(args.address)
            if args.complex or args.simple:
                changes["complex"] = bool(args.complex)
            if args.categories:
                raise UsageError(texts("dialogue_cli.categories_add_only"))
            if not changes:
                raise UsageError(texts("dialogue_cli.nothing_to_change"))
        async with services.store.transaction() as tx:
            updated = await tx.admin_update_dialogue(code, changes, now)
            if updated is None:
                raise UsageError(texts("dialogue_cli.unknown_dialogue", code=code))
            await tx.audit(now, "cli", "dialogue", f"{code}: {', '.join(changes)}")
        print(texts("dialogue_cli.updated", code=code, changes=", ".join(changes)))
        return 0
    finally:
        await services.close()
