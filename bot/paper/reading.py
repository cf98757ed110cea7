"""Reading a typed-up file (.xlsx or .csv) into rows by field, whatever the headers' wording
and wherever the header row is."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from bot.paper.forms import (
    DATE,
    FIELDS,
    FORM,
    HEADER_ALIASES,
    HEADER_KEYS,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_PARTS,
    TEXT,
    VILLAGE,
    FormRows,
    RawRow,
    UnusableInput,
)
from domain.normalize import fold
from domain.plan import Plan
from domain.texts import Texts
from domain.visible import visible_text


def read_forms(path: Path, settings: Plan, texts: Texts) -> FormRows:
    """The data rows of an .xlsx or .csv file, by field; UnusableInput when it cannot be used.

    The file's size (and an .xlsx's unpacked size) is checked before anything is parsed, and the
    rows and columns while they are read: whatever a file holds, reading it ends quickly, in
    bounded memory, in rows or in one line for the office."""
    if not path.is_file():
        raise UnusableInput(texts("paper.error_missing", path=path))
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UnusableInput(texts("paper.error_format", name=path.name))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc, texts) from None
    if size > MAX_FILE_BYTES:
        raise UnusableInput(
            texts("paper.error_too_big", name=path.name, size=_mb(size), max=_mb(MAX_FILE_BYTES))
        )
    encoding = None
    if suffix == ".xlsx":
        grid = _xlsx_grid(path, texts)
    else:
        grid, encoding = _csv_grid(path, texts)
    return FormRows(_rows_by_field(grid, path.name, settings, texts), encoding)


def read_xlsx_grid(path: Path, texts: Texts) -> list[tuple[int, list[object]]]:
    """The rows (number, cells) of an .xlsx's first visible sheet, within the same bounds as
    a file of forms (size unpacked, parts, rows, columns); UnusableInput when it cannot be used.
    The office's spreadsheet round trip (bot/web/sheet.py) reads its uploads through this."""
    return _xlsx_grid(path, texts)


def _mb(size: int) -> int:
    return -(-size // 1_000_000)


def _unreadable(path: Path, exc: OSError, texts: Texts) -> UnusableInput:
    return UnusableInput(texts("paper.error_unreadable", path=path, problem=exc.strerror or exc))


def _too_many(name: str, texts: Texts) -> UnusableInput:
    return UnusableInput(
        texts("paper.error_too_many", name=name, rows=MAX_ROWS, columns=MAX_COLUMNS)
    )


def _check_zip(path: Path, texts: Texts) -> None:
    """An .xlsx unpacks to what its zip directory declares (Python's zip reader stops there and
    checks the CRC), so the declared sizes bound the work: a zip bomb is refused unopened."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise UnusableInput(texts("paper.error_xlsx", name=path.name)) from None
    except OSError as exc:
        raise _unreadable(path, exc, texts) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_ZIP_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise UnusableInput(
            texts(
                "paper.error_unpacked_too_big",
                name=path.name,
                size=_mb(unpacked),
                max=_mb(MAX_UNPACKED_BYTES),
            )
        )


def _xlsx_grid(path: Path, texts: Texts) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    _check_zip(path, texts)
    try:
        # read_only: rows are streamed from the sheet's XML, never a whole grid in memory;
        # data_only: a formula cell gives the value Excel saved, never the formula text.
        wb = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise _unreadable(path, exc, texts) from None
    except Exception:
        # A malformed package fails anywhere in openpyxl (KeyError, ValueError, XML errors...).
        raise UnusableInput(texts("paper.error_xlsx", name=path.name)) from None
    try:
        wanted = fold(texts("paper.sheet_forms"))
        sheet = next((ws for ws in wb.worksheets if fold(ws.title) == wanted), None)
        if sheet is None:
            visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
            sheet = visible[0] if visible else wb.active
        return _sheet_grid(sheet, path.name, texts)
    except UnusableInput:
        raise
    except Exception:
        # Malformed sheet XML (truncated, bad cell references, wrong types) surfaces only now.
        raise UnusableInput(texts("paper.error_xlsx", name=path.name)) from None
    finally:
        wb.close()


def _sheet_grid(sheet: Any, name: str, texts: Texts) -> list[tuple[int, list[object]]]:
    from openpyxl.utils import get_column_letter

    # The sheet's declared extent is read from the top of its XML, before any row.
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        cell = f"{get_column_letter(min(max(columns, 1), 18278))}{rows}"
        raise UnusableInput(
            texts(
                "paper.error_sheet_extent",
                name=name,
                cell=cell,
                rows=MAX_ROWS,
                columns=MAX_COLUMNS,
            )
        )
    # Some programs declare no extent, or a wrong one: read what is there, within the bounds.
    sheet.reset_dimensions()
    grid: list[tuple[int, list[object]]] = []
    for number, values in enumerate(
        sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True), 1
    ):
        cells = list(values)
        while cells and cells[-1] is None:
            cells.pop()
        if number > MAX_ROWS:
            if cells:
                raise _too_many(name, texts)
            break
        grid.append((number, cells))
    return grid


def _csv_grid(path: Path, texts: Texts) -> tuple[list[tuple[int, list[object]]], str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc, texts) from None
    content, encoding = _decode(raw, path.name, texts)
    first = content.split("\n", 1)[0]
    # Excel writes ";" where the comma is the decimal separator (Vietnamese settings), "," else,
    # and tabs in "Unicode Text" (UTF-16).
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    grid: list[tuple[int, list[object]]] = []
    try:
        # Numbered by record, as Excel shows the file when it opens it.
        for number, record in enumerate(reader, 1):
            if number > MAX_ROWS or len(record) > MAX_COLUMNS:
                raise _too_many(path.name, texts)
            grid.append((number, list(record)))
    except csv.Error:
        raise UnusableInput(texts("paper.error_unreadable", path=path, problem="CSV")) from None
    return grid, encoding


def _decode(raw: bytes, name: str, texts: Texts) -> tuple[str, str]:
    """The text of a CSV and the name of the encoding it was written in.

    Excel writes UTF-8 with a byte-order mark for "CSV UTF-8", UTF-16 for "Unicode Text", and
    the Windows code page for "CSV (Comma delimited)": Windows-1258 on a Vietnamese PC, which
    spells most tones as combining marks after the letter ("ê" + "\u0301"); Python's codec keeps
    them so, and NFC joins them into the letters the chat and the village list use ("ế")."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _text(raw, "utf-16", name, texts), "UTF-16"
    try:
        # utf-8-sig drops the byte-order mark Excel's "CSV UTF-8" writes, and reads plain UTF-8.
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    head = raw[:4000]
    if head.count(0) * 4 > len(head):
        # No byte-order mark, but every other byte zero: UTF-16 all the same.
        order = "utf-16-le" if head[1::2].count(0) > head[::2].count(0) else "utf-16-be"
        return _text(raw, order, name, texts), "UTF-16"
    return _text(raw, "cp1258", name, texts), "Windows-1258"


def _text(raw: bytes, encoding: str, name: str, texts: Texts) -> str:
    try:
        return unicodedata.normalize("NFC", raw.decode(encoding))
    except UnicodeDecodeError:
        raise UnusableInput(texts("paper.error_encoding_unknown", name=name)) from None


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
    # village list nor cluster with the same words typed in the chat; and what shows nothing
    # (zero-width, bidi controls) is dropped, as from the chat.
    return visible_text(unicodedata.normalize("NFC", str(value))).strip()
