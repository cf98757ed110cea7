"""A paper form ("phiếu ý kiến") as the office types it up: the template's columns, the
headers people actually write, and the rows on their way from a file into the store.

Paper forms are typed up by the office in a workbook the project ships (bot/paper/template.py),
read back (bot/paper/reading.py), checked row by row (bot/paper/rows.py) and stored through the
same path as chat questions (bot/paper/importing.py, handlers/intake.py): same receipt numbers,
same duplicate clusters, same digests and reports, marked `source="paper"`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.models import Question

SOURCE = "paper"
# Rows the template prepares drop-downs and date checks for; more can be typed, unchecked.
TEMPLATE_ROWS = 2000
DATE_FORMAT = "dd/mm/yyyy"
# Years outside this range are typing mistakes ("2062", "1926"), not dates a form was received.
EARLIEST = date(2000, 1, 1)
# Rows searched for the header: the office may put a title line or two above it.
HEADER_SEARCH_ROWS = 10
# What a file of typed-up forms can be, checked before it is parsed: far more than a commune's
# forms (a few thousand rows of six columns), far less than what would stall the machine.
MAX_FILE_BYTES = 25_000_000
MAX_UNPACKED_BYTES = 60_000_000  # an .xlsx is a zip: the sum of its parts' declared sizes
MAX_ZIP_PARTS = 2_000
MAX_ROWS = 50_000
MAX_COLUMNS = 100

# Fields, in template column order.
FORM, DATE, VILLAGE, NAME, CATEGORY, TEXT = "form", "date", "village", "name", "category", "text"
FIELDS = (FORM, DATE, VILLAGE, NAME, CATEGORY, TEXT)

# Headers as typed by people, folded (see `_header_key`). A header matches when it equals an
# alias or, for aliases of two words or more, starts with it ("noi dung y kien kien nghi").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    FORM: ("so phieu", "phieu so", "ma phieu", "so thu tu phieu", "phieu"),
    DATE: ("ngay nhan", "ngay", "ngay nhan phieu", "ngay gui", "ngay ghi phieu"),
    VILLAGE: (
        "thon to dan pho",
        "thon",
        "to dan pho",
        "thon xom",
        "thon tdp",
        "thon to",
        "thon ban",
        "ban",
        "khu dan cu",
        "dia ban",
    ),
    NAME: ("ho ten", "ho va ten", "ten", "nguoi gui", "ten nguoi gui"),
    CATEGORY: ("nhom van de", "nhom", "linh vuc", "loai van de"),
    TEXT: ("noi dung y kien", "noi dung", "y kien", "noi dung kien nghi", "y kien kien nghi"),
}
# Catalog keys of the template's headers, also used to name a missing column.
HEADER_KEYS = {
    FORM: "paper.col_form",
    DATE: "paper.col_date",
    VILLAGE: "paper.col_village",
    NAME: "paper.col_name",
    CATEGORY: "paper.col_category",
    TEXT: "paper.col_text",
}


class UnusableInput(Exception):
    """The file as a whole cannot be imported; the message is one line for the office."""


@dataclass(frozen=True)
class RawRow:
    row: int  # as the spreadsheet numbers it (header included), so the office finds it
    cells: dict[str, object]


class FormRows(list[RawRow]):
    """The data rows of one file, with the text encoding a CSV was read in (None: .xlsx)."""

    def __init__(self, rows: Iterable[RawRow], encoding: str | None) -> None:
        super().__init__(rows)
        self.encoding = encoding


@dataclass(frozen=True)
class PaperRow:
    row: int
    form: str
    received: date
    village: str | None
    name: str | None
    category: str
    suggested: str | None
    text: str
    key: str


@dataclass(frozen=True)
class BadRow:
    row: int
    reason: str


@dataclass
class ImportResult:
    code: str
    imported: list[Question] = field(default_factory=list)
    already: int = 0
    bad: list[BadRow] = field(default_factory=list)
    joined: int = 0  # imported into the cluster of an earlier question
    complaints: int = 0
