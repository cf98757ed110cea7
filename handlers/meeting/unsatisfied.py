"""Residents not satisfied: counted per department and listed for the office with the message
they added, until an official replies to them (/phanhoi); a reply reaches each of them, and the
rating stays counted as not satisfied: nothing is closed without the resident hearing of it."""

from __future__ import annotations

from domain.timefmt import fmt_date
from handlers.commitment_ops import body_name, reply_unsatisfied, satisfaction
from handlers.common import parse_code, snippet
from handlers.engine import Turn
from handlers.io import Choice
from handlers.meeting.draft import MeetingDraft, actor
from handlers.steps import FollowupStep

REPLY_MAX_CHARS = 2000
LISTED = 30


async def show(turn: Turn, argument: str) -> None:
    code = argument.strip().upper()
    dialogue = await turn.tx.dialogue_by_code(code) if code else None
    if code and dialogue is None:
        turn.finish(turn.t("office.unknown_dialogue", code=code))
        return
    ratings = await turn.tx.ratings(dialogue.id if dialogue else None)
    unsatisfied = [r for r in ratings if not r.satisfied]
    if not unsatisfied:
        turn.finish(turn.t("unsatisfied.none", rated=len(ratings)))
        return
    lines = [
        turn.t(
            "unsatisfied.head",
            count=len(unsatisfied),
            waiting=sum(1 for r in unsatisfied if r.replied_at is None),
            rated=len(ratings),
        )
    ]
    lines += [
        turn.t(
            "unsatisfied.by_body", body=s.body, bad=s.unsatisfied, total=s.satisfied + s.unsatisfied
        )
        for s in satisfaction(turn.plan, turn.t, ratings)
    ]
    tz = turn.plan.commune.tz
    # Those still waiting for a reply first.
    unsatisfied.sort(key=lambda r: (r.replied_at is not None, r.id))
    for r in unsatisfied[:LISTED]:
        item = turn.t(
            "unsatisfied.line",
            code=r.receipt_code,
            body=body_name(turn.plan, turn.t, r.department),
            date=fmt_date(r.created_at, tz),
            subject=turn.t(f"unsatisfied.subject_{r.subject.value}"),
            state=turn.t("unsatisfied.replied" if r.replied_at else "unsatisfied.waiting"),
        )
        if r.followup:
            item += "\n" + turn.t("unsatisfied.followup", text=snippet(r.followup, 300))
        lines.append(item)
    lines.append(turn.t("unsatisfied.how_to_reply"))
    turn.finish("\n\n".join(lines))


async def start_reply(turn: Turn, argument: str) -> None:
    code = parse_code(argument)
    if code is None:
        turn.finish(turn.t("office.usage_code", command="phanhoi"))
        return
    question = await turn.tx.question_by_code(code)
    if question is None:
        turn.finish(turn.t("office.unknown_code", code=code))
        return
    waiting = await turn.tx.unsatisfied_in_cluster(question.cluster_id)
    if not waiting:
        turn.finish(turn.t("unsatisfied.none_waiting", code=code))
        return
    turn.start_draft(MeetingDraft(question=question.id))
    messages = [
        turn.t("unsatisfied.followup", text=snippet(r.followup, 200)) for r in waiting if r.followup
    ]
    turn.ask(
        FollowupStep.REPLY_TEXT,
        turn.t("unsatisfied.write", code=code, people=len(waiting), max=REPLY_MAX_CHARS)
        + ("\n" + "\n".join(messages) if messages else ""),
    )


async def take_reply(turn: Turn, raw: str) -> None:
    reply = raw.strip()
    if not 5 <= len(reply) <= REPLY_MAX_CHARS:
        turn.reask(turn.t("office.bad_answer", length=len(reply), max=REPLY_MAX_CHARS))
        return
    turn.draft(MeetingDraft).text = reply
    turn.ask(
        FollowupStep.REPLY_CONFIRM,
        turn.t("unsatisfied.confirm", reply=reply),
        [Choice("yes", turn.t("office.send_answer")), Choice("no", turn.t("office.no"))],
    )


async def send_reply(turn: Turn, key: str) -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.question is not None and draft.text is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    told = await reply_unsatisfied(turn.tx, turn.t, actor(turn), question, draft.text, turn.now)
    turn.wake_outbox = True
    turn.finish(turn.t("unsatisfied.sent", code=question.receipt_code, people=told))
