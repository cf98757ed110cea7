"""Paper forms: the typing template, and importing it (xlsx or CSV) into the question pipeline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.config import Settings, parse_settings
from bot.paper_cli import (
    UnusableInput,
    format_summary,
    import_forms,
    read_forms,
    write_template,
)
from bot.services import Services, open_services
from domain.models import Consent, NewQuestion, Question
from domain.texts import load_texts
from tests.harness import write_cli_config

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 on 23/11/2026 in the commune
VILLAGES = ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"]
HEADERS = [
    "Số phiếu",
    "Ngày nhận (dd/mm/yyyy)",
    "Thôn, tổ dân phố",
    "Họ tên (không bắt buộc)",
    "Nhóm vấn đề",
    "Nội dung ý kiến",
]
ROAD = "Đề nghị sửa chữa đường liên thôn Nà Khum bị sụt lún, đi lại rất khó khăn"
ROAD_AGAIN = "Đề nghị sửa chữa đường liên thôn Nà Khum bị sụt lún, mùa mưa đi lại khó khăn"
LAND = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở bản Vàng Bó"
POLICY = "Đề nghị xem xét hỗ trợ hộ cận nghèo mua thẻ bảo hiểm y tế năm 2027"
texts = load_texts()


def _config(db: Path) -> dict[str, Any]:
    return {
        "storage": {"path": str(db)},
        "commune": {"name": "xã Bình Lư", "villages": VILLAGES},
        "dialogues": [
            {
                "code": "BL26",
                "title": "Hội nghị đối thoại năm 2026",
                "deadline": datetime.fromisoformat("2026-11-15T17:00:00+07:00"),
                "categories": ["land", "social_policy", "infrastructure", "other"],
            }
        ],
    }


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


async def _chat_question(services: Services, text: str) -> Question:
    async with services.store.transaction() as tx:
        dialogue = await tx.dialogue_by_code("BL26")
        assert dialogue is not None
        resident = await tx.record_consent("telegram", "1001", "1001", Consent.GRANTED, NOW)
        return await tx.add_question(
            NewQuestion(
                dialogue_id=dialogue.id,
                resident_id=resident.id,
                category="infrastructure",
                text=text,
                village=VILLAGES[0],
                author_name=None,
                created_at=NOW,
            )
        )


async def _questions(services: Services) -> list[Question]:
    async with services.store.reader() as rd:
        dialogue = await rd.dialogue_by_code("BL26")
        assert dialogue is not None
        return await rd.dialogue_questions(dialogue.id)


def _stored(settings: Settings) -> dict[str, tuple[Any, ...]]:
    """What the Question model does not carry (entered_by, import_key), read straight from SQL."""
    with sqlite3.connect(settings.storage.path) as db:
        rows = db.execute(
            "SELECT receipt_code, source, entered_by, import_key, created_at FROM questions"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _xlsx(path: Path, rows: list[list[object]], headers: list[str] = HEADERS) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list[str]], sep: str = ",", bom: bool = False) -> Path:
    def quote(value: str) -> str:
        return f'"{value}"' if sep in value or '"' in value else value

    lines = [sep.join(quote(v) for v in row) for row in [HEADERS, *rows]]
    path.write_bytes(("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8"))
    return path


async def _import(services: Services, path: Path, code: str = "BL26") -> Any:
    rows = read_forms(path, services.settings, texts)
    return await import_forms(services, code, rows, path.name)


# --- the template ---------------------------------------------------------------------------


def test_template_has_headers_lists_and_guide(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "mau-phieu.xlsx"
    write_template(settings, out, date(2026, 11, 23), texts)
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Phiếu ý kiến", "Hướng dẫn"]
    ws = wb["Phiếu ý kiến"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width
    assert ws["A2"].value == "Ví dụ" and ws["B2"].value == datetime(2026, 11, 23)
    by_column = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert by_column["B2"].type == "date"
    assert by_column["C2"].type == "list" and by_column["E2"].type == "list"
    lists = wb[by_column["C2"].formula1.split("!")[0].strip("'")]
    assert lists.sheet_state == "hidden"
    assert [r[0] for r in lists.iter_rows(min_row=2, values_only=True) if r[0]] == VILLAGES
    labels = [r[1] for r in lists.iter_rows(min_row=2, values_only=True)]
    assert labels == [c.label for c in settings.categories]
    guide = "\n".join(str(r[0]) for r in wb["Hướng dẫn"].iter_rows(values_only=True))
    assert (
        "không quá 300 chữ (1.500 ký tự)" in guide and "Bản Vàng Bó" in guide and "Đất đai" in guide
    )


async def test_filled_template_imports_into_the_pipeline(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    chat = await _chat_question(services, ROAD)
    assert chat.receipt_code == "BL26-0001"
    path = tmp_path / "phieu-dot-1.xlsx"
    write_template(settings, path, date(2026, 11, 23), texts)
    wb = load_workbook(path)
    ws = wb["Phiếu ý kiến"]
    ws.append([12, datetime(2026, 11, 20), "Bản Nà Khum", "Lò Văn Pọm", "Hạ tầng", ROAD_AGAIN])
    ws.append(["13", "21/11/2026", "ban vang bo", None, "dat dai", LAND])
    ws.append([14, "2026-11-22", "Khu dân cư Bình Lư", "Hoàng Thị Lan", None, POLICY])
    wb.save(path)

    result = await _import(services, path)

    assert not result.bad and result.already == 0
    assert [q.receipt_code for q in result.imported] == ["BL26-0002", "BL26-0003", "BL26-0004"]
    road, land, policy = result.imported
    assert road.cluster_id == chat.cluster_id and result.joined == 1
    assert land.cluster_id == land.id and land.category == "land" and land.village == "Bản Vàng Bó"
    assert road.author_name == "Lò Văn Pọm" and land.author_name is None
    # Blank category: "other", with the suggestion the office can accept.
    assert policy.category == "other" and policy.suggested_category == "social_policy"
    assert {q.source for q in result.imported} == {"paper"}
    stored = _stored(settings)
    assert stored["BL26-0001"][:2] == ("chat", None)
    assert stored["BL26-0002"][:2] == ("paper", "import:phieu-dot-1.xlsx")
    # The date on the form, at noon in the commune (UTC+7), stored in UTC like chat questions.
    assert stored["BL26-0003"][3] == "2026-11-21T05:00:00+00:00"
    assert len(await _questions(services)) == 4
    summary = format_summary(result, path.name, texts)
    assert "Đã nhập 3 ý kiến, mã tiếp nhận từ BL26-0002 đến BL26-0004" in summary


@pytest.mark.parametrize(("sep", "bom"), [(",", False), (",", True), (";", True), (";", False)])
async def test_csv_comma_or_semicolon_with_or_without_bom(
    services: Services, settings: Settings, tmp_path: Path, sep: str, bom: bool
) -> None:
    path = _csv(
        tmp_path / "phieu.csv",
        [
            ["1", "20/11/2026", "Bản Nà Khum", "Lò Văn Pọm", "Hạ tầng", ROAD],
            ["2", "21/11/2026", "Bản Vàng Bó", "", "Đất đai", LAND + ", gấp; trước Tết"],
        ],
        sep=sep,
        bom=bom,
    )
    result = await _import(services, path)
    assert not result.bad
    assert [q.category for q in result.imported] == ["infrastructure", "land"]
    assert result.imported[1].text == LAND + ", gấp; trước Tết"
    assert _stored(settings)["BL26-0001"][:2] == ("paper", "import:phieu.csv")


async def test_same_file_twice_adds_nothing(services: Services, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "20/11/2026", "Bản Nà Khum", "Lò Văn Pọm", "Hạ tầng", ROAD],
        [2, "21/11/2026", "Bản Vàng Bó", None, "Đất đai", LAND],
    ]
    path = _xlsx(tmp_path / "phieu.xlsx", rows)
    first = await _import(services, path)
    assert len(first.imported) == 2
    again = await _import(services, path)
    assert again.imported == [] and again.already == 2
    # The same rows typed as CSV, labels without diacritics: still the same forms.
    as_csv = _csv(
        tmp_path / "phieu-lai.csv",
        [
            ["1", "20/11/2026", "ban na khum", "Lò  Văn Pọm", "ha tang", ROAD],
            ["2", "21/11/2026", "Bản Vàng Bó", "", "land", LAND],
        ],
    )
    assert (await _import(services, as_csv)).already == 2
    assert len(await _questions(services)) == 2
    summary = format_summary(again, path.name, texts)
    assert "Không có ý kiến mới" in summary and "Đã nhập từ trước, bỏ qua: 2 dòng" in summary


async def test_bad_rows_are_reported_and_good_rows_imported(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        [1, "20/11/2026", "Bản Nà Khum", None, "Hạ tầng", ROAD],  # row 2: good
        [2, None, "Bản Nà Khum", None, None, LAND],  # 3
        [3, "31/02/2026", "Bản Nà Khum", None, None, LAND],  # 4
        [4, "24/11/2026", "Bản Nà Khum", None, None, LAND],  # 5: tomorrow
        [5, "21/11/2026", "Thôn Mới", None, None, LAND],  # 6
        [6, "21/11/2026", "Bản Nà Khum", None, None, None],  # 7
        [7, "21/11/2026", "Bản Nà Khum", None, "Thuế phí", LAND],  # 8
        [8, "21/11/2026", "Bản Nà Khum", None, None, "Sửa đường"],  # 9
        [9, "21/11/2026", "Bản Nà Khum", None, None, "x" * 1501],  # 10
        [10, "21/11/2026", None, None, None, LAND],  # 11
        [11, "21/11/2026", "Bản Nà Khum", None, "Môi trường", LAND],  # 12: not in BL26
        [None, None, None, None, None, None],  # 13: blank, skipped silently
        [1, "20/11/2026", "Bản Nà Khum", None, "Hạ tầng", ROAD],  # 14: typed twice
        # 15: after the dialogue's deadline (15/11) and today: late forms are welcome.
        [12, "23/11/2026", "Bản Vàng Bó", None, "Đất đai", LAND],
    ]
    path = _xlsx(tmp_path / "phieu.xlsx", rows)
    result = await _import(services, path)
    assert [q.receipt_code for q in result.imported] == ["BL26-0001", "BL26-0002"]
    reasons = {b.row: b.reason for b in result.bad}
    assert reasons == {
        3: "chưa ghi ngày nhận",
        4: "ngày nhận “31/02/2026” không đúng dạng dd/mm/yyyy",
        5: "ngày nhận 24/11/2026 là ngày trong tương lai",
        6: "thôn, tổ dân phố “Thôn Mới” không có trong danh sách của xã",
        7: "không có nội dung",
        8: "nhóm vấn đề “Thuế phí” không có trong danh sách",
        9: "nội dung quá ngắn (9 ký tự, cần ít nhất 15)",
        10: "nội dung quá dài (1.501 ký tự, tối đa 1.500)",
        11: "chưa ghi thôn, tổ dân phố",
        12: "nhóm vấn đề “Môi trường” không thuộc hội nghị BL26",
        14: "trùng hoàn toàn với dòng 2 (cùng số phiếu)",
    }
    summary = format_summary(result, path.name, texts)
    assert "Dòng có lỗi, chưa nhập: 11" in summary
    assert "  Dòng 7: không có nội dung" in summary.splitlines()
    # Fixing a bad row and importing the whole file again adds just that row.
    rows[5][5] = POLICY
    fixed = await _import(services, _xlsx(path, rows))
    assert [q.text for q in fixed.imported] == [POLICY] and fixed.already == 2
    assert fixed.imported[0].receipt_code == "BL26-0003"


async def test_identical_unnumbered_forms_are_two_voices(
    services: Services, tmp_path: Path
) -> None:
    row: list[object] = [None, "20/11/2026", "Bản Nà Khum", None, None, ROAD]
    spaced = [*row[:5], ROAD.replace(" ", "  ")]  # same words, so the same fingerprint
    path = _xlsx(tmp_path / "phieu.xlsx", [row, list(row), spaced])
    result = await _import(services, path)
    assert len(result.imported) == 3 and not result.bad
    # The others join the first's cluster, within the same file and transaction.
    first = result.imported[0]
    assert {q.cluster_id for q in result.imported} == {first.id} and result.joined == 2
    assert (await _import(services, path)).already == 3


async def test_complaints_are_flagged(services: Services, tmp_path: Path) -> None:
    text = "Tôi muốn khiếu nại cán bộ địa chính làm sai hồ sơ đất của gia đình"
    path = _xlsx(tmp_path / "phieu.xlsx", [[1, "20/11/2026", "Bản Nà Khum", None, None, text]])
    result = await _import(services, path)
    assert result.imported[0].flag == "complaint" and result.complaints == 1


async def test_headers_found_below_a_title_and_in_other_words(
    services: Services, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["TỔNG HỢP PHIẾU Ý KIẾN ĐỢT 1"])
    ws.append([])
    ws.append(["STT", "Ý kiến, kiến nghị", "Họ và tên", "THON", "Ngay nhan phieu", "Lĩnh vực"])
    ws.append([1, LAND, "Lò Văn Pọm", "Bản Vàng Bó", "20/11/2026", "Đất đai"])
    ws.append([2, "", "Lò Văn Pọm", "Bản Vàng Bó", "20/11/2026", "Đất đai"])
    wb.save(tmp_path / "tong-hop.xlsx")
    result = await _import(services, tmp_path / "tong-hop.xlsx")
    assert [(q.category, q.author_name) for q in result.imported] == [("land", "Lò Văn Pọm")]
    assert [b.row for b in result.bad] == [5]


async def test_unusable_input(services: Services, settings: Settings, tmp_path: Path) -> None:
    def problem(path: Path) -> str:
        with pytest.raises(UnusableInput) as caught:
            read_forms(path, settings, texts)
        return str(caught.value)

    assert "không tìm thấy tệp" in problem(tmp_path / "khong-co.xlsx")
    (tmp_path / "phieu.docx").write_bytes(b"x")
    assert "chỉ nhập được tệp .xlsx hoặc .csv" in problem(tmp_path / "phieu.docx")
    (tmp_path / "hong.xlsx").write_bytes(b"not a zip")
    assert "không phải tệp Excel" in problem(tmp_path / "hong.xlsx")
    (tmp_path / "unknown.csv").write_bytes("Nội dung ý kiến\nđường".encode() + b"\x81")
    assert "UTF-8" in problem(tmp_path / "unknown.csv")
    assert "Nội dung ý kiến" in problem(_xlsx(tmp_path / "khac.xlsx", [], ["A", "B"]))
    no_date = _xlsx(tmp_path / "thieu.xlsx", [], ["Thôn", "Nội dung ý kiến"])
    assert "thiếu cột “Ngày nhận (dd/mm/yyyy)”" in problem(no_date)
    assert "không có dòng ý kiến nào" in problem(_xlsx(tmp_path / "rong.xlsx", []))
    good = _xlsx(tmp_path / "phieu.xlsx", [[1, "20/11/2026", "Bản Nà Khum", None, None, LAND]])
    with pytest.raises(UnusableInput, match="XX"):
        await _import(services, good, code="xx")


def test_command_line(tmp_path: Path) -> None:
    config = write_cli_config(tmp_path, villages=("Bản Nà Khum", "Bản Vàng Bó"))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    template = tmp_path / "mau.xlsx"
    assert cli("template", "--out", str(template)).returncode == 0
    wb = load_workbook(template)
    ws = wb["Phiếu ý kiến"]
    ws.append([1, datetime(2025, 11, 20), "Bản Nà Khum", None, "Đất đai", LAND])
    ws.append([2, datetime(2025, 11, 20), "Bản Nà Khum", None, "Đất đai", ""])
    wb.save(template)
    done = cli("import", "--dialogue", "bl26", str(template))
    assert done.returncode == 0, done.stderr
    assert "mã tiếp nhận BL26-0001" in done.stdout and "Dòng 4: không có nội dung" in done.stdout
    # Each start of Python costs about a second: one failure here, the others are tested above.
    failed = cli("import", "--dialogue", "XX", str(template))
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert failed.stderr.strip() == "Không có hội nghị nào mang mã XX."
