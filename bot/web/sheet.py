"""The spreadsheet round trip: the office downloads a dialogue's clusters as XLSX, fills in
departments, due dates and answers in Excel, and uploads it back.

The upload is read within the same bounds as a file of paper forms (bot/paper/reading.py), then
checked row by row against the store. If any row is wrong, nothing at all is changed and every
wrong row is listed with its number and why. Otherwise every change goes in one transaction,
through the office's desk (handlers/desk.py), as if typed on the cluster's page. A value equal
to what is stored is no change, so uploading the same file twice changes nothing the second
time, and nobody is told twice.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.paper.forms import UnusableInput
from bot.paper.reading import cell_text, read_xlsx_grid
from bot.web.context import POST, context_of, visitor_of
from bot.web.pages import dialogue_by_code, no_dialogue
from bot.web.render import file_response, render
from bot.web.reports import XLSX
from domain.models import ClusterRecord, Dialogue, Question
from domain.normalize import fold
from domain.plan import Plan
from domain.texts import Texts
from domain.timefmt import fmt_day
from handlers.common import parse_code, parse_date
from handlers.desk import ANSWER_MAX_CHARS, ANSWER_MIN_CHARS, answer_fits
from handlers.reporting import cluster_summaries
from storage.base import Transaction

COLUMNS = (
    "code",
    "category",
    "text",
    "people",
    "codes",
    "villages",
    "status",
    "department",
    "due",
    "answer",
)
FILLED = ("department", "due", "answer")  # what the office writes; the rest is for reading
HEADER_SEARCH_ROWS = 10


def _header(texts: Texts, column: str) -> str:
    return texts(f"web.sheet.col_{column}")


# --- the download ----------------------------------------------------------------------------


async def work_sheet(tx: Transaction, plan: Plan, texts: Texts, dialogue: Dialogue) -> bytes:
    summaries, _ = await cluster_summaries(tx, plan, texts, dialogue)
    records = await tx.clusters_of(dialogue.id)
    rows = []
    for s in summaries:
        record = records.get(s.cluster_id)
        rows.append(
            [
                s.receipt_codes[0] if s.receipt_codes else "",
                s.category_label,
                s.text,
                s.people,
                ", ".join(s.receipt_codes),
                ", ".join(s.villages),
                s.status_label,
                s.department or "",
                record.answer_due if record and record.answer_due else None,
                record.answer if record and record.answer else "",
            ]
        )
    return await asyncio.to_thread(_workbook, plan, texts, dialogue, rows)


def _workbook(plan: Plan, texts: Texts, dialogue: Dialogue, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from domain.reports.xlsx_report import DATE_FORMAT, put_cell

    wb = Workbook()
    ws = wb.active
    ws.title = texts("web.sheet.sheet_title")
    for index, column in enumerate(COLUMNS, start=1):
        cell = put_cell(ws, 1, index, _header(texts, column))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column in FILLED:
            # The columns to fill in stand out.
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = put_cell(ws, r, c, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
    widths = (12, 18, 60, 8, 18, 18, 18, 24, 12, 60)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = width
    ws.freeze_panes = "B2"
    names = [d.name for d in plan.departments]
    if names:
        # A drop-down of the departments, from a hidden sheet (Excel's inline list is limited
        # to 255 characters and breaks on commas in names).
        lists = wb.create_sheet(texts("web.sheet.departments_title"))
        for i, name in enumerate(names, start=1):
            put_cell(lists, i, 1, name)
        lists.sheet_state = "hidden"
        check = DataValidation(
            type="list", formula1=f"='{lists.title}'!$A$1:$A${len(names)}", allow_blank=True
        )
        ws.add_data_validation(check)
        check.add(f"H2:H{max(len(rows) + 1, 2) + 500}")
    guide = wb.create_sheet(texts("web.sheet.guide_title"))
    for i, line in enumerate(texts("web.sheet.guide", code=dialogue.code).splitlines(), 1):
        put_cell(guide, i, 1, line)
    guide.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


async def download(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        data = await work_sheet(rd, ctx.plan, ctx.texts, dialogue)
    stamp = ctx.now().astimezone(dialogue.tz).strftime("%Y%m%d")
    return file_response(data, f"phan-cong-tra-loi-{dialogue.code}-{stamp}.xlsx", XLSX)


# --- the upload ------------------------------------------------------------------------------


@dataclass
class Change:
    row: int
    first: Question  # the cluster's first question
    department: str | None = None  # a new department (key)
    due: date | None = None  # a new due date
    answer: str | None = None  # a new answer

    @property
    def any(self) -> bool:
        return self.department is not None or self.due is not None or self.answer is not None


@dataclass
class Checked:
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0


def _columns(grid: list[tuple[int, list[object]]], texts: Texts) -> tuple[int, dict[str, int]]:
    wanted = {fold(_header(texts, c)): c for c in COLUMNS}
    for position, (_, values) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = {
            wanted[fold(cell_text(v))]: i
            for i, v in enumerate(values)
            if fold(cell_text(v)) in wanted
        }
        if "code" in found and any(c in found for c in FILLED):
            return position, found
    raise UnusableInput(texts("web.sheet.no_header", column=_header(texts, "code")))


def _department(plan: Plan, value: str) -> str | None:
    key = fold(value)
    for d in plan.departments:
        if key in (fold(d.name), fold(d.key)):
            return d.key
    return None


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if len(text) >= 10 and text[4] == "-":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return parse_date(text)


def check(
    grid: list[tuple[int, list[object]]],
    plan: Plan,
    texts: Texts,
    questions: list[Question],
    records: dict[int, ClusterRecord],
) -> Checked:
    """Every row against the store: what it changes, or why it cannot be used. A row may name
    its cluster by any member's receipt code (clusters merged since the download)."""
    by_code = {q.receipt_code: q for q in questions}
    by_id = {q.id: q for q in questions}
    header_at, columns = _columns(grid, texts)
    result = Checked()
    seen: dict[int, int] = {}

    def cell(values: list[object], column: str) -> object:
        index = columns.get(column)
        return values[index] if index is not None and index < len(values) else None

    for number, values in grid[header_at + 1 :]:
        if all(cell_text(v) == "" for v in values):
            continue
        problems: list[str] = []
        raw_code = cell_text(cell(values, "code"))
        code = parse_code(raw_code)
        question = by_code.get(code) if code else None
        if question is None:
            result.errors.append(texts("web.sheet.error_code", row=number, code=raw_code or "—"))
            continue
        first = by_id.get(question.cluster_id, question)
        record = records.get(question.cluster_id)
        change = Change(number, first)
        typed_dept = cell_text(cell(values, "department"))
        if typed_dept:
            key = _department(plan, typed_dept)
            if key is None:
                problems.append(
                    texts(
                        "web.sheet.error_department",
                        name=typed_dept,
                        known=", ".join(d.name for d in plan.departments) or "—",
                    )
                )
            elif record is None or record.department != key:
                change.department = key
        due_cell = cell(values, "due")
        if cell_text(due_cell):
            due = _day(due_cell)
            if due is None or not 2000 <= due.year <= 2100:
                problems.append(texts("web.sheet.error_due", value=cell_text(due_cell)))
            elif record is None or record.answer_due != due:
                change.due = due
        answer = cell_text(cell(values, "answer"))
        if answer:
            if not answer_fits(answer):
                problems.append(
                    texts(
                        "web.sheet.error_answer",
                        length=len(answer),
                        min=ANSWER_MIN_CHARS,
                        max=ANSWER_MAX_CHARS,
                    )
                )
            elif record is None or (record.answer or "").strip() != answer.strip():
                change.answer = answer
        if change.any and question.cluster_id in seen:
            problems.append(texts("web.sheet.error_twice", other=seen[question.cluster_id]))
        if problems:
            result.errors.append(
                texts(
                    "web.sheet.error_row",
                    row=number,
                    code=first.receipt_code,
                    problems="; ".join(problems),
                )
            )
            continue
        seen.setdefault(question.cluster_id, number)
        if change.any:
            result.changes.append(change)
        else:
            result.unchanged += 1
    return result


async def _grid(upload: Any, texts: Texts) -> list[tuple[int, list[object]]]:
    """The uploaded file read within the paper import's bounds (zip bombs, far-away cells)."""
    name = str(getattr(upload, "filename", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise UnusableInput(texts("web.sheet.not_xlsx", name=name[:100] or "—"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tai-len.xlsx"
        path.write_bytes(upload.file.read())
        return await asyncio.to_thread(read_xlsx_grid, path, texts)


async def upload(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    texts = ctx.texts
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
    if dialogue is None:
        return no_dialogue(request)
    file = request[POST].get("tep")
    if file is None or isinstance(file, str):
        return _result(request, dialogue, 400, [texts("web.sheet.no_file")])
    try:
        grid = await _grid(file, texts)
    except UnusableInput as exc:
        # Refused before the store is opened for writing: nothing changed.
        return _result(request, dialogue, 400, [str(exc)])
    now = ctx.now()
    visitor = visitor_of(request)
    async with ctx.services.store.transaction() as tx:
        questions = await tx.dialogue_questions(dialogue.id)
        try:
            checked = check(grid, ctx.plan, texts, questions, await tx.clusters_of(dialogue.id))
        except UnusableInput as exc:
            return _result(request, dialogue, 400, [str(exc)])
        if checked.errors:
            return _result(request, dialogue, 400, checked.errors)
        desk = ctx.desk(tx, visitor.person, now)
        lines, notified = [], 0
        for change in checked.changes:
            cid = change.first.cluster_id
            if change.department is not None:
                done = await desk.assign(cid, change.department, change.due)
                lines.append(
                    texts(
                        "web.sheet.done_assign",
                        row=change.row,
                        code=done.code,
                        department=done.department,
                        due=fmt_day(done.due),
                    )
                )
            elif change.due is not None:
                await desk.set_due(cid, change.due)
                lines.append(
                    texts(
                        "web.sheet.done_due",
                        row=change.row,
                        code=change.first.receipt_code,
                        due=fmt_day(change.due),
                    )
                )
            if change.answer is not None:
                people = await desk.answer(cid, change.answer)
                notified += people
                lines.append(
                    texts(
                        "web.sheet.done_answer",
                        row=change.row,
                        code=change.first.receipt_code,
                        people=people,
                    )
                )
        name = str(getattr(file, "filename", ""))[:100]
        await tx.audit(
            now,
            visitor.person,
            "sheet",
            f"{dialogue.code}: {name}: {len(checked.changes)} nhóm thay đổi, "
            f"{checked.unchanged} giữ nguyên",
        )
    ctx.woken(desk)
    return render(
        request,
        "sheet_result.html",
        dialogue=dialogue,
        errors=[],
        lines=lines,
        changed=len(checked.changes),
        unchanged=checked.unchanged,
        notified=notified,
    )


def _result(
    request: web.Request, dialogue: Dialogue, status: int, errors: list[str]
) -> web.Response:
    return render(
        request,
        "sheet_result.html",
        status=status,
        dialogue=dialogue,
        errors=errors,
        lines=[],
        changed=0,
        unchanged=0,
        notified=0,
    )
