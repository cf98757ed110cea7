"""The questions of one dialogue, searchable for near duplicates without comparing all pairs.

Each question is stored once: its analysis (`domain.dedupe.text`), its category, and its two
bags of grams (`domain.dedupe.grams`) as rows of gram ids and term frequencies laid end to end
in growable C arrays. Cosines for many questions at once are numpy gathers: the query's weights
sit in a dense array indexed by gram id; every candidate's row is read from the big arrays and
summed per candidate.

IDF comes from the dialogue itself ("đường" in a dialogue where every third question is about
roads says less than "kè"). It is a snapshot over the questions present when it is taken:
retaken on every change while the dialogue is small (≤ `EXACT_UP_TO` questions) and whenever it
has grown or shrunk by a tenth after that. A snapshot depends only on the questions present, so
an index rebuilt after a restart, question by question in the same order, scores exactly as the
one it replaces.

Scoring a query (`confidence`) is done in two steps. The cheap evidence (the two cosines, the
categories, the lengths) is computed for every candidate at once; it bounds the confidence from
above (the other evidence at its best), and only candidates whose bound reaches the caller's
floor get the rest (rapidfuzz, places, numbers). Blocking: above `EXHAUSTIVE_UP_TO` questions, a
query's candidates are the questions sharing its rarer content tokens (an inverted index),
about `CANDIDATE_BUDGET` of them; below, every question.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import log, sqrt

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

import domain.dedupe.score as model
from domain.dedupe.grams import char_grams, word_grams
from domain.dedupe.score import Model
from domain.dedupe.text import Analysis, analyse, opposite

EXACT_UP_TO = 300
EXHAUSTIVE_UP_TO = 300
CANDIDATE_BUDGET = 300
# Candidates sharing almost no word are not weighed further when only the likely ones matter:
# in the labelled sets no pair at the suggestion bar has a word cosine below 0.067.
SCREEN = 0.05
# Indexed questions kept as weighed queries (a few MB; see `query_at`).
QUERIES_KEPT = 4096
_FUZZY_SCORER = fuzz.token_set_ratio

Ints = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
Matrix = model.Matrix
_I32 = "i" if array("i").itemsize == 4 else "l"
# A query's grams under one state of a bag: their ids and weights (tf × idf² over its norm).
Weighed = tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Query:
    """A question prepared for scoring: its analysis and its grams (kept only while it is
    scored or added; the index keeps the grams in its arrays)."""

    analysis: Analysis
    category: str | None
    key: str  # the content tokens joined by spaces: what rapidfuzz compares
    words: dict[str, float]  # word gram → sublinear term frequency
    chars: dict[str, float]
    # The grams weighed under one state of the index, kept while that state lasts: a question
    # is scored against several groups of questions while it is placed.
    weighed: dict[int, tuple[int, Weighed, Weighed]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # An indexed question read back (`query_at`): every gram of it is in the vocabulary, so
    # only a new IDF snapshot changes its weights, not the vocabulary growing.
    indexed: bool = field(default=False, compare=False, repr=False)


def prepare(text: str, category: str | None = None) -> Query:
    found = analyse(text)
    tokens = found.tokens
    return Query(found, category, " ".join(tokens), word_grams(tokens), char_grams(tokens))


@dataclass(frozen=True, slots=True)
class _Entry:
    analysis: Analysis
    category: str | None
    key: str


class _Bag:
    """One vocabulary of grams: the rows of every slot and the IDF snapshot."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.grams: list[str] = []  # gram id → gram
        self.df = array("q")
        self.ids = array(_I32)  # every slot's row, end to end
        self.tfs = array("f")
        self.start = array("q")
        self.size = array("q")
        self.norm = array("d")
        self.idf: Floats = np.zeros(0)
        self.idf_new = 1.0
        self._dense = np.zeros(1024)

    def add(self, grams: dict[str, float]) -> None:
        vocab, df, ids, tfs = self.vocab, self.df, self.ids, self.tfs
        self.start.append(len(ids))
        self.size.append(len(grams))
        for gram, tf in grams.items():
            gid = vocab.get(gram)
            if gid is None:
                gid = vocab[gram] = len(df)
                df.append(0)
                self.grams.append(gram)
            df[gid] += 1
            ids.append(gid)
            tfs.append(tf)
        # The row's norm under the current snapshot; grams it has not seen weigh as new.
        start = self.start[-1]
        gids = np.frombuffer(ids, np.int32)[start:]
        known = gids < len(self.idf)
        weights = np.full(len(gids), self.idf_new)
        weights[known] = self.idf.take(gids[known])
        weighted = np.frombuffer(tfs, np.float32)[start:] * weights
        self.norm.append(sqrt(float(weighted @ weighted)) or 1.0)

    def row(self, slot: int) -> dict[str, float]:
        start, size = self.start[slot], self.size[slot]
        grams = self.grams
        return {
            grams[gid]: tf
            for gid, tf in zip(
                self.ids[start : start + size], self.tfs[start : start + size], strict=True
            )
        }

    def remove(self, slot: int) -> None:
        start, size = self.start[slot], self.size[slot]
        for gid in self.ids[start : start + size]:
            self.df[gid] -= 1

    def _weight(self, gram: str) -> float:
        gid = self.vocab.get(gram)
        return self.idf_new if gid is None or gid >= len(self.idf) else float(self.idf[gid])

    def snapshot(self, live: int) -> None:
        """IDF over the `live` questions (smoothed as scikit-learn smooths it), and every norm."""
        df = np.frombuffer(self.df, np.int64).astype(np.float64)
        self.idf = np.log((1.0 + live) / (1.0 + df)) + 1.0
        self.idf_new = log(1.0 + live) + 1.0
        if not len(self.ids):
            return
        weighted = np.frombuffer(self.tfs, np.float32) * self.idf.take(
            np.frombuffer(self.ids, np.int32)
        )
        starts = np.frombuffer(self.start, np.int64)
        sums = _segment_sums(weighted * weighted, starts, np.frombuffer(self.size, np.int64))
        norms = np.sqrt(sums)
        norms[norms == 0.0] = 1.0
        self.norm = array("d", norms.tobytes())

    def weigh(self, grams: dict[str, float]) -> Weighed:
        """A query's known grams and their weights (tf × idf², over its norm), under the
        snapshot; grams met after the snapshot weigh as if unseen."""
        vocab, idf, known, new = self.vocab, self.idf, len(self.idf), self.idf_new
        squares = 0.0
        gids: list[int] = []
        values: list[float] = []
        for gram, tf in grams.items():
            gid = vocab.get(gram)
            weight = new if gid is None or gid >= known else float(idf[gid])
            squares += (tf * weight) ** 2
            if gid is not None:
                gids.append(gid)
                values.append(tf * weight * weight)
        norm = sqrt(squares) or 1.0
        return np.array(gids, np.intp), np.array(values) / norm

    def cosines(self, weighed: Weighed, slots: Ints) -> Floats:
        """Cosine of a weighed query with the row of each slot."""
        gids, values = weighed
        if not len(slots) or not len(gids):
            return np.zeros(len(slots))
        if len(self._dense) < len(self.df):
            self._dense = np.zeros(max(len(self.df), 2 * len(self._dense)))
        dense = self._dense
        dense[gids] = values
        sizes = np.frombuffer(self.size, np.int64).take(slots)
        positions = _positions(np.frombuffer(self.start, np.int64).take(slots), sizes)
        found = dense.take(np.frombuffer(self.ids, np.int32).take(positions))
        found *= np.frombuffer(self.tfs, np.float32).take(positions)
        sums = _segment_sums(found, _offsets(sizes), sizes)
        dense[gids] = 0.0
        return np.minimum(sums / np.frombuffer(self.norm, np.float64).take(slots), 1.0)


def score(a: str, b: str, category_a: str | None = None, category_b: str | None = None) -> float:
    """The confidence 0-100 that two questions are one request, on their own (an index of `b`
    alone: every word as rare as the next)."""
    index = SimilarityIndex()
    index.add("b", prepare(b, category_b))
    return float(index.confidence(prepare(a, category_a), index.live_slots())[0])


def _offsets(sizes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    offsets = np.zeros(len(sizes), np.int64)
    if len(sizes) > 1:
        np.cumsum(sizes[:-1], out=offsets[1:])
    return offsets


def _positions(starts: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]) -> Ints:
    """Every position of the rows [start, start + size), end to end."""
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, np.intp)
    return (np.repeat(starts - _offsets(sizes), sizes) + np.arange(total)).astype(np.intp)


def _segment_sums(
    values: Floats, starts: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> Floats:
    """Sum of values[start : start + size] for each segment, 0 for an empty one."""
    out = np.zeros(len(sizes))
    full = sizes > 0
    if len(values) and full.any():
        out[full] = np.add.reduceat(values, starts[full])
    return out


_COLUMN = {name: i for i, name in enumerate(model.FEATURES)}
_WORD, _CHAR, _FUZZY = _COLUMN["word"], _COLUMN["char"], _COLUMN["fuzzy"]
_SAME_CAT, _OTHER_CAT, _LENGTH = (
    _COLUMN["same_category"],
    _COLUMN["other_category"],
    _COLUMN["length"],
)
_PLACE = tuple(_COLUMN[n] for n in ("same_place", "other_place", "one_place"))
_NUMBER = tuple(_COLUMN[n] for n in ("same_number", "other_number"))
_PERSON = tuple(_COLUMN[n] for n in ("same_person", "other_person"))
_OPPOSITE = _COLUMN["opposite"]
# Evidence left for the second step of scoring (see the module's description).
_LATER = (
    "same_place",
    "other_place",
    "one_place",
    "same_number",
    "other_number",
    "same_person",
    "other_person",
    "opposite",
)


_PLACES, _NUMBERS, _PERSONS, _DIRECTIONS = 1, 2, 4, 8


def _flags_of(found: Analysis) -> int:
    return (
        (_PLACES if found.places else 0)
        | (_NUMBERS if found.numbers else 0)
        | (_PERSONS if found.persons else 0)
        | (_DIRECTIONS if found.directions else 0)
    )


class SimilarityIndex:
    """The questions of one dialogue, by id, and how alike a query is to each of them."""

    def __init__(
        self, exhaustive_up_to: int = EXHAUSTIVE_UP_TO, weights: Model = model.DEFAULT_MODEL
    ) -> None:
        self._exhaustive_up_to = exhaustive_up_to
        self.model = weights
        self._best_later = weights.best_of(_LATER)
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._entries: list[_Entry | None] = []
        self._alive = np.zeros(64, np.bool_)
        self._lengths = np.zeros(64)
        self._categories = np.zeros(64, np.int64)  # 0: unknown or "other"
        self._flags = np.zeros(64, np.int8)  # what a question names (see `_flags_of`)
        self._category_codes: dict[str, int] = {}
        self._live = 0
        self._words = _Bag()
        self._chars = _Bag()
        self._postings: dict[str, array[int]] = {}
        self._snapshot_at = 0
        self._version = 0
        self._snapshots = 0
        # Indexed questions read back as queries (clusters weighed against each other), kept
        # with their weights until the next snapshot; bounded, and emptied when full.
        self._queries: dict[int, Query] = {}

    def __len__(self) -> int:
        return self._live

    def __contains__(self, qid: object) -> bool:
        return qid in self._slot

    def slot_of(self, qid: str) -> int:
        return self._slot[qid]

    def id_at(self, slot: int) -> str:
        return self._ids[slot]

    def analysis_of(self, qid: str) -> Analysis:
        entry = self._entries[self._slot[qid]]
        assert entry is not None
        return entry.analysis

    def query_at(self, slot: int) -> Query:
        """An indexed question as a query again (the index keeps its grams in its rows)."""
        query = self._queries.get(slot)
        if query is not None:
            return query
        entry = self._entries[slot]
        assert entry is not None
        query = Query(
            entry.analysis,
            entry.category,
            entry.key,
            self._words.row(slot),
            self._chars.row(slot),
            indexed=True,
        )
        if len(self._queries) >= QUERIES_KEPT:
            self._queries.clear()
        self._queries[slot] = query
        return query

    def ids(self) -> list[str]:
        """Live question ids, in the order they were added."""
        return [qid for qid in self._ids if qid in self._slot]

    # --- changes -----------------------------------------------------------------------------

    def add(self, qid: str, query: Query) -> None:
        if qid in self._slot:
            raise ValueError(f"question {qid!r} is indexed already")
        slot = len(self._ids)
        self._ids.append(qid)
        self._slot[qid] = slot
        self._entries.append(_Entry(query.analysis, query.category, query.key))
        if slot >= len(self._alive):
            self._grow(2 * len(self._alive))
        self._alive[slot] = True
        self._lengths[slot] = len(query.analysis.tokens)
        self._categories[slot] = self._category_code(query.category)
        self._flags[slot] = _flags_of(query.analysis)
        self._live += 1
        self._words.add(query.words)
        self._chars.add(query.chars)
        for token in set(query.analysis.tokens):
            self._postings.setdefault(token, array(_I32)).append(slot)
        self._refresh()

    def remove(self, qid: str) -> None:
        slot = self._slot.pop(qid)
        self._entries[slot] = None
        self._alive[slot] = False
        self._live -= 1
        self._queries.pop(slot, None)
        self._words.remove(slot)
        self._chars.remove(slot)
        self._refresh()

    def _grow(self, size: int) -> None:
        for name in ("_alive", "_lengths", "_categories", "_flags"):
            old = getattr(self, name)
            new = np.zeros(size, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _category_code(self, category: str | None) -> int:
        if category is None or category == "other":
            return 0
        return self._category_codes.setdefault(category, len(self._category_codes) + 1)

    def _refresh(self) -> None:
        self._version += 1  # the vocabulary or the snapshot changed: weigh queries again
        live, last = self._live, self._snapshot_at
        if live <= EXACT_UP_TO or live >= 1.1 * last or live <= 0.9 * last:
            self._words.snapshot(live)
            self._chars.snapshot(live)
            self._snapshot_at = live
            self._snapshots += 1

    # --- scoring -----------------------------------------------------------------------------

    def live_slots(self) -> Ints:
        return np.flatnonzero(self._alive[: len(self._ids)]).astype(np.intp)

    def slots_of(self, qids: Iterable[str]) -> Ints:
        return np.array([self._slot[q] for q in qids], np.intp)

    def candidates(self, query: Query) -> Ints:
        """Slots worth scoring: every one in a small dialogue, else those sharing rare tokens."""
        if self._live <= self._exhaustive_up_to:
            return self.live_slots()
        lists = sorted(
            (len(post), token)
            for token in set(query.analysis.tokens)
            if (post := self._postings.get(token)) is not None
        )
        joined = array(_I32)
        for size, token in lists:
            if joined and len(joined) + size > CANDIDATE_BUDGET:
                break
            joined.extend(self._postings[token][-CANDIDATE_BUDGET:])
        if not joined:
            return np.zeros(0, np.intp)
        slots = np.unique(np.frombuffer(joined, np.int32)).astype(np.intp)
        return slots[self._alive.take(slots)]

    def features(self, query: Query, slots: Ints) -> Matrix:
        """The (slots × FEATURES) evidence of `query` against each of these slots."""
        out = self._cheap(query, slots)
        self._rest(query, slots, out, np.arange(len(slots)))
        return out

    def confidence(self, query: Query, slots: Ints, floor: float = 0.0) -> Floats:
        """Confidence 0-100 per slot. With a `floor`, a slot that cannot reach it, or that
        shares almost no word with the query (word cosine below `SCREEN`), gets some value
        below the floor instead: its remaining evidence is not computed."""
        values, exact = self.bounded(query, slots, floor)
        values[~exact] = np.minimum(values[~exact], max(floor - 1.0, 0.0))
        return values

    def bounded(self, query: Query, slots: Ints, floor: float) -> tuple[Floats, Flags]:
        """Per slot, the confidence where it may reach `floor` (exact) and an upper bound of it
        elsewhere (0 for a slot sharing almost no word), with which of the two each value is."""
        if floor <= 0.0:
            cheap = self._cheap(query, slots)
            self._rest(query, slots, cheap, np.arange(len(slots)))
            return self.model.confidence(cheap), np.ones(len(slots), np.bool_)
        out = np.zeros(len(slots))
        exact = np.zeros(len(slots), np.bool_)
        words, _ = self._weighed(query)
        word = self._words.cosines(words, slots)
        kept = np.flatnonzero(word >= SCREEN)
        if not len(kept):
            return out, exact
        slots = slots.take(kept)
        cheap = self._cheap(query, slots, word.take(kept))
        found = self.model.confidence(cheap, self._best_later)
        rows = np.flatnonzero(found >= floor)
        if len(rows):
            self._rest(query, slots, cheap, rows)
            found[rows] = self.model.confidence(cheap[rows])
            exact[kept.take(rows)] = True
        out[kept] = found
        return out, exact

    def _weighed(self, query: Query) -> tuple[Weighed, Weighed]:
        version = self._snapshots if query.indexed else self._version
        cached = query.weighed.get(id(self))
        if cached is None or cached[0] != version:
            cached = (version, self._words.weigh(query.words), self._chars.weigh(query.chars))
            query.weighed[id(self)] = cached
        return cached[1], cached[2]

    def _cheap(self, query: Query, slots: Ints, word: Floats | None = None) -> Matrix:
        out = np.zeros((len(slots), len(model.FEATURES)))
        if not len(slots):
            return out
        words, chars = self._weighed(query)
        out[:, _WORD] = self._words.cosines(words, slots) if word is None else word
        out[:, _CHAR] = self._chars.cosines(chars, slots)
        entries = self._entries
        keys = [e.key if (e := entries[s]) is not None else "" for s in slots.tolist()]
        out[:, _FUZZY] = cdist([query.key], keys, scorer=_FUZZY_SCORER)[0] / 100.0
        # A category the index has never seen (-1) differs from every known one.
        mine = (
            0
            if query.category in (None, "other")
            else self._category_codes.get(str(query.category), -1)
        )
        if mine:
            theirs = self._categories.take(slots)
            out[:, _SAME_CAT] = (theirs == mine) & (theirs > 0)
            out[:, _OTHER_CAT] = (theirs != mine) & (theirs > 0)
        length = float(len(query.analysis.tokens))
        others = self._lengths.take(slots)
        out[:, _LENGTH] = np.minimum(others, length) / np.maximum(np.maximum(others, length), 1.0)
        return out

    def _rest(self, query: Query, slots: Ints, out: Matrix, rows: Ints) -> None:
        """Fill in places, numbers, people and directions for `rows` of `out`."""
        # Only pairs where one names a place or a person, or both give numbers or directions,
        # have anything to fill in.
        mine_flags = _flags_of(query.analysis)
        theirs_flags = self._flags.take(slots.take(rows))
        either = (mine_flags | theirs_flags) & (_PLACES | _PERSONS)
        both = (mine_flags & theirs_flags) & (_NUMBERS | _DIRECTIONS)
        rows = rows[(either | both) != 0]
        if not len(rows):
            return
        entries = [self._entries[s] for s in slots.take(rows).tolist()]
        mine = query.analysis
        for row, entry in zip(rows.tolist(), entries, strict=True):
            if entry is None:
                continue
            theirs = entry.analysis
            if mine.places or theirs.places:
                for column, flag in zip(_PLACE, model.place_relation(mine, theirs), strict=True):
                    out[row, column] = flag
            if mine.numbers and theirs.numbers:
                for column, flag in zip(_NUMBER, model.number_relation(mine, theirs), strict=True):
                    out[row, column] = flag
            if mine.persons or theirs.persons:
                for column, flag in zip(_PERSON, model.person_relation(mine, theirs), strict=True):
                    out[row, column] = flag
            if mine.directions and theirs.directions:
                out[row, _OPPOSITE] = opposite(mine, theirs) or opposite(theirs, mine)

    def similar(self, query: Query, limit: int, floor: float) -> list[tuple[str, float]]:
        """Up to `limit` indexed questions at or above `floor`, most alike first (ties: older)."""
        slots = self.candidates(query)
        if not len(slots):
            return []
        scores = self.confidence(query, slots, floor)
        keep = np.flatnonzero(scores >= floor)
        order = keep[np.lexsort((slots.take(keep), -scores.take(keep)))][:limit]
        return [(self._ids[int(slots[i])], round(float(scores[i]), 2)) for i in order]
