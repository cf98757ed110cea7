"""python-docx building blocks the report and its annex share: runs, paragraphs and cells in
the report's fonts, table widths and borders, the short rules of the ND30 header, rows kept
together and header rows repeated across pages, and dates written as ND30 writes them.

python-docx has no API for several of these, so they write the XML directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
A4_WIDTH = Cm(21)
A4_HEIGHT = Cm(29.7)
# XML 1.0 forbids these; pasted text sometimes carries them (a vertical tab for a line break)
# and python-docx would raise. A space keeps the words on either side apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def nd30_date(day: date | datetime) -> tuple[str, str, str]:
    # ND30: days below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 02").
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}", month, str(day.year)


def set_fonts(rpr: BaseOxmlElement) -> None:
    """Times New Roman for every script slot, dropping theme fonts that would override it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    tbl_pr.append(borders)


def grid(table: Table) -> list[list[_Cell]]:
    """The cells row by row, read once.

    `Table.cell()` walks the whole table on every call, which turns a 500-question annex into
    minutes; these tables never merge cells, so each <w:tc> is one cell.
    """
    return [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


def widths(table: Table, widths_cm: Sequence[float]) -> None:
    # Word reads the cell widths, LibreOffice the grid; set both so they agree.
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in grid(table):
        for cell, width in zip(row, widths_cm, strict=True):
            cell.width = Cm(width)


def run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
) -> None:
    run = paragraph.add_run(_CONTROL.sub(" ", text))
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)


def para(
    container: DocxDocument | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: Length | None = None,
    after: float | None = None,
    before: float | None = None,
) -> Paragraph:
    paragraph = container.add_paragraph()
    if text:
        run(paragraph, text, bold=bold, italic=italic, size=size)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    if after is not None:
        fmt.space_after = Pt(after)
    if before is not None:
        fmt.space_before = Pt(before)
    return paragraph


def cell_para(
    cell: _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    """A tight paragraph in a table cell, reusing the empty one every new cell starts with."""
    first: Paragraph = cell.paragraphs[0]
    paragraph: Paragraph
    # Untouched means no runs and no properties yet; every paragraph made here gets spacing.
    if len(cell.paragraphs) == 1 and not first.runs and first._p.pPr is None:
        paragraph = first
        if text:
            run(paragraph, text, bold=bold, italic=italic, size=size)
        if align is not None:
            paragraph.alignment = align
    else:
        paragraph = para(cell, text, bold=bold, italic=italic, size=size, align=align)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def short_line(paragraph: Paragraph, line_cm: float, box_cm: float) -> None:
    """Turn an empty paragraph into the short rule under the issuing body, motto and title.

    The paragraph gets a bottom border and is indented from both sides so the border is
    `line_cm` long and centred in a box `box_cm` wide: no drawing objects, so it prints the same
    in Word and LibreOffice.
    """
    side = max((box_cm - line_cm) / 2, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = Cm(side)
    fmt.right_indent = Cm(side)
    fmt.first_line_indent = Cm(0)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(2)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def shade(cell: _Cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "E7E6E6")
    tc_pr.append(shading)


# The order the schema gives a row's properties; Word rejects a file that breaks it.
_TR_PR_ORDER = ("w:cantSplit", "w:trHeight", "w:tblHeader")


def _row_flag(row: _Row, tag: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is not None:
        return
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    later = {qn(t) for t in _TR_PR_ORDER[_TR_PR_ORDER.index(tag) + 1 :]}
    following = next((child for child in tr_pr if child.tag in later), None)
    if following is None:
        tr_pr.append(flag)
    else:
        following.addprevious(flag)


def repeat_header(row: _Row) -> None:
    """Print this row again at the top of every page the table runs onto."""
    _row_flag(row, "w:tblHeader")


def keep_together(row: _Row) -> None:
    """Never break this row across two pages: a question is read, and signed, whole."""
    _row_flag(row, "w:cantSplit")


# --- the parts of the report ---
