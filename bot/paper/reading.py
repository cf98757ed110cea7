"""Reading a typed-up file (.xlsx or .csv) into rows by field, whatever the headers' wording
and wherever the header row is."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from bot.paper.forms import (
    DATE,
    FIELDS,
    FORM,
    HEADER_ALIASES,
    HEADER_KEYS,
    HEADER_SEARCH_ROWS,
    TEXT,
    VILLAGE,
    RawRow,
    UnusableInput,
)
from domain.normalize import fold
from domain.plan import Plan
from domain.texts import Texts


def read_forms(path: Path, settings: Plan, texts: Texts) -> list[RawRow]:
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
    text = re.sub(r"\(.*?\)", " ", fold(cell_text(value)))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _field_of(header: str) -> str | None:
    for name in FIELDS:
        for alias in HEADER_ALIASES[name]:
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
    grid: list[tuple[int, list[object]]], name: str, settings: Plan, texts: Texts
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
            texts("paper.error_missing_column", column=texts(HEADER_KEYS[missing]), name=name)
        )
    rows = []
    for number, values in grid[header_at + 1 :]:
        cells = {f: values[i] if i < len(values) else None for f, i in columns.items()}
        if all(cell_text(v) == "" for v in cells.values()):
            continue  # blank lines between batches, or the template's prepared rows
        if fold(cell_text(cells.get(FORM))) == fold(texts("paper.example_form")):
            continue  # the template's example row, left in place
        rows.append(RawRow(number, cells))
    if not rows:
        raise UnusableInput(texts("paper.error_empty", name=name))
    return rows


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a form number typed as 12 reads back from Excel as 12.0
    # NFC: a file saved on a Mac may hold decomposed diacritics, which would neither match the
    # village list nor cluster with the same words typed in the chat.
    return unicodedata.normalize("NFC", str(value)).strip()
