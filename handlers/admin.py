"""Admins in the chat: dialogues' dates and place, broadcasts, and the conclusion.

Every command and step checks the admin role again on each inbound message.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from domain.models import Audience, DeliveryStatus
from domain.timefmt import fmt_datetime, fmt_day
from domain.workdays import due_dates
from handlers.common import DATETIME_RE, parse_local, snippet
from handlers.engine import Turn
from handlers.io import Choice
from storage.base import Transaction

COMMANDS = frozenset(
    {"dshoinghi", "hannhan", "lichhop", "diadiem", "donghoinghi", "phuctap", "thongbao", "ketluan"}
)

WRITE_NOTICE = "admin_write_notice"
NOTICE_AUDIENCE = "admin_notice_audience"
NOTICE_VILLAGES = "admin_notice_villages"
NOTICE_WHEN = "admin_notice_when"
NOTICE_TIME = "admin_notice_time"
NOTICE_CONFIRM = "admin_notice_confirm"
WRITE_CONCLUSION = "admin_write_conclusion"
CONFIRM_CONCLUSION = "admin_confirm_conclusion"
CONCLUSION_FILE = "admin_conclusion_file"
CONFIRM_CLOSE = "admin_confirm_close"

NOTICE_MAX_CHARS = 1800  # fits one Zalo message (2000) with the header
CONCLUSION_MAX_CHARS = 3000


class AdminFlows:
    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        if not turn.is_admin:
            # /dshoinghi shows due dates that officials need too.
            if command == "dshoinghi" and turn.is_official:
                await self.list_dialogues(turn)
                return
            await self._refuse(turn)
            return
        turn.state.data = {}
        if command == "dshoinghi":
            await self.list_dialogues(turn)
        elif command in ("hannhan", "lichhop", "diadiem", "donghoinghi", "phuctap"):
            await self._change_dialogue(turn, command, argument)
        elif command == "thongbao":
            turn.ask(WRITE_NOTICE, turn.t("admin.write_notice", max=NOTICE_MAX_CHARS))
        elif command == "ketluan":
            await self._start_conclusion(turn, argument)

    async def _refuse(self, turn: Turn) -> None:
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}
        turn.say(turn.t("roles.admins_only"))

    async def _done(self, turn: Turn, text: str) -> None:
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}
        turn.say(text)

    # --- dialogues -------------------------------------------------------------------------

    async def list_dialogues(self, turn: Turn, lead: str = "") -> None:
        dialogues = await turn.tx.dialogues()
        if not dialogues:
            await self._done(turn, turn.t("closed.no_dialogue"))
            return
        blocks = []
        for d in dialogues:
            conclusion = await turn.tx.conclusion(d.id)
            published = conclusion.published_at if conclusion else None
            due, answers = due_dates(d, published)
            state = "admin.state_closed" if not d.is_open(turn.now) else "admin.state_open"
            blocks.append(
                turn.t(
                    "admin.dialogue_block",
                    code=d.code,
                    title=d.title,
                    state=turn.t(state),
                    deadline=fmt_datetime(d.deadline, d.tz),
                    meeting=fmt_datetime(d.meeting_at, d.tz)
                    if d.meeting_at
                    else (d.meeting_note or turn.t("about.meeting_tba")),
                    location=d.location or turn.t("about.location_tba"),
                    conclusion_due=fmt_day(due) if due else turn.t("admin.after_meeting"),
                    answers_due=fmt_day(answers) if answers else turn.t("admin.after_meeting"),
                    complex=turn.t("admin.complex" if d.complex else "admin.simple"),
                    published=fmt_datetime(published, d.tz)
                    if published
                    else turn.t("admin.not_published"),
                )
            )
        await self._done(turn, "\n\n".join([lead, *blocks] if lead else blocks))

    async def _change_dialogue(self, turn: Turn, command: str, argument: str) -> None:
        code, _, rest = argument.strip().partition(" ")
        dialogue = await turn.tx.dialogue_by_code(code.upper()) if code else None
        if dialogue is None:
            await self._done(turn, turn.t(f"admin.usage_{command}"))
            return
        changes: dict[str, object] = {}
        if command in ("hannhan", "lichhop"):
            found = DATETIME_RE.match(rest)
            moment = parse_local(rest, dialogue.tz)
            # A meeting needs its hour; a deadline without one means the end of office hours.
            if moment is None or found is None or (command == "lichhop" and not found.group(2)):
                await self._done(turn, turn.t(f"admin.usage_{command}"))
                return
            changes["deadline" if command == "hannhan" else "meeting_at"] = moment
        elif command == "diadiem":
            place = " ".join(rest.split())
            if not 3 <= len(place) <= 300:
                await self._done(turn, turn.t("admin.usage_diadiem"))
                return
            changes["location"] = place
        elif command == "phuctap":
            changes["complex"] = not dialogue.complex
        elif command == "donghoinghi":
            turn.state.data = {"code": dialogue.code}
            turn.ask(
                CONFIRM_CLOSE,
                turn.t("admin.confirm_close", title=dialogue.title),
                [Choice("yes", turn.t("office.yes")), Choice("no", turn.t("office.no"))],
            )
            return
        updated = await turn.tx.admin_update_dialogue(dialogue.code, changes, turn.now)
        assert updated is not None
        await turn.tx.audit(
            turn.now, turn.inbound.person, "dialogue", f"{dialogue.code}: {', '.join(changes)}"
        )
        # Reminders are planned from these dates on every tick, so nothing else to re-plan.
        await self.list_dialogues(turn, turn.t("admin.dialogue_changed"))

    # --- broadcasts ------------------------------------------------------------------------

    async def _audience_choices(self, turn: Turn) -> list[Choice]:
        choices = [Choice("all", turn.t("admin.audience_all"))]
        if turn.plan.commune.villages:
            choices.append(Choice("villages", turn.t("admin.audience_villages")))
        for d in await turn.tx.dialogues():
            choices.append(Choice(f"askers:{d.code}", turn.t("admin.audience_askers", code=d.code)))
        return choices

    async def _ask_villages(self, turn: Turn) -> None:
        picked = set(turn.state.data.get("villages") or [])  # type: ignore[call-overload]
        choices = [
            Choice(str(i), ("✓ " if name in picked else "") + name)
            for i, name in enumerate(turn.plan.commune.villages)
        ]
        choices.append(Choice("done", turn.t("admin.villages_done")))
        turn.ask(NOTICE_VILLAGES, turn.t("admin.pick_villages", count=len(picked)), choices)

    def _audience(self, turn: Turn) -> Audience:
        kind = str(turn.state.data["audience"])
        if kind == "villages":
            return Audience("villages", tuple(turn.state.data.get("villages") or []))  # type: ignore[arg-type]
        if kind.startswith("askers:"):
            return Audience("askers", dialogue_code=kind.split(":", 1)[1])
        return Audience("all")

    def _describe(self, turn: Turn, audience: Audience) -> str:
        if audience.kind == "villages":
            return turn.t("admin.describe_villages", villages=", ".join(audience.villages))
        if audience.kind == "askers":
            return turn.t("admin.audience_askers", code=audience.dialogue_code)
        return turn.t("admin.audience_all")

    async def _confirm_notice(self, turn: Turn) -> None:
        audience = self._audience(turn)
        count = await turn.tx.count_audience(audience)
        send_at = turn.state.data.get("send_at")
        when = (
            fmt_datetime(datetime.fromisoformat(str(send_at)), turn.plan.commune.tz)
            if send_at
            else turn.t("admin.now")
        )
        turn.ask(
            NOTICE_CONFIRM,
            turn.t(
                "admin.confirm_notice",
                text=turn.state.data["text"],
                audience=self._describe(turn, audience),
                count=count,
                when=when,
            ),
            [Choice("yes", turn.t("admin.send_notice")), Choice("no", turn.t("office.no"))],
        )

    async def _create_broadcast(self, turn: Turn) -> None:
        audience = self._audience(turn)
        send_at_raw = turn.state.data.get("send_at")
        send_at = datetime.fromisoformat(str(send_at_raw)) if send_at_raw else turn.now
        text = (
            turn.t("admin.notice_header", commune=turn.plan.commune.name)
            + "\n"
            + str(turn.state.data["text"])
        )
        broadcast_id = await turn.tx.create_broadcast(
            text,
            audience,
            send_at,
            turn.inbound.person,
            turn.now,
            f"{turn.inbound.channel}:{turn.inbound.chat_id}",
        )
        await turn.tx.audit(
            turn.now,
            turn.inbound.person,
            "broadcast",
            f"#{broadcast_id}: {self._describe(turn, audience)}",
        )
        if send_at <= turn.now:
            count = await start_broadcast(turn.tx, broadcast_id, turn.now)
            turn.wake_outbox = True
            await self._done(turn, turn.t("admin.notice_sending", id=broadcast_id, count=count))
        else:
            await self._done(
                turn,
                turn.t(
                    "admin.notice_scheduled",
                    id=broadcast_id,
                    when=fmt_datetime(send_at, turn.plan.commune.tz),
                ),
            )

    # --- conclusion ------------------------------------------------------------------------

    async def _start_conclusion(self, turn: Turn, argument: str) -> None:
        dialogue = await turn.tx.dialogue_by_code(argument.strip().upper()) if argument else None
        if dialogue is None:
            await self._done(turn, turn.t("admin.usage_ketluan"))
            return
        existing = await turn.tx.conclusion(dialogue.id)
        if existing is not None and existing.published_at is not None:
            await self._done(
                turn,
                turn.t(
                    "admin.already_published",
                    code=dialogue.code,
                    at=fmt_datetime(existing.published_at, dialogue.tz),
                ),
            )
            return
        turn.state.data = {"code": dialogue.code}
        turn.ask(
            WRITE_CONCLUSION,
            turn.t("admin.write_conclusion", title=dialogue.title, max=CONCLUSION_MAX_CHARS),
        )

    async def _confirm_conclusion(self, turn: Turn) -> None:
        dialogue = await turn.tx.dialogue_by_code(str(turn.state.data["code"]))
        assert dialogue is not None
        people = {(c, ch) for c, ch, *_ in await turn.tx.askers_with_answers(dialogue.id)}
        name = turn.state.data.get("file_name")
        attached = turn.t("admin.with_file", name=name) if name else turn.t("admin.without_file")
        turn.ask(
            CONFIRM_CONCLUSION,
            turn.t("admin.confirm_conclusion", text=turn.state.data["text"], count=len(people))
            + "\n"
            + attached,
            [Choice("yes", turn.t("admin.publish")), Choice("no", turn.t("office.no"))],
        )

    async def on_file(self, turn: Turn) -> None:
        if not turn.is_admin:
            await self._refuse(turn)
            return
        if turn.state.step != CONCLUSION_FILE:
            turn.ask(
                turn.state.step,
                turn.t("input.unsupported"),
                [Choice(k, label) for k, label in turn.state.choices],
            )
            return
        turn.state.data["file_ref"] = turn.inbound.file_ref
        turn.state.data["file_name"] = turn.inbound.file_name
        await self._confirm_conclusion(turn)

    async def _publish_conclusion(self, turn: Turn) -> None:
        dialogue = await turn.tx.dialogue_by_code(str(turn.state.data["code"]))
        assert dialogue is not None
        summary = str(turn.state.data["text"])
        await turn.tx.record_conclusion(dialogue.id, summary, turn.inbound.person, turn.now)
        _, answers = due_dates(dialogue, turn.now)
        people: dict[tuple[str, str], list[str]] = defaultdict(list)
        for channel, chat, code, text, answer, forwarded in await turn.tx.askers_with_answers(
            dialogue.id
        ):
            if answer:
                line = turn.t(
                    "conclusion.answered", code=code, text=snippet(text, 120), answer=answer
                )
            elif forwarded:
                line = turn.t(
                    "conclusion.forwarded", code=code, text=snippet(text, 120), authority=forwarded
                )
            else:
                line = turn.t(
                    "conclusion.pending",
                    code=code,
                    text=snippet(text, 120),
                    due=fmt_day(answers) if answers else turn.t("admin.after_meeting"),
                )
            if line not in people[(channel, chat)]:
                people[(channel, chat)].append(line)
        ref = f"{dialogue.code}/conclusion"
        raw_ref = turn.state.data.get("file_ref")
        file_ref = raw_ref if isinstance(raw_ref, str) and raw_ref else None
        file_name = str(turn.state.data.get("file_name") or "") or None
        for (channel, chat), lines in people.items():
            message = turn.t(
                "conclusion.message",
                title=dialogue.title,
                summary=summary,
                items="\n\n".join(lines),
            )
            await turn.tx.add_delivery(
                channel,
                chat,
                "conclusion",
                ref,
                message,
                DeliveryStatus.PENDING,
                turn.now,
                file_ref=file_ref,
                file_name=file_name,
            )
        # Answers held back for the conclusion are in it now: they must not also go alone.
        await turn.tx.cancel_held("answer", f"{dialogue.code}/")
        await turn.tx.mark_published(dialogue.id, turn.now)
        await turn.tx.audit(turn.now, turn.inbound.person, "conclusion", dialogue.code)
        turn.wake_outbox = True
        await self._done(turn, turn.t("admin.published", code=dialogue.code, count=len(people)))

    # --- steps ---------------------------------------------------------------------------

    async def on_choice(self, turn: Turn, key: str) -> None:
        if not turn.is_admin:
            await self._refuse(turn)
            return
        step = turn.state.step
        if key == "no":
            await self._done(turn, turn.t("office.cancelled"))
        elif step == NOTICE_AUDIENCE:
            turn.state.data["audience"] = key
            if key == "villages":
                turn.state.data["villages"] = []
                await self._ask_villages(turn)
            else:
                await self._ask_when(turn)
        elif step == NOTICE_VILLAGES:
            if key == "done":
                if not turn.state.data.get("villages"):
                    await self._ask_villages(turn)
                    return
                await self._ask_when(turn)
                return
            name = turn.plan.commune.villages[int(key)]
            picked: list[str] = list(turn.state.data.get("villages") or [])  # type: ignore[call-overload]
            if name in picked:
                picked.remove(name)
            else:
                picked.append(name)
            turn.state.data["villages"] = picked
            await self._ask_villages(turn)
        elif step == NOTICE_WHEN:
            if key == "now":
                turn.state.data["send_at"] = None
                await self._confirm_notice(turn)
            else:
                turn.ask(NOTICE_TIME, turn.t("admin.write_time"))
        elif step == NOTICE_CONFIRM:
            await self._create_broadcast(turn)
        elif step == CONCLUSION_FILE:
            await self._confirm_conclusion(turn)
        elif step == CONFIRM_CONCLUSION:
            await self._publish_conclusion(turn)
        elif step == CONFIRM_CLOSE:
            code = str(turn.state.data["code"])
            await turn.tx.admin_update_dialogue(code, {"closed": True}, turn.now)
            await turn.tx.audit(turn.now, turn.inbound.person, "dialogue", f"{code}: closed")
            await self._done(turn, turn.t("admin.closed", code=code))
        else:
            await self._done(turn, turn.t("office.cancelled"))

    async def _ask_when(self, turn: Turn) -> None:
        turn.ask(
            NOTICE_WHEN,
            turn.t("admin.pick_when"),
            [Choice("now", turn.t("admin.now")), Choice("later", turn.t("admin.later"))],
        )

    async def on_text(self, turn: Turn, text: str) -> None:
        if not turn.is_admin:
            await self._refuse(turn)
            return
        step = turn.state.step
        body = text.strip()
        if step == WRITE_NOTICE:
            if not 5 <= len(body) <= NOTICE_MAX_CHARS:
                turn.ask(
                    WRITE_NOTICE, turn.t("admin.bad_length", length=len(body), max=NOTICE_MAX_CHARS)
                )
                return
            turn.state.data["text"] = body
            turn.ask(
                NOTICE_AUDIENCE, turn.t("admin.pick_audience"), await self._audience_choices(turn)
            )
        elif step == NOTICE_TIME:
            moment = parse_local(body, turn.plan.commune.tz)
            if moment is None or moment <= turn.now:
                turn.ask(NOTICE_TIME, turn.t("admin.bad_time"))
                return
            turn.state.data["send_at"] = moment.isoformat()
            await self._confirm_notice(turn)
        elif step == WRITE_CONCLUSION:
            if not 10 <= len(body) <= CONCLUSION_MAX_CHARS:
                turn.ask(
                    WRITE_CONCLUSION,
                    turn.t("admin.bad_length", length=len(body), max=CONCLUSION_MAX_CHARS),
                )
                return
            turn.state.data["text"] = body
            turn.ask(
                CONCLUSION_FILE,
                turn.t("admin.conclusion_file"),
                [Choice("skip", turn.t("admin.no_file"))],
            )
        else:
            turn.ask(
                step,
                turn.t("input.choose_from"),
                [Choice(k, label) for k, label in turn.state.choices],
            )


async def start_broadcast(tx: Transaction, broadcast_id: int, now: datetime) -> int:
    """Write one delivery per recipient and mark the broadcast as sending, in one transaction."""
    broadcast = await tx.broadcast(broadcast_id)
    assert broadcast is not None
    count = await tx.materialize(
        "notice", str(broadcast_id), broadcast.text, broadcast.audience, now
    )
    await tx.update_broadcast(broadcast_id, status="sending", recipients=count)
    return count
