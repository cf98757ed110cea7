"""Finding residents' questions that ask the same thing, and grouping them.

A question is reduced to `Features`: its content tokens (see `domain.normalize.tokens`: folded,
teencode and administrative synonyms rewritten to one concept token each, request verbs and
politeness dropped), a prior weight per token, and the *entities* it names: villages,
residential groups, roads, bridges and canals, and bare numbers. In a text that writes names
with capitals (an official's summary) a place name must be capitalised; a marker typed with
other diacritics ("mua bán" is not "bản") is no marker.

Two questions are scored in two parts:

1. A weighted overlap of what they ask about (places and numbers left out), each word weighted
   by its prior × its IDF over the dialogue's questions: mostly how much of the *shorter*
   question the longer one covers (a resident's short message inside an official's long
   summary), partly how much they share overall (Dice).
2. `fuzz.token_set_ratio` (rapidfuzz) on the content tokens, a smaller share: it forgives typos
   and word order.

Entities then veto: "sửa đường thôn A" and "sửa đường thôn B" share every word but the place,
and are two requests. When both questions name a place of the same kind and no name agrees,
the score is cut below any threshold; agreeing on a place adds a small bonus. A numbered place
counts with its marker ("tổ 5" = "tổ dân phố 5", but not "khu phố 5" nor "thôn 5").

Two more cuts: each question naming a concept the other lacks ("trợ cấp" against "BHYT", both
for old people) lowers the overlap, and when both texts carry their diacritics, a word that only
folds alike ("giá" price, "giả" fake) is not shared.

Lookup is not all-pairs: an inverted index maps each token to the questions holding it, and only
the questions sharing the rarest tokens of a new question are scored (see `SimilarityIndex`).

Clustering is incremental (`Clusters`): a question joins the cluster of its best match above the
threshold or starts its own; a cluster's id is its first member's id and never changes. Best
matches do not chain: a question does not join a cluster whose members name another place of
the same kind, nor one whose members it matches, on average, below the threshold. The
mapping question → cluster is stored, not recomputed, so officials can merge and split clusters
and later questions follow their decision; `Clusters.restore` rebuilds it after a restart.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import log

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from domain.categories import OTHER
from domain.normalize import (
    CONCEPTS,
    STOP_WORDS,
    analyse,
    canonical_tones,
    concept_words,
    contains_phrase,
    content_tokens,
    fold_word,
    pairs,
)

DEFAULT_THRESHOLD = 49.0
"""Score (0-100) from which two questions count as the same request."""

SUGGEST_THRESHOLD = 45.0
"""Lower bar for *showing* a resident similar questions: they decide, so a near miss costs a look,
while a wrong merge in the clusters would hide a distinct request from the office."""

# --- entities -----------------------------------------------------------------------------------

# Kinds of named place; two questions conflict only when they name places of the same kind.
# Villages (thôn, xóm, ấp, bản) and urban groups (tổ dân phố, khu phố) are one kind: a commune
# has either, and "thôn 3" against "tổ 5" are two places all the same.
_VILLAGE = _QUARTER = "area"
_ROAD, _WORKS = "road", "works"
_MARKERS: dict[str, str] = {
    "thon": _VILLAGE,
    "xom": _VILLAGE,
    "ap": _VILLAGE,
    "ban": _VILLAGE,
    "lang": _VILLAGE,
    "buon": _VILLAGE,
    "plei": _VILLAGE,
    "khom": _VILLAGE,
    "soc": _VILLAGE,
    "doi": _VILLAGE,
    "to": _QUARTER,
    "tdp": _QUARTER,
    "khu_pho": _QUARTER,
    "khu": _QUARTER,
    "cum": _QUARTER,
    "duong": _ROAD,
    "quoc_lo": _ROAD,
    "huong_lo": _ROAD,
    "tinh_lo": _ROAD,
    "ngo": _ROAD,
    "hem": _ROAD,
    "kiet": _ROAD,
    "ngach": _ROAD,
    "cau": _WORKS,
    "kenh": _WORKS,
    "muong": _WORKS,
    "dap": _WORKS,
    "cong": _WORKS,
    "truong": _WORKS,
    "nha_van_hoa": _WORKS,
    "tram_bien_ap": _WORKS,
}
# A number names a place only together with its marker: "tổ 5", "khu phố 5" and "thôn 5" are
# three places, while "tổ 5" and "tổ dân phố 5" (or "ngõ 5"/"hẻm 5"/"kiệt 5", one thing under
# regional names) are one. Numbered names are kept as "family:number".
_NUMBER_FAMILY: dict[str, str] = {
    "tdp": "to", "khu_pho": "khu", "hem": "ngo", "kiet": "ngo", "ngach": "ngo",
}
# Markers that are also everyday words: they name a place only before a number ("tổ 5", "đội 3",
# "khu 2") or, for the works, before a word that is no common noun or verb.
_NUMBER_ONLY = frozenset({"to", "doi", "khu", "cum", "ngo", "hem", "cong", "dap"})

# Words that follow a marker without being a name ("đường liên thôn", "cầu bị sập", "thôn em").
_NOT_NAME_TEXT = """
lien noi vao ra di len xuong qua sang ve tu den tai o cua va voi la thi ma de cho bi da dang
se roi chua con lai rat nhieu qua lam co khong nay do kia day ben trong ngoai tren duoi nho lon
moi cu hep rong dat bun nong thon giao thong be_tong nhua san gach ong dan toi em minh chung
nha chinh phu xa huyen tinh ngan hang di lai chay nuoc dien den sach xau hong sap lun nut vo
xuong_cap o_ga ngap_ung thoat_nuoc sua nang_cap lap_dat ho_tro xu_ly het gan xa sau truoc
hoc tieu mam non cap thcs thpt th mn dai hoc nay kia sat canh doc theo noi_dong
ca tat chinh phu nhanh cham som muon khi nao bao gio gi sao hu hai lo vui ket thuy loi
cao thap dai ngan vao cuoi dau mot hai ba bon nam sau bay tam chin muoi nhung cac moi
dem ngay hanh nganh be hang le giao chap tin than chi thuong bo le tay chan ghe ban
"""
# Stop-words that are also common in place names ("thôn Bắc", "xóm Nam", "thôn Hạ").
_PLACE_LIKE = frozenset({"bac", "nam", "dong", "tay", "doai", "ha", "thuong", "trung", "tan", "an"})
_NOT_NAME = (frozenset(_NOT_NAME_TEXT.split()) | STOP_WORDS) - _PLACE_LIKE


# How each marker is written with its diacritics: "bán" (to sell) folds to "ban" like "bản" (a
# hamlet) but is no marker; a marker typed without any diacritics is taken as one.
_MARKER_FORMS: dict[str, str] = {
    "thon": "thôn", "xom": "xóm", "ap": "ấp", "ban": "bản", "lang": "làng", "buon": "buôn",
    "khom": "khóm", "soc": "sóc", "doi": "đội", "to": "tổ", "cum": "cụm", "duong": "đường",
    "ngo": "ngõ", "hem": "hẻm", "kiet": "kiệt", "ngach": "ngách", "cau": "cầu", "kenh": "kênh",
    "muong": "mương", "dap": "đập", "cong": "cống", "truong": "trường",
}
_WORD_OR_STOP = re.compile(r"[^\W\d_]+|[.!?:;\n]")


def _capitalised(text: str) -> frozenset[str]:
    """Folded words written with a capital inside a sentence: the names of an official text."""
    rest = text[1:]
    if rest == rest.lower():  # typed in lower case
        return _NO_WORDS
    caps: set[str] = set()
    start = True
    for word in _WORD_OR_STOP.findall(unicodedata.normalize("NFC", text)):
        if not word[0].isalpha():
            start = True
            continue
        if not start and word[0].isupper() and not (len(word) > 1 and word.isupper()):
            caps.add(fold_word(word.casefold()))
        start = False
    return frozenset(caps)


_NO_WORDS: frozenset[str] = frozenset()


def _entities(
    words: Sequence[str],
    caps: frozenset[str] = frozenset(),
    not_markers: frozenset[str] = frozenset(),
) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Named places by kind, and the numbers not attached to any place.

    When the text writes names with capitals (`caps` not empty, as officials do) a place name
    must be one of them; otherwise (residents typing in lower case) any word that is no common
    word may be a name. Words in `not_markers` were written in a form that is no place marker.
    """
    found: dict[str, set[str]] = {}
    used: set[int] = set()
    n = len(words)
    i = 0
    while i < n:
        word = words[i]
        kind = _MARKERS.get(word)
        # "yêu cầu" is a request, not a bridge; "con đường"/"tuyến đường" still are roads.
        if (
            kind is None
            or word in not_markers
            or (word == "cau" and i > 0 and words[i - 1] == "yeu")
        ):
            i += 1
            continue
        j = i + 1
        if j < n and words[j] == "so":  # "đường số 5", "tổ số 3"
            j += 1
        if j >= n:
            break
        nxt = words[j]
        if nxt.isdigit():
            found.setdefault(kind, set()).add(f"{_NUMBER_FAMILY.get(word, word)}:{nxt}")
            used.add(j)
            i = j + 1
            continue
        # "xóm Bản Pát": a marker word may start a name of the same kind of place.
        other_marker = nxt in _MARKERS and _MARKERS[nxt] != kind
        if (
            word in _NUMBER_ONLY
            or (kind == _WORKS and not caps)  # "trạm biến áp nhảy suốt": no name in lower case
            or other_marker
            or len(nxt) < 2
            or not nxt.isalpha()  # concept tokens ("ma_tuy") are no names
            or (nxt not in caps if caps else nxt in _NOT_NAME)
        ):
            i += 1
            continue
        name = [nxt]
        k = j + 1
        # Place names are mostly one or two syllables ("Đông", "Thanh Kỳ", "Bản Pát").
        if (
            k < n
            and words[k].isalpha()
            and words[k] not in _MARKERS
            and (words[k] in caps if caps else words[k] not in _NOT_NAME)
        ):
            name.append(words[k])
            k += 1
        found.setdefault(kind, set()).add(" ".join(name))
        i = k
    loose = (
        frozenset(w for idx, w in enumerate(words) if w[:1].isdigit() and idx not in used)
        or _NO_WORDS
    )
    return {k: frozenset(v) for k, v in found.items()}, loose


# --- features and scoring -----------------------------------------------------------------------

# Words that occur in many unrelated requests: sharing them is weak evidence of a duplicate. The
# index also learns this from the dialogue itself (IDF, see `SimilarityIndex.idf`); this list is
# the prior that holds while a dialogue is still small.
_LOW_WEIGHT_TEXT = """
cho nguoi nha dat ho_gia_dinh thon xom to tdp khu_pho ap duong khu dan cu thuc hien giai quyet
dau tu kinh phi nguon von xay dung cong trinh du an ho_tro tac quan ly tinh hinh chinh sach che
do kiem tra xu_ly lam tang cuong day nhanh tien tuyen truyen van dong huong tiep thu den
mua gia tang giup cap sua nang_cap xuong_cap cham di lai kho khan sinh hoat di_lai kho_khan
nuoc mat ngay dem toi sang chieu nam thang tuan lan xe dung tiep_tuc giai_quyet dau_tu
xay_dung cong_trinh kinh_phi thuc_hien kiem_tra tuyen_truyen sinh_hoat chinh_sach tang_cuong
quan_ly bo_tri to_chuc dut_diem som_nhat
"""
_LOW_WEIGHT = frozenset(_LOW_WEIGHT_TEXT.split())
_ENTITY_WEIGHT = 1.5
_CONCEPT_WEIGHT = 1.5
_LOW = 0.4
# A question lighter than this is too short to be called the same as another on its own words.
_MIN_WEIGHT = 1.5
# How the final score is made: the share of rapidfuzz's string score, the rest being the weighted
# overlap, itself split between coverage of the shorter question and overlap of both (Dice).
_FUZZY_SHARE = 0.3
_COVER_SHARE = 0.8
_PLACE_BONUS = 6.0
_TWO_REQUESTS = 0.85
# Factor for two questions naming different places of one kind: below any useful threshold.
_PLACE_CUT = 0.4
# IDF smoothing: a dialogue of a handful of questions says little about which words are common,
# so counts are pulled towards "every word is as rare as the next" until the dialogue grows.
_IDF_SMOOTH = 3.0
# Up to this many questions IDF is recomputed after every change (exact); above, after growth.
_IDF_EXACT_UP_TO = 500

Idf = Callable[[str], float]


def _unit_idf(token: str) -> float:
    return 1.0


@dataclass(frozen=True, slots=True)
class Features:
    """What the scorer needs to know about one question (computed once, kept by the index)."""

    key: str  # content tokens joined by spaces: the string rapidfuzz compares
    weights: dict[str, float]  # prior weight of every token (topic, places, numbers)
    total: float
    places: dict[str, frozenset[str]]
    numbers: frozenset[str]
    topic: dict[str, float]  # weights without the places and numbers
    topic_total: float
    # For a text written with diacritics: each plain topic word's forms as typed ("giá", "giả"),
    # so that words which only fold alike are not taken for one (see `accent_clash`).
    accents: dict[str, tuple[str, ...]]  # sorted forms: tuples of strings, untracked by GC
    # Precomputed for the scorer: the concept tokens of the topic, every token, and the words of
    # each place name.
    concepts: frozenset[str]
    words: frozenset[str]
    name_words: tuple[frozenset[str], ...]
    # The places and numbers written as one string: questions naming the same ones share it.
    # Strings and tuples of strings keep the garbage collector from tracking these keys, which
    # are held for every question.
    entity: str
    # What makes two questions' features equal but for diacritics (weights and topic follow
    # from the tokens, places and numbers).
    signature: tuple[str, str]
    # The forms each word was typed in (`accents`) as one string; empty without diacritics.
    accent_key: str


def _prior(token: str) -> float:
    if token in _LOW_WEIGHT:
        return _LOW
    if "_" in token:
        return _CONCEPT_WEIGHT
    return 1.0


@lru_cache(maxsize=1 << 15)
def features(text: str) -> Features:
    """The tokens, weights and places of a question (see the module's description).

    Cached per text (residents send the same words again, imports repeat lines): the result is
    shared, so callers must not change its dictionaries.
    """
    typed, words = analyse(text)
    not_markers = _NO_WORDS
    if not text.isascii():
        originals: dict[str, set[str]] = {}
        for original, folded in typed:
            if folded in _MARKER_FORMS:
                originals.setdefault(folded, set()).add(original)
        not_markers = frozenset(
            m for m, forms in originals.items() if m not in forms and _MARKER_FORMS[m] not in forms
        )
    places, numbers = _entities(words, _capitalised(text), not_markers)
    # The words of each place name ("to:5" counts as "5"), in a fixed order of places.
    name_words: tuple[frozenset[str], ...] = ()
    named: frozenset[str] | set[str] = _NO_WORDS
    if places:
        name_words = tuple(
            _name_words(name) for names in places.values() for name in sorted(names)
        )
        named = set().union(*name_words)
    # `topic` is what the question asks about, apart from where: agreeing on the place alone
    # must not make "sửa đường tổ 5" a duplicate of "sửa nhà văn hóa tổ 5".
    weights: dict[str, float] = {}
    topic: dict[str, float] = {}
    content = content_tokens(words)
    for token in content:
        if token in weights:
            continue
        if token in named or token[:1].isdigit():
            weights[token] = _ENTITY_WEIGHT
        else:
            weights[token] = topic[token] = _prior(token)
    # Place names count even when they look like stop-words ("thôn Bắc").
    if named:
        for token in sorted(named - weights.keys()):
            weights[token] = _ENTITY_WEIGHT
    accents: dict[str, tuple[str, ...]] = {}
    if not text.isascii():
        forms: dict[str, set[str]] = {}
        for original, folded in typed:
            if folded in topic and "_" not in folded:
                forms.setdefault(folded, set()).add(original)
        for folded, found in forms.items():
            if len(found) > 1 or folded not in found:  # some word typed with its diacritics
                accents = {f: tuple(sorted(found)) for f, found in forms.items()}
                break
    key = " ".join(weights)
    entity = "|".join(f"{kind}={','.join(sorted(names))}" for kind, names in sorted(places.items()))
    if numbers:
        entity += "#" + ",".join(sorted(numbers))
    return Features(
        key=key,
        weights=weights,
        total=sum(weights.values()),
        places=places,
        numbers=numbers,
        topic=topic,
        topic_total=sum(topic.values()),
        accents=accents,
        concepts=CONCEPTS.intersection(topic) or _NO_WORDS,
        words=frozenset(weights),
        name_words=name_words,
        entity=entity,
        signature=(key, entity),
        accent_key=";".join(
            f"{word}={','.join(forms)}" for word, forms in sorted(accents.items())
        ),
    )


@lru_cache(maxsize=1 << 14)
def _same_word(forms: tuple[str, ...], others: tuple[str, ...]) -> bool:
    if not set(forms).isdisjoint(others):
        return True
    return not {canonical_tones(f) for f in forms}.isdisjoint(canonical_tones(f) for f in others)


def accent_clash(a: Features, b: Features) -> list[str]:
    """Shared topic words that both questions wrote with diacritics, and wrote differently.

    "giá phân bón" (the price) and "phân bón giả" (fake) fold to the same letters; when both
    texts carry their diacritics, the difference is the writer's, not a typing habit.
    """
    if not a.accents or not b.accents:
        return []
    theirs = b.accents
    return [
        token
        for token, forms in a.accents.items()
        if (other := theirs.get(token)) is not None and not _same_word(forms, other)
    ]


def rapidfuzz_score(a: str, b: str) -> float:
    """The rapidfuzz part of the score, on `Features.key` strings (also the baseline scorer)."""
    return float(fuzz.token_set_ratio(a, b))


@lru_cache(maxsize=1 << 14)
def _name_parts(name: str) -> frozenset[str]:
    return frozenset(name.split())


@lru_cache(maxsize=1 << 14)
def _name_words(name: str) -> frozenset[str]:
    """The words of a place name as they stand in a question ("to:5" counts as "5")."""
    return frozenset(part.rpartition(":")[2] for part in name.split())


def _overlapping_name(names: Iterable[str], others: Iterable[str]) -> bool:
    """Whether a name of one set may be a name of the other, written shorter or longer: "Đông"
    and "Đông Tây" may be one place; "Đông Hòa" and "Tây Hòa" are two."""
    for name in names:
        parts = _name_parts(name)
        for other in others:
            if name == other:
                return True
            # Two different one-word names never overlap: only longer names need the sets.
            if (" " in name or " " in other) and (
                parts <= (other_parts := _name_parts(other)) or other_parts <= parts
            ):
                return True
    return False


@lru_cache(maxsize=1 << 12)
def _same_place(names: frozenset[str], others: frozenset[str]) -> bool:
    """`_overlapping_name` for the fixed name sets of two questions, remembered."""
    return _overlapping_name(names, others)


def _share_place(a: Features, b: Features) -> bool:
    """Whether the two name a place in common (or one names it and the other has its words)."""
    bwords = b.words
    for name in a.name_words:
        if name <= bwords:
            return True
    awords = a.words
    for name in b.name_words:
        if name <= awords:
            return True
    bplaces = b.places
    for kind, names in a.places.items():
        other = bplaces.get(kind)
        if other is not None and _same_place(names, other):
            return True
    return False


def conflict(a: Features, b: Features) -> float:
    """Factor (0-1] by which disagreeing places or numbers cut the score."""
    if a.places and b.places:
        bplaces = b.places
        for kind, names in a.places.items():
            other = bplaces.get(kind)
            if other and other is not names and not _same_place(names, other):
                return _PLACE_CUT
    if a.numbers and b.numbers and a.numbers.isdisjoint(b.numbers):
        return 0.9
    return 1.0


@dataclass(frozen=True, slots=True)
class _Query:
    """A question's topic weighted for one search: prior × IDF of the dialogue."""

    feats: Features
    weights: dict[str, float]
    total: float


def _weigh(feats: Features, idf: Idf) -> _Query:
    weights = {t: w * idf(t) for t, w in feats.topic.items()}
    return _Query(feats, weights, sum(weights.values()))


def _weighted_total(feats: Features, idf: Idf) -> float:
    return sum(prior * idf(token) for token, prior in feats.topic.items())


def _overlap(query: _Query, other: Features, total: float) -> float:
    """Weighted overlap 0-1 of what two questions ask about (places and numbers left out).

    `total` is the weighted total of `other`'s topic, with the same IDF as the query's.
    """
    shared = _shared(query.weights, other.topic)
    shared -= sum(query.weights[t] for t in accent_clash(query.feats, other))
    if shared <= 0:
        return 0.0
    return _finish(query, other, shared, total)


def _shared(qweights: dict[str, float], topic: dict[str, float]) -> float:
    if len(qweights) <= len(topic):
        return sum(w for t, w in qweights.items() if t in topic)
    return sum(qweights[t] for t in topic if t in qweights)


def _finish(query: _Query, other: Features, shared: float, total: float) -> float:
    lighter = min(query.total, total)
    # How much of the shorter question the longer one covers (a resident's short message inside
    # an official's long summary), damped for questions too short to say much...
    damp = min(1.0, min(query.feats.topic_total, other.topic_total) / _MIN_WEIGHT)
    cover = min(1.0, shared / lighter) * damp
    # ...and how much they share overall, so that one common word does not carry the match.
    dice = 2.0 * shared / (query.total + total)
    return _COVER_SHARE * cover + (1.0 - _COVER_SHARE) * dice


def overlap(a: Features, b: Features, idf: Idf = _unit_idf) -> float:
    """Weighted overlap 0-1 of the topics of two questions, words weighted by `idf`."""
    return _overlap(_weigh(a, idf), b, _weighted_total(b, idf))


def combine(a: Features, b: Features, fuzzy: float, shared: float | None = None) -> float:
    """Final score 0-100 from the rapidfuzz score and the weighted overlap of the two questions."""
    if shared is None:
        shared = overlap(a, b)
    return _combine(a, b, fuzzy, shared, conflict(a, b))


def _combine(a: Features, b: Features, fuzzy: float, shared: float, factor: float) -> float:
    # Each naming a concept (a merged phrase: "bhyt", "tro_cap") the other lacks ("trợ cấp"
    # against "BHYT" for the same old people): likely two requests on one topic.
    if not (a.concepts <= b.concepts or b.concepts <= a.concepts):
        shared *= _TWO_REQUESTS
    bonus = (
        _PLACE_BONUS if factor == 1.0 and (a.places or b.places) and _share_place(a, b) else 0.0
    )
    value = _FUZZY_SHARE * fuzzy + (100.0 - 100.0 * _FUZZY_SHARE) * shared + bonus
    return min(100.0, value) * factor


def upper_bound(shared: float) -> float:
    """The highest `combine` can reach with this overlap, whatever the rapidfuzz score."""
    return 100.0 * _FUZZY_SHARE + (100.0 - 100.0 * _FUZZY_SHARE) * shared + _PLACE_BONUS


def score(a: Features, b: Features) -> float:
    """Score of two questions on their own (every word as rare as the next)."""
    return combine(a, b, rapidfuzz_score(a.key, b.key))


# --- the index ----------------------------------------------------------------------------------

# How many entity ids keep a row of remembered `conflict` factors (beyond, the rows start over).
_CONFLICT_ROWS = 4096
# A question joins a cluster only if its mean score over up to `_LINK_SAMPLE` members reaches
# the threshold less `_LINK_MARGIN`.
_LINK_SAMPLE = 4
_LINK_MARGIN = 0.0
_Ints = npt.NDArray[np.intp]
# The `array` type code of numpy's index integer, for postings read as index arrays.
_POSTING_CODE = next(c for c in "qli" if array(c).itemsize == np.dtype(np.intp).itemsize)
_Floats = npt.NDArray[np.float64]


class SimilarityIndex:
    """Questions of one dialogue, searchable for near duplicates without comparing all pairs.

    Blocking: a new question is compared only with questions sharing at least one of its rarer
    tokens. Tokens held by more than `max_share` of the questions (and more than `min_common`)
    are too common to narrow anything down and are skipped while gathering candidates (they still
    count in the score). `candidates=0` scores every question: the all-pairs baseline of the
    benchmarks.

    Scoring is done in two steps. The weighted overlap of every candidate is computed at once
    with numpy (tokens are interned to ints; each question keeps a row of token ids and prior
    weights), which bounds the final score from above; then candidates are fully scored
    (entities, rapidfuzz) in the order of that bound, stopping as soon as no remaining one can
    enter the results. At most `candidates` are fully scored.

    Words are weighted by how rare they are in the dialogue (IDF over the indexed questions):
    "đường" in a dialogue where every third question is about roads says less than "kè". The
    IDF table is a snapshot, taken as a whole (every token, every question's weighted total) on
    every change while the dialogue is small and whenever it has grown or shrunk by a tenth
    after that: scores are consistent within a snapshot, and two indexes holding the same
    questions score alike once `refresh` is called.
    """

    def __init__(self, *, candidates: int = 64, max_share: float = 0.02, min_common: int = 300):
        self._candidates = candidates
        self._max_share = max_share
        self._min_common = min_common
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._features: list[Features | None] = []
        self._categories: list[str | None] = []
        self._live = 0
        # Tokens interned to ints (0 is padding); per token its holders' slots and live count.
        self._vocab: dict[str, int] = {"": 0}
        # Postings are growable C arrays: cheap to append to, one at a time, and to copy end to
        # end when a search gathers its candidates.
        self._post: list[array[int]] = [array(_POSTING_CODE)]
        self._df: list[int] = [0]
        # Per slot: topic token ids and prior weights (rows padded with 0), live flag, category.
        self._rows = np.zeros((64, 8), np.intp)
        self._row_prior = np.zeros((64, 8), np.float64)
        self._alive = np.zeros(64, np.bool_)
        self._cat_code = np.zeros(64, np.intp)
        self._cat_codes: dict[str | None, int] = {None: 0}
        self._damp = np.zeros(64, np.float64)  # how far a question is too short to say much
        self._totals = np.zeros(64, np.float64)
        # The IDF snapshot: per token id; tokens met after it get `_idf_new` (as if unseen).
        self._idf = np.zeros(64, np.float64)
        self._idf_new = 1.0
        self._idf_size = -1
        self._qbuf = np.zeros(64, np.float64)
        self._ones = np.ones(64, np.float64)
        # Questions naming the same places and numbers share an entity id, so that the places
        # veto (`conflict`) is worked out once per id, not once per candidate.
        self._entity_ids: dict[str, int] = {}
        self._entity_rep: list[Features] = []
        self._entity = np.zeros(64, np.intp)
        self._placed = np.zeros(64, np.bool_)  # whether a question names a place
        self._conflicts: dict[int, _Floats] = {}

    def __len__(self) -> int:
        return self._live

    @property
    def exhaustive(self) -> bool:
        """Whether every question is scored (no blocking: the all-pairs baseline)."""
        return self._candidates <= 0

    def __contains__(self, qid: object) -> bool:
        return qid in self._slot

    def add(self, qid: str, text: str, category: str | None = None) -> Features:
        """Index a question; adding an id again replaces its text."""
        feats = features(text)
        self.add_features(qid, feats, category)
        return feats

    def _grow_rows(self, slots: int, width: int) -> None:
        rows, cols = self._rows.shape
        if slots <= rows and width <= cols:
            return
        new_rows = max(rows, slots if slots <= rows else max(slots, 2 * rows))
        new_cols = max(cols, width)
        grown = np.zeros((new_rows, new_cols), np.intp)
        grown[:rows, :cols] = self._rows
        self._rows = grown
        prior = np.zeros((new_rows, new_cols), np.float64)
        prior[:rows, :cols] = self._row_prior
        self._row_prior = prior
        if new_cols > len(self._ones):
            self._ones = np.ones(new_cols, np.float64)
        if new_rows > rows:
            for name in ("_alive", "_cat_code", "_damp", "_totals", "_entity", "_placed"):
                old = getattr(self, name)
                new = np.zeros(new_rows, old.dtype)
                new[:rows] = old
                setattr(self, name, new)

    def _intern(self, token: str) -> int:
        tid = self._vocab.get(token)
        if tid is None:
            tid = self._vocab[token] = len(self._post)
            self._post.append(array(_POSTING_CODE))
            self._df.append(0)
            if tid >= len(self._idf):
                idf = np.full(2 * len(self._idf), self._idf_new)
                idf[: len(self._idf)] = self._idf
                self._idf = idf
                self._qbuf = np.zeros(len(idf), np.float64)
            else:
                self._idf[tid] = self._idf_new
        return tid

    def add_features(self, qid: str, feats: Features, category: str | None = None) -> None:
        if qid in self._slot:
            self.remove(qid)
        slot = len(self._ids)
        self._ids.append(qid)
        self._slot[qid] = slot
        self._features.append(feats)
        self._categories.append(category)
        self._grow_rows(slot + 1, len(feats.topic))
        post, df, vocab = self._post, self._df, self._vocab
        for token in feats.weights:
            tid = vocab.get(token)
            if tid is None:
                tid = self._intern(token)
            post[tid].append(slot)
            df[tid] += 1
        # One value at a time: cheaper than numpy converting a short list.
        row, row_prior, idf = self._rows[slot], self._row_prior[slot], self._idf
        total = 0.0
        for col, (token, prior) in enumerate(feats.topic.items()):
            tid = vocab[token]
            row[col] = tid
            row_prior[col] = prior
            total += prior * float(idf[tid])
        self._totals[slot] = total
        self._alive[slot] = True
        code = self._cat_codes.setdefault(category, len(self._cat_codes))
        self._cat_code[slot] = code
        self._damp[slot] = min(1.0, feats.topic_total / _MIN_WEIGHT)
        self._entity[slot] = self._entity_of(feats)
        self._placed[slot] = bool(feats.places)
        self._live += 1

    def remove(self, qid: str) -> None:
        """Forget a question (a resident deleting their data); its slot stays empty."""
        slot = self._slot.pop(qid, None)
        if slot is None:
            return
        feats = self._features[slot]
        self._features[slot] = None
        self._alive[slot] = False
        self._live -= 1
        if feats is not None:
            for token in feats.weights:
                self._df[self._vocab[token]] -= 1

    def slot_of(self, qid: str) -> int:
        """Order of arrival of an indexed question (older questions have lower numbers)."""
        return self._slot[qid]

    def features_of(self, qid: str) -> Features | None:
        slot = self._slot.get(qid)
        return None if slot is None else self._features[slot]

    def _stale(self) -> bool:
        live, size = self._live, self._idf_size
        return live != size and (live <= _IDF_EXACT_UP_TO or abs(live - size) * 10 > size)

    def refresh(self) -> None:
        """Take a new IDF snapshot now and reweigh every question with it."""
        live = self._live
        big = live + _IDF_SMOOTH
        self._idf_new = 1.0 + log(big / _IDF_SMOOTH)
        df = np.asarray(self._df, np.float64)
        idf = np.full(len(self._idf), self._idf_new)
        idf[: len(df)] = 1.0 + np.log(big / (df + _IDF_SMOOTH))
        idf[0] = 0.0
        self._idf = idf
        self._idf_size = live
        n = len(self._ids)
        if n:
            self._totals[:n] = (idf[self._rows[:n]] * self._row_prior[:n]).sum(axis=1)

    def idf_function(self) -> Idf:
        """IDF of a token over the questions indexed (smoothed for small dialogues)."""
        if self._stale():
            self.refresh()
        idf, vocab, unseen = self._idf, self._vocab, self._idf_new

        def weight(token: str) -> float:
            tid = vocab.get(token)
            return unseen if tid is None else float(idf[tid])

        return weight

    def similar(
        self,
        text: str,
        limit: int = 3,
        category: str | None = None,
        min_score: float = SUGGEST_THRESHOLD,
    ) -> list[tuple[str, float]]:
        """Up to `limit` indexed questions most like `text`, best first, as (id, score)."""
        return self.similar_to(features(text), limit, category, min_score)

    def similar_to(
        self,
        query: Features,
        limit: int = 3,
        category: str | None = None,
        min_score: float = SUGGEST_THRESHOLD,
        exclude: str | None = None,
        accept: Callable[[str], bool] | None = None,
    ) -> list[tuple[str, float]]:
        """As `similar`, for features; a match `accept` turns down is passed over."""
        if not self._live or limit <= 0:
            return []
        if self._stale():
            self.refresh()
        slots = self._candidate_slots(query)  # in order of arrival
        if category is not None:
            code = self._cat_codes.get(category)
            if code is None:
                return []
            slots = slots[self._cat_code[slots] == code]
        if exclude is not None and (gone := self._slot.get(exclude)) is not None:
            slots = slots[slots != gone]
        if not len(slots):
            return []
        located = bool(query.places or query.numbers)
        if located:
            # Disagreeing places and numbers cut the score (`conflict`), worked out once per
            # pair of entity ids. Most candidates name another place: they go first, before
            # any weighing (no score exceeds 100 before the cut).
            factors = self._factors(query, self._entity.take(slots))
            within = (factors * 100.0 >= min_score).nonzero()[0]
            if not len(within):
                return []
            slots, factors = slots.take(within), factors.take(within)
        # The weighted overlap of every candidate at once. Small arrays: the cost is in the
        # number of numpy calls, so they are kept few (ufuncs and methods, no wrappers).
        vocab, idf, unseen, buf = self._vocab, self._idf, self._idf_new, self._qbuf
        qtids: list[int] = []
        qtotal = 0.0
        for token, prior in query.topic.items():
            tid = vocab.get(token)
            if tid is None:
                qtotal += prior * unseen
            else:
                value = prior * float(idf[tid])
                qtotal += value
                qtids.append(tid)
                buf[tid] = value
        # Summing rows of a (candidates × width) matrix: a product with a vector of ones is
        # several times cheaper in numpy than a reduction along the short axis.
        rows = self._rows.take(slots, axis=0)
        shared = buf.take(rows) @ self._ones[: rows.shape[1]]
        for tid in qtids:
            buf[tid] = 0.0
        totals = self._totals.take(slots)
        cover = np.minimum(shared / np.minimum(totals, qtotal), 1.0)
        cover *= np.minimum(self._damp.take(slots), min(1.0, query.topic_total / _MIN_WEIGHT))
        dice = 2.0 * shared / (qtotal + totals)
        share = _COVER_SHARE * cover + (1.0 - _COVER_SHARE) * dice
        # The bound assumes a rapidfuzz score of 100 and the places bonus (which needs a place
        # on one side at least); `_combine` caps the score at 100 before the places factor.
        bonus = _PLACE_BONUS if query.places else _PLACE_BONUS * self._placed.take(slots)
        bound = np.minimum(
            100.0 * _FUZZY_SHARE + bonus + (100.0 - 100.0 * _FUZZY_SHARE) * share, 100.0
        )
        if min_score <= upper_bound(0.0):  # a question sharing no word is no match
            bound[shared <= 0.0] = -1.0
        keep = (bound >= min_score).nonzero()[0]
        if not len(keep):
            return []
        top = bound.take(keep)
        if located:
            factors = factors.take(keep)
            top *= factors
            passed = (top >= min_score).nonzero()[0]
            if not len(passed):
                return []
            keep, top, factors = keep.take(passed), top.take(passed), factors.take(passed)
        else:
            factors = np.ones(len(keep))
        # Best bound first; among equal bounds the older question first (a stable sort of
        # candidates in order of arrival).
        order = np.argsort(-top, kind="stable")
        if self._candidates > 0:
            order = order[: self._candidates]
        picked = keep.take(order)
        features_of, ids = self._features, self._ids
        key, ratio = query.key, fuzz.token_set_ratio
        found: list[tuple[float, int]] = []
        floor = min_score
        last = len(self._ids)  # slot of the last kept result once `limit` are kept
        accented = bool(query.accents)
        for slot, value, top_score, factor, common in zip(
            slots.take(picked).tolist(),
            share.take(picked).tolist(),
            top.take(order).tolist(),
            factors.take(order).tolist(),
            shared.take(picked).tolist(),
            strict=True,
        ):
            if top_score < floor:
                break  # sorted by bound: no later candidate can enter the results
            if slot > last and top_score < floor + 0.01:
                continue  # at best a tie with a kept, older question: that one stays
            # Turned down whatever it scores: asked first, as it is cheaper than the score.
            if accept is not None and not accept(ids[slot]):
                continue
            feats = features_of[slot]
            assert feats is not None
            if accented and feats.accents and (clash := accent_clash(query, feats)):
                value = self._share_without(query, slot, common, qtotal, clash)
            total = round(_combine(query, feats, ratio(key, feats.key), value, factor), 2)
            if total >= floor:
                found.append((-total, slot))
                if len(found) >= limit:
                    found.sort()
                    del found[limit:]
                    # Another candidate must at least tie the last kept one (ties go to the
                    # older question, decided by the sort below).
                    floor = max(floor, -found[-1][0] - 0.005)
                    last = found[-1][1]
        found.sort()
        return [(ids[slot], -neg) for neg, slot in found[:limit]]

    def _weight(self, token: str, prior: float) -> float:
        tid = self._vocab.get(token)
        return prior * (self._idf_new if tid is None else float(self._idf[tid]))

    def _share_without(
        self, query: Features, slot: int, shared: float, qtotal: float, clash: list[str]
    ) -> float:
        """The overlap of a candidate once the words of `accent_clash` no longer count."""
        shared -= sum(self._weight(t, query.topic[t]) for t in clash)
        if shared <= 0:
            return 0.0
        total = float(self._totals[slot])
        damp = min(float(self._damp[slot]), min(1.0, query.topic_total / _MIN_WEIGHT))
        cover = min(1.0, shared / min(qtotal, total)) * damp
        dice = 2.0 * shared / (qtotal + total)
        return _COVER_SHARE * cover + (1.0 - _COVER_SHARE) * dice

    def score_with(self, query: Features, qid: str) -> float:
        """The score `similar_to` gives one indexed question (0 if unknown), without a search.

        Plain Python over the few tokens of two questions: cheaper than the vectorised search
        when only a handful of known questions are to be scored.
        """
        slot = self._slot.get(qid)
        if slot is None or (feats := self._features[slot]) is None:
            return 0.0
        if self._stale():
            self.refresh()
        vocab, idf, unseen = self._vocab, self._idf, self._idf_new
        qtotal = shared = 0.0
        topic = feats.topic
        for token, prior in query.topic.items():
            tid = vocab.get(token)
            value = prior * (unseen if tid is None else float(idf[tid]))
            qtotal += value
            if token in topic:
                shared += value
        if not shared:
            return 0.0
        share = self._share_without(query, slot, shared, qtotal, accent_clash(query, feats))
        fuzzy = fuzz.token_set_ratio(query.key, feats.key)
        return round(_combine(query, feats, fuzzy, share, conflict(query, feats)), 2)

    def _entity_of(self, feats: Features) -> int:
        key = feats.entity
        entity = self._entity_ids.get(key)
        if entity is None:
            entity = self._entity_ids[key] = len(self._entity_rep)
            self._entity_rep.append(feats)
        return entity

    def _factors(self, query: Features, entities: _Ints) -> _Floats:
        """`conflict(query, ·)` for questions of these entity ids, remembered per entity pair."""
        mine = self._entity_of(query)
        count = len(self._entity_rep)
        row = self._conflicts.get(mine)
        if row is None or len(row) < count:
            if len(self._conflicts) >= _CONFLICT_ROWS:
                self._conflicts.clear()
            grown = np.zeros(max(count, 2 * len(row) if row is not None else 64), np.float64)
            if row is not None:
                grown[: len(row)] = row
            row = self._conflicts[mine] = grown
        factors = row.take(entities)
        unknown = (factors == 0.0).nonzero()[0]
        if len(unknown):
            reps, rows = self._entity_rep, self._conflicts
            for entity in set(entities.take(unknown).tolist()):
                row[entity] = factor = conflict(query, reps[entity])
                # `conflict` is symmetric: the other entity's row learns it too.
                theirs = rows.get(entity)
                if theirs is not None and mine < len(theirs):
                    theirs[mine] = factor
            factors = row.take(entities)
        return factors

    def _candidate_slots(self, query: Features) -> _Ints:
        n = len(self._ids)
        if self._candidates <= 0:  # exhaustive: every question (the all-pairs baseline)
            return np.flatnonzero(self._alive[:n]).astype(np.intp)
        cap = max(self._min_common, int(self._max_share * self._live))
        vocab, post = self._vocab, self._post
        lists = sorted(
            (size, tid)
            for t in query.weights
            if (tid := vocab.get(t)) is not None and (size := len(post[tid]))
        )
        if not lists:
            return np.empty(0, np.intp)
        # The rarest tokens first, until a budget of postings is spent: a place name or a rare
        # concept narrows the search to a few questions. The postings are copied end to end into
        # one fresh C array, which numpy then reads in place.
        joined = array(_POSTING_CODE)
        parts = spent = 0
        for size, tid in lists:
            if size > cap or (spent and spent + size > 2 * cap):
                break
            joined.extend(post[tid])
            parts += 1
            spent += size
        if not parts:
            # Only common words: look at the most recent holders of the rarest one.
            size, tid = lists[0]
            joined = post[tid][max(0, size - cap) :]
            parts = 1
        slots = np.frombuffer(joined, np.intp)
        every_alive = self._live == n  # nothing removed: no need to look
        if parts == 1:
            return slots if every_alive else slots[self._alive[slots]]
        # Each posting list is sorted: a sort and a neighbour test make them one set, several
        # times cheaper than `np.unique` on a few hundred ids.
        slots.sort()
        if every_alive:
            keep = np.empty(len(slots), np.bool_)
            keep[0] = True
            np.not_equal(slots[1:], slots[:-1], out=keep[1:])
        else:
            keep = self._alive[slots]
            keep[1:] &= slots[1:] != slots[:-1]
        return slots[keep]


# --- clustering ---------------------------------------------------------------------------------


_SELF_SCORES: dict[tuple[str, str], float] = {}


def clear_caches() -> None:
    """Forget every per-text and per-pair result kept between calls (for measurements that
    must start cold, and tests)."""
    for cached in (features, analyse, _same_word, _same_place, _name_parts, _name_words):
        cached.cache_clear()
    _SELF_SCORES.clear()


def self_score(feats: Features) -> float:
    """The score of a question against an exact copy of itself (below 100 for short ones)."""
    signature = feats.signature
    value = _SELF_SCORES.get(signature)
    if value is None:
        if len(_SELF_SCORES) >= 1 << 15:
            _SELF_SCORES.clear()
        value = _SELF_SCORES[signature] = score(feats, feats)
    return value


class Clusters:
    """Incremental, stable grouping of a dialogue's questions into clusters of duplicates.

    The assignment question → cluster is kept explicitly, so that the office can `merge` and
    `split` clusters; later questions join whatever cluster their best match belongs to *now*.
    After a restart, `restore` puts the saved assignment back without clustering again.
    """

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, index: SimilarityIndex | None = None
    ) -> None:
        self.threshold = threshold
        self.index = index if index is not None else SimilarityIndex()
        self._cluster_of: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        # Questions that normalise to exactly the same features as an earlier one join it
        # without a search (the earlier one scores at least as high as any other candidate).
        self._first_any: dict[tuple[str, str], str] = {}
        self._first_typed: dict[tuple[str, str], dict[str, str]] = {}
        # Per cluster, the places its members name (by kind): a question naming another place
        # does not join it through a member that names none.
        self._places: dict[str, dict[str, set[str]]] = {}
        # `_clashes` verdicts per cluster and question entity, dropped when the cluster's places
        # change: the same few clusters come up again and again as candidates.
        self._verdicts: dict[str, dict[str, bool]] = {}

    def add(self, qid: str, text: str, category: str | None = None) -> str:
        """Place a new question; returns the id of its cluster."""
        if qid in self._cluster_of:
            return self._cluster_of[qid]
        query = features(text)
        same = self._same_as(query)
        if (
            same is not None
            and self.index.exhaustive is False
            and self_score(query) >= self.threshold
        ):
            best = [(same, 100.0)]
        else:
            # A match whose cluster holds another place than this question's is passed over
            # (it names no place itself, or it would not score): two places must not chain.
            cluster_of, clashes = self._cluster_of, self._clashes
            best = self.index.similar_to(
                query,
                limit=1,
                min_score=self.threshold,
                accept=(lambda other: not clashes(query, cluster_of[other]))
                if query.places
                else None,
            )
            if best and not self._fits(query, *best[0]):
                best = []
        self.index.add_features(qid, query, category)
        self._remember(qid, query)
        cluster = self._cluster_of[best[0][0]] if best else qid
        self._cluster_of[qid] = cluster
        self._members.setdefault(cluster, []).append(qid)
        self._note_places(cluster, query)
        return cluster

    def _fits(self, query: Features, best: str, best_score: float) -> bool:
        """Whether the question is close enough to its best match's cluster as a whole: the
        mean score over the best match and a sample of other members (the first and the latest)
        must reach the threshold less a margin (two requests on one topic chain through a
        member that mentions both otherwise)."""
        members = [m for m in self._members.get(self._cluster_of[best], ()) if m != best]
        if not members:
            return True
        half = _LINK_SAMPLE // 2
        sample = members if len(members) <= _LINK_SAMPLE else members[:half] + members[-half:]
        score_with = self.index.score_with
        total = best_score + sum(score_with(query, m) for m in sample)
        return total / (len(sample) + 1) >= self.threshold - _LINK_MARGIN

    def _note_places(self, cluster: str, feats: Features) -> None:
        if feats.places:
            known = self._places.setdefault(cluster, {})
            for kind, names in feats.places.items():
                theirs = known.setdefault(kind, set())
                if not names <= theirs:
                    theirs.update(names)
                    self._verdicts.pop(cluster, None)

    def _clashes(self, query: Features, cluster: str) -> bool:
        """Whether the cluster's members name places of a kind the question names, none its."""
        known = self._places.get(cluster)
        if not known or not query.places:
            return False
        verdicts = self._verdicts.get(cluster)
        if verdicts is None:
            verdicts = self._verdicts[cluster] = {}
        verdict = verdicts.get(query.entity)
        if verdict is None:
            verdict = verdicts[query.entity] = any(
                (theirs := known.get(kind))
                and names.isdisjoint(theirs)
                and not _overlapping_name(names, theirs)
                for kind, names in query.places.items()
            )
        return verdict

    def _recount_places(self, cluster: str) -> None:
        self._places.pop(cluster, None)
        self._verdicts.pop(cluster, None)
        for qid in self._members.get(cluster, ()):
            feats = self.index.features_of(qid)
            if feats is not None:
                self._note_places(cluster, feats)

    def restore(self, qid: str, text: str, category: str | None, cluster: str) -> None:
        """Put back a question with the cluster saved earlier (after a restart), as it was.

        No matching is done: the saved `cluster` (which may carry officials' merges and splits)
        is taken as it is. Restore questions in their order of arrival, so that members keep
        their order and a split still names a cluster after its first member. Restoring a known
        id again moves it to `cluster` and replaces its text.
        """
        if qid in self._cluster_of:
            self._forget_signature(qid)
            self._leave(qid)
        feats = self.index.add(qid, text, category)
        self._remember(qid, feats)
        self._cluster_of[qid] = cluster
        self._members.setdefault(cluster, []).append(qid)
        self._note_places(cluster, feats)

    def cluster_of(self, qid: str) -> str:
        return self._cluster_of[qid]

    def members(self, cluster: str) -> list[str]:
        return list(self._members.get(cluster, ()))

    def clusters(self) -> dict[str, list[str]]:
        return {cid: list(ids) for cid, ids in self._members.items()}

    def merge(self, keep: str, other: str) -> str:
        """Move every member of cluster `other` into cluster `keep`; returns `keep`."""
        if keep == other:
            return keep
        moved = self._members.pop(other, [])
        for qid in moved:
            self._cluster_of[qid] = keep
        self._members.setdefault(keep, []).extend(moved)
        for kind, names in self._places.pop(other, {}).items():
            self._places.setdefault(keep, {}).setdefault(kind, set()).update(names)
        self._verdicts.pop(keep, None)
        self._verdicts.pop(other, None)
        return keep

    def split(self, qids: Iterable[str]) -> str:
        """Take questions out of their clusters into a new one named after the first of them.

        If that id still names the old cluster (its first member is taken out), the members
        left behind are renamed after their own first member, so ids stay "first member".
        """
        taken = list(dict.fromkeys(q for q in qids if q in self._cluster_of))
        if not taken:
            raise ValueError("no known question to split off")
        new_id = taken[0]
        for qid in taken:
            self._leave(qid)
        rest = self._members.pop(new_id, None)
        if rest:
            for qid in rest:
                self._cluster_of[qid] = rest[0]
            self._members.setdefault(rest[0], []).extend(rest)
            self._recount_places(rest[0])
        for qid in taken:
            self._cluster_of[qid] = new_id
        self._members[new_id] = taken
        self._recount_places(new_id)
        return new_id

    def remove(self, qid: str) -> None:
        """Forget a question. The cluster keeps its id even if its first member leaves."""
        self._forget_signature(qid)
        self.index.remove(qid)
        if qid in self._cluster_of:
            self._leave(qid)
            del self._cluster_of[qid]

    # An exact copy is looked up by its signature, without the diacritics (`_first_any`: the
    # first question with those tokens, however written) and with them (`_first_typed`, by
    # `Features.accent_key`, "" for the first typed without any). A copy typed without
    # diacritics scores alike against every question with its tokens, one with diacritics only
    # against those written the same way or without any (see `accent_clash`).
    def _same_as(self, query: Features) -> str | None:
        if not query.accents:
            return self._first_any.get(query.signature)
        typed = self._first_typed.get(query.signature)
        if typed is None:
            return None
        found = [qid for key in (query.accent_key, "") if (qid := typed.get(key)) is not None]
        slot = self.index.slot_of
        return min(found, key=slot) if found else None

    def _remember(self, qid: str, feats: Features) -> None:
        signature = feats.signature
        self._first_any.setdefault(signature, qid)
        typed = self._first_typed.get(signature)
        if typed is None:
            typed = self._first_typed[signature] = {}
        typed.setdefault(feats.accent_key, qid)

    def _forget_signature(self, qid: str) -> None:
        feats = self.index.features_of(qid)
        if feats is None:
            return
        signature = feats.signature
        if self._first_any.get(signature) == qid:
            del self._first_any[signature]
        typed = self._first_typed.get(signature)
        if typed is not None and typed.get(feats.accent_key) == qid:
            del typed[feats.accent_key]
            if not typed:
                del self._first_typed[signature]

    def _leave(self, qid: str) -> None:
        cluster = self._cluster_of[qid]
        members = self._members[cluster]
        members.remove(qid)
        if not members:
            del self._members[cluster]
        self._recount_places(cluster)

# --- category suggestion ------------------------------------------------------------------------

# Folded phrases (concept tokens allowed) → weight, per default category key. Written from what
# commune dialogues are about, not from any one test set: the ordinary words of each field.
_LEXICON_TEXT: dict[str, str] = {
    "land": """
        so_do:3 dat dai:3 thua dat:3 tach_thua:3 hop thua:3 chuyen_muc_dich:3 tranh chap:2
        lan chiem:3 lan dat:3 chiem dat:3 gpmb:3 boi thuong:2 thu hoi dat:3 tai_dinh_cu:3
        quy hoach:2 quy hoach treo:3 do dac:2 ban do dia chinh:3 dia chinh:2 dat o:2
        dat nong nghiep:2 dat cong:2 dat du:2 dat doi du:2 hien dat:2 ranh gioi:2 han muc:2
        giao dat:3 thue dat:2 tien su dung dat:3 trich do:3 mua ban dat:2 chuyen nhuong:2
        dat rung:2 dat lua:2 dat trong:1 ton dong:1 cap dat:2 mot thua:2 dat ruong:2 ruong:1
        dat:1 dien tich:1 giay phep xay dung:1 xay dung trai phep:1 dat thoi cu:2 dat vuon:2
        dat thung:2 cam moc:2 moc gioi:3 sang ten:3 dat nen:2 dat dich vu:3 dat gian dan:3
    """,
    "social_policy": """
        ho_ngheo:3 ho_can_ngheo:3 bhyt:3 bhxh:3 tro cap:3 btxh:3 nguoi_co_cong:3
        thuong binh:3 liet si:3 chat doc da cam:3 nguoi_cao_tuoi:3 nguoi_khuyet_tat:3
        khuyet tat:3 luong huu:3 hoc bong:2 hoc phi:2 mien giam:2 nha tinh nghia:3
        nha dai doan ket:3 nha tam:2 tre em:2 kham chua benh:3 tram y te:3 y te:2 benh vien:2
        giao duc:2 hoc sinh:2 truong hoc:1 gia dinh chinh sach:3 chinh sach:1 tro giup:2
        csxh:2 phu cap:2 don than:2 mo coi:3 tre mo coi:3 bao tro:3 nha o:1 an sinh:3
        hoan canh kho khan:3 kho khan:1 dtts:2 thuoc:2 bac si:2 tiem chung:2 tiem phong:2
        suy dinh duong:2 mai am:2 cuu tro:2 dien chinh sach:3 cong voi cach mang:3 tuat:3
        ve huu:2 bhtn:2 cham soc suc khoe:2 mu chu:2 sach giao khoa:2 giao vien:2 hoc:1
        mam non:1 tuoi gia:2 tuoi cao:2 ngheo:2 cao tuoi:2 nguoi gia:2 gia yeu:2 benh:1
    """,
    "admin_procedures": """
        thu tuc:3 tthc:3 ho so:2 giay to:2 mot_cua:3 chung thuc:3 cong chung:2 khai_sinh:3
        ket hon:3 khai tu:3 ho tich:3 ho khau:3 cu tru:3 tam tru:3 thuong tru:3 tam vang:3
        cccd:3 cmnd:3 dich_vu_cong:3 truc tuyen:2 xac nhan:2 ban sao:2 le phi:2 tre hen:3
        thoi han giai quyet:2 gpxd:2 dang ky:1 thai do phuc vu:3 phuc vu:1 can bo tiep dan:2
        nhung nhieu:2 di lai nhieu lan:3 nhieu lan:1 giay xac nhan:3 vneid:3 dinh danh:3
        chu ky so:3 tiep nhan va tra ket qua:3 tra ket qua:2 hen:1 mat nhieu thoi gian:2
        con dau:2 xac minh:1 giay phep:2 dang ky kinh doanh:1 phuc tap:1 rom ra:3 ruom ra:3
        hanh chinh:2 sap nhap:1 dia chi moi:2 doi dia chi:3 cong dan:1 cai chinh:3
    """,
    "infrastructure": """
        duong:2 giao thong:2 be_tong:2 nang_cap:2 sua:1 cau:2 cong:1 kenh:2 muong:2
        thuy loi:3 den_chieu_sang:3 dien:2 luoi dien:3 tram_bien_ap:3 nuoc_sach:3
        nha_van_hoa:3 san the thao:3 san van dong:3 o_ga:3 xuong_cap:2 thoat_nuoc:3 via he:3
        mat duong:3 lam duong:3 trai nhua:3 duong noi dong:3 duong lang:3 ngo xom:3 ke:2
        ke chong sat lo:3 sat lo:2 tran:1 loa truyen thanh:3 truyen thanh:2 song:1
        cot dien:3 mat dien:3 cup dien:3 dien yeu:3 song dien thoai:3 internet:2 cho:1
        truong:1 phong hoc:2 lop hoc:2 nghia trang:2 ngap_ung:2 cong trinh:1 xay dung:1
        duong dien:3 ong nuoc:3 nuoc may:3 tuong rao:2 ranh:2 ho chua:2 tram bom:3 dap:2
        gieng:1 vet:1 nao vet:2 mo rong:2 lan duong:1 lo gioi:1 hanh lang:1 bao ve:1
    """,
    "environment": """
        moi truong:3 o_nhiem:3 rac:3 rac thai:3 thu_gom:2 nuoc thai:3 xa thai:3 mui hoi:3
        hoi thoi:3 khoi:2 bui:2 khoi bui:3 tieng on:3 vsmt:3 cay xanh:2 chat thai:3
        bai rac:3 dot rac:3 ca chet:3 chan nuoi:1 trang trai:1 trai lon:2 trai ga:2 phan:1
        thuoc tru sau:1 vo chai:2 bao bi:1 khai thac cat:2 khai thac khoang san:2 cat:1
        lo gach:3 lo than:3 nha may:1 xuong:1 co so san xuat:1 ve sinh:2 thu phi rac:3
        phan loai rac:3 ruoi muoi:3 muoi:1 ao tu:2 song ngoi:1 bi o_nhiem:3 chat thai ran:3
        xac dong vat:3 nghia trang:1 chat phe thai:3 phe thai:3 dot:1 nuoc den:2 boc mui:3
    """,
    "security": """
        an ninh:3 trat tu:3 antt:3 trom:3 trom cap:3 cuop:3 cuop giat:3 ma tuy:3 nghien:3
        tu tap:3 dua xe:3 danh nhau:3 co bac:3 danh bac:3 lo de:3 tin dung den:3
        vay nang lai:3 cho vay nang lai:3 lua dao:3 camera:3 tuan tra:3 cong_an:2 dan phong:3
        atgt:3 tai nan:3 tai nan giao thong:3 no:1 nep po:3 lang lach:3 xe qua tai:3
        long duong:2 le duong:2 lan chiem long le duong:3 te_nan:3 pccc:3 chay no:3
        chay:1 phao:2 vu khi:3 cho tha rong:3 tha rong:3 gay roi:3 mat trat tu:3 karaoke:2
        hat karaoke:3 on ao:2 say xin:3 ruou:2 toi pham:3 hinh su:3 an toan:1 bao luc:3
        gia dinh:1 mat cap:3 doi no:3 xa hoi den:3 bao ke:3 danh bai:3 ca do:3 mai dam:3
        giang day bien bao:1 bien bao:2 gio giac:2 quoc phong:2 nghia vu quan su:3
    """,
    "economy_jobs": """
        viec lam:3 lao dong:2 xkld:3 vay von:3 nhcsxh:2 ngan hang:2 san xuat:2 nong san:3
        tieu thu:3 gia ca:2 phan bon:3 giong:2 cay trong:3 vat nuoi:3 chan nuoi:2
        dich benh:2 dich ta:3 lo mo long mong:3 dao tao nghe:3 hoc nghe:3 khoi nghiep:3
        htx:3 kinh doanh:2 thue:2 thu nhap:3 lang nghe:3 du lich:2 ocop:3 lua:2 gia lua:3
        mat mua:3 thien tai:2 bao lu:1 thiet hai:2 nong dan:2 cong nhan:2 doanh nghiep:2
        khu cong nghiep:3 cum cong nghiep:3 tiem nang:1 dau ra:3 bap benh:2 ep gia:3
        thuong lai:3 tieu thuong:2 cho:1 buon ban:2 ho kinh doanh:3 hang rong:1 von:2
        nuoi trong:3 thuy san:3 tom:2 ca:1 cay an qua:3 trong trot:3 thu hoach:2
        may moc:1 co gioi hoa:3 chuyen doi cay trong:3 phat trien kinh te:3 kinh te:2
        lam an:2 that nghiep:3 tuyen dung:3 viec:1 luong:1 gia:1 sau benh:2 sau:1 benh cay:2
        thuoc bao ve thuc vat:2 khuyen nong:3 cong nghiep:1 tieu thu cong nghiep:3 trau bo:2
        khai thac:1 rung:1 trong rung:3 keo:1 ca phe:2 tieu:1 cao su:2
    """,
}


_LEX_ITEM = re.compile(r"([a-z_][a-z_ ]*?):(\d+(?:\.\d+)?)")


def _build_lexicon() -> tuple[dict[tuple[str, ...], list[tuple[str, float]]], int]:
    table: dict[tuple[str, ...], list[tuple[str, float]]] = {}
    longest = 1
    for category, text in _LEXICON_TEXT.items():
        for phrase, weight in _LEX_ITEM.findall(text):
            # Lexicon phrases go through the same rewriting as questions, so "so do" here is the
            # concept "so_do" a question produces, whichever way the resident typed it.
            words = tuple(concept_words(phrase)) if "_" not in phrase else (phrase,)
            if words:
                table.setdefault(words, []).append((category, float(weight)))
                longest = max(longest, len(words))
    return table, longest


_LEXICON, _LEX_LONGEST = _build_lexicon()
_CATEGORY_ORDER = (*_LEXICON_TEXT, OTHER)


def category_scores(text: str) -> dict[str, float]:
    """Keyword evidence per category; each phrase counts once, longest phrases first."""
    words = concept_words(text)
    scores: dict[str, float] = {}
    seen: set[tuple[str, ...]] = set()
    i, n = 0, len(words)
    while i < n:
        for size in range(min(_LEX_LONGEST, n - i), 0, -1):
            phrase = tuple(words[i : i + size])
            hits = _LEXICON.get(phrase)
            if hits is not None:
                if phrase not in seen:
                    seen.add(phrase)
                    for category, weight in hits:
                        scores[category] = scores.get(category, 0.0) + weight
                i += size
                break
        else:
            i += 1
    return scores


def suggest_category(text: str, allowed: Iterable[str] | None = None) -> str:
    """The default category key the text most likely belongs to, or "other".

    `allowed` restricts the answer to a dialogue's own categories (plus "other").
    """
    keep = None if allowed is None else set(allowed)
    scores = category_scores(text)
    best, best_score = OTHER, 0.0
    for category in _CATEGORY_ORDER:
        value = scores.get(category, 0.0)
        if value > best_score and (keep is None or category in keep):
            best, best_score = category, value
    # One weak word ("đường", "chợ") is not enough to leave "other".
    return best if best_score >= 2.0 else OTHER


# --- complaints and denunciations ---------------------------------------------------------------

# Written with diacritics; matched accent-aware (see `contains_phrase`), so "khieu nai" counts
# but an accented word that merely folds the same does not.
_COMPLAINT_PHRASES = (
    "khiếu nại",
    "khiếu kiện",
    "tố cáo",
    "tố giác",
    "đơn thư",
    "đơn kiện",
    "khởi kiện",
    "kiện cáo",
    "đi kiện",
    "sẽ kiện",
    "kiện ra tòa",
    "kiện ra toà",
    "vượt cấp",
    "nhận hối lộ",
    "hối lộ",
    "ăn hối lộ",
    "ăn chặn",
    "ăn bớt",
    "vòi tiền",
    "đòi tiền",
    "bao che",
    "trù dập",
    "lạm quyền",
    "lộng quyền",
    "tham ô",
    "biển thủ",
    "làm sai",
    "sai phạm",
    "đơn khiếu",
    "khiếu nai",
    "tố cao",
)


def looks_like_complaint(text: str) -> bool:
    """Whether the text reads like a complaint or denunciation (khiếu nại, tố cáo).

    Such petitions go through citizen reception (tiếp công dân), not the dialogue; the caller
    tells the resident so and still lets them send the text.
    """
    words = pairs(text)
    return any(contains_phrase(words, phrase) for phrase in _COMPLAINT_PHRASES)
