"""/danhgia: after an answer (or a finished commitment) the asker, or someone who backed the
question, says whether it satisfies them and may add one message. A code that is not theirs is
answered like an unknown one; a second verdict is refused; neither changes anything."""

from __future__ import annotations

from dataclasses import dataclass

from domain.meeting import RatingSubject
from domain.models import Question
from domain.numfmt import words_over, words_within
from domain.timefmt import fmt_date
from handlers.commitment_ops import Follow, Rated, can_rate, rate
from handlers.common import parse_code, snippet
from handlers.drafts import StoredDraft
from handlers.engine import Turn
from handlers.io import Choice
from handlers.resident.menu import show_menu, with_lead
from handlers.steps import ResidentStep

FOLLOWUP_MIN, FOLLOWUP_MAX = 5, 1000
OFFERED = 8


@dataclass
class RateDraft(StoredDraft):
    PREFIX = "r_"

    question: int | None = None
    rating: int | None = None


async def start(turn: Turn, argument: str) -> None:
    assert turn.resident is not None
    if argument.strip():
        code = parse_code(argument.strip().split(" ")[0])
        question = await turn.tx.question_by_code(code) if code else None
        if question is None:
            await show_menu(turn, turn.t("lookup.not_found", code=code or argument.strip()))
            return
        await _rate_one(turn, question)
        return
    ready: list[Question] = []
    clusters: set[int] = set()
    mine = await turn.tx.questions_of_resident(turn.resident.id)
    for q in [*mine, *await turn.tx.supported_by(turn.resident.id)]:
        if q.cluster_id in clusters:
            continue
        outcome, _, _ = await can_rate(turn.tx, q, turn.resident.id)
        if outcome is Rated.READY:
            ready.append(q)
            clusters.add(q.cluster_id)
    if not ready:
        await show_menu(turn, turn.t("rate.nothing"))
        return
    if len(ready) == 1:
        await _rate_one(turn, ready[0])
        return
    shown = ready[-OFFERED:]
    turn.ask(
        ResidentStep.RATE_PICK,
        turn.t(
            "rate.pick", lines="\n".join(f"{q.receipt_code}: “{snippet(q.text)}”" for q in shown)
        ),
        [Choice(f"q{q.id}", q.receipt_code) for q in shown],
    )


async def pick(turn: Turn, key: str) -> None:
    found = await turn.tx.questions_by_ids([int(key.removeprefix("q"))])
    if not found:
        await show_menu(turn)
        return
    await _rate_one(turn, found[0])


async def _rate_one(turn: Turn, question: Question) -> None:
    assert turn.resident is not None
    outcome, follow, subject = await can_rate(turn.tx, question, turn.resident.id)
    code = question.receipt_code
    if outcome is Rated.NOT_THEIRS:
        await show_menu(turn, turn.t("lookup.not_found", code=code))
    elif outcome is Rated.NOT_YET:
        await show_menu(turn, turn.t("rate.not_yet", code=code))
    elif outcome is Rated.ALREADY and subject is not None:
        await show_menu(turn, _already(turn, code, follow, subject))
    else:
        assert subject is not None
        turn.start_draft(RateDraft(question=question.id))
        turn.ask(
            ResidentStep.RATE_VERDICT,
            _what(turn, code, follow, subject),
            [Choice("good", turn.t("rate.good")), Choice("bad", turn.t("rate.bad"))],
        )


def _what(turn: Turn, code: str, follow: Follow, subject: RatingSubject) -> str:
    if subject is RatingSubject.COMMITMENT and follow.commitment is not None:
        c = follow.commitment
        return turn.t(
            "rate.ask_commitment", code=code, commitment=c.code, text=c.text, note=c.last_note or ""
        )
    answer = follow.answer or (follow.onspot.summary if follow.onspot else "")
    return turn.t("rate.ask_answer", code=code, answer=answer)


def _already(turn: Turn, code: str, follow: Follow, subject: RatingSubject) -> str:
    rated = follow.rated(subject)
    assert rated is not None
    return turn.t(
        "rate.already",
        code=code,
        date=fmt_date(rated.created_at, turn.plan.commune.tz),
        verdict=turn.t("rate.good" if rated.satisfied else "rate.bad").lower(),
    )


async def verdict(turn: Turn, key: str) -> None:
    assert turn.resident is not None
    draft = turn.draft(RateDraft)
    found = await turn.tx.questions_by_ids([draft.question]) if draft.question else []
    if not found:
        await show_menu(turn)
        return
    satisfied = key == "good"
    outcome, rating = await rate(
        turn.tx, turn.plan, found[0], turn.resident.id, satisfied, turn.now
    )
    if outcome is not Rated.RATED or rating is None:
        # Rated from another message meanwhile, or no longer theirs: say so, change nothing.
        await _rate_one(turn, found[0])
        return
    draft.rating = rating
    await ask_followup(turn, "", satisfied)


async def ask_followup(turn: Turn, lead: str = "", satisfied: bool | None = None) -> None:
    key = "rate.followup_bad" if satisfied is False else "rate.followup"
    turn.ask(
        ResidentStep.RATE_FOLLOWUP,
        with_lead(lead) + turn.t(key, max_words=words_within(FOLLOWUP_MAX)),
        [Choice("skip", turn.t("rate.skip"))],
    )


async def skip(turn: Turn, key: str) -> None:
    await show_menu(turn, turn.t("rate.thanks"))


async def take_followup(turn: Turn, raw: str) -> None:
    assert turn.resident is not None
    text = raw.strip()
    if len(text) < FOLLOWUP_MIN:
        await ask_followup(turn, turn.t("rate.too_short"))
        return
    if len(text) > FOLLOWUP_MAX:
        # Limits are told in words, as residents reckon them (domain/numfmt.py).
        over = words_over(len(text), FOLLOWUP_MAX)
        long = turn.t("rate.too_long", max_words=words_within(FOLLOWUP_MAX), cut_words=over)
        await ask_followup(turn, long)
        return
    rating = turn.draft(RateDraft).rating
    added = rating is not None and await turn.tx.rating_followup(rating, turn.resident.id, text)
    await show_menu(turn, turn.t("rate.thanks_message" if added else "rate.followup_once"))
