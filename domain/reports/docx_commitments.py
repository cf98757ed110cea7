"""The report's section on the previous dialogue's commitments and how they were kept: one
paragraph per commitment, in the document's body style (the styles are set by
domain/reports/docx_report.py, which calls this when there are any)."""

from __future__ import annotations

import re

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from domain.reports.data import ReportData
from domain.texts import Texts
from domain.timefmt import fmt_day

_ROMAN = ("I", "II", "III", "IV", "V", "VI")
_FIRST_LINE = Cm(1.27)
# XML 1.0 forbids these (see docx_report._CONTROL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _paragraph(doc: DocxDocument, text: str, bold: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = _FIRST_LINE
    paragraph.paragraph_format.keep_with_next = bold
    paragraph.add_run(_CONTROL.sub(" ", text)).bold = bold


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
