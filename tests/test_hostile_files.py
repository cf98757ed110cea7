"""Spreadsheets as they arrive: too big, bombs, far-away cells, broken XML, and the encodings
Excel writes on a Vietnamese PC. Each either imports or ends in one line, quickly."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import tracemalloc
import unicodedata
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.config import Settings, parse_settings
from bot.paper.forms import MAX_COLUMNS, MAX_ROWS
from bot.paper_cli import UnusableInput, format_summary, import_forms, read_forms
from bot.services import Services, open_services
from tests.harness import write_cli_config
from tests.test_paper_import import HEADERS, LAND, NOW, ROAD, _config, texts

ROW = ["1", "20/11/2026", "Bản Nà Khum", "Lò Văn Pọm", "Đất đai", LAND]
TONES = "\u0300\u0301\u0303\u0309\u0323"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return parse_settings(_config(tmp_path / "paper.sqlite3"))


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    opened = await open_services(settings, clock=lambda: NOW)
    try:
        yield opened
    finally:
        await opened.close()


def workbook_bytes(extra: Callable[[object], None] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(ROW)
    if extra is not None:
        extra(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The same package with some parts replaced (or, with None, left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in changes:
                replaced = changes[info.filename]
                if replaced is not None:
                    dst.writestr(info.filename, replaced, zipfile.ZIP_DEFLATED)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def refused(path: Path, settings: Settings, within: float = 10.0) -> str:
    # Refused before parsing: seconds at most, where reading the bomb would take minutes.
    started = time.monotonic()
    with pytest.raises(UnusableInput) as caught:
        read_forms(path, settings, texts)
    assert time.monotonic() - started < within
    message = str(caught.value)
    assert "\n" not in message and message.startswith("Lỗi")
    return message


def test_a_far_away_cell_allocates_no_grid(settings: Settings, tmp_path: Path) -> None:
    def far(ws: object) -> None:
        ws["XFD1048576"] = "x"  # type: ignore[index]

    path = tmp_path / "xa.xlsx"
    path.write_bytes(workbook_bytes(far))
    assert path.stat().st_size < 10_000
    assert "XFD1048576" in refused(path, settings)
    # With no declared extent to refuse it by, the reading stays within its bounds all the same.
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    undeclared = re.sub(rb"<dimension[^>]*/>", b"", sheet)
    path.write_bytes(rezip(path.read_bytes(), {"xl/worksheets/sheet1.xml": undeclared}))
    # Measured in memory, not time (a loaded machine slows a test, not what it allocates): a
    # grid to that cell would be billions of cells.
    tracemalloc.start()
    try:
        rows = read_forms(path, settings, texts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r.row for r in rows] == [2] and peak < 20_000_000, peak


def test_a_sheet_longer_than_the_limit_is_refused(settings: Settings, tmp_path: Path) -> None:
    def long(ws: object) -> None:
        ws.cell(row=MAX_ROWS + 5, column=6, value=LAND)  # type: ignore[attr-defined]

    path = tmp_path / "dai.xlsx"
    path.write_bytes(workbook_bytes(long))
    assert f"{MAX_ROWS} dòng" in refused(path, settings)


def test_a_zip_bomb_is_refused_unopened(settings: Settings, tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_bytes())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
        bomb = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(bomb, "w", force_zip64=True) as part:
            part.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            chunk = b" " * 1_000_000
            for _ in range(70):
                part.write(chunk)
    path = tmp_path / "bom.xlsx"
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 1_000_000
    assert "giải nén" in refused(path, settings, within=1.0)


SHEET = "xl/worksheets/sheet1.xml"
# Entities that expand to a billion "lol"s when the XML is parsed.
LAUGHS = (
    b'<!DOCTYPE w [<!ENTITY l0 "lololololololololololololololololololol">'
    + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]><worksheet><sheetData><row><c t='inlineStr'><is><t>&l9;</t></is></c></row></sheetData>"
)


@pytest.mark.parametrize(
    "broken",
    [
        {SHEET: b"<worksheet><sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>Ng"},
        {SHEET: b"<worksheet><sheetData><row r='x'><c r='?'><v>1</v></c></row></sheetData>"},
        {SHEET: b"<worksheet><sheetData><row><c r='A1' t='s'><v>999</v></c></row></sheetData>"},
        {SHEET: b"<worksheet><sheetData><row><c r='A1' t='n'><v>abc</v></c></row></sheetData>"},
        {SHEET: b"\x00\xff not xml at all"},
        {SHEET: LAUGHS},
        {SHEET: None},
        {"xl/workbook.xml": b"<workbook><sheets><sheet name='x' r:id='rId9'/></sheets>"},
        {"[Content_Types].xml": None},
        {"xl/styles.xml": b"<styleSheet><cellXfs count='1'><xf numFmtId='abc'/></cellXfs>"},
    ],
)
def test_a_malformed_package_ends_in_one_line(
    settings: Settings, tmp_path: Path, broken: dict[str, bytes | None]
) -> None:
    path = tmp_path / "hong.xlsx"
    path.write_bytes(rezip(workbook_bytes(), broken))
    assert "không phải tệp Excel" in refused(path, settings)


def test_a_huge_csv_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    config = write_cli_config(tmp_path)
    path = tmp_path / "lon.csv"
    with path.open("wb") as f:
        f.write(",".join(HEADERS).encode() + b"\r\n")
        f.truncate(186_000_000)  # sparse: the size is there, the disk is not used
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            "import",
            "--dialogue",
            "BL26",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "Lỗi: tệp lon.csv quá lớn (186 MB, tối đa 25 MB); hãy chia thành nhiều tệp nhỏ hơn."
    ]


def test_csv_rows_and_columns_are_bounded(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "nhieu.csv"
    line = ",".join([*ROW[:5], "Đề nghị sửa đường"])
    path.write_text("\n".join([",".join(HEADERS)] + [line] * MAX_ROWS), encoding="utf-8")
    assert f"{MAX_ROWS} dòng" in refused(path, settings)
    wide = tmp_path / "rong.csv"
    wide.write_text(",".join(HEADERS) + "\n" + ",".join(["x"] * (MAX_COLUMNS + 1)))
    assert f"{MAX_COLUMNS} cột" in refused(wide, settings)


def excel_1258(text: str) -> bytes:
    """What Excel's "CSV (Comma delimited)" writes on a Vietnamese Windows PC: code page 1258,
    where a toned vowel is the vowel (with its hat or horn) followed by a combining tone mark."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts if m in TONES)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in TONES))
        out += (base + tones).encode("cp1258")
    return out


def csv_text(rows: list[list[str]], sep: str = ",") -> str:
    # Quoted where a value holds the separator, as Excel writes it ("Thôn, tổ dân phố").
    def cell(value: str) -> str:
        return f'"{value}"' if sep in value else value

    return "\r\n".join(sep.join(cell(v) for v in row) for row in [HEADERS, *rows])


async def test_windows_1258_csv_is_read_and_named(services: Services, tmp_path: Path) -> None:
    road = ROAD.replace(",", "")
    path = tmp_path / "excel.csv"
    path.write_bytes(excel_1258(csv_text([[*ROW[:5], road]])))
    assert b"\xec" in path.read_bytes()  # a combining acute: the file is as Excel writes it
    rows = read_forms(path, services.settings, texts)
    assert rows.encoding == "Windows-1258"
    result = await import_forms(services, "BL26", rows, path.name)
    assert [(q.text, q.village, q.author_name) for q in result.imported] == [
        (road, "Bản Nà Khum", "Lò Văn Pọm")
    ]
    summary = format_summary(result, path.name, texts, rows.encoding)
    assert "bảng mã Windows-1258" in summary


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(settings: Settings, tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode Text": UTF-16 with tabs.
    path = tmp_path / "unicode.csv"
    path.write_bytes(csv_text([ROW], sep="\t").encode(encoding))
    rows = read_forms(path, settings, texts)
    assert rows.encoding == "UTF-16" and [r.cells["text"] for r in rows] == [LAND]


def test_a_file_in_no_known_encoding_says_so(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "la.csv"
    path.write_bytes(",".join(HEADERS).encode("utf-8") + b"\r\n1,\x81\x8d\x8e,x")
    assert "bảng mã" in refused(path, settings)


async def test_invisible_cells_count_as_empty(services: Services, tmp_path: Path) -> None:
    blank = ["2", "20/11/2026", "Bản Nà Khum", "\u200b\u200b\u200b", "Đất đai", "\u202e" * 30]
    named = ["3", "20/11/2026", "Bản Nà Khum", "\u200b\u200b\u200b", "Đất đai", "\u200b" + LAND]
    path = tmp_path / "an.csv"
    path.write_text(csv_text([blank, named]), encoding="utf-8")
    result = await import_forms(services, "BL26", read_forms(path, services.settings, texts), "x")
    assert [(b.row, b.reason) for b in result.bad] == [(2, "không có nội dung")]
    assert [(q.text, q.author_name) for q in result.imported] == [(LAND, None)]
