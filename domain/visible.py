"""What a person typed, as the flows take it: without the characters that show nothing.

Zero-width spaces and joiners, bidi controls (right-to-left overrides and isolates), the
byte-order mark and other format or control characters print nothing, yet count as length: a
"question" of 24 zero-width characters, or a name of three, would pass every length check and
reach the office as a blank line (or, with bidi controls, as text that reads backwards). They
carry nothing in Vietnamese, so they are removed before any flow sees the text. Line breaks and
tabs stay. (An emoji joined with U+200D shows as its separate parts.)
"""

from __future__ import annotations

import unicodedata

# Letters that draw nothing: the Hangul fillers and the blank braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_KEPT_CONTROLS = frozenset("\n\t")


def _shows_nothing(ch: str) -> bool:
    if ch in _KEPT_CONTROLS:
        return False
    return ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc")


def visible_text(text: str) -> str:
    """`text` without invisible format and control characters; "" when nothing readable is left
    (only spaces, or marks with no letter to sit on)."""
    kept = "".join(ch for ch in text if not _shows_nothing(ch))
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in kept):
        return ""
    return kept


def has_lone_surrogate(text: str) -> bool:
    """Half of a UTF-16 pair, which a broken client can send and no UTF-8 store can hold."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def without_surrogates(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
