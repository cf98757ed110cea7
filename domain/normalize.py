"""Vietnamese text normalisation for matching residents' questions.

Residents type on cheap phones: without diacritics, in teencode ("ko", "dc", "j"), with the
old or new tone placement ("hoà"/"hòa"), with abbreviations officials use too ("UBND", "BHYT",
"GCN QSDĐ") and sometimes in decomposed Unicode (NFD) pasted from elsewhere. Two questions can
only be compared once all of that is folded into one form.

The folded form drops tones and đ on purpose: a resident who types "so do" must meet an official
who wrote "sổ đỏ". The few collisions this causes ("đất"/"đặt") cost less than missing every
unaccented message. Where the accents *are* present and matter (telling "tố cáo" from an
unaccented coincidence) callers can use `pairs`, which keeps each original word next to its
folded form.

Public API:
- `canonical_tones(text)`: NFC with one tone placement ("hoà" → "hòa"), for display and keys.
- `fold(text)`: lower case, no diacritics, đ → d, single spaces (keeps punctuation).
- `normalize(text)`: folded words with abbreviations and teencode expanded ("ko dc" →
  "khong duoc", "ubnd" → "uy ban nhan dan", "so do" → "giay chung nhan quyen su dung dat").
- `tokens(text)`: the content words that carry the request: stop-words dropped and fixed
  administrative phrases merged into one concept token ("so_do", "ubnd", "bhyt").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.abbreviations import TABLE

# --- Unicode and tone placement ---------------------------------------------------------------

# The "old" (traditional) style puts the tone of an open oa/oe/uy syllable on the first vowel
# (hòa, khỏe, thủy), the "new" style on the second (hoà, khoẻ, thuỷ). Both are correct and both
# are typed; we settle on the traditional one, which the commune's own documents mostly use.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_NEW_STYLE = re.compile(
    r"(?<![qQ])([oOuU])([aAeEyY])([" + _TONES + r"])(?![\w])",
)


def canonical_tones(text: str) -> str:
    """NFC text with open oa/oe/uy syllables carrying the tone on the first vowel."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _NEW_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed)
    return unicodedata.normalize("NFC", moved)


def strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space."""
    return " ".join(strip_marks(unicodedata.normalize("NFC", text).casefold()).split())


# --- splitting into words -----------------------------------------------------------------------

# "1.500.000" and "1,5" are one number; "thon3"/"to5" are a marker and a number.
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d)")
_THOUSAND_K = re.compile(r"(?<=\d)\s*k\b", re.IGNORECASE)
_WORD = re.compile(r"\d+(?:/\d+)*|[^\W\d_]+")
# "khônggggg", "điiii": stretched letters are emphasis, not a different word.
_STRETCH = re.compile(r"([a-z])\1{2,}")
_VOWEL = re.compile(r"[aeiouy]")
_HAS_DIGIT = re.compile(r"\d")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x1F00):
        bare = strip_marks(chr(code))
        if len(bare) == 1 and bare != chr(code):
            table[code] = bare
    return table


# One character in, one character out: a folded string lines up with its original, so a word
# found in one is found at the same place in the other.
_FOLD = _fold_table()


def pairs(text: str) -> list[tuple[str, str]]:
    """Each word as (original lower-case NFC form, folded form), in order."""
    prepared = unicodedata.normalize("NFC", text).casefold()
    if _HAS_DIGIT.search(prepared):
        prepared = _THOUSAND_K.sub(" nghin", _THOUSANDS.sub("", prepared))
    return [(word, fold_word(word)) for word in _WORD.findall(prepared)]


def fold_word(word: str) -> str:
    """One lower-case word folded as `pairs` folds it (remembered: words come back often)."""
    bare = _FOLDED.get(word)
    if bare is None:
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        bare = _FOLDED[word] = _fold_word(word)
    return bare


def _fold_word(word: str) -> str:
    # The translation maps one character to one and keeps letters letters.
    bare = word.translate(_FOLD)
    if not bare.isascii():  # a letter outside Vietnamese: fold it the slow way
        bare = strip_marks(bare)
    # Abbreviations have no vowel and are left alone: "cccd" is no stretched "cd".
    if len(bare) > 2 and _STRETCH.search(bare) is not None and _VOWEL.search(bare):
        bare = _STRETCH.sub(r"\1", bare)
    return bare


# Words come back again and again (a commune's questions share most of their vocabulary): each
# is folded once. Bounded, and simply emptied when full.
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 1 << 16


# --- abbreviations, teencode and administrative synonyms ---------------------------------------


@dataclass(frozen=True)
class _Entry:
    expansion: tuple[str, ...]  # what `normalize` writes
    concept: str  # one token `tokens` writes instead; "" keeps the expansion's words


def _build_table() -> tuple[dict[tuple[str, ...], _Entry], int]:
    table: dict[tuple[str, ...], _Entry] = {}
    longest = 1
    for variants, expansion, concept in TABLE:
        entry = _Entry(tuple(expansion.split()), concept)
        # The expansion is a variant of itself, so that rewriting twice changes nothing more.
        for variant in [expansion, *variants.split("|")]:
            key = tuple(variant.split())
            table.setdefault(key, entry)
            longest = max(longest, len(key))
    return table, longest


_PHRASES, _LONGEST = _build_table()
CONCEPTS: frozenset[str] = frozenset(e.concept for e in _PHRASES.values() if e.concept)
"""The concept tokens `tokens` writes for merged phrases ("so_do", "bhyt", "ubnd")."""


def _sizes_by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """For each first word, the lengths of the phrases starting with it, longest first."""
    sizes: dict[str, set[int]] = {}
    for phrase in phrases:
        sizes.setdefault(phrase[0], set()).add(len(phrase))
    return {word: tuple(sorted(lens, reverse=True)) for word, lens in sizes.items()}


_PHRASE_SIZES = _sizes_by_first_word(_PHRASES)
# The same table split for the rewriting loop: one-word entries are looked up by the word alone,
# and only words that start a longer phrase pay for slicing out candidates.
_ONE_WORD: dict[str, _Entry] = {p[0]: e for p, e in _PHRASES.items() if len(p) == 1}
_LONGER_SIZES: dict[str, tuple[int, ...]] = {
    w: longer for w, sizes in _PHRASE_SIZES.items() if (longer := tuple(n for n in sizes if n > 1))
}


def _match_at(words: Sequence[str], i: int, n: int) -> int:
    """Length of the longest table phrase starting at words[i] (0 if none)."""
    for size in _PHRASE_SIZES.get(words[i], ()):
        if i + size <= n and tuple(words[i : i + size]) in _PHRASES:
            return size
    return 0


def _overtaken(words: Sequence[str], i: int, size: int, n: int) -> bool:
    """Whether a longer phrase starts inside words[i : i + size] and runs past its end.

    "ở tổ dân phố 5" folds to "o to dan pho 5": "o to" (a car) must give way to "to dan pho".
    """
    for j in range(i + 1, i + size):
        if words[j] in _PHRASE_SIZES:
            other = _match_at(words, j, n)
            if other > size and j + other > i + size:
                return True
    return False


def _rewrite(words: Sequence[str], *, concepts: bool) -> list[str]:
    """Greedy longest-match rewrite of folded words through the phrase table.

    A match gives way to a longer phrase that overlaps its end (see `_overtaken`).
    """
    items = [(w, i, i + 1) for i, w in enumerate(words)]
    return [token for token, _, _ in _rewrite_spans(items, concepts=concepts)]


def rewrite_spans(words: Sequence[str]) -> list[tuple[str, int, int]]:
    """`_rewrite` in both passes (teencode written out, then phrases merged into concepts), each
    token with the span [start, end) of the input words it came from."""
    items = [(w, i, i + 1) for i, w in enumerate(words)]
    return _rewrite_spans(_rewrite_spans(items, concepts=False), concepts=True)


def _rewrite_spans(
    items: Sequence[tuple[str, int, int]], *, concepts: bool
) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    words = [w for w, _, _ in items]
    i, n = 0, len(items)
    while i < n:
        size, entry = _entry_at(words, i, n)
        if entry is None:
            out.append(items[i])
        else:
            start, end = items[i][1], items[i + size - 1][2]
            if concepts and entry.concept:
                out.append((entry.concept, start, end))
            elif len(entry.expansion) == size:
                spans = items[i : i + size]
                out.extend((e, s, t) for e, (_, s, t) in zip(entry.expansion, spans, strict=True))
            else:
                out.extend((e, start, end) for e in entry.expansion)
        i += size
    return out


def _entry_at(words: Sequence[str], i: int, n: int) -> tuple[int, _Entry | None]:
    """The table phrase starting at words[i] (longest first) and its length in words."""
    for longer in _LONGER_SIZES.get(words[i], ()):
        if i + longer <= n:
            found = _PHRASES.get(tuple(words[i : i + longer]))
            if found is not None and not _overtaken(words, i, longer, n):
                return longer, found
    return 1, _ONE_WORD.get(words[i])


def _expand(text: str) -> list[str]:
    # Teencode first ("ng cao tuoi" → "nguoi cao tuoi"), so that the phrases it completes are
    # then recognised as a whole by the second pass.
    return _rewrite([f for _, f in pairs(text)], concepts=False)


def normalize(text: str) -> str:
    """Folded words with abbreviations, teencode and synonyms written out in full."""
    return " ".join(_rewrite(_expand(text), concepts=False))


# --- stop-words ---------------------------------------------------------------------------------

# Words that say *how* something is asked, not *what*: politeness, question words, the people
# asking and the body asked. Two questions that differ only in these are the same request.
# Words whose folded form also spells a content word are left out on purpose ("de" is both "để"
# and "đê", the dike; "cho" is both "for" and "chợ", the market).
_STOP_PHRASES_TEXT = """
de nghi|kien nghi|de xuat|xin|xin hoi|cho hoi|hoi|cho em hoi|cho toi hoi|vui long|xin cam on
cam on|toi|chung toi|em|anh|chi|ong|ba|bac|chu|co|minh|nha minh|gia dinh toi|a|nhe|oi|voi|nha
la|cua|va|hoac|thi|ma|nhung|cac|mot so|mot|nay|kia|day|o|tai|ve|viec|van de|noi dung|khong
duoc|gi|nao|bao gio|khi nao|luc nao|tai sao|vi sao|sao|nhu the nao|lam sao|bao nhieu|the|vay
cu tri|nguoi dan|nhan dan|ba con|dan|ho dan|cac ho|cac ho dan|phan anh|phan anh ve|mong|muon
mong muon|quan tam|xem xet|som|can|phai|nen|da|dang|se|roi|chua|con|lai|rat|nhieu|qua|lam
hien nay|hien|thoi gian|thoi gian qua|thoi gian toi|tinh trang|trinh trang|gay|anh huong
dia ban|dia phuong|chinh quyen|co quan chuc nang|cac cap|cap tren|nganh chuc nang|uy ban nhan dan
ubnd|hdnd|xa|cap xa|cap huyen|cap tinh|phuong|thi tran|huyen|tinh|thanh pho|quan|nha nuoc
duoc|co the|biet|cho biet
tra loi|giai dap|giai thich|ro|lien quan|doi voi|trong|tren|duoi|tu|toi nay|nam nay
khac|tiep tuc|kip thoi|dam bao|tao dieu kien|thuan loi|chi dao|yeu cau|nham|de nghi uy ban
tren dia ban|khu vuc|hien tai|nua|cung|moi|luon|van|tung|tat ca|toan bo|nhu|bi|boi|vi|nen
nghiem trong|nghiem|dao nay|gan day|giup|giup dan|giup dan voi
cac tuyen|mot tuyen|nhieu nam|lau nay|lau|van chua|den nay|den nay van
kinh|kinh de nghi|kinh mong|tha thiet|khan truong|nhanh chong|som nhat|cu the|thuc su|them
"""
_STOP: frozenset[tuple[str, ...]] = frozenset(
    tuple(phrase.split())
    for line in _STOP_PHRASES_TEXT.strip().splitlines()
    for phrase in line.split("|")
    if phrase.strip()
)
_STOP_SIZES = _sizes_by_first_word(_STOP)
STOP_WORDS: frozenset[str] = frozenset(p[0] for p in _STOP if len(p) == 1)
"""Single-word stop-words (folded), for rules that must not take them for names."""
_STOP_LONGER: dict[str, tuple[int, ...]] = {
    w: longer for w, sizes in _STOP_SIZES.items() if (longer := tuple(n for n in sizes if n > 1))
}


def _drop_stop(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        for size in _STOP_LONGER.get(word, ()):
            if i + size <= n and tuple(words[i : i + size]) in _STOP:
                i += size
                break
        else:
            if word not in STOP_WORDS:
                out.append(word)
            i += 1
    return out


def content_tokens(words: Sequence[str]) -> list[str]:
    """The content tokens among `concept_words` output (stop-words and stray letters dropped)."""
    # Single letters left over ("d" for đồng, a stray "v") carry nothing; digits do.
    return [w for w in _drop_stop(words) if len(w) > 1 or w.isdigit()]


def tokens(text: str) -> list[str]:
    """Content tokens of a question: folded, rewritten to concepts, stop-words dropped."""
    return content_tokens(concept_words(text))


def concept_words(text: str) -> list[str]:
    """All folded words with phrases merged into concepts, stop-words kept (for entity rules)."""
    return list(analyse(text)[1])


@lru_cache(maxsize=1 << 12)
def analyse(text: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """`pairs(text)` and `concept_words(text)` in one pass over the text.

    Remembered for the latest texts: matching a question and suggesting its category both
    start from here.
    """
    words = pairs(text)
    expanded = _rewrite([f for _, f in words], concepts=False)
    return tuple(words), tuple(_rewrite(expanded, concepts=True))


def contains_phrase(text_pairs: Iterable[tuple[str, str]], phrase: str) -> bool:
    """Whether `phrase` (written with its diacritics) occurs in the words, accent-aware.

    A word matches when it was typed exactly as in the phrase or typed with no diacritics at all
    and folds to the same letters: "to cao" counts as "tố cáo", but "tô cao" (built up high)
    does not.
    """
    wanted = [(w, strip_marks(w)) for w in unicodedata.normalize("NFC", phrase).casefold().split()]
    words = list(text_pairs)
    size = len(wanted)
    for start in range(len(words) - size + 1):
        for (orig, folded), (want, want_folded) in zip(
            words[start : start + size], wanted, strict=True
        ):
            if folded != want_folded or (orig != want and orig != folded):
                break
        else:
            return True
    return False
