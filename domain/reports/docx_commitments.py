"""The report's section on the previous dialogue's commitments and how they were kept: one
paragraph per commitment, in the document's body style (the styles are set by
domain/reports/docx_report.py, which calls this when there are any)."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from domain.reports.data import ReportData
from domain.reports.docx_parts import para
from domain.texts import Texts
from domain.timefmt import fmt_day

_ROMAN = ("I", "II", "III", "IV", "V", "VI")
_FIRST_LINE = Cm(1.27)  # as the body of domain/reports/docx_report.py


def _paragraph(doc: DocxDocument, text: str, bold: bool = False) -> None:
    # docx_parts.para drops the characters XML 1.0 forbids, as everywhere in the report.
    paragraph = para(doc, text, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=_FIRST_LINE)
    # A heading left alone at the foot of a page, its content overleaf, looks unfinished.
    paragraph.paragraph_format.keep_with_next = bold


def add_commitments(doc: DocxDocument, data: ReportData, texts: Texts, section: int) -> None:
    if not data.commitments:
        return
    _paragraph(doc, f"{_ROMAN[section - 1]}. {texts('report.section_commitments')}", bold=True)
    done = sum(1 for c in data.commitments if c.done_on is not None)
    _paragraph(doc, texts("report.commitments_intro", total=len(data.commitments), done=done))
    for c in data.commitments:
        result = (
            texts("report.commitment_done", date=fmt_day(c.done_on))
            if c.done_on
            else c.status_label
        )
        if c.last_note:
            result += ". " + texts("report.commitment_note", note=c.last_note.strip())
        _paragraph(
            doc,
            texts(
                "report.commitment_item",
                code=c.code,
                receipt=c.receipt_code,
                body=c.body,
                due=fmt_day(c.due),
                text=c.text.strip(),
                result=result,
            ),
        )
