"""Admins set a dialogue's dates and place in the chat; /dshoinghi lists the dialogues with
their working-day due dates (officials may list them too)."""

from __future__ import annotations

from domain.address import parse_address
from domain.models import Dialogue
from domain.timefmt import fmt_datetime, fmt_day
from domain.workdays import due_dates
from handlers.admin.draft import AdminDraft
from handlers.common import DATETIME_RE, parse_local
from handlers.engine import Turn
from handlers.io import Choice
from handlers.steps import AdminStep


async def list_dialogues(turn: Turn, argument: str = "", lead: str = "") -> None:
    dialogues = await turn.tx.dialogues()
    if not dialogues:
        turn.finish(turn.t("closed.no_dialogue"))
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
                address=d.address,
                published=fmt_datetime(published, d.tz)
                if published
                else turn.t("admin.not_published"),
            )
        )
    turn.finish("\n\n".join([lead, *blocks] if lead else blocks))


async def _dialogue_arg(turn: Turn, command: str, argument: str) -> tuple[Dialogue, str] | None:
    """The dialogue named first in the argument, and the rest of it."""
    code, _, rest = argument.strip().partition(" ")
    dialogue = await turn.tx.dialogue_by_code(code.upper()) if code else None
    if dialogue is None:
        turn.finish(turn.t(f"admin.usage_{command}"))
        return None
    return dialogue, rest


async def _change(turn: Turn, dialogue: Dialogue, changes: dict[str, object]) -> None:
    updated = await turn.tx.admin_update_dialogue(dialogue.code, changes, turn.now)
    assert updated is not None
    await turn.tx.audit(
        turn.now, turn.inbound.person, "dialogue", f"{dialogue.code}: {', '.join(changes)}"
    )
    # Reminders are planned from these dates on every tick, so nothing else to re-plan.
    await list_dialogues(turn, lead=turn.t("admin.dialogue_changed"))


async def _set_moment(turn: Turn, command: str, field: str, argument: str) -> None:
    found = await _dialogue_arg(turn, command, argument)
    if found is None:
        return
    dialogue, rest = found
    typed = DATETIME_RE.match(rest)
    moment = parse_local(rest, dialogue.tz)
    # A meeting needs its hour; a deadline without one means the end of office hours.
    if moment is None or typed is None or (field == "meeting_at" and not typed.group(2)):
        turn.finish(turn.t(f"admin.usage_{command}"))
        return
    await _change(turn, dialogue, {field: moment})


async def set_deadline(turn: Turn, argument: str) -> None:
    await _set_moment(turn, "hannhan", "deadline", argument)


async def set_meeting(turn: Turn, argument: str) -> None:
    await _set_moment(turn, "lichhop", "meeting_at", argument)


async def set_location(turn: Turn, argument: str) -> None:
    found = await _dialogue_arg(turn, "diadiem", argument)
    if found is None:
        return
    dialogue, rest = found
    place = " ".join(rest.split())
    if not 3 <= len(place) <= 300:
        turn.finish(turn.t("admin.usage_diadiem"))
        return
    await _change(turn, dialogue, {"location": place})


async def toggle_complex(turn: Turn, argument: str) -> None:
    found = await _dialogue_arg(turn, "phuctap", argument)
    if found is not None:
        dialogue = found[0]
        await _change(turn, dialogue, {"complex": not dialogue.complex})


async def set_address(turn: Turn, argument: str) -> None:
    """/xungho BL27 bạn: how that dialogue's texts address residents."""
    found = await _dialogue_arg(turn, "xungho", argument)
    if found is None:
        return
    dialogue, rest = found
    address = parse_address(rest)
    if address is None:
        turn.finish(turn.t("admin.usage_xungho"))
        return
    await _change(turn, dialogue, {"address": address})


async def ask_close(turn: Turn, argument: str) -> None:
    found = await _dialogue_arg(turn, "donghoinghi", argument)
    if found is None:
        return
    dialogue = found[0]
    turn.start_draft(AdminDraft(code=dialogue.code))
    turn.ask(
        AdminStep.CONFIRM_CLOSE,
        turn.t("admin.confirm_close", title=dialogue.title),
        [Choice("yes", turn.t("office.yes")), Choice("no", turn.t("office.no"))],
    )


async def close(turn: Turn, key: str) -> None:
    code = str(turn.draft(AdminDraft).code)
    await turn.tx.admin_update_dialogue(code, {"closed": True}, turn.now)
    await turn.tx.audit(turn.now, turn.inbound.person, "dialogue", f"{code}: closed")
    turn.finish(turn.t("admin.closed", code=code))
