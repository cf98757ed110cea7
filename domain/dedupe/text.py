"""A question reduced to what de-duplication compares: content tokens, places and numbers.

Words keep the form they were typed in next to their folded form (`Word`), so that every rule
that looks at one word can tell "bản" (a hamlet) from "bán" (to sell) and "xã" (the commune,
a stop-word) from "xả" (to discharge), while a word typed without any diacritic still matches
all of them. Rules run per word, never per text.

Steps: split into segments at punctuation → rewrite teencode, abbreviations and administrative
synonyms (`domain.normalize`'s phrase table) keeping which words each token came from → mark
administrative names ("xã Long Hiệp", "(huyện Minh Long, Quảng Ngãi)": where the asker lives,
not what they ask about) and named places ("thôn Nà Khum", "đường Trần Văn Quế", "tổ 5") →
drop stop-words, accent-aware.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.normalize import canonical_tones, fold_word, rewrite_spans, strip_marks

# Numbers keep their separators ("4401/6", "2-9"); "1.500.000" is one number.
_TOKEN = re.compile(r"\d+(?:[/-]\d+)*|[^\W\d_]+|[.!?;:()\[\],\n\"“”]")
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}\b)")
_SENTENCE_END = frozenset(".!?;:\n")


@dataclass(frozen=True, slots=True)
class Word:
    typed: str  # lower case, NFC, as written
    folded: str  # no diacritics, đ → d
    cap: bool  # capitalised inside a sentence, in a text that uses capitals at all
    accented: bool  # written with a diacritic (or đ)


def _fold(word: str) -> str:
    return word if word[0].isdigit() else fold_word(word)


def split_words(text: str) -> tuple[list[list[Word]], bool, bool]:
    """Segments of words between punctuation, whether any word carries diacritics, and
    whether the text uses capitals (officials do; residents on a phone often do not)."""
    prepared = _THOUSANDS.sub("", unicodedata.normalize("NFC", text))
    rest = prepared[1:]
    cased = rest != rest.lower()
    segments: list[list[Word]] = [[]]
    start = True
    accented = False
    for found in _TOKEN.finditer(prepared):
        raw = found.group(0)
        if not raw[0].isalnum():
            if segments[-1]:
                segments.append([])
            start = start or raw in _SENTENCE_END
            continue
        typed = raw.casefold()
        marked = not typed.isascii()
        accented = accented or marked
        cap = cased and raw[0].isupper() and not start and not (len(raw) > 1 and raw.isupper())
        segments[-1].append(Word(typed, _fold(typed), cap, marked))
        start = False
    return [s for s in segments if s], accented, cased


def same_word(word: Word, written: str) -> bool:
    """Whether `word` may be `written` (given with its diacritics): typed so, typed in the
    other tone placement, or typed with no diacritic at all."""
    if word.typed == written:
        return True
    if word.folded != fold_word(written):
        return False
    return not word.accented or canonical_tones(word.typed) == canonical_tones(written)


# --- stop-words ---------------------------------------------------------------------------------

# Words that say *how* something is asked, not *what*: politeness, question words, the people
# asking and the body asked, written with their diacritics. "xa" typed bare in a text without
# diacritics may be "xã" and is dropped; in a text with diacritics it is "xa" (far) and stays.
_STOP_TEXT = """
đề nghị|kiến nghị|đề xuất|xin|xin hỏi|cho hỏi|hỏi|cho em hỏi|cho tôi hỏi|vui lòng|xin cảm ơn
cảm ơn|tôi|chúng tôi|em|anh|chị|ông|bà|bác|chú|cô|mình|nhà mình|gia đình tôi|à|ạ|nhé|ơi|với
nha|là|của|và|hoặc|thì|mà|nhưng|các|một số|một|này|kia|đây|ở|tại|về|việc|vấn đề|nội dung
không|được|gì|nào|bao giờ|khi nào|lúc nào|tại sao|vì sao|sao|như thế nào|làm sao|bao nhiêu|thế
vậy|cử tri|người dân|nhân dân|bà con|dân|hộ dân|các hộ|các hộ dân|phản ánh|phản ảnh|mong|muốn
mong muốn|quan tâm|xem xét|sớm|cần|phải|nên|đã|đang|sẽ|rồi|chưa|còn|lại|rất|nhiều|quá|lắm
hiện nay|hiện|thời gian|thời gian qua|thời gian tới|tình trạng|gây|ảnh hưởng|địa bàn
địa phương|chính quyền|cơ quan chức năng|các cấp|cấp trên|ngành chức năng|ngành
ủy ban nhân dân|ubnd|hđnd|xã|cấp xã|cấp huyện|cấp tỉnh|phường|thị trấn|huyện|tỉnh|thành phố
quận|nhà nước|tp|thị xã|được|có thể|biết|cho biết|có|trả lời|giải đáp|giải thích|rõ|liên quan
đối với|trong|trên|dưới|từ|tới nay|năm nay|khác|tiếp tục|kịp thời|đảm bảo|bảo đảm
tạo điều kiện|thuận lợi|chỉ đạo|yêu cầu|nhằm|trên địa bàn|khu vực|hiện tại|nữa|cũng|mới|luôn
vẫn|từng|tất cả|toàn bộ|như|bị|bởi|vì|nghiêm trọng|dạo này|gần đây|giúp|giúp dân|các tuyến
một tuyến|nhiều năm|lâu nay|vẫn chưa|đến nay|kính|kính đề nghị|kính mong|tha thiết
khẩn trương|nhanh chóng|sớm nhất|cụ thể|thực sự|thêm|cho|để|đến|những|đó|nơi|người|bạn đọc
lo ngại|bức xúc|cho rằng|nêu|khiến|hay|đi|luôn luôn|vào|ra|lên|xuống|thấy|nói|làm ơn|giùm
"""


def _stop_table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for line in _STOP_TEXT.strip().splitlines():
        for phrase in line.split("|"):
            written = tuple(phrase.split())
            if written:
                table.setdefault(tuple(fold_word(w) for w in written), []).append(written)
    return {key: tuple(forms) for key, forms in table.items()}


_STOPS = _stop_table()
_STOP_SIZES: dict[str, tuple[int, ...]] = {}
for _key in _STOPS:
    _STOP_SIZES[_key[0]] = tuple(sorted({*_STOP_SIZES.get(_key[0], ()), len(_key)}, reverse=True))


# --- places -------------------------------------------------------------------------------------

# A named place: a marker word (written with its diacritics) and its kind. Two questions that
# name places and share none ask about two things ("sửa đường thôn A" / "sửa đường thôn B").
_PLACE_TEXT = {
    "area": "thôn|xóm|ấp|bản|làng|buôn|plei|khóm|sóc|tổ|tổ dân phố|khu phố|khu|khu dân cư|cụm|đội",
    "road": "đường|quốc lộ|tỉnh lộ|hương lộ|ql|tl|đt|ngõ|hẻm|kiệt|ngách|phố|cao tốc",
    "works": "cầu|kênh|mương|đập|cống|trường|chợ|sông|hồ|rạch|nhà văn hóa|trạm y tế|bệnh viện"
    "|bến|bãi rác|nghĩa trang|trạm bơm|núi|đồi",
    "project": "dự án|khu công nghiệp|cụm công nghiệp|kcn|ccn|khu đô thị|công ty|nhà máy"
    "|trang trại",
}
# Markers that are everyday words too ("tổ chức", "khu vực", "ngõ ý"): a place only before a
# number ("tổ 5", "ngõ 4") or, for the others, before a capitalised name in a cased text.
_NUMBER_ONLY = frozenset({"tổ", "đội", "khu", "cụm", "ngõ", "hẻm", "kiệt", "ngách", "cống", "đập"})
# "tổ 5" and "tổ dân phố 5" are one place, "khu 5" and "khu phố 5" too, "hẻm 5" and "ngõ 5".
_NUMBER_FAMILY = {
    "to dan pho": "to",
    "khu pho": "khu",
    "hem": "ngo",
    "kiet": "ngo",
    "ngach": "ngo",
    "quoc lo": "ql",
    "tinh lo": "tl",
    "dt": "tl",
}
# Words before a person's name ("bà Hồ Thị Vân", "anh Trịnh Bá Lữ"): two texts naming two
# people are two personal cases.
_PERSON_TEXT = "ông|bà|anh|chị|cụ|chú|cô|bác|em|cháu|hộ ông|hộ bà|gia đình ông|gia đình bà"
# Administrative units: the names after them say where the asker lives.
_ADMIN_TEXT = "xã|phường|huyện|tỉnh|quận|tp|thị xã|thị trấn|thành phố|tx"


def _markers(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Folded marker → its written form, for every phrase of a "|" list."""
    return {tuple(fold_word(w) for w in p.split()): tuple(p.split()) for p in text.split("|")}


_PLACE_MARKERS: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {
    key: (written, kind)
    for kind, text in _PLACE_TEXT.items()
    for key, written in _markers(text).items()
}
_ADMIN_MARKERS = _markers(_ADMIN_TEXT)
_PERSON_MARKERS = _markers(_PERSON_TEXT)


def _sizes(keys: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """For each first word of the phrases, their lengths, longest first: most words start no
    phrase at all, and are passed over with one lookup."""
    sizes: dict[str, set[int]] = {}
    for key in keys:
        sizes.setdefault(key[0], set()).add(len(key))
    return {word: tuple(sorted(found, reverse=True)) for word, found in sizes.items()}


_MARKER_SIZES: dict[int, dict[str, tuple[int, ...]]] = {}


def _marker_at(words: Sequence[Word], i: int, table: dict[tuple[str, ...], tuple[str, ...]]) -> int:
    """Length of the longest marker of `table` starting at words[i], checked word by word."""
    sizes = _MARKER_SIZES.get(id(table))
    if sizes is None:
        sizes = _MARKER_SIZES[id(table)] = _sizes(table)
    n = len(words)
    for size in sizes.get(words[i].folded, ()):
        if i + size > n:
            continue
        written = table.get(tuple(w.folded for w in words[i : i + size]))
        if written is not None and all(
            same_word(w, m) for w, m in zip(words[i : i + size], written, strict=True)
        ):
            return size
    return 0


_PLACE_WRITTEN = {key: written for key, (written, _) in _PLACE_MARKERS.items()}


def _name_at(words: Sequence[Word], j: int, cased: bool) -> int:
    """Length of a place name starting at words[j]: a number, or capitalised words."""
    if j >= len(words):
        return 0
    if words[j].folded[0].isdigit():
        return 1
    if not cased:
        # In lower case nothing tells a name from the next word: only numbers count, and a
        # name written by the other question is found among these words (see `shares_place`).
        return 0
    k = j
    while k < len(words) and k - j < 4 and words[k].cap:
        k += 1
    return k - j


@dataclass(frozen=True, slots=True)
class Analysis:
    """What de-duplication needs of one question, computed once per text."""

    tokens: tuple[str, ...]  # content tokens in order (folded words and concept tokens)
    places: frozenset[str]  # named places: "kenh ba bau", "to:5" (numbered: family and number)
    numbers: frozenset[str]  # numbers that name no place ("75", "4401/6")
    persons: frozenset[str]  # people named with a title ("ho thi van")
    directions: frozenset[str]  # which way the request goes: "up" (tăng), "down" (hạ), ...
    accented: bool
    words: frozenset[str]  # the tokens as a set
    # The words of each named place (numbered ones aside: a bare "5" says nothing) and of each
    # person: a name one question gives may stand among the other's words, typed in lower case.
    place_words: tuple[frozenset[str], ...]
    person_words: tuple[frozenset[str], ...]


@lru_cache(maxsize=1 << 14)
def analyse(text: str) -> Analysis:
    """The content tokens, places and numbers of a question (see the module's description)."""
    segments, accented, cased = split_words(text)
    tokens: list[str] = []
    places: set[str] = set()
    numbers: set[str] = set()
    persons: set[str] = set()
    directions: set[str] = set()
    after_admin = False
    for words in segments:
        skip = [False] * len(words)  # administrative names: left out of the tokens
        i = 0
        if after_admin and cased:
            # "(huyện Minh Long, Quảng Ngãi)": the name after the comma is the province.
            while i < len(words) and i < 4 and words[i].cap:
                skip[i] = True
                i += 1
        after_admin = False
        while i < len(words):
            size = _marker_at(words, i, _ADMIN_MARKERS)
            if size and cased and (name := _name_at(words, i + size, cased)):
                for k in range(i, i + size + name):
                    skip[k] = True
                i += size + name
                after_admin = i >= len(words)
                continue
            size = _marker_at(words, i, _PERSON_MARKERS)
            if size and cased and (name := _name_at(words, i + size, cased)) >= 2:
                persons.add(" ".join(w.folded for w in words[i + size : i + size + name]))
                i += size + name
                continue
            size = _marker_at(words, i, _PLACE_WRITTEN)
            if size:
                written = _PLACE_WRITTEN[tuple(w.folded for w in words[i : i + size])]
                j = i + size + (i + size < len(words) and words[i + size].folded == "so")
                name = _name_at(words, j, cased)
                numbered = name == 1 and words[j].folded[0].isdigit()
                if name and (numbered or " ".join(written) not in _NUMBER_ONLY):
                    place = " ".join(w.folded for w in words[j : j + name])
                    if numbered:
                        marker = " ".join(w.folded for w in words[i : i + size])
                        place = f"{_NUMBER_FAMILY.get(marker, marker)}:{place}"
                    places.add(place)
                    i = j + name
                    continue
            i += 1
        words_kept = [w for w, s in zip(words, skip, strict=True) if not s]
        directions.update(_directions(words_kept))
        spans = rewrite_spans([w.folded for w in words_kept])
        for token in _drop_stops(spans, words_kept, accented):
            if len(token) < 2 and not token.isdigit():
                continue  # a stray letter ("d" for đồng) says nothing
            if token[0].isdigit() and not any(p.endswith(f":{token}") for p in places):
                numbers.add(token)
            tokens.append(token)
    return Analysis(
        tuple(tokens),
        frozenset(places),
        frozenset(numbers),
        frozenset(persons),
        frozenset(directions),
        accented,
        frozenset(tokens),
        tuple(frozenset(p.split()) for p in sorted(places) if ":" not in p),
        tuple(frozenset(p.split()) for p in sorted(persons)),
    )


# Which way a request goes. "tăng mức trợ cấp" and "hạ tuổi hưởng trợ cấp" share nearly every
# word and ask opposite things; so do "xây" and "dỡ".
_DIRECTION_TEXT = {
    "up": "tăng|nâng|nâng mức|tăng mức|tăng thêm|nâng lên|cao hơn|mở rộng",
    "down": "giảm|hạ|hạ thấp|giảm bớt|miễn|bớt|thấp hơn|thu hẹp",
    "build": "xây|xây dựng|xây mới|làm mới|mở mới|lắp|lắp đặt|bố trí thêm|đầu tư",
    "remove": "di dời|dời|tháo dỡ|dỡ bỏ|đóng cửa|chấm dứt|ngừng|dừng|cấm|đình chỉ|giải tỏa",
}
_OPPOSITE = {"up": "down", "down": "up", "build": "remove", "remove": "build"}
_DIRECTIONS: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {
    tuple(fold_word(w) for w in phrase.split()): (tuple(phrase.split()), way)
    for way, text in _DIRECTION_TEXT.items()
    for phrase in text.split("|")
}
_DIRECTION_SIZES = _sizes(_DIRECTIONS)


def _directions(words: Sequence[Word]) -> set[str]:
    found: set[str] = set()
    i, n = 0, len(words)
    while i < n:
        for size in _DIRECTION_SIZES.get(words[i].folded, ()):
            if i + size > n:
                continue
            hit = _DIRECTIONS.get(tuple(w.folded for w in words[i : i + size]))
            if hit is not None and all(
                same_word(w, m) for w, m in zip(words[i : i + size], hit[0], strict=True)
            ):
                found.add(hit[1])
                i += size
                break
        else:
            i += 1
    return found


def opposite(a: Analysis, b: Analysis) -> bool:
    """Whether one question asks one way and the other the opposite way, and neither both."""
    return any(
        _OPPOSITE[way] in b.directions
        and _OPPOSITE[way] not in a.directions
        and way not in b.directions
        for way in a.directions
    )


def _drop_stops(
    rewritten: list[tuple[str, int, int]], words: Sequence[Word], accented: bool
) -> list[str]:
    """The tokens that are not stop-words."""
    out: list[str] = []
    i, n = 0, len(rewritten)
    while i < n:
        for size in _STOP_SIZES.get(rewritten[i][0], ()):
            if i + size <= n and _is_stop(rewritten[i : i + size], words, accented):
                i += size
                break
        else:
            out.append(rewritten[i][0])
            i += 1
    return out


def _is_stop(tokens: Sequence[tuple[str, int, int]], words: Sequence[Word], accented: bool) -> bool:
    forms = _STOPS.get(tuple(t for t, _, _ in tokens))
    if forms is None or any(end - start != 1 for _, start, end in tokens):
        return False  # a concept or a rewritten phrase is never a stop-word
    typed = [words[start] for _, start, _ in tokens]
    if all(not w.accented for w in typed):
        # Typed bare: in a text without diacritics it may be any of the forms; in a text with
        # them, only a form that has none ("xin", "cho").
        return not accented or any(all(strip_marks(f) == f for f in form) for form in forms)
    return any(all(same_word(w, f) for w, f in zip(typed, form, strict=True)) for form in forms)
