"""Small text folding used to match what residents type against labels.

Residents often type without diacritics ("dat dai" for "Đất đai"); folding both sides lets a
reply be matched whichever way it was typed.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ→d) and collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.split())
