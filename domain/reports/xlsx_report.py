"""The question list as an Excel workbook the office can filter, sort and print.

Residents' text is untrusted: anything Excel could read as a formula (starting with "=", "+",
"-" or "@") is stored as a string cell with the quote prefix, so opening or editing the file
never evaluates it.

Printed, it must read without anyone touching it: A4 landscape, one page wide at a scale a
person can read (the columns are sized for it), the title on the first page, the header row
on every page, page numbers in the footer, Times New Roman throughout (as in the Word report),
and every row as tall as its wrapped text, since neither openpyxl nor every spreadsheet
program measures that on its own.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from domain.reports.data import QuestionRow, ReportData
from domain.reports.digest import CategoryTotal, group_by_category
from domain.texts import Texts
from domain.timefmt import fmt_day

FORMULA_STARTS = ("=", "+", "-", "@")
# Excel refuses longer cells; a question never gets close, but a pasted answer might.
CELL_MAX = 32_767
DATE_FORMAT = "dd/mm/yyyy"

FONT = "Times New Roman"
BODY_PT = 12
TITLE_PT = 13
# Rows the title and the note take above the header row.
HEADER_ROW = 3

_BODY_FONT = Font(name=FONT, size=BODY_PT)
_HEADER_FONT = Font(name=FONT, size=BODY_PT, bold=True)
_TITLE_FONT = Font(name=FONT, size=TITLE_PT, bold=True)
_NOTE_FONT = Font(name=FONT, size=BODY_PT - 1, italic=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_TOP_CENTER = Alignment(horizontal="center", vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Column widths are in Excel's unit: the width of a digit of the workbook's default font,
# here Times New Roman 12 pt (8 pixels at 96 dpi), plus 5 pixels of padding. The default font
# is the document's own so that a width means the same in Excel (Times New Roman) and in
# LibreOffice (Liberation Serif 2, the same metrics), whatever sans-serif either falls back on.
UNIT_CM = 8 / 96 * 2.54
PAD_CM = 5 / 96 * 2.54
LEFT_CM, RIGHT_CM = 1.5, 1.0
PRINTABLE_CM = 29.7 - LEFT_CM - RIGHT_CM  # A4 landscape
# How many characters of 12 pt Vietnamese text a width unit holds: about 1.4 in Excel and
# 1.15 in LibreOffice, which draws the same widths narrower. The smaller figure, less a
# margin, is counted, so a row is never too short in either (a little tall in Excel); bold
# headers hold fewer. A line takes this many points of height.
CHARS_PER_UNIT = 1.05
HEADER_CHARS_PER_UNIT = 0.9
LINE_PT = 15.0
MAX_ROW_PT = 409.0  # the most Excel allows


@dataclass(frozen=True)
class _Column:
    key: str  # catalog key of the header
    value: Callable[[QuestionRow], object]
    width: float  # in Excel's width units
    wrap: bool = False  # long text: wrapped at the width
    center: bool = False
    number_format: str | None = None


def _columns(public: bool, answered_by: Callable[[QuestionRow], str | None]) -> list[_Column]:
    # The dialogue is the same on every row: it is in the title, not in a column. The widths
    # add up to about 155 units: one page wide at about four fifths of their size in Excel,
    # nearly full size in LibreOffice.
    columns = [
        _Column("xlsx.col_code", lambda q: q.receipt_code, 10, center=True),
        _Column("xlsx.col_category", lambda q: q.category_label, 12, wrap=True),
        _Column("xlsx.col_cluster", lambda q: q.cluster_code, 10, wrap=True, center=True),
        _Column("xlsx.col_text", lambda q: q.text, 32, wrap=True),
        _Column("xlsx.col_village", lambda q: q.village, 11, wrap=True),
        # Excel cannot store a time zone; the value is already the commune's local time.
        _Column(
            "xlsx.col_created",
            lambda q: q.created_at.replace(tzinfo=None),
            10.5,
            center=True,
            number_format=DATE_FORMAT,
        ),
        _Column("xlsx.col_status", lambda q: q.status_label, 11, wrap=True),
        _Column("xlsx.col_department", answered_by, 12, wrap=True),
        _Column("xlsx.col_answer", lambda q: q.answer, 27, wrap=True),
        _Column("xlsx.col_supporters", lambda q: q.supporters, 8, center=True),
    ]
    if not public:
        # Last, so the public and internal files share every other column's position.
        columns.append(_Column("xlsx.col_name", lambda q: q.author_name, 12, wrap=True))
    return columns


def printed_scale(widths: Sequence[float]) -> float:
    """The scale at which columns this wide print one A4 landscape page wide (at most 1)."""
    total_cm = sum(w * UNIT_CM + PAD_CM for w in widths)
    return min(1.0, PRINTABLE_CM / total_cm)


def _lines(text: str, width: float, per_unit: float) -> int:
    per_line = max(1, int(width * per_unit))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def row_height(
    cells: Sequence[tuple[object, float, bool]],
    size: float = BODY_PT,
    per_unit: float = CHARS_PER_UNIT,
) -> float:
    """Points a row needs for its wrapped cells: (value, column width, wraps) each."""
    lines = max(
        (_lines(str(v), w, per_unit) for v, w, wrap in cells if wrap and v is not None),
        default=1,
    )
    return min(MAX_ROW_PT, lines * LINE_PT * size / BODY_PT + 3)


def put_cell(ws: Any, row: int, column: int, value: object) -> Any:
    """Write one cell; text always stays text, whatever it starts with."""
    if isinstance(value, str):
        # A space, not nothing: pasted text uses some of these (vertical tab) between words.
        value = ILLEGAL_CHARACTERS_RE.sub(" ", value)[:CELL_MAX]
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        # openpyxl turns a string starting with "=" into a formula on assignment; undo that.
        cell.data_type = "s"
        if value.lstrip().startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    cell.font = _BODY_FONT
    return cell


def _heading(ws: Any, title: str, note: str, widths: Sequence[float]) -> None:
    """The title and a note above the header row, across the table's width."""
    last = get_column_letter(len(widths))
    total = sum(widths)
    for row, text, font in ((1, title, _TITLE_FONT), (2, note, _NOTE_FONT)):
        cell = put_cell(ws, row, 1, text)
        cell.font = font
        cell.alignment = _TITLE_ALIGN
        ws.merge_cells(f"A{row}:{last}{row}")
        size = TITLE_PT if row == 1 else BODY_PT
        # A wider font needs more room per character: scale the width it gets accordingly.
        ws.row_dimensions[row].height = row_height([(text, total * BODY_PT / size, True)], size)


def _header_row(ws: Any, headers: Sequence[str], widths: Sequence[float]) -> None:
    for index, text in enumerate(headers, start=1):
        cell = put_cell(ws, HEADER_ROW, index, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _GRID
        cell.alignment = _HEADER_ALIGN
    ws.row_dimensions[HEADER_ROW].height = row_height(
        [(h, w, True) for h, w in zip(headers, widths, strict=True)],
        per_unit=HEADER_CHARS_PER_UNIT,
    )
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    # The header row again at the top of every printed page.
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _print_setup(ws: Any, texts: Texts) -> None:
    # Offices print these: A4 landscape, one page wide; the column widths keep the scale
    # that takes readable (see printed_scale).
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    inch = 2.54
    ws.page_margins = PageMargins(
        left=LEFT_CM / inch, right=RIGHT_CM / inch, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    ws.print_options.horizontalCentered = True
    footer = texts("xlsx.footer")
    ws.oddFooter.center.text = footer
    ws.oddFooter.center.font = f"{FONT},Regular"
    ws.oddFooter.center.size = 10


def _note(data: ReportData, texts: Texts) -> str:
    moment = texts(
        "xlsx.moment", time=f"{data.generated_at:%H:%M}", date=fmt_day(data.generated_at)
    )
    kind = texts("xlsx.kind_public" if data.public else "xlsx.kind_internal")
    return texts("xlsx.note", code=data.dialogue_code, moment=moment, kind=kind)


def _questions_sheet(ws: Any, data: ReportData, texts: Texts) -> None:
    commune_answer = texts("report.the_commune", commune=data.commune)

    def answered_by(q: QuestionRow) -> str | None:
        # Answered without going to a department: the commune answered it itself.
        return q.department or (commune_answer if q.answer else None)

    columns = _columns(data.public, answered_by)
    headers = [texts(column.key) for column in columns]
    widths = [column.width for column in columns]
    _heading(ws, texts("xlsx.title", dialogue=data.dialogue_title), _note(data, texts), widths)
    _header_row(ws, headers, widths)
    for row_index, question in enumerate(data.questions, start=HEADER_ROW + 1):
        measured: list[tuple[object, float, bool]] = []
        for col_index, column in enumerate(columns, start=1):
            value = column.value(question)
            cell = put_cell(ws, row_index, col_index, value)
            cell.border = _GRID
            if column.wrap:
                cell.alignment = _TOP_WRAP
            else:
                cell.alignment = _TOP_CENTER if column.center else _TOP
            if column.number_format:
                cell.number_format = column.number_format
            measured.append((value, column.width, column.wrap))
        ws.row_dimensions[row_index].height = row_height(measured)
    for col_index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col_index)].width = column.width
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(data.questions)}"
    _print_setup(ws, texts)


def _totals_sheet(ws: Any, data: ReportData, texts: Texts) -> None:
    headers = [
        texts("xlsx.totals_category"),
        texts("xlsx.totals_questions"),
        texts("xlsx.totals_backers"),
        texts("xlsx.totals_people"),
        texts("xlsx.totals_requests"),
        texts("xlsx.totals_answered"),
        texts("xlsx.totals_forwarded"),
        texts("xlsx.totals_pending"),
    ]
    widths = [28.0, *[11.0] * (len(headers) - 1)]
    title = texts("xlsx.totals_title", dialogue=data.dialogue_title)
    _heading(ws, title, _note(data, texts), widths)
    _header_row(ws, headers, widths)
    totals = [group.total for group in group_by_category(data.clusters)]

    def numbers(t: CategoryTotal) -> list[int]:
        return [t.questions, t.backers, t.people, t.requests, t.answered, t.forwarded, t.pending]

    rows: list[list[object]] = [[t.label, *numbers(t)] for t in totals]
    # Plain numbers, not =SUM(): the workbook holds no formula at all, so the check is simple.
    sums = [sum(column) for column in zip(*(numbers(t) for t in totals), strict=True)]
    rows.append([texts("xlsx.totals_row"), *(sums or [0] * 7)])
    for row_index, values in enumerate(rows, start=HEADER_ROW + 1):
        for col_index, value in enumerate(values, start=1):
            cell = put_cell(ws, row_index, col_index, value)
            cell.border = _GRID
            cell.alignment = _TOP_WRAP if col_index == 1 else _TOP_CENTER
            if row_index == HEADER_ROW + len(rows):
                cell.font = _HEADER_FONT
        ws.row_dimensions[row_index].height = row_height([(values[0], widths[0], True)])
    for col_index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_index)].width = width
    _print_setup(ws, texts)


def _commitments_sheet(ws: Any, data: ReportData, texts: Texts) -> None:
    """The previous dialogue's commitments and how they were kept, printed like the others."""
    headers = [texts(f"xlsx.commitments_{key}") for key in _COMMITMENT_COLUMNS]
    widths = _COMMITMENT_WIDTHS
    title = texts("xlsx.commitments_title", dialogue=data.dialogue_code)
    _heading(ws, title, _note(data, texts), widths)
    _header_row(ws, headers, widths)
    for row_index, c in enumerate(data.commitments, start=HEADER_ROW + 1):
        values = (c.code, c.receipt_code, c.body, c.text, c.due, c.status_label, c.last_note)
        for col_index, value in enumerate(values, start=1):
            cell = put_cell(ws, row_index, col_index, value)
            cell.border = _GRID
            cell.alignment = _TOP_WRAP
            if col_index == 5:
                cell.number_format = "dd/mm/yyyy"
        ws.row_dimensions[row_index].height = row_height(
            [(v, w, True) for v, w in zip(values, widths, strict=True)]
        )
    for col_index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_index)].width = width
    _print_setup(ws, texts)


_COMMITMENT_COLUMNS = ("code", "receipt", "body", "text", "due", "status", "note")
_COMMITMENT_WIDTHS = (12.0, 12.0, 20.0, 40.0, 11.0, 14.0, 40.0)


def render_xlsx(data: ReportData, texts: Texts) -> bytes:
    """One row per question plus a totals sheet; `data.public` leaves out the names."""
    wb = Workbook()
    # The default font sets the width unit and the font of every cell not written here (see
    # UNIT_CM); openpyxl offers no public way to change it.
    wb._fonts = type(wb._fonts)([_BODY_FONT])
    wb.properties.creator = data.issuing_body
    wb.properties.lastModifiedBy = data.issuing_body
    wb.properties.title = texts("report.doc_title", code=data.dialogue_code)
    questions = wb.active
    questions.title = texts("xlsx.sheet_questions")
    _questions_sheet(questions, data, texts)
    _totals_sheet(wb.create_sheet(texts("xlsx.sheet_totals")), data, texts)
    if data.commitments:
        _commitments_sheet(wb.create_sheet(texts("xlsx.sheet_commitments")), data, texts)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
