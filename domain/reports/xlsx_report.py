"""The question list as an Excel workbook the office can filter, sort and print.

Residents' text is untrusted: anything Excel could read as a formula (starting with "=", "+",
"-" or "@") is stored as a string cell with the quote prefix, so opening or editing the file
never evaluates it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from domain.reports.data import QuestionRow, ReportData
from domain.reports.digest import CategoryTotal, group_by_category
from domain.texts import Texts

FORMULA_STARTS = ("=", "+", "-", "@")
# Excel refuses longer cells; a question never gets close, but a pasted answer might.
CELL_MAX = 32_767
DATE_FORMAT = "dd/mm/yyyy"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_THIN = Side(style="thin", color="A0A0A0")
_HEADER_BORDER = Border(bottom=_THIN)
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_MIN_WIDTH = 8.0
_MAX_WIDTH = 30.0


@dataclass(frozen=True)
class _Column:
    key: str  # catalog key of the header
    value: Callable[[QuestionRow], object]
    wrap_width: float | None = None  # long text: fixed width, wrapped; None: fit the content
    number_format: str | None = None


def _columns(public: bool) -> list[_Column]:
    columns = [
        _Column("xlsx.col_code", lambda q: q.receipt_code),
        _Column("xlsx.col_dialogue", lambda q: q.dialogue_code),
        _Column("xlsx.col_category", lambda q: q.category_label, wrap_width=20),
        _Column("xlsx.col_cluster", lambda q: q.cluster_code),
        _Column("xlsx.col_text", lambda q: q.text, wrap_width=60),
        _Column("xlsx.col_village", lambda q: q.village, wrap_width=18),
        # Excel cannot store a time zone; the value is already the commune's local time.
        _Column(
            "xlsx.col_created",
            lambda q: q.created_at.replace(tzinfo=None),
            number_format=DATE_FORMAT,
        ),
        _Column("xlsx.col_status", lambda q: q.status_label, wrap_width=22),
        _Column("xlsx.col_department", lambda q: q.department, wrap_width=22),
        _Column("xlsx.col_answer", lambda q: q.answer, wrap_width=50),
        _Column("xlsx.col_supporters", lambda q: q.supporters),
    ]
    if not public:
        # Last, so the public and internal files share every other column's position.
        columns.append(_Column("xlsx.col_name", lambda q: q.author_name, wrap_width=24))
    return columns


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
    return cell


def _header_row(ws: Any, headers: Sequence[str]) -> None:
    for index, text in enumerate(headers, start=1):
        cell = put_cell(ws, 1, index, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGN
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"


def _fit_width(values: Sequence[object]) -> float:
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    return min(max(longest + 2.0, _MIN_WIDTH), _MAX_WIDTH)


def _print_setup(ws: Any) -> None:
    # Offices print these: A4 landscape, all columns on one page width.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _questions_sheet(ws: Any, data: ReportData, texts: Texts) -> None:
    columns = _columns(data.public)
    headers = [texts(column.key) for column in columns]
    _header_row(ws, headers)
    values_by_column: list[list[object]] = [[h] for h in headers]
    for row_index, question in enumerate(data.questions, start=2):
        for col_index, column in enumerate(columns, start=1):
            value = column.value(question)
            cell = put_cell(ws, row_index, col_index, value)
            cell.alignment = _TOP_WRAP if column.wrap_width else _TOP
            if column.number_format:
                cell.number_format = column.number_format
            values_by_column[col_index - 1].append(value)
    for col_index, column in enumerate(columns, start=1):
        letter = get_column_letter(col_index)
        if column.number_format == DATE_FORMAT:
            width = 12.0
        elif column.wrap_width:
            width = column.wrap_width
        else:
            width = _fit_width(values_by_column[col_index - 1])
        ws.column_dimensions[letter].width = width
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(data.questions) + 1}"
    _print_setup(ws)


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
    _header_row(ws, headers)
    totals = [group.total for group in group_by_category(data.clusters)]

    def numbers(t: CategoryTotal) -> list[int]:
        return [t.questions, t.backers, t.people, t.requests, t.answered, t.forwarded, t.pending]

    rows: list[list[object]] = [[t.label, *numbers(t)] for t in totals]
    # Plain numbers, not =SUM(): the workbook holds no formula at all, so the check is simple.
    sums = [sum(column) for column in zip(*(numbers(t) for t in totals), strict=True)]
    rows.append([texts("xlsx.totals_row"), *(sums or [0] * 7)])
    for row_index, values in enumerate(rows, start=2):
        for col_index, value in enumerate(values, start=1):
            cell = put_cell(ws, row_index, col_index, value)
            if row_index == len(rows) + 1:
                cell.font = _HEADER_FONT
    ws.column_dimensions["A"].width = _fit_width([r[0] for r in rows] + [headers[0]])
    for col_index in range(2, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col_index)].width = 16
    ws.row_dimensions[1].height = 32
    _print_setup(ws)


def render_xlsx(data: ReportData, texts: Texts) -> bytes:
    """One row per question plus a totals sheet; `data.public` leaves out the names."""
    wb = Workbook()
    wb.properties.creator = data.issuing_body
    wb.properties.lastModifiedBy = data.issuing_body
    wb.properties.title = texts("report.doc_title", code=data.dialogue_code)
    questions = wb.active
    questions.title = texts("xlsx.sheet_questions")
    _questions_sheet(questions, data, texts)
    _totals_sheet(wb.create_sheet(texts("xlsx.sheet_totals")), data, texts)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
