"""Memory across years: earlier dialogues' answers and commitments, found through the same
clustering engine that groups each dialogue's questions (handlers/duplicates.py
`DuplicateFinder.similar`, over that earlier dialogue's own engine). There is no second
matcher: what counts as "the same request" a year later is what counts as one within a year.

An earlier dialogue is one whose collection deadline came before this one's, in the same
database (one database is one commune).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.meeting import Commitment
from domain.models import ClusterRecord, Dialogue, Question
from handlers.duplicates import DuplicateFinder
from storage.base import Transaction

EARLIER_DIALOGUES = 3  # how many years back a new question is compared with
EARLIER_SHOWN = 2  # earlier answers shown to a resident before sending
CANDIDATES = 6  # similar questions weighed in each earlier dialogue


@dataclass(frozen=True)
class EarlierAnswer:
    dialogue: Dialogue
    question: Question  # the earlier question most like the new one
    record: ClusterRecord | None
    commitment: Commitment | None
    confidence: float


async def earlier_dialogues(tx: Transaction, dialogue_id: int) -> list[Dialogue]:
    """The dialogues before this one, newest first."""
    dialogues = await tx.dialogues()
    this = next((d for d in dialogues if d.id == dialogue_id), None)
    if this is None:
        return []
    earlier = [d for d in dialogues if d.deadline < this.deadline and d.id != this.id]
    return sorted(earlier, key=lambda d: d.deadline, reverse=True)[:EARLIER_DIALOGUES]


async def earlier_answers(
    tx: Transaction,
    finder: DuplicateFinder,
    dialogue_id: int,
    text: str,
    category: str | None,
    limit: int = EARLIER_SHOWN,
) -> list[EarlierAnswer]:
    """Earlier dialogues' answered (or promised) requests most like `text`, best first: one per
    earlier dialogue, at or above the engine's bar for showing a similar question."""
    found: list[EarlierAnswer] = []
    for dialogue in await earlier_dialogues(tx, dialogue_id):
        similar = await finder.similar(tx, dialogue.id, text, category, limit=CANDIDATES)
        questions = {q.id: q for q in await tx.questions_by_ids([qid for qid, _ in similar])}
        for qid, confidence in similar:
            question = questions.get(qid)
            if question is None:
                continue
            record = await tx.cluster(question.cluster_id)
            commitment = await tx.commitment_for_cluster(question.cluster_id)
            handled = record is not None and (record.answer or record.forwarded_to)
            if handled or commitment is not None:
                found.append(EarlierAnswer(dialogue, question, record, commitment, confidence))
                break
    found.sort(key=lambda e: -e.confidence)
    return found[:limit]


async def link_earlier(tx: Transaction, finder: DuplicateFinder, question: Question) -> None:
    """Record the earlier request a newly stored question resembles, for the office's digest."""
    best = await earlier_answers(
        tx, finder, question.dialogue_id, question.text, question.category, limit=1
    )
    if best:
        await tx.add_earlier_link(question.id, best[0].question.id, best[0].confidence)


async def open_before(tx: Transaction, dialogue_id: int) -> list[Commitment]:
    """Commitments of earlier dialogues that are not done yet, oldest first."""
    earlier = {d.id for d in await earlier_dialogues(tx, dialogue_id)}
    return [c for c in await tx.commitments() if c.dialogue_id in earlier and not c.closed]


async def previous_commitments(tx: Transaction, dialogue_id: int) -> list[Commitment]:
    """For the report: every commitment of the dialogue just before, and any older one still
    open."""
    earlier = await earlier_dialogues(tx, dialogue_id)
    if not earlier:
        return []
    previous = earlier[0].id
    ids = {d.id for d in earlier}
    return [
        c
        for c in await tx.commitments()
        if c.dialogue_id == previous or (c.dialogue_id in ids and not c.closed)
    ]
