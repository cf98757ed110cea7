"""Officials after the meeting: each matter of the conclusion that needs action becomes a
commitment (who, what, by when in working days), followed by dated progress notes until it is
done; the list shows what is overdue, and the earlier dialogues' commitments still open."""

from __future__ import annotations

from datetime import date

from domain.meeting import Commitment, CommitmentStatus
from domain.timefmt import fmt_day
from domain.workdays import add_working_days, next_working_day, working_days_between
from handlers.commitment_ops import (
    Noted,
    add_commitment,
    add_note,
    body_name,
    describe,
    find_commitment,
    local_today,
)
from handlers.common import parse_code, parse_date, snippet
from handlers.engine import Turn
from handlers.io import Choice
from handlers.meeting.draft import MeetingDraft, actor
from handlers.steps import FollowupStep

TEXT_MAX_CHARS = 1000
DUE_CHOICES = (7, 15, 30, 60)  # working days; 7 is the seeds' time for departments' answers
LISTED = 30


def line(turn: Turn, commitment: Commitment) -> str:
    return describe(turn.plan, turn.t, commitment, local_today(turn.plan, turn.now))


# --- /camket: a new commitment -----------------------------------------------------------


async def start(turn: Turn, argument: str) -> None:
    code = parse_code(argument)
    if code is None:
        turn.finish(turn.t("office.usage_code", command="camket"))
        return
    question = await turn.tx.question_by_code(code)
    if question is None:
        turn.finish(turn.t("office.unknown_code", code=code))
        return
    existing = await turn.tx.commitment_for_cluster(question.cluster_id)
    if existing is not None:
        turn.finish(turn.t("commitments.exists", code=code, commitment=existing.code))
        return
    turn.start_draft(MeetingDraft(question=question.id, dialogue=question.dialogue_code))
    record = await turn.tx.cluster(question.cluster_id)
    fallback = turn.plan.department_for(question.category)
    key = record.department if record and record.department else fallback.key if fallback else None
    default = body_name(turn.plan, turn.t, key)
    turn.ask(
        FollowupStep.COMMIT_BODY,
        turn.t(
            "commitments.pick_body",
            code=question.receipt_code,
            text=snippet(question.text, 200),
            default=default,
        ),
        [Choice(d.key, d.name) for d in turn.plan.departments],
    )


async def pick_body(turn: Turn, key: str) -> None:
    turn.draft(MeetingDraft).body = key
    await ask_due(turn)


async def take_body(turn: Turn, raw: str) -> None:
    body = " ".join(raw.split())
    if not 3 <= len(body) <= 200:
        turn.reask(turn.t("office.bad_authority"))
        return
    turn.draft(MeetingDraft).body = body
    await ask_due(turn)


async def ask_due(turn: Turn, lead: str = "") -> None:
    today = local_today(turn.plan, turn.now)
    choices = [
        Choice(str(n), turn.t("commitments.days", n=n, due=fmt_day(add_working_days(today, n))))
        for n in DUE_CHOICES
    ]
    text = turn.t("commitments.pick_due", today=fmt_day(today))
    turn.ask(FollowupStep.COMMIT_DUE, f"{lead}\n\n{text}" if lead else text, choices)


async def pick_due(turn: Turn, key: str) -> None:
    today = local_today(turn.plan, turn.now)
    await _set_due(turn, add_working_days(today, int(key)))


async def take_due(turn: Turn, raw: str) -> None:
    typed = raw.strip()
    today = local_today(turn.plan, turn.now)
    if typed.isdigit() and 1 <= int(typed) <= 365:
        await _set_due(turn, add_working_days(today, int(typed)))
        return
    day = parse_date(typed)
    if day is None or day <= today:
        await ask_due(turn, turn.t("commitments.bad_due"))
        return
    await _set_due(turn, next_working_day(day), moved=next_working_day(day) != day)


async def _set_due(turn: Turn, due: date, moved: bool = False) -> None:
    draft = turn.draft(MeetingDraft)
    draft.due = due.isoformat()
    lead = turn.t("commitments.due_moved", due=fmt_day(due)) if moved else ""
    await ask_text(turn, lead)


async def ask_text(turn: Turn, lead: str = "") -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.question is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    record = await turn.tx.cluster(question.cluster_id)
    choices = (
        [Choice("answer", turn.t("commitments.use_answer"))] if record and record.answer else []
    )
    text = turn.t("commitments.write", max=TEXT_MAX_CHARS)
    turn.ask(FollowupStep.COMMIT_TEXT, f"{lead}\n\n{text}" if lead else text, choices)


async def use_answer(turn: Turn, key: str) -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.question is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    record = await turn.tx.cluster(question.cluster_id)
    await _confirm(turn, record.answer if record and record.answer else "")


async def take_text(turn: Turn, raw: str) -> None:
    await _confirm(turn, raw.strip())


async def _confirm(turn: Turn, text: str) -> None:
    if not 10 <= len(text) <= TEXT_MAX_CHARS:
        await ask_text(turn, turn.t("commitments.bad_text", length=len(text), max=TEXT_MAX_CHARS))
        return
    draft = turn.draft(MeetingDraft)
    draft.text = text
    due = date.fromisoformat(str(draft.due))
    today = local_today(turn.plan, turn.now)
    turn.ask(
        FollowupStep.COMMIT_CONFIRM,
        turn.t(
            "commitments.confirm",
            body=body_name(turn.plan, turn.t, draft.body),
            due=fmt_day(due),
            days=working_days_between(today, due),
            text=text,
        ),
        [Choice("yes", turn.t("commitments.save")), Choice("no", turn.t("office.no"))],
    )


async def save(turn: Turn, key: str) -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.question and draft.body and draft.text and draft.due
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    made, new = await add_commitment(
        turn.tx,
        actor(turn),
        question,
        draft.body,
        draft.text,
        date.fromisoformat(draft.due),
        turn.now,
    )
    key = "commitments.created" if new else "commitments.exists"
    turn.finish(
        turn.t(key, code=question.receipt_code, commitment=made.code) + "\n" + line(turn, made)
    )


# --- /tiendo: a progress note ------------------------------------------------------------


async def start_note(turn: Turn, argument: str) -> None:
    commitment = await find_commitment(turn.tx, argument)
    if commitment is None:
        turn.finish(turn.t("commitments.usage_note"))
        return
    if commitment.closed:
        turn.finish(_closed(turn, commitment))
        return
    turn.start_draft(MeetingDraft(dialogue=commitment.dialogue_code, commitment=commitment.seq))
    turn.ask(
        FollowupStep.NOTE_TEXT,
        turn.t("commitments.write_note", line=line(turn, commitment), max=TEXT_MAX_CHARS),
    )


def _closed(turn: Turn, commitment: Commitment) -> str:
    done = commitment.done_at.astimezone(turn.plan.commune.tz) if commitment.done_at else None
    return turn.t("commitments.closed", code=commitment.code, at=fmt_day(done) if done else "")


async def take_note(turn: Turn, raw: str) -> None:
    text = raw.strip()
    if not 5 <= len(text) <= TEXT_MAX_CHARS:
        turn.reask(turn.t("commitments.bad_text", length=len(text), max=TEXT_MAX_CHARS))
        return
    turn.draft(MeetingDraft).text = text
    turn.ask(
        FollowupStep.NOTE_STATUS,
        turn.t("commitments.pick_status", text=text),
        [
            Choice(CommitmentStatus.IN_PROGRESS.value, turn.t("commitments.status_in_progress")),
            Choice(CommitmentStatus.DONE.value, turn.t("commitments.status_done")),
            Choice("no", turn.t("office.no")),
        ],
    )


async def save_note(turn: Turn, key: str) -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.dialogue and draft.commitment and draft.text
    commitment = await turn.tx.commitment_by_code(draft.dialogue, draft.commitment)
    assert commitment is not None
    noted, told = await add_note(
        turn.tx,
        turn.plan,
        turn.t,
        actor(turn),
        commitment,
        draft.text,
        CommitmentStatus(key),
        turn.now,
    )
    if noted is Noted.CLOSED:
        turn.finish(_closed(turn, commitment))
    elif noted is Noted.DONE:
        turn.wake_outbox = True
        turn.finish(turn.t("commitments.done", code=commitment.code, people=told))
    else:
        turn.finish(turn.t("commitments.noted", code=commitment.code))


# --- /dscamket: the list -----------------------------------------------------------------


async def show_list(turn: Turn, argument: str) -> None:
    words = argument.strip().upper().split()
    overdue_only = any(w in ("QUAHAN", "QUÁHẠN") for w in words)
    codes = [w for w in words if w not in ("QUAHAN", "QUÁHẠN")]
    dialogue = await turn.tx.dialogue_by_code(codes[0]) if codes else None
    if codes and dialogue is None:
        turn.finish(turn.t("office.unknown_dialogue", code=codes[0]))
        return
    today = local_today(turn.plan, turn.now)
    listed = await turn.tx.commitments(dialogue.id if dialogue else None)
    overdue = [c for c in listed if c.shown_status(today) is CommitmentStatus.OVERDUE]
    if overdue_only:
        shown = overdue
    elif dialogue is not None:
        shown = listed  # one dialogue: done ones too, to show how they were kept
    else:
        shown = [c for c in listed if not c.closed]
    if not listed:
        turn.finish(turn.t("commitments.none"))
        return
    head = turn.t(
        "commitments.list_head",
        total=len(listed),
        done=sum(1 for c in listed if c.closed),
        overdue=len(overdue),
    )
    # Overdue first: that is what the office has to chase.
    shown.sort(key=lambda c: (c.shown_status(today) is not CommitmentStatus.OVERDUE, c.due))
    lines = [line(turn, c) for c in shown[:LISTED]]
    if len(shown) > LISTED:
        lines.append(turn.t("speakers.more", count=len(shown) - LISTED))
    turn.finish("\n\n".join([head, *lines]) if lines else head)
