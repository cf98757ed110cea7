"""Scheduled work after the meeting, decided from the database on each tick like the rest
(bot/admin_jobs.py, bot/office_jobs.py): every message is a delivery row, written once (its
key carries what it is about, and the date for a reminder), so a restart neither doubles nor
loses one, and the outbox sends it.

- Answers given at the meeting: their held messages are released once the evening has come.
- Commitments: the responsible officials (a department's `officials`, else the office group)
  are reminded a few working days before the due date and after it; the office group gets the
  overdue ones once a day.
- A dialogue open for questions: the office group is shown the earlier dialogues' commitments
  that are still open, once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from bot.office_jobs import office_chat
from bot.services import Services
from domain.meeting import Commitment, CommitmentStatus
from domain.models import DeliveryStatus
from domain.timefmt import fmt_day
from domain.workdays import add_working_days
from handlers.commitment_ops import body_name, describe
from handlers.common import snippet
from handlers.meeting_ops import release_due
from handlers.memory import open_before
from storage.base import Transaction

log = logging.getLogger(__name__)


async def tick(services: Services, now: datetime) -> list[str]:
    done: list[str] = []
    async with services.store.transaction() as tx:
        released = await release_due(tx, now)
    if released:
        done.append(f"onspot:{released}")
    local = now.astimezone(services.settings.commune.tz)
    if local.time() >= services.settings.digest.time:
        done += await remind_commitments(services, now)
        done += await show_earlier_commitments(services, now)
    return done


def _stage(
    commitment: Commitment, today: date, before: tuple[int, ...], after: tuple[int, ...]
) -> tuple[str, int] | None:
    """The latest reminder due by today: ("before", n) working days ahead of the due date, or
    ("after", n) past it; older ones the bot slept through are skipped."""
    due = commitment.due
    stages = [(add_working_days(due, -n), "before", n) for n in before if today <= due]
    stages += [(add_working_days(due, n), "after", n) for n in after]
    reached = [s for s in stages if s[0] <= today]
    if not reached:
        return None
    _, kind, n = max(reached)
    return kind, n


def _chats(services: Services, body: str, office: str | None) -> list[tuple[str, str]]:
    """Where a body's reminders go: its officials' own chats, else the office group."""
    department = services.settings.department(body)
    people = sorted(department.officials) if department else []
    chats = [tuple(p.split(":", 1)) for p in people if not p.startswith("terminal:")]
    if not chats and office is not None:
        chats = [("telegram", office)]
    return [(str(c[0]), str(c[1])) for c in chats]


async def remind_commitments(services: Services, now: datetime) -> list[str]:
    settings, texts = services.settings, services.texts
    today = now.astimezone(settings.commune.tz).date()
    office = await office_chat(services, "telegram")
    done: list[str] = []
    async with services.store.transaction() as tx:
        # Once a day: the stages are whole days, and this keeps the tick from writing.
        if await tx.kv_get("remind:commitments") == today.isoformat():
            return done
        await tx.kv_set("remind:commitments", today.isoformat())
        rules = settings.commitments
        overdue: list[Commitment] = []
        for c in await tx.commitments():
            if c.closed:
                continue
            if c.shown_status(today) is CommitmentStatus.OVERDUE:
                overdue.append(c)
            stage = _stage(c, today, rules.remind_before, rules.remind_after)
            if stage is None:
                continue
            kind, n = stage
            text = texts(
                f"commitments.remind_{kind}",
                code=c.code,
                body=body_name(settings, texts, c.body),
                due=fmt_day(c.due),
                days=n,
                text=snippet(c.text, 200),
            )
            ref = f"{c.code}/{kind}{n}/{c.due.isoformat()}"
            for channel, chat in _chats(services, c.body, office):
                if await _deliver(tx, channel, chat, "commitment_remind", ref, text, now):
                    done.append(f"commitment:{c.code}:{kind}{n}")
        if overdue and office is not None:
            lines = [
                texts(
                    "commitments.overdue_line",
                    code=c.code,
                    body=body_name(settings, texts, c.body),
                    due=fmt_day(c.due),
                    text=snippet(c.text, 80),
                )
                for c in overdue
            ]
            text = texts("commitments.overdue", count=len(overdue), items="\n".join(lines))
            if await _deliver(
                tx, "telegram", office, "commitment_overdue", today.isoformat(), text, now
            ):
                done.append(f"commitments_overdue:{len(overdue)}")
    return done


async def show_earlier_commitments(services: Services, now: datetime) -> list[str]:
    """A dialogue taking questions: the office sees what earlier ones promised and is open."""
    settings, texts = services.settings, services.texts
    office = await office_chat(services, "telegram")
    if office is None:
        return []
    done: list[str] = []
    async with services.store.transaction() as tx:
        for d in await tx.dialogues():
            key = f"memory:shown:{d.code}"
            if not d.is_open(now) or await tx.kv_get(key) is not None:
                continue
            await tx.kv_set(key, now.isoformat())
            still_open = await open_before(tx, d.id)
            if not still_open:
                continue
            today = now.astimezone(settings.commune.tz).date()
            lines = [describe(settings, texts, c, today) for c in still_open]
            text = texts(
                "memory.office_notice",
                title=d.title,
                count=len(still_open),
                items="\n\n".join(lines),
            )
            if await _deliver(tx, "telegram", office, "earlier_commitments", d.code, text, now):
                done.append(f"earlier:{d.code}:{len(still_open)}")
    return done


async def _deliver(
    tx: Transaction, channel: str, chat: str, kind: str, ref: str, text: str, now: datetime
) -> bool:
    return await tx.add_delivery(channel, chat, kind, ref, text, DeliveryStatus.PENDING, now)
