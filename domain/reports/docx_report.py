"""The summary report (báo cáo tổng hợp ý kiến, kiến nghị) as a Word document the office signs.

Layout follows Nghị định 30/2020/NĐ-CP (thể thức văn bản hành chính): A4, margins 2/2/3/2 cm,
Times New Roman, the national motto header beside the issuing body, place and date in italics,
"Nơi nhận" beside the signer block. Only the contents vary; every word comes from the catalog.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from domain.reports.data import ClusterSummary, QuestionRow, ReportData
from domain.reports.digest import CategoryTotal, group_by_category, join_limited
from domain.reports.docx_commitments import add_commitments
from domain.texts import Texts
from domain.timefmt import fmt_day

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 12
_PAGE_W = Cm(21)
_PAGE_H = Cm(29.7)
_TEXT_W_CM = 21 - 3 - 2
# Header columns: the right one must hold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" on one line.
_HEADER_COLS_CM = (6.0, 10.0)
_FIRST_LINE = Cm(1.27)
# Landscape A4 text width is 29.7 - 3 - 2 = 24.7 cm.
_ANNEX_COLS_CM = (1.3, 2.6, 3.6, 2.8, 3.0, 9.2, 2.2)
_CODES_SHOWN = 12
# What fits the 6 cm header column in 13 pt bold capitals.
_ISSUING_ONE_LINE = 20
_ISSUING_PREFIXES = ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")
# XML 1.0 forbids these; pasted text sometimes carries them (a vertical tab for a line break)
# and python-docx would raise. A space keeps the words on either side apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _issuing_lines(body: str) -> list[str]:
    """Break a long issuing body where offices do: "ỦY BAN NHÂN DÂN" / "XÃ BÌNH LƯ".

    Left to Word, the narrow column wraps wherever the width runs out ("... DÂN XÃ" / "BÌNH LƯ").
    """
    if len(body) <= _ISSUING_ONE_LINE:
        return [body]
    for prefix in _ISSUING_PREFIXES:
        if body.startswith(prefix + " "):
            return [prefix, body[len(prefix) :].strip()]
    words = body.split()
    best = min(
        range(1, len(words)),
        key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))),
        default=0,
    )
    if not best:
        return [body]
    return [" ".join(words[:best]), " ".join(words[best:])]


def _roman(n: int) -> str:
    return _ROMAN[n - 1] if n <= len(_ROMAN) else str(n)


def _nd30_date(day: date | datetime) -> tuple[str, str, str]:
    # ND30: days below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 02").
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}", month, str(day.year)


# --- low-level helpers: python-docx has no API for these, so they write the XML directly ---


def _set_fonts(rpr: BaseOxmlElement) -> None:
    """Times New Roman for every script slot, dropping theme fonts that would override it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _setup_styles(doc: DocxDocument) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        # Vietnamese proofing instead of a sea of red underlines in Word.
        lang.set(qn("w:val"), "vi-VN")
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.0


def _setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = _PAGE_W
    section.page_height = _PAGE_H
    section.top_margin = Cm(2)
    section.bottom_margin = Cm(2)
    section.left_margin = Cm(3)
    section.right_margin = Cm(2)
    section.header_distance = Cm(1)
    section.footer_distance = Cm(1)
    # ND30: page numbers centred at the top, from the second page on.
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    tbl_pr.append(borders)


def _grid(table: Table) -> list[list[_Cell]]:
    """The cells row by row, read once.

    `Table.cell()` walks the whole table on every call, which turns a 500-question annex into
    minutes; these tables never merge cells, so each <w:tc> is one cell.
    """
    return [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


def _widths(table: Table, widths_cm: Sequence[float]) -> None:
    # Word reads the cell widths, LibreOffice the grid; set both so they agree.
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in _grid(table):
        for cell, width in zip(row, widths_cm, strict=True):
            cell.width = Cm(width)


def _run(
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


def _para(
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
        _run(paragraph, text, bold=bold, italic=italic, size=size)
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


def _cell_para(
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
            _run(paragraph, text, bold=bold, italic=italic, size=size)
        if align is not None:
            paragraph.alignment = align
    else:
        paragraph = _para(cell, text, bold=bold, italic=italic, size=size, align=align)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _short_line(paragraph: Paragraph, line_cm: float, box_cm: float) -> None:
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


def _shade(cell: _Cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "E7E6E6")
    tc_pr.append(shading)


def _repeat_header(row: _Row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


# --- the parts of the report ---


def _moment(moment: datetime, texts: Texts) -> str:
    return texts(
        "report.moment",
        hour=f"{moment:%H}",
        minute=f"{moment:%M}",
        date=fmt_day(moment),
    )


def _header(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, _HEADER_COLS_CM)
    left_w, right_w = _HEADER_COLS_CM
    center = WD_ALIGN_PARAGRAPH.CENTER

    cells = _grid(table)
    left = cells[0][0]
    if data.parent_body:
        _cell_para(left, data.parent_body.upper(), size=13, align=center)
    issuing = _cell_para(left, size=13, align=center)
    for index, line in enumerate(_issuing_lines(data.issuing_body.upper())):
        if index:
            issuing.runs[-1].add_break()
        _run(issuing, line, bold=True, size=13)
    _short_line(_cell_para(left), line_cm=2.2, box_cm=left_w)

    right = cells[0][1]
    _cell_para(right, texts("report.country"), bold=True, size=12.5, align=center)
    _cell_para(right, texts("report.motto"), bold=True, size=13, align=center)
    _short_line(_cell_para(right), line_cm=6.0, box_cm=right_w)

    day, month, year = _nd30_date(data.generated_at)
    number = _cell_para(cells[1][0], texts("report.number"), size=13, align=center)
    number.paragraph_format.space_before = Pt(6)
    place = texts("report.place_date", place=data.place, day=day, month=month, year=year)
    dated = _cell_para(cells[1][1], place, italic=True, size=13.5, align=center)
    dated.paragraph_format.space_before = Pt(6)


def _title(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, texts("report.title"), bold=True, size=14, align=center, before=18, after=0)
    subtitle = texts("report.subtitle", dialogue=data.dialogue_title)
    _para(doc, subtitle, bold=True, size=14, align=center, after=2)
    _short_line(_para(doc), line_cm=3.5, box_cm=_TEXT_W_CM)
    _para(doc, after=6)


def _body(doc: DocxDocument, text: str, *, bold: bool = False) -> Paragraph:
    return _para(doc, text, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE)


def _heading(doc: DocxDocument, text: str) -> None:
    # A heading left alone at the foot of a page, its content overleaf, looks unfinished.
    _body(doc, text, bold=True).paragraph_format.keep_with_next = True


def _intro(
    doc: DocxDocument, data: ReportData, texts: Texts, totals: Sequence[CategoryTotal]
) -> None:
    fields: dict[str, object] = {
        "dialogue": data.dialogue_title,
        "commune": data.commune,
        "as_of": _moment(data.generated_at, texts),
        "deadline": _moment(data.deadline, texts),
    }
    if not data.clusters:
        _body(doc, texts("report.intro_empty", **fields))
        return
    _body(
        doc,
        texts(
            "report.intro",
            questions=sum(t.questions for t in totals),
            backers=sum(t.backers for t in totals),
            requests=sum(t.requests for t in totals),
            categories=len(totals),
            **fields,
        ),
    )


def _cluster(doc: DocxDocument, number: str, cluster: ClusterSummary, texts: Texts) -> None:
    paragraph = _para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE)
    _run(paragraph, f"{number}. ", bold=True)
    _run(paragraph, cluster.text.strip())

    lines = [
        texts(
            "report.people",
            people=cluster.people,
            askers=cluster.askers,
            backers=cluster.backers,
        )
    ]
    if cluster.villages:
        lines.append(texts("report.villages", villages=", ".join(cluster.villages)))
    else:
        lines.append(texts("report.villages_unknown"))
    codes = join_limited(cluster.receipt_codes, _CODES_SHOWN, texts, "report.more_codes", "codes")
    lines.append(texts("report.receipt_codes", codes=codes))
    if cluster.department and cluster.answer_due:
        due = fmt_day(cluster.answer_due)
        lines.append(texts("report.department_due", department=cluster.department, due=due))
    elif cluster.department:
        lines.append(texts("report.department", department=cluster.department))
    else:
        lines.append(texts("report.department_none"))
    if cluster.forwarded_to:
        lines.append(texts("report.forwarded", authority=cluster.forwarded_to))
    if cluster.answer:
        lines.append(texts("report.answer", answer=cluster.answer.strip()))
    elif not cluster.forwarded_to:
        lines.append(texts("report.not_answered"))
    if cluster.complaint:
        lines.append(texts("report.complaint"))
    for line in lines:
        _para(doc, f"- {line}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE, after=3)


def _details(doc: DocxDocument, data: ReportData, texts: Texts, section: int) -> None:
    _heading(doc, f"{_roman(section)}. {texts('report.section_details')}")
    groups = group_by_category(data.clusters)
    if not groups:
        _body(doc, texts("report.no_questions"))
        return
    for index, group in enumerate(groups, start=1):
        total = group.total
        heading = texts(
            "report.category_heading",
            label=total.label,
            requests=total.requests,
            people=total.people,
        )
        _heading(doc, f"{index}. {heading}")
        for sub, cluster in enumerate(group.clusters, start=1):
            _cluster(doc, f"{index}.{sub}", cluster, texts)


def _table_cell(cell: _Cell, text: str, *, bold: bool = False, center: bool = True) -> None:
    align = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    _cell_para(cell, text, bold=bold, size=TABLE_PT, align=align)


def _totals_table(
    doc: DocxDocument, texts: Texts, totals: Sequence[CategoryTotal], section: int
) -> None:
    _heading(doc, f"{_roman(section)}. {texts('report.section_totals')}")
    headers = [
        texts("report.col_no"),
        texts("report.col_category"),
        texts("report.col_questions"),
        texts("report.col_backers"),
        texts("report.col_requests"),
        texts("report.col_answered"),
        texts("report.col_forwarded"),
        texts("report.col_pending"),
    ]
    rows: list[list[str]] = []
    for index, total in enumerate(totals, start=1):
        rows.append(
            [
                str(index),
                total.label,
                str(total.questions),
                str(total.backers),
                str(total.requests),
                str(total.answered),
                str(total.forwarded),
                str(total.pending),
            ]
        )
    sums = [
        sum(t.questions for t in totals),
        sum(t.backers for t in totals),
        sum(t.requests for t in totals),
        sum(t.answered for t in totals),
        sum(t.forwarded for t in totals),
        sum(t.pending for t in totals),
    ]
    footer = ["", texts("report.total_row"), *(str(n) for n in sums)]

    table = doc.add_table(rows=len(rows) + 2, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (1.3, 3.9, 1.7, 1.8, 2.0, 1.7, 2.0, 1.6))
    _repeat_header(table.rows[0])
    cells = _grid(table)
    for col, text in enumerate(headers):
        cell = cells[0][col]
        _table_cell(cell, text, bold=True)
        _shade(cell)
    for r, values in enumerate(rows, start=1):
        for col, text in enumerate(values):
            _table_cell(cells[r][col], text, center=col != 1)
    last = len(rows) + 1
    for col, text in enumerate(footer):
        _table_cell(cells[last][col], text, bold=True, center=col != 1)
    _para(doc, after=0)


def _signature(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    closing = texts("report.closing", dialogue=data.dialogue_title, commune=data.commune)
    # The last sentence and the signature share a page, as a signed page must show text.
    _body(doc, closing).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (8.0, 8.0))

    [[recipients, signer]] = _grid(table)
    _cell_para(recipients, texts("report.recipients_label"), bold=True, italic=True, size=12)
    for line in texts("report.recipients").splitlines():
        if line.strip():
            _cell_para(recipients, line.strip(), size=11)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_para(signer, texts("report.signer_on_behalf"), bold=True, size=13, align=center)
    for line in data.signer_title.splitlines():
        _cell_para(signer, line.strip().upper(), bold=True, size=13, align=center)
    # Room for the handwritten signature and the seal.
    for _ in range(4):
        _cell_para(signer, "", size=13)
    if data.signer_name:
        _cell_para(signer, data.signer_name, bold=True, size=13, align=center)


def _annex(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    """Questions with their senders' names: the internal version only."""
    # A landscape section of its own: the list needs the width, the report stays portrait.
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = _PAGE_H, _PAGE_W
    section.different_first_page_header_footer = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, texts("report.annex_title"), bold=True, size=14, align=center, after=0)
    _para(doc, texts("report.annex_subtitle"), bold=True, size=14, align=center, after=0)
    note = texts("report.annex_note", dialogue=data.dialogue_title)
    _para(doc, note, italic=True, size=13, align=center, after=12)

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
    _widths(table, _ANNEX_COLS_CM)
    _repeat_header(table.rows[0])
    cells = _grid(table)
    for col, text in enumerate(headers):
        cell = cells[0][col]
        _annex_cell(cell, text, bold=True, center=True)
        _shade(cell)
    for r, row in enumerate(data.questions, start=1):
        for col, text in enumerate(_annex_values(r, row, texts)):
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
    _cell_para(cell, text, bold=bold, size=11, align=align)


def render_docx(data: ReportData, texts: Texts) -> bytes:
    """The summary report as DOCX bytes; with `data.public` it holds no personal data."""
    doc = Document()
    _setup_styles(doc)
    _setup_page(doc)
    props = doc.core_properties
    # The template's own metadata would name python-docx as the author of a signed document.
    props.author = data.issuing_body
    props.last_modified_by = data.issuing_body
    props.comments = ""
    props.title = texts("report.doc_title", code=data.dialogue_code)
    props.language = "vi-VN"
    props.created = data.generated_at.replace(tzinfo=None)
    props.modified = data.generated_at.replace(tzinfo=None)
    props.revision = 1

    totals = [group.total for group in group_by_category(data.clusters)]
    _header(doc, data, texts)
    _title(doc, data, texts)
    _intro(doc, data, texts, totals)
    _details(doc, data, texts, section=1)
    if totals:
        _totals_table(doc, texts, totals, section=2)
    add_commitments(doc, data, texts, section=3 if totals else 2)
    _signature(doc, data, texts)
    # Names are read only here, and only for the internal version: the public one never looks.
    if not data.public and data.questions:
        _annex(doc, data, texts)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
