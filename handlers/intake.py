"""Storing a question: the one path every question takes into the database, whether a resident
sent it in the chat, someone typed in a paper form with /nhapphieu, or the office imported a
spreadsheet of forms (`python -m bot import`).

The question joins the duplicate cluster of its best match before it is written, and is added
to the finder's index only after its transaction committed, so the index never holds a question
that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.categories import OTHER
from domain.dedupe import suggest_category
from domain.models import NewQuestion, Question
from handlers.duplicates import DuplicateFinder
from storage.base import Transaction


@dataclass(frozen=True)
class Intake:
    """A question about to be stored, as whoever took it down describes it."""

    dialogue_id: int
    category: str
    text: str
    created_at: datetime
    village: str | None = None
    author_name: str | None = None
    resident_id: int | None = None  # None for paper forms: the author is not a chat user
    source: str = "chat"  # or "paper"
    suggested_category: str | None = None
    flag: str | None = None  # "complaint": the office is told it reads like one
    entered_by: str | None = None  # who typed it in for the author (a person, or "import:…")
    import_key: str | None = None  # makes re-importing the same form row a no-op


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


async def store_question(tx: Transaction, finder: DuplicateFinder, intake: Intake) -> Stored:
    cluster = await finder.cluster_for(tx, intake.dialogue_id, intake.text)
    question = await tx.add_question(
        NewQuestion(
            dialogue_id=intake.dialogue_id,
            resident_id=intake.resident_id,
            category=intake.category,
            text=intake.text,
            village=intake.village,
            author_name=intake.author_name,
            created_at=intake.created_at,
            source=intake.source,
            cluster_id=cluster,
            suggested_category=intake.suggested_category,
            flag=intake.flag,
            entered_by=intake.entered_by,
            import_key=intake.import_key,
        )
    )
    return Stored(question, cluster is not None, finder)


def suggestion_for(text: str, category: str, dialogue_categories: Iterable[str]) -> str | None:
    """A better category for a question filed under "other", among the dialogue's own; only
    ever offered (to the resident, or to the office), never put in place of theirs."""
    if category != OTHER:
        return None
    allowed = [c for c in dialogue_categories if c != OTHER]
    suggested = suggest_category(text, allowed)
    return suggested if suggested in allowed else None
