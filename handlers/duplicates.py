"""Similar questions inside the conversation: one similarity index per dialogue, in memory.

The database is the source of truth for clusters (questions.cluster_id, changed by officials'
merges and splits); the index only holds texts. It is filled from the store on first use and
topped up with whatever other processes (an import, a second bot) stored since.
"""

from __future__ import annotations

from domain.dedupe import DEFAULT_THRESHOLD, SUGGEST_THRESHOLD, SimilarityIndex
from storage.base import Transaction


class DuplicateFinder:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._indexes: dict[int, SimilarityIndex] = {}
        self._loaded_up_to: dict[int, int] = {}

    async def index_for(self, tx: Transaction, dialogue_id: int) -> SimilarityIndex:
        index = self._indexes.setdefault(dialogue_id, SimilarityIndex())
        after = self._loaded_up_to.get(dialogue_id, 0)
        for entry in await tx.index_entries(dialogue_id, after):
            index.add(str(entry.id), entry.text, entry.category)
            after = max(after, entry.id)
        self._loaded_up_to[dialogue_id] = after
        return index

    async def similar(
        self, tx: Transaction, dialogue_id: int, text: str, limit: int = 3
    ) -> list[tuple[int, float]]:
        index = await self.index_for(tx, dialogue_id)
        found = index.similar(text, limit=limit, min_score=SUGGEST_THRESHOLD)
        return [(int(qid), score) for qid, score in found]

    async def cluster_for(self, tx: Transaction, dialogue_id: int, text: str) -> int | None:
        """The cluster a new question joins: that of its best match above the threshold."""
        index = await self.index_for(tx, dialogue_id)
        best = index.similar(text, limit=1, min_score=self.threshold)
        if not best:
            return None
        matches = await tx.questions_by_ids([int(best[0][0])])
        return matches[0].cluster_id if matches else None

    def added(self, dialogue_id: int, question_id: int, text: str, category: str) -> None:
        """Called after the commit, so the index never holds a question that was rolled back."""
        index = self._indexes.get(dialogue_id)
        if index is None or question_id <= self._loaded_up_to.get(dialogue_id, 0):
            return
        index.add(str(question_id), text, category)
        self._loaded_up_to[dialogue_id] = question_id
