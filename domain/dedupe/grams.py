"""The two bags of grams a question is compared by, as in a TF-IDF vectoriser.

- word grams: the content tokens and each pair of neighbouring tokens ("sua", "duong",
  "sua duong"), so that the order of two words counts a little;
- character grams: 2 to 4 letters inside each word, padded with a space at each end (" du",
  "duo", "uong "), so that a typo ("dunog"), a missing tone or a shortened word still shares
  most of its grams with the word meant.

Term frequencies are sublinear (1 + ln n): a word said three times is not three times as
important.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from math import log

CHAR_SIZES = (2, 3, 4)


def word_grams(tokens: Sequence[str]) -> dict[str, float]:
    counts = Counter(tokens)
    counts.update(f"{a} {b}" for a, b in pairwise(tokens))
    return _sublinear(counts)


def char_grams(tokens: Sequence[str]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for token in tokens:
        for part in token.split("_"):
            padded = f" {part} "
            for size in CHAR_SIZES:
                counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return _sublinear(counts)


def _sublinear(counts: Counter[str]) -> dict[str, float]:
    # Rounded to single precision, as the index stores them: a question scored as a new query
    # and the same question read back from the index weigh exactly alike.
    return {
        gram: _SINGLE[n] if n < len(_SINGLE) else _single(1.0 + log(n))
        for gram, n in counts.items()
    }


def _single(value: float) -> float:
    return array("f", [value])[0]


_SINGLE = [0.0] + [_single(1.0 + log(n)) for n in range(1, 64)]
