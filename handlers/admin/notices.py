"""/thongbao: write a notice, choose who gets it and when, confirm, send.

One delivery row per recipient is written (`start_broadcast`) before anything is sent, in the
same transaction that marks the broadcast as sending; the outbox sends them afterwards.
"""

from __future__ import annotations

from datetime import datetime

from domain.models import Audience
from domain.numfmt import fmt_number
from domain.plan import Plan
from domain.texts import Texts
from domain.timefmt import fmt_datetime
from handlers.admin.draft import AdminDraft, keep_text
from handlers.common import parse_local
from handlers.engine import Turn
from handlers.io import Choice
from handlers.steps import AdminStep
from storage.base import Transaction

NOTICE_MAX_CHARS = 1800  # fits one Zalo message (2000) with the header


async def ask_notice(turn: Turn, argument: str) -> None:
    turn.ask(AdminStep.WRITE_NOTICE, turn.t("admin.write_notice", max=fmt_number(NOTICE_MAX_CHARS)))


async def take_notice(turn: Turn, text: str) -> None:
    if not keep_text(turn, text, 5, NOTICE_MAX_CHARS):
        return
    choices = [Choice("all", turn.t("admin.audience_all"))]
    if turn.plan.commune.villages:
        choices.append(Choice("villages", turn.t("admin.audience_villages")))
    for d in await turn.tx.dialogues():
        choices.append(Choice(f"askers:{d.code}", turn.t("admin.audience_askers", code=d.code)))
    turn.ask(AdminStep.NOTICE_AUDIENCE, turn.t("admin.pick_audience"), choices)


async def pick_audience(turn: Turn, key: str) -> None:
    draft = turn.draft(AdminDraft)
    draft.audience = key
    if key == "villages":
        draft.villages = ()
        await _ask_villages(turn)
    else:
        await _ask_when(turn)


async def _ask_villages(turn: Turn) -> None:
    picked = set(turn.draft(AdminDraft).villages)
    choices = [
        Choice(str(i), ("✓ " if name in picked else "") + name)
        for i, name in enumerate(turn.plan.commune.villages)
    ]
    choices.append(Choice("done", turn.t("admin.villages_done")))
    turn.ask(AdminStep.NOTICE_VILLAGES, turn.t("admin.pick_villages", count=len(picked)), choices)


async def toggle_village(turn: Turn, key: str) -> None:
    draft = turn.draft(AdminDraft)
    if key == "done":
        if draft.villages:
            await _ask_when(turn)
        else:
            await _ask_villages(turn)
        return
    name = turn.plan.commune.villages[int(key)]
    picked = [v for v in draft.villages if v != name]
    draft.villages = tuple(picked if name in draft.villages else [*picked, name])
    await _ask_villages(turn)


async def _ask_when(turn: Turn) -> None:
    turn.ask(
        AdminStep.NOTICE_WHEN,
        turn.t("admin.pick_when"),
        [Choice("now", turn.t("admin.now")), Choice("later", turn.t("admin.later"))],
    )


async def pick_when(turn: Turn, key: str) -> None:
    if key == "now":
        turn.draft(AdminDraft).send_at = None
        await _confirm_notice(turn)
    else:
        turn.ask(AdminStep.NOTICE_TIME, turn.t("admin.write_time"))


async def take_time(turn: Turn, text: str) -> None:
    moment = parse_local(text.strip(), turn.plan.commune.tz)
    if moment is None or moment <= turn.now:
        turn.reask(turn.t("admin.bad_time"))
        return
    turn.draft(AdminDraft).send_at = moment
    await _confirm_notice(turn)


def _audience(draft: AdminDraft) -> Audience:
    kind = draft.audience or "all"
    if kind == "villages":
        return Audience("villages", draft.villages)
    if kind.startswith("askers:"):
        return Audience("askers", dialogue_code=kind.split(":", 1)[1])
    return Audience("all")


def describe_audience(texts: Texts, audience: Audience) -> str:
    if audience.kind == "villages":
        return texts("admin.describe_villages", villages=", ".join(audience.villages))
    if audience.kind == "askers":
        return texts("admin.audience_askers", code=audience.dialogue_code)
    return texts("admin.audience_all")


def _describe(turn: Turn, audience: Audience) -> str:
    return describe_audience(turn.t, audience)


async def _confirm_notice(turn: Turn) -> None:
    draft = turn.draft(AdminDraft)
    audience = _audience(draft)
    count = await turn.tx.count_audience(audience)
    tz = turn.plan.commune.tz
    when = fmt_datetime(draft.send_at, tz) if draft.send_at else turn.t("admin.now")
    turn.ask(
        AdminStep.NOTICE_CONFIRM,
        turn.t(
            "admin.confirm_notice",
            text=draft.text,
            audience=_describe(turn, audience),
            count=count,
            when=when,
        ),
        [Choice("yes", turn.t("admin.send_notice")), Choice("no", turn.t("office.no"))],
    )


async def create_broadcast(turn: Turn, key: str) -> None:
    draft = turn.draft(AdminDraft)
    broadcast_id, count = await schedule_notice(
        turn.tx,
        turn.plan,
        turn.t,
        turn.inbound.person,
        turn.now,
        str(draft.text),
        _audience(draft),
        draft.send_at,
        f"{turn.inbound.channel}:{turn.inbound.chat_id}",
    )
    if count is not None:
        turn.wake_outbox = True
        turn.finish(turn.t("admin.notice_sending", id=broadcast_id, count=count))
    else:
        assert draft.send_at is not None
        when = fmt_datetime(draft.send_at, turn.plan.commune.tz)
        turn.finish(turn.t("admin.notice_scheduled", id=broadcast_id, when=when))


async def schedule_notice(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    person: str,
    now: datetime,
    text: str,
    audience: Audience,
    send_at: datetime | None,
    progress_chat: str | None,
) -> tuple[int, int | None]:
    """A notice from an admin (in the chat or on the web page), with its audit line: started
    now (the broadcast's id and its number of recipients, whose deliveries are written) or at
    `send_at` (the id and None; the scheduler starts it)."""
    header = texts("admin.notice_header", commune=plan.commune.name)
    at = send_at if send_at is not None and send_at > now else now
    broadcast_id = await tx.create_broadcast(
        f"{header}\n{text}", audience, at, person, now, progress_chat
    )
    described = describe_audience(texts, audience)
    await tx.audit(now, person, "broadcast", f"#{broadcast_id}: {described}")
    if at <= now:
        return broadcast_id, await start_broadcast(tx, broadcast_id, now)
    return broadcast_id, None


async def start_broadcast(tx: Transaction, broadcast_id: int, now: datetime) -> int:
    """Write one delivery per recipient and mark the broadcast as sending, in one transaction."""
    broadcast = await tx.broadcast(broadcast_id)
    assert broadcast is not None
    count = await tx.materialize(
        "notice", str(broadcast_id), broadcast.text, broadcast.audience, now
    )
    await tx.update_broadcast(broadcast_id, status="sending", recipients=count)
    return count
