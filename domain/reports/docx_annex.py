"""The annex of the internal report: every question with its sender's name, village and date.

Its own landscape section after the signature, headed as ND30 heads an annex: "PHỤ LỤC", the
title, and "(Kèm theo Báo cáo số … ngày … của …)" naming the report it belongs to, with the
same number and date as the report's own header. A row never breaks across pages, and the
header row is printed again on each page.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import _Cell

from domain.reports.data import QuestionRow, ReportData
from domain.reports.docx_parts import (
    A4_HEIGHT,
    A4_WIDTH,
    cell_para,
    grid,
    keep_together,
    nd30_date,
    para,
    repeat_header,
    shade,
    widths,
)
from domain.texts import Texts
from domain.timefmt import fmt_day

# Landscape A4 text width is 29.7 - 3 - 2 = 24.7 cm.
ANNEX_COLS_CM = (1.3, 2.6, 3.6, 2.8, 3.0, 9.2, 2.2)
ANNEX_PT = 11


def add_annex(doc: DocxDocument, data: ReportData, texts: Texts, number: str) -> None:
    """Questions with their senders' names: the internal version only.

    `number` is the report's number as its header shows it ("15/BC-UBND", or blank for the
    clerk to write in)."""
    # A landscape section of its own: the list needs the width, the report stays portrait.
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = A4_HEIGHT, A4_WIDTH
    section.different_first_page_header_footer = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, texts("report.annex_title"), bold=True, size=14, align=center, after=0)
    para(doc, texts("report.annex_subtitle"), bold=True, size=14, align=center, after=0)
    day, month, year = nd30_date(data.generated_at)
    ref = texts(
        "report.annex_ref", number=number, day=day, month=month, year=year, commune=data.commune
    )
    para(doc, ref, italic=True, size=13, align=center, after=0)
    note = texts("report.annex_note", dialogue=data.dialogue_title)
    para(doc, note, italic=True, size=12, align=center, after=12)

    headers = [
        texts("report.col_no"),
        texts("report.annex_col_code"),
        texts("report.annex_col_name"),
        texts("report.annex_col_village"),
        texts("report.annex_col_category"),
        texts("report.annex_col_text"),
        texts("report.annex_col_date"),
    ]
    table = doc.add_table(rows=len(data.questions) + 1, cols=len(headers))
    table.style = "Table Grid"
    widths(table, ANNEX_COLS_CM)
    repeat_header(table.rows[0])
    cells = grid(table)
    for col, text in enumerate(headers):
        cell = cells[0][col]
        _annex_cell(cell, text, bold=True, center=True)
        shade(cell)
    for row in table.rows:
        keep_together(row)
    for r, row_data in enumerate(data.questions, start=1):
        for col, text in enumerate(_annex_values(r, row_data, texts)):
            _annex_cell(cells[r][col], text, center=col in (0, 6))


def _annex_values(index: int, row: QuestionRow, texts: Texts) -> list[str]:
    return [
        str(index),
        row.receipt_code,
        row.author_name or texts("report.annex_no_name"),
        row.village or "",
        row.category_label,
        row.text.strip(),
        fmt_day(row.created_at),
    ]


def _annex_cell(cell: _Cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    align = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    cell_para(cell, text, bold=bold, size=ANNEX_PT, align=align)
