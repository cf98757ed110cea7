"""Numbers as Vietnamese write them, and lengths as people reckon them.

Nobody counts characters: a resident is told a limit in written words ("chữ", about five
characters each with its space), and a number of four digits or more takes a dot between
thousands (1.500), as Vietnamese writes it.
"""

from __future__ import annotations

# Characters a Vietnamese written word takes on average, with the space after it: most
# syllables have two to five letters. Slightly generous, so "under N words" stays true.
CHARS_PER_WORD = 5


def fmt_number(n: int) -> str:
    """1500 → "1.500"; 999 → "999"."""
    return f"{n:,}".replace(",", ".")


def words_within(chars: int) -> int:
    """A round number of words that fits in `chars` characters: 1500 → 300, 80 → 16."""
    words = chars // CHARS_PER_WORD
    if words >= 100:
        return words // 50 * 50
    if words >= 20:
        return words // 10 * 10
    return max(words, 1)


def words_over(length: int, limit: int) -> int:
    """About how many words to cut from a text of `length` characters to fit in `limit`."""
    over = -(-(length - limit) // CHARS_PER_WORD)  # rounded up
    if over >= 10:
        return -(-over // 10) * 10
    return max(over, 1)
