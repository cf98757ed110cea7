"""The summary report (báo cáo tổng hợp ý kiến, kiến nghị) as a Word document the office signs.

Layout follows Nghị định 30/2020/NĐ-CP (thể thức văn bản hành chính): A4, margins 2/2/3/2 cm,
Times New Roman, the national motto header beside the issuing body, place and date in italics,
"Nơi nhận" beside the signer block. Only the contents vary; every word comes from the catalog.
The internal version ends with the annex listing every sender (domain/reports/docx_annex.py);
the building blocks both use are in domain/reports/docx_parts.py.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from domain.reports.data import ClusterSummary, ReportData
from domain.reports.digest import CategoryTotal, group_by_category, join_limited
from domain.reports.docx_annex import add_annex
from domain.reports.docx_commitments import add_commitments
from domain.reports.docx_parts import (
    A4_HEIGHT,
    A4_WIDTH,
    FONT,
    cell_para,
    grid,
    keep_together,
    nd30_date,
    no_borders,
    para,
    repeat_header,
    run,
    set_fonts,
    shade,
    short_line,
    widths,
)
from domain.texts import Texts
from domain.timefmt import fmt_day

BODY_PT = 13
TABLE_PT = 12
_TEXT_W_CM = 21 - 3 - 2
# Header columns: the right one must hold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" on one line.
_HEADER_COLS_CM = (6.0, 10.0)
_FIRST_LINE = Cm(1.27)
_CODES_SHOWN = 12
# What fits the 6 cm header column in 13 pt bold capitals.
_ISSUING_ONE_LINE = 20
_ISSUING_PREFIXES = ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")
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


# --- the document's frame ---


def _setup_styles(doc: DocxDocument) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        # Vietnamese proofing instead of a sea of red underlines in Word.
        lang.set(qn("w:val"), "vi-VN")
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.0


def _setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = A4_WIDTH
    section.page_height = A4_HEIGHT
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


def _moment(moment: datetime, texts: Texts) -> str:
    return texts(
        "report.moment",
        hour=f"{moment:%H}",
        minute=f"{moment:%M}",
        date=fmt_day(moment),
    )


def report_number(data: ReportData, texts: Texts) -> str:
    """ "15/BC-UBND" when the clerk gave the number, else the blank they write it into."""
    if data.number:
        return texts("report.number_given", number=data.number)
    return texts("report.number_blank")


def _header(doc: DocxDocument, data: ReportData, texts: Texts, number: str) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    no_borders(table)
    widths(table, _HEADER_COLS_CM)
    left_w, right_w = _HEADER_COLS_CM
    center = WD_ALIGN_PARAGRAPH.CENTER

    cells = grid(table)
    left = cells[0][0]
    if data.parent_body:
        cell_para(left, data.parent_body.upper(), size=13, align=center)
    issuing = cell_para(left, size=13, align=center)
    for index, line in enumerate(_issuing_lines(data.issuing_body.upper())):
        if index:
            issuing.runs[-1].add_break()
        run(issuing, line, bold=True, size=13)
    short_line(cell_para(left), line_cm=2.2, box_cm=left_w)

    right = cells[0][1]
    cell_para(right, texts("report.country"), bold=True, size=12.5, align=center)
    cell_para(right, texts("report.motto"), bold=True, size=13, align=center)
    short_line(cell_para(right), line_cm=6.0, box_cm=right_w)

    day, month, year = nd30_date(data.generated_at)
    numbered = cell_para(cells[1][0], texts("report.number", number=number), size=13, align=center)
    numbered.paragraph_format.space_before = Pt(6)
    place = texts("report.place_date", place=data.place, day=day, month=month, year=year)
    dated = cell_para(cells[1][1], place, italic=True, size=13.5, align=center)
    dated.paragraph_format.space_before = Pt(6)


def _title(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, texts("report.title"), bold=True, size=14, align=center, before=18, after=0)
    subtitle = texts("report.subtitle", dialogue=data.dialogue_title)
    para(doc, subtitle, bold=True, size=14, align=center, after=2)
    short_line(para(doc), line_cm=3.5, box_cm=_TEXT_W_CM)
    para(doc, after=6)


def _body(doc: DocxDocument, text: str, *, bold: bool = False) -> Paragraph:
    return para(doc, text, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE)


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


def _handled_by(cluster: ClusterSummary, commune: str, texts: Texts) -> str | None:
    """Who answers the request: who answered it (the commune itself when no department was
    given it), the department and its due date, or that nobody is assigned yet."""
    if cluster.answer and not cluster.forwarded_to:
        who = cluster.department or texts("report.the_commune", commune=commune)
        if cluster.answered_at is None:
            return texts("report.answered_by_undated", department=who)
        return texts("report.answered_by", department=who, date=fmt_day(cluster.answered_at))
    if cluster.department and cluster.answer_due:
        due = fmt_day(cluster.answer_due)
        return texts("report.department_due", department=cluster.department, due=due)
    if cluster.department:
        return texts("report.department", department=cluster.department)
    # Forwarded without a department: the result line that follows says where it went.
    return None if cluster.forwarded_to else texts("report.department_none")


def _cluster(
    doc: DocxDocument, number: str, cluster: ClusterSummary, commune: str, texts: Texts
) -> None:
    paragraph = para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE)
    run(paragraph, f"{number}. ", bold=True)
    run(paragraph, cluster.text.strip())

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
    handled = _handled_by(cluster, commune, texts)
    if handled is not None:
        lines.append(handled)
    if cluster.forwarded_to:
        lines.append(texts("report.forwarded", authority=cluster.forwarded_to))
    if cluster.answer:
        lines.append(texts("report.answer", answer=cluster.answer.strip()))
    elif not cluster.forwarded_to:
        lines.append(texts("report.not_answered"))
    if cluster.complaint:
        lines.append(texts("report.complaint"))
    for line in lines:
        para(doc, f"- {line}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE, after=3)


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
            _cluster(doc, f"{index}.{sub}", cluster, data.commune, texts)


def _table_cell(cell: _Cell, text: str, *, bold: bool = False, center: bool = True) -> None:
    align = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    cell_para(cell, text, bold=bold, size=TABLE_PT, align=align)


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
    widths(table, (1.3, 3.9, 1.7, 1.8, 2.0, 1.7, 2.0, 1.6))
    repeat_header(table.rows[0])
    for row in table.rows:
        keep_together(row)
    cells = grid(table)
    for col, text in enumerate(headers):
        cell = cells[0][col]
        _table_cell(cell, text, bold=True)
        shade(cell)
    for r, values in enumerate(rows, start=1):
        for col, text in enumerate(values):
            _table_cell(cells[r][col], text, center=col != 1)
    last = len(rows) + 1
    for col, text in enumerate(footer):
        _table_cell(cells[last][col], text, bold=True, center=col != 1)
    para(doc, after=0)


def _signature(doc: DocxDocument, data: ReportData, texts: Texts) -> None:
    closing = texts("report.closing", dialogue=data.dialogue_title, commune=data.commune)
    # The last sentence and the signature share a page, as a signed page must show text.
    _body(doc, closing).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    widths(table, (8.0, 8.0))

    [[recipients, signer]] = grid(table)
    cell_para(recipients, texts("report.recipients_label"), bold=True, italic=True, size=12)
    for line in texts("report.recipients").splitlines():
        if line.strip():
            cell_para(recipients, line.strip(), size=11)

    center = WD_ALIGN_PARAGRAPH.CENTER
    cell_para(signer, texts("report.signer_on_behalf"), bold=True, size=13, align=center)
    for line in data.signer_title.splitlines():
        cell_para(signer, line.strip().upper(), bold=True, size=13, align=center)
    # Room for the handwritten signature and the seal.
    for _ in range(4):
        cell_para(signer, "", size=13)
    if data.signer_name:
        cell_para(signer, data.signer_name, bold=True, size=13, align=center)


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
    # The header and the annex name the report by the same number.
    number = report_number(data, texts)
    _header(doc, data, texts, number)
    _title(doc, data, texts)
    _intro(doc, data, texts, totals)
    _details(doc, data, texts, section=1)
    if totals:
        _totals_table(doc, texts, totals, section=2)
    add_commitments(doc, data, texts, section=3 if totals else 2)
    _signature(doc, data, texts)
    # Names are read only here, and only for the internal version: the public one never looks.
    if not data.public and data.questions:
        add_annex(doc, data, texts, number)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
