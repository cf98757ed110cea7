"""How sure the engine is that two questions ask the same thing: one formula, 0 to 100.

The evidence about a pair is a short row of numbers (`FEATURES`), each between 0 and 1:

- ``word``: cosine of the two questions' word grams, TF-IDF weighted over the dialogue;
- ``char``: the same over character grams (forgives typos, missing tones, shortened words);
- ``fuzzy``: rapidfuzz's ``token_set_ratio`` of the content tokens (word order, one text
  inside the other);
- ``same_category`` / ``other_category``: both categories known (neither "other") and equal /
  different: the resident's choice is a soft block, not a wall;
- ``same_place`` / ``other_place`` / ``one_place``: a place named in common; both name
  places and share none ("đèn ngõ 4" / "đèn xóm Bãi"); only one of them names a place;
- ``same_number`` / ``other_number``: a number shared; both give numbers, none shared;
- ``same_person`` / ``other_person``: the same person named; two different people (two
  personal cases);
- ``opposite``: one asks to raise (build) what the other asks to lower (remove);
- ``length``: the shorter question's token count over the longer one's.

A logistic model weighs them: confidence = 100 / (1 + e^-(b + Σ wᵢ xᵢ)). The weights are
fitted on labelled petitions by `benchmarks/dedupe_fit.py`, which prints the table below; the
engine does no training at run time, and what is shipped is what was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from domain.dedupe.text import Analysis

FEATURES: tuple[str, ...] = (
    "word",
    "char",
    "fuzzy",
    "same_category",
    "other_category",
    "same_place",
    "other_place",
    "one_place",
    "same_number",
    "other_number",
    "same_person",
    "other_person",
    "opposite",
    "length",
)
# Flags of one group: at most one of them is set for a pair.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("same_category", "other_category"),
    ("same_place", "other_place", "one_place"),
    ("same_number", "other_number"),
    ("same_person", "other_person"),
)

Matrix = npt.NDArray[np.float64]

# Fitted by benchmarks/dedupe_fit.py on both labelled sets ("weights fitted on both").
WEIGHTS: dict[str, float] = {
    "word": 8.13,
    "char": 9.14,
    "fuzzy": 6.54,
    "same_category": 1.27,
    "other_category": -3.47,
    "same_place": 1.47,
    "other_place": -1.37,
    "one_place": -1.37,
    "same_number": 0.45,
    "other_number": -0.34,
    "same_person": 0.21,
    "other_person": -0.64,
    "opposite": -1.58,
    "length": -1.36,
}
INTERCEPT = -10.57


# Two questions naming different places ("sửa đường thôn A" / "sửa đường thôn B"), or asking
# opposite ways ("tăng mức trợ cấp" / "hạ tuổi hưởng trợ cấp"), are two requests however alike
# their words: such a pair is at most suggested to an official. (In the labelled sets, 6 of
# 613 true pairs ask opposite ways, and none names two places.)
VETOES: tuple[str, ...] = ("other_place", "opposite")
VETO_CAP = 50.0


@dataclass(frozen=True)
class Model:
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    intercept: float = INTERCEPT
    vetoes: tuple[str, ...] = VETOES
    cap: float = VETO_CAP

    def __post_init__(self) -> None:
        missing = set(FEATURES) - set(self.weights)
        if missing:
            raise ValueError(f"weights missing for {sorted(missing)}")

    @property
    def vector(self) -> npt.NDArray[np.float64]:
        return np.array([self.weights[name] for name in FEATURES], np.float64)

    def confidence(self, features: Matrix, extra: float = 0.0) -> npt.NDArray[np.float64]:
        """Confidence 0-100 per row of a (pairs × FEATURES) matrix; `extra` is added to every
        weighted sum (an upper bound for rows whose other evidence is not known yet)."""
        logit = features @ self.vector + (self.intercept + extra)
        confidence = 100.0 / (1.0 + np.exp(-logit))
        for name in self.vetoes:
            vetoed = features[:, FEATURES.index(name)] > 0
            confidence[vetoed] = np.minimum(confidence[vetoed], self.cap)
        return confidence

    def best_of(self, names: tuple[str, ...]) -> float:
        """The most the given features can add: the best flag of each group among them, and
        the full weight of a positive measure."""
        total = 0.0
        for group in GROUPS:
            flags = [self.weights[n] for n in group if n in names]
            if flags:
                total += max(0.0, *flags)
        for name in names:
            if not any(name in group for group in GROUPS):
                total += max(0.0, self.weights[name])
        return total


DEFAULT_MODEL = Model()


def place_relation(a: Analysis, b: Analysis) -> tuple[bool, bool, bool]:
    """(same place, other places, a place on one side only) of two questions.

    A place named by one question counts as shared when the other has its words: an official
    writes "kênh Hóc Đùn", a resident types "kenh hoc dun", in lower case, where nothing marks
    a name.
    """
    if not a.places and not b.places:
        return False, False, False
    if (
        _names_overlap(a.places, b.places)
        or _named_in(a.place_words, b.words)
        or _named_in(b.place_words, a.words)
    ):
        return True, False, False
    return False, bool(a.places and b.places), True


def person_relation(a: Analysis, b: Analysis) -> tuple[bool, bool]:
    """(the same person named, two different people named)."""
    if not a.persons and not b.persons:
        return False, False
    if (
        _names_overlap(a.persons, b.persons)
        or _named_in(a.person_words, b.words)
        or _named_in(b.person_words, a.words)
    ):
        return True, False
    return False, bool(a.persons and b.persons)


def number_relation(a: Analysis, b: Analysis) -> tuple[bool, bool]:
    """(a number shared, both give numbers and share none)."""
    if not a.numbers or not b.numbers:
        return False, False
    shared = not a.numbers.isdisjoint(b.numbers)
    return shared, not shared


def _named_in(names: tuple[frozenset[str], ...], words: frozenset[str]) -> bool:
    return any(name <= words for name in names)


def _names_overlap(names: frozenset[str], others: frozenset[str]) -> bool:
    """A name of one set may be one of the other written shorter or longer: "Đông" and
    "Đông Tây" may be one place; "Đông Hòa" and "Tây Hòa" are two."""
    if not names.isdisjoint(others):
        return True
    for name in names:
        if ":" in name:
            continue
        parts = set(name.split())
        for other in others:
            if ":" in other or (" " not in name and " " not in other):
                continue
            theirs = set(other.split())
            if parts <= theirs or theirs <= parts:
                return True
    return False
