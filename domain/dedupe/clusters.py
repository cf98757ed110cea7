"""Grouping a dialogue's questions into clusters of one request each: the one engine.

Every path that places a question (the chat, a paper form typed in, an import, the `cluster`
command) calls `Clusters.add`, in the order the questions arrive; what the benchmarks measure
is what the bot does.

How a new question is placed:

1. Its confidence (0-100, `domain.dedupe.score`) against the dialogue's questions is computed
   (`SimilarityIndex`); clusters holding a question at or above `suggest` are its candidates.
2. For each candidate cluster, the *average* confidence over its members (up to
   `LINK_SAMPLE` of them: the first and the latest) is its link. The question joins the
   cluster with the best link if that link reaches `join` and no member is below `floor`:
   one member that resembles it is not enough when the others do not (no chaining).
3. Having joined, it may bring two clusters together: another candidate cluster whose link
   with it also reaches `join` is merged in when the average confidence between the two
   clusters' members reaches `join` too, and neither was handled by an official (`locked`).
4. Clusters it resembles without reaching `join` (link ≥ `suggest`) become *suggestions*: pairs
   that officials confirm or dismiss. A dismissed pair is never suggested or merged again.

A cluster's id is its first member's id. Officials' merges and splits (`merge`, `split`) are
kept: a question split off is never put back by the engine, and locked clusters are never
merged by it. `restore` puts saved questions back with their saved clusters, without
matching, so that a restarted bot continues exactly where it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from domain.dedupe.index import Query, SimilarityIndex, prepare

DEFAULT_JOIN = 65.0
"""Confidence (0-100) from which a question joins a cluster without an official's look."""
DEFAULT_SUGGEST = 35.0
"""Confidence from which a pair is suggested to officials and a question is shown to a
resident as similar: they decide, so a near miss costs a look."""
DEFAULT_FLOOR = 50.0
"""No member of a cluster a question joins may be below this."""
LINK_SAMPLE = 16  # members a new question is compared with, per candidate cluster
BETWEEN_SAMPLE = 4  # per cluster, when two whole clusters are compared before a merge
MAX_LINKED = 8  # candidate clusters whose link is worked out in full
SUGGESTIONS_PER_QUESTION = 2


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two clusters that may be one request, for an official to merge or dismiss."""

    cluster: str
    other: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Placement:
    """Where `add` put a question, and what changed around it."""

    cluster: str
    joined: bool  # joined an existing cluster (else it starts its own)
    confidence: float  # the link with the cluster it joined (0 when it starts its own)
    merged: tuple[str, ...] = ()  # clusters merged into `cluster` because of it
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What `Clusters.decide` found for a question not yet placed."""

    query: Query
    links: list[tuple[str, tuple[float, float]]]  # candidate clusters, best first
    best: tuple[str, float] | None  # the cluster to join and its link, if any

    @property
    def cluster(self) -> str | None:
        return None if self.best is None else self.best[0]


@dataclass
class _Cluster:
    members: list[str] = field(default_factory=list)
    locked: bool = False


class Clusters:
    def __init__(
        self,
        join: float = DEFAULT_JOIN,
        suggest: float = DEFAULT_SUGGEST,
        floor: float = DEFAULT_FLOOR,
        index: SimilarityIndex | None = None,
    ) -> None:
        self.join = join
        self.suggest = min(suggest, join)
        self.floor = floor
        self.index = index if index is not None else SimilarityIndex()
        self._cluster_of: dict[str, str] = {}
        self._clusters: dict[str, _Cluster] = {}
        # Pairs of questions whose clusters must not be joined by the engine: dismissed
        # suggestions and officials' splits.
        self._apart: dict[str, set[str]] = {}

    # --- placing -----------------------------------------------------------------------------

    def add(self, qid: str, text: str, category: str | None = None) -> Placement:
        """Place a new question (see the module's description)."""
        if qid in self._cluster_of:
            return Placement(self._cluster_of[qid], False, 0.0)
        return self.apply(qid, self.decide(text, category))

    def decide(self, text: str, category: str | None = None) -> Decision:
        """Where a new question would go, changing nothing (the store writes the question with
        that cluster, then `apply` records it under the id it was given)."""
        query = prepare(text, category)
        links = self._links(query)
        best = next(
            ((cid, link) for cid, (link, low) in links if link >= self.join and low >= self.floor),
            None,
        )
        return Decision(query, links, best)

    def apply(self, qid: str, decision: Decision) -> Placement:
        """Record a decided question under `qid`, merge what it brings together, and list the
        clusters it resembles without joining them."""
        if qid in self._cluster_of:
            raise ValueError(f"question {qid!r} is placed already")
        self.index.add(qid, decision.query)
        best, links = decision.best, decision.links
        merged: list[str] = []
        if best is None or best[0] not in self._clusters:
            self._clusters[qid] = _Cluster([qid])
            self._cluster_of[qid] = qid
            best = None
        else:
            self._clusters[best[0]].members.append(qid)
            self._cluster_of[qid] = best[0]
            merged = self._merge_around(best[0], links)
        cluster = self._cluster_of[qid]
        suggestions: list[Suggestion] = []
        seen = {cluster}
        for cid, (link, _) in links:
            if len(suggestions) == SUGGESTIONS_PER_QUESTION or link < self.suggest:
                break
            cid = self._current(cid)
            if cid in seen or self.kept_apart(cluster, cid):
                continue
            seen.add(cid)
            suggestions.append(Suggestion(cluster, cid, round(link, 2)))
        return Placement(
            cluster,
            best is not None,
            round(best[1], 2) if best else 0.0,
            tuple(merged),
            tuple(suggestions),
        )

    def _links(self, query: Query) -> list[tuple[str, tuple[float, float]]]:
        """Candidate clusters with (average, lowest) confidence over their sampled members,
        best first (ties: the older cluster)."""
        index = self.index
        slots = index.candidates(query)
        if not len(slots):
            return []
        # Exact where a candidate may reach `join`; an upper bound elsewhere, enough to tell
        # which clusters may be suggested (their members are scored exactly below).
        scores, exact = index.bounded(query, slots, self.join)
        near = np.flatnonzero(scores >= self.suggest)
        bounds = {index.id_at(int(slots[i])): float(scores[i]) for i in near}
        known = {
            q: v
            for q, v, e in zip(bounds, scores[near].tolist(), exact[near].tolist(), strict=True)
            if e
        }
        best: dict[str, float] = {}
        for qid, value in bounds.items():
            cid = self._cluster_of[qid]
            best[cid] = max(best.get(cid, 0.0), value)
        # Only clusters that may be joined (a member at `join`), and the few likeliest for a
        # suggestion, need their whole link: the rest cannot change the decision.
        ranked = sorted(best, key=lambda c: (-best[c], self.index.slot_of(c)))
        wanted = [c for c in ranked if best[c] >= self.join][:MAX_LINKED]
        wanted += [c for c in ranked if best[c] < self.join][: SUGGESTIONS_PER_QUESTION + 1]
        samples = {cid: _sample(self._clusters[cid].members) for cid in wanted}
        # Members not scored exactly yet (not among the candidates, or below `join`) are
        # scored now, all at once.
        missing = list(dict.fromkeys(m for s in samples.values() for m in s if m not in known))
        if missing:
            rescored = index.confidence(query, index.slots_of(missing))
            known.update(zip(missing, rescored.tolist(), strict=True))
        links: list[tuple[str, tuple[float, float]]] = []
        for cid, sample in samples.items():
            values = [known[m] for m in sample]
            links.append((cid, (sum(values) / len(values), min(values))))
        links.sort(key=lambda item: (-item[1][0], self.index.slot_of(item[0])))
        return links

    def _merge_around(
        self, cluster: str, links: list[tuple[str, tuple[float, float]]]
    ) -> list[str]:
        """Merge into `cluster` the other candidate clusters close enough to it as a whole."""
        merged: list[str] = []
        for cid, (link, low) in links:
            if link < self.join:
                break
            cluster = self._cluster_of[cluster]
            if cid == cluster or cid not in self._clusters or low < self.floor:
                continue
            if self._clusters[cid].locked or self._clusters[cluster].locked:
                continue
            if self.kept_apart(cluster, cid) or self._between(cluster, cid) < self.join:
                continue
            keep, gone = sorted((cluster, cid), key=self.index.slot_of)
            self._absorb(keep, gone)
            merged.append(gone)
        return merged

    def _between(self, a: str, b: str) -> float:
        """Average confidence between the sampled members of two clusters."""
        index = self.index
        slots = index.slots_of(_sample(self._clusters[b].members, BETWEEN_SAMPLE))
        total = count = 0.0
        for qid in _sample(self._clusters[a].members, BETWEEN_SAMPLE):
            values = index.confidence(index.query_at(index.slot_of(qid)), slots)
            total += float(values.sum())
            count += len(values)
        return total / count if count else 0.0

    # --- officials' decisions and restoring ----------------------------------------------

    def restore(
        self, qid: str, text: str, category: str | None, cluster: str, locked: bool = False
    ) -> None:
        """Put back a saved question in its saved cluster, as it was (no matching).

        Restore in order of arrival, so that members keep their order and the IDF snapshots
        come out as they did.
        """
        if qid in self._cluster_of:
            raise ValueError(f"question {qid!r} is known already")
        self.index.add(qid, prepare(text, category))
        self._cluster_of[qid] = cluster
        record = self._clusters.setdefault(cluster, _Cluster())
        record.members.append(qid)
        record.locked = record.locked or locked

    def resync(
        self,
        assignment: Mapping[str, str],
        locked: Iterable[str],
        apart: Iterable[tuple[str, str]],
    ) -> None:
        """Take stored clusters as they are: every known question goes to its stored cluster
        (members in order of arrival), a question the store does not hold is forgotten, and
        locks and kept-apart pairs are replaced by the stored ones."""
        for qid in [q for q in self._cluster_of if q not in assignment]:
            del self._cluster_of[qid]
            self.index.remove(qid)
        clusters: dict[str, _Cluster] = {}
        for qid in self.index.ids():
            cluster = self._cluster_of[qid] = assignment[qid]
            clusters.setdefault(cluster, _Cluster()).members.append(qid)
        for cluster in locked:
            if cluster in clusters:
                clusters[cluster].locked = True
        self._clusters = clusters
        self._apart = {}
        for qid, other in apart:
            self.keep_apart(qid, other)

    def __contains__(self, qid: object) -> bool:
        return qid in self._cluster_of

    def lock(self, cluster: str) -> None:
        """An official has handled this cluster: the engine no longer merges it."""
        self._clusters[cluster].locked = True

    def keep_apart(self, qid: str, other: str) -> None:
        """Never join the clusters of these two questions automatically (a dismissal)."""
        self._apart.setdefault(qid, set()).add(other)
        self._apart.setdefault(other, set()).add(qid)

    def merge(self, keep: str, other: str) -> str:
        """An official's merge: `other`'s members move into `keep`, which is then locked."""
        if keep != other:
            self._absorb(keep, other)
        self._clusters[keep].locked = True
        return keep

    def split(self, qids: Iterable[str]) -> str:
        """An official takes questions out of their clusters into a new one, named after the
        first of them; the clusters left behind are renamed after their own first member if
        needed. The split-off questions are kept apart from those they left."""
        taken = list(dict.fromkeys(q for q in qids if q in self._cluster_of))
        if not taken:
            raise ValueError("no known question to split off")
        new_id = taken[0]
        for qid in taken:
            old = self._cluster_of[qid]
            record = self._clusters[old]
            record.members.remove(qid)
            for left in record.members:
                self.keep_apart(qid, left)
            if not record.members:
                del self._clusters[old]
            elif old == qid:
                self._rename(old, record.members[0])
        self._clusters[new_id] = _Cluster(taken, locked=True)
        for qid in taken:
            self._cluster_of[qid] = new_id
        return new_id

    def remove(self, qid: str) -> None:
        """Forget a question (its cluster keeps its id even if it was the first member)."""
        cluster = self._cluster_of.pop(qid)
        record = self._clusters[cluster]
        record.members.remove(qid)
        if not record.members:
            del self._clusters[cluster]
        self.index.remove(qid)

    # --- reading -----------------------------------------------------------------------------

    def cluster_of(self, qid: str) -> str:
        return self._cluster_of[qid]

    def members(self, cluster: str) -> list[str]:
        record = self._clusters.get(cluster)
        return list(record.members) if record else []

    def clusters(self) -> dict[str, list[str]]:
        return {cid: list(c.members) for cid, c in self._clusters.items()}

    def is_locked(self, cluster: str) -> bool:
        return self._clusters[cluster].locked

    def similar(
        self, text: str, category: str | None = None, limit: int = 3, floor: float | None = None
    ) -> list[tuple[str, float]]:
        """Indexed questions most like `text` (best first), at or above `floor` (`suggest`)."""
        return self.index.similar(
            prepare(text, category), limit, self.suggest if floor is None else floor
        )

    # --- internals ---------------------------------------------------------------------------

    def _absorb(self, keep: str, gone: str) -> None:
        moved = self._clusters.pop(gone).members
        record = self._clusters[keep]
        for qid in moved:
            self._cluster_of[qid] = keep
        record.members.extend(moved)
        record.members.sort(key=self.index.slot_of)

    def _rename(self, old: str, new: str) -> None:
        record = self._clusters.pop(old)
        self._clusters[new] = record
        for qid in record.members:
            self._cluster_of[qid] = new

    def _current(self, cluster: str) -> str:
        """A candidate's cluster id after merges made while placing the question."""
        return cluster if cluster in self._clusters else self._cluster_of[cluster]

    def kept_apart(self, a: str, b: str) -> bool:
        """Whether an official kept these two clusters apart (a dismissal or a split)."""
        if not self._apart:
            return False
        theirs = set(self._clusters[b].members)
        return any(
            not self._apart.get(qid, set()).isdisjoint(theirs) for qid in self._clusters[a].members
        )


def _sample(members: list[str], size: int = LINK_SAMPLE) -> list[str]:
    """Up to `size` members: the first and the latest ones."""
    if len(members) <= size:
        return members
    half = size // 2
    return members[:half] + members[-half:]
