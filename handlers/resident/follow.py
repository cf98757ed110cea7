"""What a resident sees of their matter after it is answered: the answer itself (written, or
given at the meeting), the commitment's status and due date, their rating or how to give one;
the earlier dialogues' answers to a question like theirs before they send it; and a paper
form's (or a speaker's) code looked up with the village written on it.

A paper code alone reveals nothing: with the village it shows what the public report shows of
that question (its text with personal details hidden, status, answer, commitment), never the
name written on the form, and it can be neither rated nor changed.
"""

from __future__ import annotations

import re

from domain.meeting import RatingSubject
from domain.models import Question
from domain.privacy import public_text
from domain.timefmt import fmt_date, fmt_day
from handlers.commitment_ops import (
    body_name,
    follow_of,
    local_today,
    matches_form,
    status_label,
)
from handlers.common import parse_code, snippet
from handlers.engine import Turn
from handlers.memory import EarlierAnswer

ANSWER_IN_LIST = 300  # "my questions" quotes this much of an answer; the look-up, all of it
# A receipt code followed by a village: "BL26-0005 Bản Nà Khum".
CODE_AND_PLACE = re.compile(r"^\s*([A-Za-z0-9]{2,10}\s*-\s*\d{1,6})\s+(\S.{1,80})$", re.DOTALL)


def split_code(text: str) -> tuple[str | None, str]:
    """('BL26-0005', 'Bản Nà Khum') from what was typed; (None, '') if it names no code."""
    code = parse_code(text)
    if code is not None:
        return code, ""
    found = CODE_AND_PLACE.match(text)
    if found is None:
        return None, ""
    return parse_code(found.group(1)), found.group(2).strip()


async def details(turn: Turn, question: Question, whole: bool = False, theirs: bool = True) -> str:
    """The lines under a question's status: answer, commitment, and (`theirs`: the resident
    asked or backed it) their rating or how to give one."""
    resident = turn.resident.id if turn.resident is not None and theirs else None
    follow = await follow_of(turn.tx, question, resident)
    limit = 100_000 if whole else ANSWER_IN_LIST
    tz = turn.plan.commune.tz
    lines: list[str] = []
    if follow.onspot is not None:
        at = fmt_date(follow.onspot.answered_at, tz)
        lines.append(turn.t("follow.onspot", date=at, answer=snippet(follow.onspot.summary, limit)))
    if follow.answer and (follow.onspot is None or follow.answer != follow.onspot.summary):
        lines.append(turn.t("follow.answer", answer=snippet(follow.answer, limit)))
    commitment = follow.commitment
    if commitment is not None:
        today = local_today(turn.plan, turn.now)
        lines.append(
            turn.t(
                "follow.commitment",
                code=commitment.code,
                status=status_label(turn.t, commitment, today),
                body=body_name(turn.plan, turn.t, commitment.body),
                due=fmt_day(commitment.due),
            )
        )
    subject = follow.subject()
    if resident is not None and subject is not None:
        rated = follow.rated(subject)
        if rated is not None:
            verdict = turn.t("rate.good" if rated.satisfied else "rate.bad").lower()
            lines.append(turn.t("follow.rated", verdict=verdict))
        else:
            key = "follow.rate_commitment" if subject is RatingSubject.COMMITMENT else "follow.rate"
            lines.append(turn.t(key, code=question.receipt_code))
    return "".join("\n" + line for line in lines)


async def paper_lookup(turn: Turn, code: str, village: str) -> str | None:
    """A paper form's code with the village written on it: what the public report shows."""
    question = await turn.tx.question_by_code(code)
    if question is None or not matches_form(question, village):
        return None
    line = turn.t(
        "mine.line",
        code=question.receipt_code,
        category=turn.plan.category_label(question.category),
        date=fmt_date(question.created_at, turn.plan.commune.tz),
        status=turn.t(f"status.{question.status.value}"),
        text=snippet(public_text(question, turn.t)),
    )
    return line + await details(turn, question, whole=True, theirs=False)


def earlier_block(turn: Turn, found: list[EarlierAnswer]) -> str:
    """Shown at the preview: what an earlier dialogue answered to a request like this one."""
    today = local_today(turn.plan, turn.now)
    items = []
    for e in found:
        record, commitment = e.record, e.commitment
        if record is not None and record.answer:
            outcome = turn.t("memory.answer", answer=snippet(record.answer, 300))
        elif record is not None and record.forwarded_to:
            outcome = turn.t("memory.forwarded", authority=record.forwarded_to)
        else:
            outcome = ""
        if commitment is not None:
            status = status_label(turn.t, commitment, today)
            outcome += ("\n" if outcome else "") + turn.t(
                "memory.commitment", status=status, due=fmt_day(commitment.due)
            )
        items.append(
            turn.t(
                "memory.item",
                title=e.dialogue.title,
                code=e.question.receipt_code,
                text=snippet(public_text(e.question, turn.t), 150),
                outcome=outcome,
            )
        )
    return turn.t("memory.head") + "\n" + "\n\n".join(items) + "\n" + turn.t("memory.tail")
