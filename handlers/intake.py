"""Storing a question: the one path every question takes into the database, whether a resident
sent it in the chat, someone typed in a paper form with /nhapphieu, or the office imported a
spreadsheet of forms (`python -m bot import`).

The dialogue's clustering engine decides its cluster, and the question, that cluster and
whatever the engine merged or suggested because of it are written in the caller's transaction
(handlers/duplicates.py). A question that resembles one answered in an earlier dialogue is
linked to it there too, by that dialogue's engine (handlers/memory.py), for the digest.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.categories import OTHER
from domain.category_suggestion import suggest_category
from domain.models import NewQuestion
from handlers.duplicates import DuplicateFinder, Placed
from handlers.memory import link_earlier
from storage.base import Transaction


async def store_question(tx: Transaction, finder: DuplicateFinder, question: NewQuestion) -> Placed:
    """Store `question` in the cluster its dialogue's engine decides; callers leave its
    `cluster_id` unset."""
    placed = await finder.place(tx, question)
    await link_earlier(tx, finder, placed.question)
    return placed


def suggestion_for(text: str, category: str, dialogue_categories: Iterable[str]) -> str | None:
    """A better category for a question filed under "other", among the dialogue's own; only
    ever offered (to the resident, or to the office), never put in place of theirs."""
    if category != OTHER:
        return None
    allowed = [c for c in dialogue_categories if c != OTHER]
    suggested = suggest_category(text, allowed)
    return suggested if suggested in allowed else None
