"""Storing a question: the one path every question takes into the database, whether a resident
sent it in the chat, someone typed in a paper form with /nhapphieu, or the office imported a
spreadsheet of forms (`python -m bot import`).

The question joins the duplicate cluster of its best match before it is written, and is added
to the finder's index only after its transaction committed, so the index never holds a question
that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from domain.categories import OTHER
from domain.dedupe import suggest_category
from domain.models import NewQuestion, Question
from handlers.duplicates import DuplicateFinder
from storage.base import Transaction


@dataclass(frozen=True)
class Stored:
    question: Question
    joined: bool  # it went into the cluster of an earlier question
    finder: DuplicateFinder

    def index(self) -> None:
        """Make the question findable as a duplicate; only once its transaction committed,
        or inside a finder that is thrown away with that transaction."""
        q = self.question
        self.finder.added(q.dialogue_id, q.id, q.text, q.category)


async def store_question(tx: Transaction, finder: DuplicateFinder, question: NewQuestion) -> Stored:
    """Store `question` in the cluster of its best match; its `cluster_id` is the finder's to
    decide, so callers leave it unset."""
    assert question.cluster_id is None, "the duplicate finder decides the cluster"
    cluster = await finder.cluster_for(tx, question.dialogue_id, question.text)
    stored = await tx.add_question(replace(question, cluster_id=cluster))
    return Stored(stored, cluster is not None, finder)


def suggestion_for(text: str, category: str, dialogue_categories: Iterable[str]) -> str | None:
    """A better category for a question filed under "other", among the dialogue's own; only
    ever offered (to the resident, or to the office), never put in place of theirs."""
    if category != OTHER:
        return None
    allowed = [c for c in dialogue_categories if c != OTHER]
    suggested = suggest_category(text, allowed)
    return suggested if suggested in allowed else None
