"""Suggested duplicates: pairs of clusters the engine is unsure of, for an official to decide.

`/goiy [MÃ]` shows them one at a time, most likely first, each with both texts and how many
people are behind each; one press merges the two clusters, keeps them apart for good (never
suggested or merged again), or leaves the pair for later. Every decision is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.models import Dialogue, Question, SuggestedPair
from handlers.common import snippet
from handlers.desk import Desk
from handlers.drafts import StoredDraft
from handlers.engine import Turn
from handlers.io import Choice
from handlers.steps import OfficeStep

SHOWN_TEXT = 160


@dataclass
class ReviewDraft(StoredDraft):
    """Where an official is in the list of suggestions."""

    dialogue: int | None = None
    suggestion: int | None = None
    skipped: list[int] = field(default_factory=list)


async def start(turn: Turn, dialogues: list[Dialogue]) -> None:
    """Begin with the first dialogue that has suggestions waiting."""
    for dialogue in dialogues:
        if await turn.tx.open_suggestions(dialogue.id):
            turn.start_draft(ReviewDraft(dialogue=dialogue.id))
            await _show_next(turn)
            return
    turn.finish(turn.t("suggest.none"))


async def _show_next(turn: Turn, lead: str = "") -> None:
    draft = turn.draft(ReviewDraft)
    assert draft.dialogue is not None
    waiting = [
        p for p in await turn.tx.open_suggestions(draft.dialogue) if p.id not in draft.skipped
    ]
    if not waiting:
        turn.finish(_lead(lead) + turn.t("suggest.done"))
        return
    pair = waiting[0]
    draft.suggestion = pair.id
    first, second = await _firsts(turn, pair)
    people = await turn.tx.backers([pair.cluster, pair.other_cluster])
    turn.ask(
        OfficeStep.REVIEW_SUGGESTION,
        _lead(lead)
        + turn.t(
            "suggest.pair",
            left=len(waiting),
            confidence=round(pair.confidence),
            code1=first.receipt_code,
            text1=snippet(first.text, SHOWN_TEXT),
            people1=people.get(pair.cluster, 1),
            code2=second.receipt_code,
            text2=snippet(second.text, SHOWN_TEXT),
            people2=people.get(pair.other_cluster, 1),
        ),
        [
            Choice("merge", turn.t("suggest.merge")),
            Choice("apart", turn.t("suggest.apart")),
            Choice("later", turn.t("suggest.later")),
            Choice("no", turn.t("suggest.stop")),
        ],
    )


async def _firsts(turn: Turn, pair: SuggestedPair) -> tuple[Question, Question]:
    """The first question of each of the two clusters (what represents it in the report)."""
    found = {q.id: q for q in await turn.tx.questions_by_ids([pair.cluster, pair.other_cluster])}
    return found[pair.cluster], found[pair.other_cluster]


async def decide(turn: Turn, key: str) -> None:
    draft = turn.draft(ReviewDraft)
    pair = await turn.tx.suggestion(draft.suggestion) if draft.suggestion is not None else None
    if pair is None or pair.status != "open" or pair.cluster == pair.other_cluster:
        await _show_next(turn, turn.t("suggest.stale"))
        return
    if key == "later":
        draft.skipped.append(pair.id)
        await _show_next(turn)
        return
    first, second = await _firsts(turn, pair)
    moved = await Desk.of(turn).decide(pair, merge=key == "merge")
    if moved is None:
        await _show_next(turn, turn.t("suggest.stale"))
    elif key == "merge":
        await _show_next(turn, turn.t("office.merged", count=moved))
    else:
        await _show_next(
            turn,
            turn.t("suggest.kept_apart", code1=first.receipt_code, code2=second.receipt_code),
        )


def _lead(lead: str) -> str:
    return f"{lead}\n\n" if lead else ""
