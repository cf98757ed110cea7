"""`python -m bot template --out FILE.xlsx` and `python -m bot import --dialogue CODE FILE`.

Paper forms ("phát phiếu, thu phiếu") are typed up by the office in a workbook the project
ships, then imported into the same pipeline as chat questions: same receipt numbers, same
duplicate clusters, same digests and reports, marked `source="paper"`.

Importing is safe to repeat: every row carries an `import_key` hashed from what it says, so a
file imported twice (or re-imported after fixing its bad rows) adds only rows not seen before.
A bad row never stops the others; it is reported with its spreadsheet row number and a reason,
and all good rows go in one transaction so a crash leaves nothing half-imported.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.services import Services, open_services
from domain.categories import OTHER
from domain.dedupe import looks_like_complaint, suggest_category
from domain.models import Dialogue, NewQuestion, Question
from domain.normalize import fold
from domain.texts import Texts, load_texts
from domain.timefmt import fmt_day
from handlers.duplicates import DuplicateFinder

EXIT_OK = 0
EXIT_UNUSABLE = 2

SOURCE = "paper"
# Rows the template prepares drop-downs and date checks for; more can be typed, unchecked.
TEMPLATE_ROWS = 2000
DATE_FORMAT = "dd/mm/yyyy"
# Years outside this range are typing mistakes ("2062", "1926"), not dates a form was received.
EARLIEST = date(2000, 1, 1)
# Rows searched for the header: the office may put a title line or two above it.
HEADER_SEARCH_ROWS = 10

# Fields, in template column order.
FORM, DATE, VILLAGE, NAME, CATEGORY, TEXT = "form", "date", "village", "name", "category", "text"
FIELDS = (FORM, DATE, VILLAGE, NAME, CATEGORY, TEXT)

# Headers as typed by people, folded (see `_header_key`). A header matches when it equals an
# alias or, for aliases of two words or more, starts with it ("noi dung y kien kien nghi").
_ALIASES: dict[str, tuple[str, ...]] = {
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
_HEADER_KEYS = {
    FORM: "paper.col_form",
    DATE: "paper.col_date",
    VILLAGE: "paper.col_village",
    NAME: "paper.col_name",
    CATEGORY: "paper.col_category",
    TEXT: "paper.col_text",
}

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


class UnusableInput(Exception):
    """The file as a whole cannot be imported; the message is one line for the office."""


@dataclass(frozen=True)
class RawRow:
    row: int  # as the spreadsheet numbers it (header included), so the office finds it
    cells: dict[str, object]


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


# --- command line ---------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the `template` and `import` sub-commands to an argparse sub-parsers object."""
    h = load_texts()
    template = subparsers.add_parser("template", help=h("cli_help.template"))
    template.add_argument("--out", type=Path, required=True, help=h("cli_help.template_out"))
    importer = subparsers.add_parser("import", help=h("cli_help.import"))
    importer.add_argument("--dialogue", required=True, help=h("cli_help.import_dialogue"))
    importer.add_argument("file", type=Path, metavar="FILE", help=h("cli_help.import_file"))


def run_template(args: argparse.Namespace, settings: Settings) -> int:
    texts = load_texts()
    out: Path = args.out
    try:
        write_template(settings, out, datetime.now(settings.commune.tz).date(), texts)
    except OSError as exc:
        print(texts("paper.error_write", path=out, problem=exc.strerror or exc), file=sys.stderr)
        return EXIT_UNUSABLE
    print(texts("paper.template_written", path=out))
    return EXIT_OK


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    texts = load_texts()
    path: Path = args.file

    async def go() -> ImportResult:
        # The file is read before the database is opened: a wrong path touches nothing.
        table = read_forms(path, settings, texts)
        services = await open_services(settings)
        try:
            return await import_forms(services, args.dialogue, table, path.name)
        finally:
            await services.close()

    try:
        result = asyncio.run(go())
    except UnusableInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_UNUSABLE
    print(format_summary(result, path.name, texts))
    return EXIT_OK


# --- the template ---------------------------------------------------------------------------


def write_template(settings: Settings, out: Path, today: date, texts: Texts) -> None:
    """Write the typing template: the form sheet, its hidden lists, and the instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    villages = settings.commune.villages
    labels = [c.label for c in settings.categories]
    wb = Workbook()
    ws = wb.active
    ws.title = texts("paper.sheet_forms")
    ws.append([texts(_HEADER_KEYS[f]) for f in FIELDS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    widths = {"A": 10, "B": 16, "C": 24, "D": 26, "E": 24, "F": 90}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    # Column styles apply to the cells people type later, so dates show as dd/mm/yyyy and long
    # texts wrap without anyone formatting them.
    ws.column_dimensions["B"].number_format = DATE_FORMAT
    ws.column_dimensions["F"].alignment = Alignment(wrap_text=True, vertical="top")

    example_category = next(
        (c.label for c in settings.categories if c.key == "infrastructure"), labels[0]
    )
    ws.append(
        [
            texts("paper.example_form"),
            datetime.combine(today, time()),
            villages[0] if villages else "",
            texts("paper.example_name"),
            example_category,
            texts("paper.example_text"),
        ]
    )
    grey = Font(italic=True, color="808080")
    for cell in ws[2]:
        cell.font = grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["B2"].number_format = DATE_FORMAT

    # Lists live on a hidden sheet: an inline list is limited to 255 characters and breaks on
    # a comma inside a name.
    lists = wb.create_sheet(texts("paper.sheet_lists"))
    lists.append([texts("paper.col_village"), texts("paper.col_category")])
    for i in range(max(len(villages), len(labels))):
        lists.append(
            [villages[i] if i < len(villages) else None, labels[i] if i < len(labels) else None]
        )
    lists.sheet_state = "hidden"
    quoted = "'" + lists.title.replace("'", "''") + "'"
    last = TEMPLATE_ROWS + 1

    def validation(**kwargs: Any) -> Any:
        dv = DataValidation(
            allow_blank=True, showErrorMessage=True, showInputMessage=True, **kwargs
        )
        ws.add_data_validation(dv)
        return dv

    if villages:
        dv = validation(
            type="list",
            formula1=f"{quoted}!$A$2:$A${len(villages) + 1}",
            promptTitle=texts("paper.valid_village_title"),
            prompt=texts("paper.valid_village_prompt"),
            errorTitle=texts("paper.valid_village_title"),
            error=texts("paper.valid_village_error"),
        )
        dv.add(f"C2:C{last}")
    dv = validation(
        type="list",
        formula1=f"{quoted}!$B$2:$B${len(labels) + 1}",
        promptTitle=texts("paper.valid_category_title"),
        prompt=texts("paper.valid_category_prompt"),
        errorTitle=texts("paper.valid_category_title"),
        error=texts("paper.valid_category_error"),
    )
    dv.add(f"E2:E{last}")
    # A warning, not a stop: on a computer set to US dates Excel reads "20/11/2026" as text,
    # and the import reads such text anyway.
    dv = validation(
        type="date",
        operator="between",
        formula1=f"DATE({EARLIEST.year},{EARLIEST.month},{EARLIEST.day})",
        formula2="TODAY()",
        errorStyle="warning",
        promptTitle=texts("paper.valid_date_title"),
        prompt=texts("paper.valid_date_prompt"),
        errorTitle=texts("paper.valid_date_title"),
        error=texts("paper.valid_date_error"),
    )
    dv.add(f"B2:B{last}")

    guide = wb.create_sheet(texts("paper.sheet_guide"), 1)
    guide.column_dimensions["A"].width = 120
    guide.append([texts("paper.guide_title")])
    guide["A1"].font = Font(bold=True, size=13)
    limits = settings.limits
    lines = texts("paper.guide", min=limits.question_min_chars, max=limits.question_max_chars)
    extra = [
        texts("paper.guide_villages", villages=", ".join(villages))
        if villages
        else texts("paper.guide_no_villages"),
        texts("paper.guide_categories", categories=", ".join(labels)),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in [*lines.splitlines(), *extra]:
        guide.append([line])
        guide.cell(guide.max_row, 1).alignment = wrap
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


# --- reading a file -------------------------------------------------------------------------


def read_forms(path: Path, settings: Settings, texts: Texts) -> list[RawRow]:
    """The data rows of an .xlsx or .csv file, by field; UnusableInput when it cannot be used."""
    if not path.is_file():
        raise UnusableInput(texts("paper.error_missing", path=path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        grid = _xlsx_grid(path, texts)
    elif suffix == ".csv":
        grid = _csv_grid(path, texts)
    else:
        raise UnusableInput(texts("paper.error_format", name=path.name))
    return _rows_by_field(grid, path.name, settings, texts)


def _xlsx_grid(path: Path, texts: Texts) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: a formula cell gives the value Excel saved, never the formula text.
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError):
        raise UnusableInput(texts("paper.error_xlsx", name=path.name)) from None
    except OSError as exc:
        raise UnusableInput(
            texts("paper.error_unreadable", path=path, problem=exc.strerror or exc)
        ) from None
    wanted = fold(texts("paper.sheet_forms"))
    sheet = next((ws for ws in wb.worksheets if fold(ws.title) == wanted), None)
    if sheet is None:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        sheet = visible[0] if visible else wb.active
    return [(i, list(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), 1)]


def _csv_grid(path: Path, texts: Texts) -> list[tuple[int, list[object]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnusableInput(
            texts("paper.error_unreadable", path=path, problem=exc.strerror or exc)
        ) from None
    try:
        # utf-8-sig drops the byte-order mark Excel's "CSV UTF-8" writes, and reads plain UTF-8.
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnusableInput(texts("paper.error_encoding", name=path.name)) from None
    first = content.split("\n", 1)[0]
    # Excel writes ";" where the comma is the decimal separator (Vietnamese settings), "," else.
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        # Numbered by record, as Excel shows the file when it opens it.
        return [(i, list(record)) for i, record in enumerate(reader, 1)]
    except csv.Error:
        raise UnusableInput(texts("paper.error_unreadable", path=path, problem="CSV")) from None


def _header_key(value: object) -> str:
    """A header reduced to bare words: no diacritics, no "(dd/mm/yyyy)", no punctuation."""
    text = re.sub(r"\(.*?\)", " ", fold(_cell_text(value)))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _field_of(header: str) -> str | None:
    for name in FIELDS:
        for alias in _ALIASES[name]:
            if header == alias or (" " in alias and header.startswith(alias + " ")):
                return name
    return None


def _columns(values: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        name = _field_of(_header_key(value))
        if name is not None and name not in found:
            found[name] = index
    return found


def _rows_by_field(
    grid: list[tuple[int, list[object]]], name: str, settings: Settings, texts: Texts
) -> list[RawRow]:
    header_at, columns = None, {}
    for position, (_, values) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = _columns(values)
        if TEXT in found and len(found) >= 2:
            header_at, columns = position, found
            break
    if header_at is None:
        raise UnusableInput(
            texts("paper.error_no_header", column=texts("paper.col_text"), name=name)
        )
    required = [DATE, VILLAGE] if settings.commune.villages else [DATE]
    for missing in (f for f in required if f not in columns):
        raise UnusableInput(
            texts("paper.error_missing_column", column=texts(_HEADER_KEYS[missing]), name=name)
        )
    rows = []
    for number, values in grid[header_at + 1 :]:
        cells = {f: values[i] if i < len(values) else None for f, i in columns.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            continue  # blank lines between batches, or the template's prepared rows
        if fold(_cell_text(cells.get(FORM))) == fold(texts("paper.example_form")):
            continue  # the template's example row, left in place
        rows.append(RawRow(number, cells))
    if not rows:
        raise UnusableInput(texts("paper.error_empty", name=name))
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a form number typed as 12 reads back from Excel as 12.0
    # NFC: a file saved on a Mac may hold decomposed diacritics, which would neither match the
    # village list nor cluster with the same words typed in the chat.
    return unicodedata.normalize("NFC", str(value)).strip()


# --- checking rows --------------------------------------------------------------------------


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        # A date cell saved without a date format arrives as Excel's day number.
        try:
            moment = from_excel(value)
        except (ValueError, OverflowError):
            return None
        return moment.date() if isinstance(moment, datetime) else None
    text = _cell_text(value)
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        if match := _YMD.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _words(text: str) -> str:
    return " ".join(text.split())


def import_key(
    code: str,
    form: str,
    received: date,
    village: str | None,
    name: str | None,
    category: str,
    text: str,
    occurrence: int,
) -> str:
    """A stable fingerprint of one row's content, the same whether read from xlsx or CSV.

    Values are the canonical ones (configured village spelling, category key, spaces
    collapsed), so retyping a label without diacritics does not make a row new. `occurrence`
    tells apart identical unnumbered rows: two residents may hand in the same words.
    """
    parts = [
        code,
        form,
        received.isoformat(),
        village or "",
        name or "",
        category,
        _words(text),
        str(occurrence),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"paper:{digest}"


def check_rows(
    rows: Iterable[RawRow], settings: Settings, dialogue: Dialogue, today: date, texts: Texts
) -> tuple[list[PaperRow], list[BadRow]]:
    """Good rows ready to store, and bad rows with the reason, in file order."""
    villages = {fold(v): v for v in settings.commune.villages}
    categories: dict[str, str] = {}
    for cat in settings.categories:
        categories[fold(cat.label)] = cat.key
        categories[fold(cat.key)] = cat.key
    limits = settings.limits
    good: list[PaperRow] = []
    bad: list[BadRow] = []
    # Identical content → (first row holding it, how many rows so far).
    seen: dict[tuple[str, ...], tuple[int, int]] = {}

    for raw in rows:

        def reject(key: str, raw: RawRow = raw, **params: object) -> None:
            bad.append(BadRow(raw.row, texts(f"paper.{key}", **params)))

        text = _cell_text(raw.cells.get(TEXT))
        if not text:
            reject("no_text")
            continue
        if len(text) < limits.question_min_chars:
            reject("too_short", length=len(text), min=limits.question_min_chars)
            continue
        if len(text) > limits.question_max_chars:
            reject("too_long", length=len(text), max=limits.question_max_chars)
            continue

        date_cell = raw.cells.get(DATE)
        if _cell_text(date_cell) == "":
            reject("no_date")
            continue
        received = _parse_date(date_cell)
        if received is None or received < EARLIEST:
            reject("bad_date", value=_cell_text(date_cell))
            continue
        # Late forms are fine (they arrive after the deadline); forms from the future are not.
        if received > today:
            reject("future_date", date=fmt_day(received))
            continue

        written_village = _cell_text(raw.cells.get(VILLAGE))
        village: str | None = written_village or None
        if villages:
            if not written_village:
                reject("no_village")
                continue
            village = villages.get(fold(written_village))
            if village is None:
                reject("unknown_village", value=written_village)
                continue

        written_category = _cell_text(raw.cells.get(CATEGORY))
        category = OTHER  # blank, as "Khác": the office sorts it, helped by the suggestion
        if written_category:
            known = categories.get(fold(written_category))
            if known is None:
                reject("unknown_category", value=written_category)
                continue
            category = known
        if category != OTHER and category not in dialogue.categories:
            reject("foreign_category", label=settings.category_label(category), code=dialogue.code)
            continue
        suggested = None
        if category == OTHER:
            # As in the chat: a suggestion the office can accept, never a silent change.
            allowed = [c for c in dialogue.categories if c != OTHER]
            guess = suggest_category(text, allowed)
            suggested = guess if guess in allowed else None

        name = " ".join(_cell_text(raw.cells.get(NAME)).split()) or None
        if name is not None and len(name) > limits.name_max_chars:
            reject("name_too_long", length=len(name), max=limits.name_max_chars)
            continue

        form = _cell_text(raw.cells.get(FORM))
        # Exactly what the key is made of, so two rows with one key always get two occurrences.
        content = (form, received.isoformat(), village or "", name or "", category, _words(text))
        earlier = seen.get(content)
        if earlier is not None and form:
            # Same form number, same everything: the form was typed twice.
            reject("same_form", row=earlier[0])
            continue
        first_row, occurrence = earlier if earlier is not None else (raw.row, 0)
        seen[content] = (first_row, occurrence + 1)
        key = import_key(dialogue.code, form, received, village, name, category, text, occurrence)
        good.append(
            PaperRow(raw.row, form, received, village, name, category, suggested, text, key)
        )
    return good, bad


# --- storing --------------------------------------------------------------------------------


async def import_forms(
    services: Services, code: str, rows: list[RawRow], file_name: str
) -> ImportResult:
    """Check and store the rows of one file in one transaction; repeat-safe (see module)."""
    settings, texts = services.settings, services.texts
    code = code.strip().upper()
    now = services.clock()
    today = now.astimezone(settings.commune.tz).date()
    result = ImportResult(code)
    # A finder of its own: it is dropped with this run, so rows indexed inside a transaction
    # that rolls back are never seen by anyone else.
    finder = DuplicateFinder(settings.dedupe_threshold)
    async with services.store.transaction() as tx:
        dialogue = await tx.dialogue_by_code(code)
        if dialogue is None:
            raise UnusableInput(texts("office.unknown_dialogue", code=code))
        good, result.bad = check_rows(rows, settings, dialogue, today, texts)
        for row in good:
            if await tx.has_import_key(row.key):
                result.already += 1
                continue
            cluster = await finder.cluster_for(tx, dialogue.id, row.text)
            complaint = looks_like_complaint(row.text)
            question = await tx.add_question(
                NewQuestion(
                    dialogue_id=dialogue.id,
                    resident_id=None,
                    category=row.category,
                    text=row.text,
                    village=row.village,
                    author_name=row.name,
                    created_at=_noon(row.received, settings),
                    source=SOURCE,
                    cluster_id=cluster,
                    suggested_category=row.suggested,
                    flag="complaint" if complaint else None,
                    entered_by=f"import:{file_name}",
                    import_key=row.key,
                )
            )
            # Indexed at once so that two rows of the same file asking the same thing cluster.
            finder.added(dialogue.id, question.id, row.text, row.category)
            result.imported.append(question)
            result.joined += cluster is not None
            result.complaints += complaint
        await tx.audit(
            now,
            "cli",
            "import",
            f"{code}: {file_name}: {len(result.imported)} imported, {result.already} already, "
            f"{len(result.bad)} bad",
        )
    return result


def _noon(day: date, settings: Settings) -> datetime:
    # Noon, so the day stays the same in any time zone a report might show it in; stored in UTC
    # like chat questions, so ordering by the stored text stays chronological.
    return datetime.combine(day, time(12), tzinfo=settings.commune.tz).astimezone(UTC)


def format_summary(result: ImportResult, file_name: str, texts: Texts) -> str:
    lines = [texts("paper.summary_head", name=file_name, code=result.code)]
    codes = [q.receipt_code for q in result.imported]
    if len(codes) > 1:
        lines.append(texts("paper.imported_many", count=len(codes), first=codes[0], last=codes[-1]))
    elif codes:
        lines.append(texts("paper.imported_one", first=codes[0]))
    else:
        lines.append(texts("paper.imported_none"))
    if result.joined:
        lines.append(texts("paper.joined", count=result.joined))
    if result.complaints:
        lines.append(texts("paper.complaints", count=result.complaints))
    if result.already:
        lines.append(texts("paper.already", count=result.already))
    if result.bad:
        lines.append(texts("paper.bad", count=len(result.bad)))
        lines.extend(texts("paper.bad_line", row=b.row, reason=b.reason) for b in result.bad)
    return "\n".join(lines)
