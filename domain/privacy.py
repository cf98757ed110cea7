"""Personal details that residents write into their own questions, hidden wherever someone
other than the office reads a question.

People introduce themselves and leave a number to call back ("Tôi là Nguyễn Văn Mười, sđt
0912 345 678 ..."), on paper forms and in the chat alike. The separate name field is shown
only to the office; the same name inside the text would reach every resident who is offered
the question as a similar one, who backs it, who receives the conclusion, and everyone who reads
the public report. `public_text` is what those readers get: phone numbers, e-mail addresses,
ID-card numbers (CMND 9 digits, CCCD 12), the name given in the name field and a name the asker
introduces themselves with are replaced by a short note. The office's own views keep the text.

It errs on the side of hiding: a long number that is not money is hidden too (a social insurance
or bank account number is personal as well).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.models import Question
from domain.normalize import fold
from domain.texts import Texts

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Digits in groups as people write them: "0912 345 678", "0912.345.678", "+84-912-345-678",
# and a landline with its area code in brackets: "(0213) 3876 543".
_NUMBER = re.compile(
    r"(?<![\w+])(?:\(0\d{2,3}\)\s?\d{3,4}[ .\-]?\d{3,4}|\+?\d(?:[ .\-]?\d){7,13})(?!\w)"
)
# Money is not personal: "150000000 đồng", "2500000 vnđ".
_MONEY_AFTER = re.compile(r"\s?(?:đồng|dong|đ|vnđ|vnd|usd|triệu|trieu)(?!\w)", re.IGNORECASE)


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# How people introduce themselves, folded: "tôi là", "tên tôi là", "tôi tên (là)", "em là"...
_PRONOUNS = ("toi", "em", "chau", "minh")
_INTRODUCTIONS = tuple(
    sorted(
        {
            form
            for p in _PRONOUNS
            for form in ((p, "la"), ("ten", p, "la"), ("ten", p), (p, "ten", "la"), (p, "ten"))
        },
        key=len,
        reverse=True,
    )
)
# Family names, folded, that a name written in lower case ("toi la nguyen van muoi") is
# recognised by, those of the northern mountain communes included. Names that are also common
# words after "tôi là" (hộ, đó, làm, mua, vâng...) are left out: "tôi là hộ nghèo" is no name.
_SURNAMES = _set(
    """
    nguyen tran le pham hoang huynh phan vu vo dang bui ngo duong ly lo luong quang cam dieu
    giang thao sung trinh truong doan luu kieu hua quach trieu dinh
    """
)
# Capitalised words that begin a title or a place rather than a name ("Tôi là Hội viên").
_NOT_A_NAME = _set("nguoi hoi can bi cuu uy cong thon ban xom khu xa phuong huyen tinh giao bac")
# Capitalised words that end a name: a place or a contact detail ("Lò Văn Minh Bản Nà Khum").
_ENDS_UPPER = _NOT_A_NAME | _set("to xa so sdt dt email cmnd cccd")
# In lower-case writing, also the words that follow an introduction ("toi la nguyen van muoi
# o thon ..."); syllables common in names (nam, hien, tai, chi, dinh, sinh, thi) are left out,
# so a name is hidden with a word too many rather than with a word too few.
_ENDS_LOWER = _ENDS_UPPER | _set(
    """
    o dien thoai xin de nghi muon co va la dan dang song nha cu tru vien bo gia con cua khau
    dia da duoc khong sau nay nguoi
    """
)
_MAX_NAME_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Word:
    text: str
    folded: str
    start: int
    end: int


def _words(text: str) -> list[_Word]:
    return [_Word(m.group(), fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    """Only spaces between two words: a comma or a full stop ends a name."""
    between = text[left.end : right.start]
    return between.isspace() and "\n" not in between


def _capitalised(word: _Word) -> bool:
    return word.text[0].isupper()


def _name_after(text: str, words: Sequence[_Word], i: int, named: bool) -> int:
    """How many words from `words[i]` on make a name, 0 when they do not look like one.
    `named`: after "tên tôi (là)", where a name must follow; after "tôi là", anything may."""
    first = words[i]
    if first.folded in _NOT_A_NAME:
        return 0
    upper = _capitalised(first)
    if not upper and first.folded not in _SURNAMES and not named:
        return 0
    n = 1
    while i + n < len(words) and n < _MAX_NAME_WORDS:
        word = words[i + n]
        ends = _ENDS_UPPER if upper else _ENDS_LOWER
        if not _adjacent(text, words[i + n - 1], word) or word.folded in ends:
            break
        if upper != _capitalised(word):
            break
        n += 1
    if n == 1:
        # One word alone is a name only when nothing follows it in the same phrase
        # ("Tôi là Mười, ..."), not a title ("Tôi là Đoàn viên").
        rest = text[first.end :].lstrip(" ")
        if not (upper or named) or (rest and rest[0].isalnum()):
            return 0
    return n


def _introduced_names(text: str, words: Sequence[_Word]) -> list[tuple[int, int]]:
    spans = []
    i = 0
    while i < len(words):
        size = _introduction_at(text, words, i)
        if size:
            start = i + size
            named = "ten" in (w.folded for w in words[i:start])
            if start < len(words) and _close(text, words[start - 1], words[start]):
                n = _name_after(text, words, start, named)
                if n:
                    spans.append((words[start].start, words[start + n - 1].end))
                    i = start + n
                    continue
        i += 1
    return spans


def _introduction_at(text: str, words: Sequence[_Word], i: int) -> int:
    for form in _INTRODUCTIONS:
        end = i + len(form)
        if end > len(words):
            continue
        if all(words[i + k].folded == part for k, part in enumerate(form)) and all(
            _adjacent(text, words[k], words[k + 1]) for k in range(i, end - 1)
        ):
            return len(form)
    return 0


def _close(text: str, marker: _Word, word: _Word) -> bool:
    """The name follows the introduction directly, or after a colon: "Tôi tên: Lò Văn Minh"."""
    between = text[marker.end : word.start].strip(" ")
    return between in ("", ":") and "\n" not in text[marker.end : word.start]


def _given_names(
    text: str, words: Sequence[_Word], names: Iterable[str | None]
) -> list[tuple[int, int]]:
    spans = []
    for name in names:
        wanted = [w.folded for w in _words(unicodedata.normalize("NFC", name or ""))]
        if len(wanted) < 2:
            continue  # a single given name is too common a word to hide everywhere
        size = len(wanted)
        for i in range(len(words) - size + 1):
            if [w.folded for w in words[i : i + size]] == wanted and all(
                _adjacent(text, words[k], words[k + 1]) for k in range(i, i + size - 1)
            ):
                spans.append((words[i].start, words[i + size - 1].end))
    return spans


def _numbers(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _NUMBER.finditer(text):
        written = match.group()
        digits = re.sub(r"\D", "", written)
        if _MONEY_AFTER.match(text, match.end()):
            continue
        if (digits.startswith("84") and len(digits) in (11, 12)) or (
            digits.startswith("0") and len(digits) in (10, 11)
        ):
            found.append((match.start(), match.end(), "phone"))
        elif written.isdigit() and len(digits) >= 9:
            # Unbroken only: grouped digits that are no phone number are more often a list of
            # years or amounts than a CMND (9 digits) or CCCD (12 digits) number.
            found.append((match.start(), match.end(), "id_card"))
    return found


def _spans(text: str, names: Iterable[str | None]) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += _numbers(text)
    words = _words(text)
    spans += [(a, b, "name") for a, b in _introduced_names(text, words)]
    spans += [(a, b, "name") for a, b in _given_names(text, words, names)]
    return sorted(spans, key=lambda s: (s[0], -s[1]))


def holds_personal(text: str, names: Iterable[str | None] = ()) -> bool:
    """Whether `hide_personal` would hide anything in `text`."""
    return bool(_spans(unicodedata.normalize("NFC", text), names))


def hide_personal(text: str, texts: Texts, names: Iterable[str | None] = ()) -> str:
    """`text` with phone numbers, e-mail addresses, ID-card numbers, the given `names` and a
    name the writer introduces themselves with replaced by the catalog's notes."""
    text = unicodedata.normalize("NFC", text)
    out = []
    at = 0
    for start, end, kind in _spans(text, names):
        if start < at:
            # Overlaps what is already hidden (a number inside an e-mail address).
            at = max(at, end)
            continue
        out.append(text[at:start])
        out.append(texts(f"privacy.hidden_{kind}"))
        at = end
    out.append(text[at:])
    return "".join(out)


def public_text(question: Question, texts: Texts) -> str:
    """A question's text as anyone but the office and its own asker may read it."""
    return hide_personal(question.text, texts, (question.author_name,))
