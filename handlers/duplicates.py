"""The clustering engine of each dialogue, kept in memory and in step with the store.

The database is the truth: which cluster each question is in, which clusters officials
handled, which pairs they kept apart. The engine (`domain.dedupe.clusters.Clusters`) is that
truth plus the index it searches; it is built from the store on first use and caught up
whenever the store's `cluster_gen` for the dialogue is not the one it last saw: another process
(an import, a second bot) placed questions, an official assigned or merged a cluster, or a
transaction that changed the engine rolled back. Catching up restores the questions added
since, then takes every stored assignment as it is (questions the store does not hold, such as
those of a rolled-back transaction, are forgotten).

Every change goes through the store first and the engine in the same transaction: a question
is written with the cluster the engine decided, then recorded in the engine, and the merges
and suggestions that brought about are written before the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.dedupe.clusters import (
    DEFAULT_JOIN,
    DEFAULT_SUGGEST,
    Clusters,
    Placement,
)
from domain.models import NewQuestion, Question
from storage.base import Transaction


@dataclass
class _Kept:
    clusters: Clusters
    gen: str = "-"
    last_id: int = 0


@dataclass(frozen=True)
class Placed:
    question: Question  # as stored, with its cluster
    placement: Placement = field(repr=False)

    @property
    def joined(self) -> bool:
        return self.placement.joined


class DuplicateFinder:
    def __init__(self, join: float = DEFAULT_JOIN, suggest: float = DEFAULT_SUGGEST) -> None:
        self.join = join
        self.suggest = suggest
        self._kept: dict[int, _Kept] = {}

    async def engine(self, tx: Transaction, dialogue_id: int) -> Clusters:
        """The dialogue's engine, caught up with the store."""
        kept = self._kept.get(dialogue_id)
        gen = await tx.cluster_gen(dialogue_id)
        if kept is not None and kept.gen == gen:
            return kept.clusters
        if kept is None:
            kept = self._kept[dialogue_id] = _Kept(Clusters(self.join, self.suggest))
        clusters = kept.clusters
        for entry in await tx.index_entries(dialogue_id, kept.last_id):
            key = str(entry.id)
            if key not in clusters:
                clusters.restore(key, entry.text, entry.category, str(entry.cluster_id))
            kept.last_id = max(kept.last_id, entry.id)
        state = await tx.cluster_state(dialogue_id)
        clusters.resync(
            {str(q): str(c) for q, c in state.assignment.items()},
            {str(c) for c in state.handled},
            [(str(a), str(b)) for a, b in state.kept_apart],
        )
        kept.gen = state.gen
        return clusters

    async def _done(self, tx: Transaction, dialogue_id: int) -> None:
        """The engine made the store's latest changes itself: it is in step with them."""
        self._kept[dialogue_id].gen = await tx.cluster_gen(dialogue_id)

    async def place(self, tx: Transaction, question: NewQuestion) -> Placed:
        """Store a new question in the cluster the engine decides, with what that changes."""
        assert question.cluster_id is None, "the engine decides the cluster"
        engine = await self.engine(tx, question.dialogue_id)
        decision = engine.decide(question.text, question.category)
        cluster = None if decision.cluster is None else int(decision.cluster)
        stored = await tx.add_question(replace(question, cluster_id=cluster))
        placement = engine.apply(str(stored.id), decision)
        final = int(placement.cluster)
        for gone in placement.merged:
            await tx.merge_clusters(final, int(gone), question.created_at)
        for suggestion in placement.suggestions:
            await tx.add_suggestion(
                question.dialogue_id,
                stored.id,
                int(suggestion.other),
                suggestion.confidence,
                question.created_at,
            )
        self._kept[question.dialogue_id].last_id = stored.id
        await self._done(tx, question.dialogue_id)
        if final != stored.cluster_id:
            stored = (await tx.questions_by_ids([stored.id]))[0]
        return Placed(stored, placement)

    async def similar(
        self, tx: Transaction, dialogue_id: int, text: str, category: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """Questions most like `text` (best first), at or above the suggestion bar."""
        engine = await self.engine(tx, dialogue_id)
        return [(int(q), s) for q, s in engine.similar(text, category, limit)]

    # --- officials' decisions ----------------------------------------------------------------

    async def merge(
        self, tx: Transaction, dialogue_id: int, keep: int, other: int, by: str, at: datetime
    ) -> int | None:
        """An official merges cluster `other` into `keep`; how many questions moved, or None
        if either is no cluster any more (merged or split since the official looked)."""
        engine = await self.engine(tx, dialogue_id)
        if keep == other or not engine.members(str(keep)) or not engine.members(str(other)):
            return None
        moved = await tx.merge_clusters(keep, other, at, by)
        await tx.mark_reviewed(keep, by, at)
        engine.merge(str(keep), str(other))
        await self._done(tx, dialogue_id)
        return moved

    async def split(self, tx: Transaction, question: Question, by: str, at: datetime) -> bool:
        """An official takes a question out of its cluster; False if it was alone."""
        engine = await self.engine(tx, question.dialogue_id)
        left = await tx.split_question(question.id, at)
        if left is None:
            return False
        for member in engine.members(engine.cluster_of(str(question.id))):
            if member != str(question.id):
                await tx.keep_apart(question.dialogue_id, question.id, int(member), "split", by, at)
        engine.split([str(question.id)])
        await tx.mark_reviewed(question.id, by, at)
        await self._done(tx, question.dialogue_id)
        return True

    async def dismiss(
        self, tx: Transaction, dialogue_id: int, first: int, second: int, by: str, at: datetime
    ) -> None:
        """An official says two questions' clusters are two requests: never joined, never
        suggested again."""
        engine = await self.engine(tx, dialogue_id)
        await tx.keep_apart(dialogue_id, first, second, "dismissed", by, at)
        engine.keep_apart(str(first), str(second))
        await self._done(tx, dialogue_id)

    async def review(
        self, tx: Transaction, cluster_id: int, dialogue_id: int, by: str, at: datetime
    ) -> None:
        """An official has looked at a cluster's members (before sending its answer)."""
        engine = await self.engine(tx, dialogue_id)
        await tx.mark_reviewed(cluster_id, by, at)
        if engine.members(str(cluster_id)):
            engine.lock(str(cluster_id))
        await self._done(tx, dialogue_id)
