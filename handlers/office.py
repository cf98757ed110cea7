"""The office's side in the chat: digests, reports, assignment, answers, merges.

The router checks each command's role (handlers/commands.py) before it runs; every step checks
the official role again (Turn.role is read from the config and the store on each inbound
message), so a revoked official is refused mid-flow too. Staff management is in
handlers/staff.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from domain.models import Dialogue, Question
from domain.plan import Role
from domain.reports.data import ReportData
from domain.reports.digest import format_digest, format_empty_digest
from domain.timefmt import fmt_datetime, fmt_day
from handlers import commands, staff, suggestions, web_access
from handlers.common import parse_code, parse_date, snippet
from handlers.desk import ANSWER_MAX_CHARS, Desk, answer_fits, authority_name
from handlers.drafts import StoredDraft
from handlers.engine import Handler, On, Turn
from handlers.io import Attachment, Choice, Reply
from handlers.reporting import audit_label, build_digest, build_report, report_files
from handlers.staff_flow import StaffFlow
from handlers.steps import Flow, OfficeStep

AUDIT_SHOWN = 20

# The office flow's command names (from the registry), for callers that list them.
OFFICIAL_COMMANDS = commands.names(Flow.OFFICE, Role.OFFICIAL)
ADMIN_COMMANDS = commands.names(Flow.OFFICE, Role.ADMIN)
COMMANDS = commands.names(Flow.OFFICE)  # /web too, which the secretariat may send


@dataclass
class OfficeDraft(StoredDraft):
    """The request an official is working on, kept between messages."""

    question: int | None = None  # the question named in the command
    cluster: int | None = None  # its cluster, which the work applies to
    answer: str | None = None
    authority: str | None = None  # where the request is forwarded
    keep: int | None = None  # merging: the cluster that stays
    absorb: int | None = None  # merging: the cluster that joins it
    codes: str | None = None  # merging: both receipt codes, for the audit log


def _yes_no(turn: Turn) -> list[Choice]:
    return [Choice("yes", turn.t("office.yes")), Choice("no", turn.t("office.no"))]


async def _question_arg(turn: Turn, argument: str, command: str) -> Question | None:
    """The question a command names by its receipt code; it becomes the task's subject."""
    code = parse_code(argument)
    if code is None:
        turn.finish(turn.t("office.usage_code", command=command))
        return None
    question = await turn.tx.question_by_code(code)
    if question is None:
        turn.finish(turn.t("office.unknown_code", code=code))
        return None
    turn.start_draft(OfficeDraft(question=question.id, cluster=question.cluster_id))
    return question


async def _dialogues_for(turn: Turn, argument: str) -> list[Dialogue] | None:
    """The dialogue the argument names, else the open ones, else all; None (and the office
    told why) when there is none."""
    dialogues = await turn.tx.dialogues()
    code = argument.strip().upper().split(" ")[0] if argument.strip() else ""
    if code and code not in ("ALL", "TATCA", "CONGKHAI"):
        chosen = [d for d in dialogues if d.code == code]
        if not chosen:
            turn.finish(turn.t("office.unknown_dialogue", code=code))
            return None
        return chosen
    if not dialogues:
        turn.finish(turn.t("closed.no_dialogue"))
        return None
    return [d for d in dialogues if d.is_open(turn.now)] or dialogues


async def _first_of_cluster(turn: Turn) -> Question:
    cluster = turn.draft(OfficeDraft).cluster
    assert cluster is not None
    return (await turn.tx.questions_by_ids([cluster]))[0]


# --- digests and reports -------------------------------------------------------------------


async def digest(turn: Turn, argument: str) -> None:
    dialogues = await _dialogues_for(turn, argument)
    if dialogues is None:
        return
    datas = [await build_digest(turn.tx, turn.plan, turn.t, d, turn.now) for d in dialogues]
    turn.reset()

    async def render() -> None:
        from domain.reports.chart import render_chart  # matplotlib: imported when used

        for data in datas:
            if not data.clusters:
                turn.say(format_empty_digest(data, turn.t))
                continue
            chunks = format_digest(data, turn.t)
            chart = await asyncio.to_thread(render_chart, data, turn.t)
            for chunk in chunks[:-1]:
                turn.say(chunk)
            turn.replies.append(
                Reply(
                    chunks[-1],
                    attachments=(Attachment(f"bieu-do-{data.dialogue_code}.png", chart, "photo"),),
                )
            )

    turn.deferred.append(render)


async def report(turn: Turn, argument: str) -> None:
    public = "congkhai" in argument.lower() or "public" in argument.lower()
    dialogues = await _dialogues_for(turn, argument)
    if dialogues is None:
        return
    dialogue = dialogues[0]
    data = await build_report(turn.tx, turn.plan, turn.t, dialogue, turn.now, public)
    turn.reset()

    async def render() -> None:
        turn.replies.append(await report_reply(turn, data, dialogue))

    turn.deferred.append(render)


async def report_reply(turn: Turn, data: ReportData, dialogue: Dialogue) -> Reply:
    files = await asyncio.to_thread(report_files, data, turn.t)
    return Reply(
        turn.t(
            "office.report_ready",
            code=dialogue.code,
            kind=turn.t("office.public" if data.public else "office.internal"),
        ),
        attachments=tuple(Attachment(name, content) for name, content in files),
    )


async def audit_log(turn: Turn, argument: str) -> None:
    entries = await turn.tx.audit_log(AUDIT_SHOWN)
    if not entries:
        turn.finish(turn.t("office.audit_empty"))
        return
    tz = turn.plan.commune.tz
    lines = [
        turn.t(
            "office.audit_line",
            at=fmt_datetime(e.at, tz),
            who=e.who,
            action=audit_label(turn.t, e.action),
            detail=e.detail,
        )
        for e in entries
    ]
    turn.finish(turn.t("office.audit_head") + "\n" + "\n".join(lines))


# --- assignment ----------------------------------------------------------------------------


async def ask_department(turn: Turn, argument: str) -> None:
    question = await _question_arg(turn, argument, "phancong")
    if question is None:
        return
    departments = turn.plan.departments
    if not departments:
        turn.finish(turn.t("office.no_departments"))
        return
    default = turn.plan.department_for(question.category)
    turn.ask(
        OfficeStep.PICK_DEPARTMENT,
        turn.t(
            "office.pick_department",
            code=question.receipt_code,
            text=snippet(question.text, 200),
            default=default.name if default else turn.t("common.not_given"),
        ),
        [Choice(d.key, d.name) for d in departments],
    )


async def assign(turn: Turn, key: str) -> None:
    question = await _first_of_cluster(turn)
    done = await Desk.of(turn).assign(question.id, key)
    turn.finish(
        turn.t("office.assigned", code=done.code, department=done.department, due=fmt_day(done.due))
    )


async def set_due(turn: Turn, argument: str) -> None:
    parts = argument.split()
    code = parse_code(parts[0]) if parts else None
    due = parse_date(parts[1]) if len(parts) > 1 else None
    if code is None or due is None:
        turn.finish(turn.t("office.usage_due"))
        return
    question = await turn.tx.question_by_code(code)
    if question is None:
        turn.finish(turn.t("office.unknown_code", code=code))
        return
    await Desk.of(turn).set_due(question.cluster_id, due, code)
    turn.finish(turn.t("office.due_set", code=code, due=fmt_day(due)))


# --- answers and forwarding ----------------------------------------------------------------


PREVIEW_MEMBERS = 8


async def start_answer(turn: Turn, argument: str) -> None:
    question = await _question_arg(turn, argument, "traloi")
    if question is not None:
        await _preview_answer(turn, question)


async def _preview_answer(turn: Turn, question: Question, lead: str = "") -> None:
    """Before an answer is written: who will receive it, and the cluster's members, marking
    those the engine put there that no official has looked at; any of them can be left out."""
    members = [
        q
        for q in await turn.tx.dialogue_questions(question.dialogue_id)
        if q.cluster_id == question.cluster_id
    ]
    record = await turn.tx.cluster(question.cluster_id)
    reviewed = record is not None and record.reviewed_by is not None
    people = len(await turn.tx.recipients(question.cluster_id))
    lines = []
    for number, member in enumerate(members[:PREVIEW_MEMBERS], start=1):
        unchecked = number > 1 and member.clustered_by is None and not reviewed
        lines.append(
            turn.t(
                "answer_preview.member_unchecked" if unchecked else "answer_preview.member",
                n=number,
                code=member.receipt_code,
                text=snippet(member.text, 90),
            )
        )
    if len(members) > PREVIEW_MEMBERS:
        lines.append(turn.t("answer_preview.more", count=len(members) - PREVIEW_MEMBERS))
    choices = [Choice("write", turn.t("answer_preview.write"))]
    choices += [
        Choice(f"out{m.id}", turn.t("answer_preview.leave_out", n=n))
        for n, m in enumerate(members[:PREVIEW_MEMBERS], start=1)
        if n > 1
    ]
    choices.append(Choice("no", turn.t("office.no")))
    text = turn.t(
        "answer_preview.head",
        code=members[0].receipt_code if members else question.receipt_code,
        count=len(members),
        people=people,
        members="\n".join(lines),
    )
    turn.ask(OfficeStep.PREVIEW_ANSWER, f"{lead}\n\n{text}" if lead else text, choices)


async def preview_choice(turn: Turn, key: str) -> None:
    draft = turn.draft(OfficeDraft)
    assert draft.question is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    if key == "write":
        await _ask_answer(turn, question)
        return
    member_id = int(key.removeprefix("out"))
    found = await turn.tx.questions_by_ids([member_id])
    lead = ""
    if found and found[0].cluster_id == question.cluster_id and found[0].id != question.cluster_id:
        member = found[0]
        if await Desk.of(turn).split(member):
            lead = turn.t("answer_preview.left_out", code=member.receipt_code)
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    draft.cluster = question.cluster_id
    await _preview_answer(turn, question, lead)


async def _ask_answer(turn: Turn, question: Question, lead: str = "") -> None:
    members = [
        q
        for q in await turn.tx.dialogue_questions(question.dialogue_id)
        if q.cluster_id == question.cluster_id
    ]
    text = turn.t(
        "office.write_answer",
        code=question.receipt_code,
        count=len(members),
        text=snippet(members[0].text if members else question.text, 300),
        max=ANSWER_MAX_CHARS,
    )
    turn.ask(OfficeStep.WRITE_ANSWER, f"{lead}\n\n{text}" if lead else text)


async def take_answer(turn: Turn, text: str) -> None:
    answer = text.strip()
    draft = turn.draft(OfficeDraft)
    assert draft.question is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    if not answer_fits(answer):
        problem = turn.t("office.bad_answer", length=len(answer), max=ANSWER_MAX_CHARS)
        await _ask_answer(turn, question, problem)
        return
    draft.answer = answer
    recipients = await turn.tx.recipients(question.cluster_id)
    turn.ask(
        OfficeStep.CONFIRM_ANSWER,
        turn.t(
            "office.confirm_answer",
            code=question.receipt_code,
            answer=answer,
            people=len(recipients),
        ),
        [Choice("yes", turn.t("office.send_answer")), Choice("no", turn.t("office.no"))],
    )


async def record_answer(turn: Turn, key: str) -> None:
    first = await _first_of_cluster(turn)
    desk = Desk.of(turn)
    # The official saw the members in the preview and sent the answer to all of them.
    queued = await desk.answer(first.id, str(turn.draft(OfficeDraft).answer))
    turn.wake_outbox = turn.wake_outbox or desk.wake_outbox
    turn.finish(turn.t("office.answered", code=first.receipt_code, people=queued))


async def ask_authority(turn: Turn, argument: str) -> None:
    question = await _question_arg(turn, argument, "chuyen")
    if question is not None:
        turn.ask(
            OfficeStep.WRITE_AUTHORITY,
            turn.t("office.write_authority", code=question.receipt_code),
        )


async def take_authority(turn: Turn, text: str) -> None:
    authority = authority_name(text)
    if authority is None:
        turn.reask(turn.t("office.bad_authority"))
        return
    turn.draft(OfficeDraft).authority = authority
    turn.ask(
        OfficeStep.CONFIRM_FORWARD,
        turn.t("office.confirm_forward", authority=authority),
        _yes_no(turn),
    )


async def record_forward(turn: Turn, key: str) -> None:
    first = await _first_of_cluster(turn)
    authority = str(turn.draft(OfficeDraft).authority)
    desk = Desk.of(turn)
    queued = await desk.forward(first.id, authority)
    turn.wake_outbox = turn.wake_outbox or desk.wake_outbox
    turn.finish(
        turn.t("office.forwarded", code=first.receipt_code, authority=authority, people=queued)
    )


# --- merge and split -----------------------------------------------------------------------


async def ask_merge(turn: Turn, argument: str) -> None:
    codes = [parse_code(p) for p in argument.split()]
    if len(codes) != 2 or None in codes:
        turn.finish(turn.t("office.usage_merge"))
        return
    found = [await turn.tx.question_by_code(str(c)) for c in codes]
    if found[0] is None or found[1] is None:
        missing = codes[0] if found[0] is None else codes[1]
        turn.finish(turn.t("office.unknown_code", code=missing))
        return
    keep, absorb = found[0], found[1]
    if keep.dialogue_id != absorb.dialogue_id:
        turn.finish(turn.t("office.merge_other_dialogue"))
        return
    if keep.cluster_id == absorb.cluster_id:
        turn.finish(turn.t("office.already_together"))
        return
    turn.start_draft(
        OfficeDraft(
            keep=keep.cluster_id,
            absorb=absorb.cluster_id,
            codes=f"{keep.receipt_code} + {absorb.receipt_code}",
        )
    )
    turn.ask(
        OfficeStep.CONFIRM_MERGE,
        turn.t(
            "office.confirm_merge",
            first=snippet(keep.text, 150),
            second=snippet(absorb.text, 150),
            code1=keep.receipt_code,
            code2=absorb.receipt_code,
        ),
        _yes_no(turn),
    )


async def merge(turn: Turn, key: str) -> None:
    draft = turn.draft(OfficeDraft)
    assert draft.keep is not None and draft.absorb is not None
    moved = await Desk.of(turn).merge(draft.keep, draft.absorb, draft.codes)
    if moved is None:
        turn.finish(turn.t("office.already_together"))
        return
    turn.finish(turn.t("office.merged", count=moved))


async def ask_split(turn: Turn, argument: str) -> None:
    question = await _question_arg(turn, argument, "tach")
    if question is not None:
        turn.ask(
            OfficeStep.CONFIRM_SPLIT,
            turn.t(
                "office.confirm_split",
                code=question.receipt_code,
                text=snippet(question.text, 200),
            ),
            _yes_no(turn),
        )


async def split(turn: Turn, key: str) -> None:
    question_id = turn.draft(OfficeDraft).question
    assert question_id is not None
    question = (await turn.tx.questions_by_ids([question_id]))[0]
    if not await Desk.of(turn).split(question):
        turn.finish(turn.t("office.already_alone", code=question.receipt_code))
        return
    turn.finish(turn.t("office.split", code=question.receipt_code))


async def review_suggestions(turn: Turn, argument: str) -> None:
    dialogues = await _dialogues_for(turn, argument)
    if dialogues is not None:
        await suggestions.start(turn, dialogues)


# --- the tables ----------------------------------------------------------------------------

HANDLERS: dict[str, Handler] = {
    "tonghop": digest,
    "baocao": report,
    "phancong": ask_department,
    "hanxuly": set_due,
    "traloi": start_answer,
    "chuyen": ask_authority,
    "gop": ask_merge,
    "goiy": review_suggestions,
    "tach": ask_split,
    "nhatky": audit_log,
    "web": web_access.send_link,
    **staff.HANDLERS,
}

STEPS: dict[OfficeStep, On] = {
    OfficeStep.PICK_DEPARTMENT: On(choice=assign),
    OfficeStep.WRITE_ANSWER: On(text=take_answer),
    OfficeStep.CONFIRM_ANSWER: On(choice=record_answer),
    OfficeStep.WRITE_AUTHORITY: On(text=take_authority),
    OfficeStep.CONFIRM_FORWARD: On(choice=record_forward),
    OfficeStep.CONFIRM_MERGE: On(choice=merge),
    OfficeStep.CONFIRM_SPLIT: On(choice=split),
    OfficeStep.REVIEW_SUGGESTION: On(choice=suggestions.decide),
    OfficeStep.PREVIEW_ANSWER: On(choice=preview_choice),
}


class OfficeFlows(StaffFlow[OfficeStep]):
    """Steps are OfficeStep members; the router sends those and the office's commands here."""

    def __init__(self) -> None:
        super().__init__(Role.OFFICIAL, OfficeStep, STEPS, HANDLERS)
