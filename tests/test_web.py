"""The office's web page: signing in through /web, every page, every change through the desk,
against the real bot on a real SQLite file (security cases are in test_web_security.py)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from docx import Document
from openpyxl import load_workbook

from tests.harness import ADMIN, OFFICIAL, Harness, PgTarget
from tests.webdesk import (
    LAND,
    POOR,
    ROAD,
    ROAD_AGAIN,
    desk_config,
    received,
    services_of,
    sign_in,
    submit,
    web_client,
)

Client = TestClient[Any, Any]
ASKERS = (7770001, 7770002, 7770003, 7770004)


@pytest.fixture
async def office(tmp_path: Path, backend: PgTarget | None) -> AsyncIterator[Harness]:
    # The office's desk on the SQLite file and on a PostgreSQL schema (its revision triggers).
    bot = Harness(
        tmp_path / "desk.sqlite3", desk_config(tmp_path / "desk.sqlite3"), postgres=backend
    )
    await bot.start()
    try:
        await submit(bot, ASKERS[0], ROAD, "Hạ tầng", "Bản Nà Khum")
        await submit(bot, ASKERS[1], LAND, "Đất đai", "Bản Nà Khum")
        await submit(bot, ASKERS[2], POOR, "Chính sách xã hội", "Bản Vàng Bó")
        await submit(bot, ASKERS[3], ROAD_AGAIN, "Hạ tầng", "Bản Vàng Bó")
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def client(office: Harness) -> AsyncIterator[Client]:
    web = await web_client(office)
    try:
        yield web
    finally:
        await web.close()


async def test_the_dialogues_page_shows_dates_counts_and_working_day_due_dates(
    office: Harness, client: Client
) -> None:
    await sign_in(client, office)
    page = await (await client.get("/")).text()
    assert "BL26" in page and "Hội nghị đối thoại với đoàn viên, hội viên năm 2026" in page
    assert "17:00 ngày 15/12/2026" in page  # the deadline
    # Departments' default: 5 days after it, Sunday 20/12, so the next working day.
    assert "21/12/2026" in page
    assert "4 ý kiến" in page
    assert "Tính sau khi ấn định ngày họp" in page  # no meeting date: no conclusion due yet


async def test_search_with_or_without_diacritics_and_filters(
    office: Harness, client: Client
) -> None:
    await sign_in(client, office)
    found = await (await client.get("/hoi-nghi/BL26", params={"q": "so do"})).text()
    assert "BL26-0002" in found and "BL26-0003" not in found
    found = await (await client.get("/hoi-nghi/bl26", params={"q": "hộ nghèo"})).text()
    assert "BL26-0003" in found and "BL26-0002" not in found
    found = await (await client.get("/hoi-nghi/BL26", params={"thon": "Bản Vàng Bó"})).text()
    assert "BL26-0003" in found and "BL26-0002" not in found
    found = await (await client.get("/hoi-nghi/BL26", params={"nhom": "land"})).text()
    assert "BL26-0002" in found and "BL26-0003" not in found
    found = await (await client.get("/hoi-nghi/BL26", params={"kenh": "zalo"})).text()
    assert "BL26-0001" not in found
    found = await (await client.get("/hoi-nghi/BL26", params={"kenh": "telegram"})).text()
    assert "BL26-0001" in found
    found = await (await client.get("/hoi-nghi/BL26", params={"khieu_nai": "1"})).text()
    assert "BL26-000" not in found.split("ý kiến trong")[1]


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


async def engine_cluster_of(office: Harness, question_id: int) -> int:
    """Where the clustering engine the bot's conversations use puts a question now."""
    services = services_of(office)
    async with services.store.reader() as rd:
        engine = await services.engine.finder.engine(rd, 1)
    return int(engine.cluster_of(str(question_id)))


async def test_split_merge_assign_answer_and_forward_go_through_the_desk(
    office: Harness, client: Client
) -> None:
    csrf = await sign_in(client, office)
    page = await (await client.get("/nhom/1")).text()
    assert "BL26-0004" in page and "máy tự xếp vào, chưa cán bộ nào xem" in page
    assert "Lò Văn Minh" in page  # the office sees the name; no one else does

    # Move BL26-0004 out, then merge it back from the questions page's tick boxes.
    moved = await client.post("/nhom/1/tach", data={"csrf": csrf, "cau_hoi": "4"})
    assert "Đã tách ý kiến thành nhóm riêng" in await moved.text()
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions WHERE id = 4") == [(4,)]
    assert await engine_cluster_of(office, 4) == 4
    merged = await client.post("/hoi-nghi/BL26/gop", data={"csrf": csrf, "nhom_chon": ["4", "1"]})
    assert merged.url.path == "/nhom/1"
    assert "1 ý kiến được chuyển vào nhóm này" in await merged.text()
    assert await engine_cluster_of(office, 4) == 1
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions WHERE id = 4") == [(1,)]

    await client.post(
        "/nhom/1/phan-cong", data={"csrf": csrf, "bo_phan": "kinh_te", "han": "2026-12-22"}
    )
    assert office.rows("SELECT department, answer_due FROM clusters WHERE id = 1") == [
        ("kinh_te", "2026-12-22")
    ]
    listed = await (await client.get("/hoi-nghi/BL26", params={"bo_phan": "kinh_te"})).text()
    assert "BL26-0001" in listed and "BL26-0002" not in listed
    listed = await (await client.get("/hoi-nghi/BL26", params={"tinh_trang": "assigned"})).text()
    assert "BL26-0004" in listed and "BL26-0003" not in listed

    # The preview says who will receive the answer; a too short one changes nothing.
    page = await (await client.get("/nhom/1")).text()
    assert "được gửi tới 2 người dân" in page
    short = await client.post("/nhom/1/tra-loi", data={"csrf": csrf, "tra_loi": "Ừ"})
    assert short.status == 400 and "cần từ 5 đến 3000 ký tự" in await short.text()
    assert office.rows("SELECT answer FROM clusters WHERE id = 1") == [(None,)]
    answer = "Xã đã bố trí kinh phí, sẽ sửa xong đường liên thôn trong tháng 12 năm 2026."
    done = await client.post("/nhom/1/tra-loi", data={"csrf": csrf, "tra_loi": answer})
    assert "2 người dân sẽ nhận được thông báo" in await done.text()
    for chat in (ASKERS[0], ASKERS[3]):
        await received(office, chat, answer)

    forwarded = await client.post(
        "/nhom/2/chuyen", data={"csrf": csrf, "co_quan": "Sở Nông nghiệp và Môi trường tỉnh"}
    )
    assert "1 người dân sẽ được báo" in await forwarded.text()
    await received(office, ASKERS[1], "Sở Nông nghiệp và Môi trường tỉnh")

    log = await (await client.get("/nhat-ky")).text()
    for action in ("tách nhóm", "gộp nhóm", "phân công", "trả lời", "chuyển cấp trên"):
        assert action in log
    assert office.rows("SELECT DISTINCT who FROM audit WHERE action != 'web_signin'") == [
        ("telegram:900",)
    ]


async def test_the_report_uses_the_offices_text_and_residents_texts_stay(
    office: Harness, client: Client
) -> None:
    csrf = await sign_in(client, office)
    clean = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở Bản Nà Khum"
    saved = await client.post("/nhom/2/noi-dung", data={"csrf": csrf, "noi_dung": clean})
    assert "nội dung người dân gửi vẫn giữ nguyên" in await saved.text()
    assert office.rows("SELECT text FROM questions WHERE id = 2") == [(LAND,)]
    assert office.rows("SELECT report_text FROM clusters WHERE id = 2") == [(clean,)]

    signed = await client.get("/hoi-nghi/BL26/tai/bao-cao.docx")
    assert signed.headers["Content-Disposition"].startswith('attachment; filename="bao-cao-BL26')
    # The office's text stands for the cluster; the appendix lists each question as written.
    text = docx_text(await signed.read())
    assert clean in text and LAND in text
    table = load_workbook(
        io.BytesIO(await (await client.get("/hoi-nghi/BL26/tai/tong-hop.xlsx")).read())
    )
    cells = [c for row in table.active.iter_rows(values_only=True) for c in row]
    assert LAND in cells and "Lò Văn Minh" in cells  # each question as written, internal
    public = docx_text(await (await client.get("/hoi-nghi/BL26/tai/bao-cao-cong-khai.docx")).read())
    assert clean in public and "Lò Văn Minh" not in public
    sheet = load_workbook(
        io.BytesIO(await (await client.get("/hoi-nghi/BL26/tai/tong-hop-cong-khai.xlsx")).read())
    )
    assert "Lò Văn Minh" not in [c for row in sheet.active.iter_rows(values_only=True) for c in row]
    digest = await office.send(OFFICIAL, "/tonghop")
    assert clean in "\n".join(s.text for s in digest)

    page = await (await client.get("/hoi-nghi/BL26/bao-cao")).text()
    assert "Đất đai" in page and "bieu-do.png" in page
    chart = await client.get("/hoi-nghi/BL26/bieu-do.png")
    assert chart.content_type == "image/png" and (await chart.read()).startswith(b"\x89PNG")

    await client.post("/nhom/2/noi-dung", data={"csrf": csrf, "xoa": "1"})
    assert office.rows("SELECT report_text FROM clusters WHERE id = 2") == [(None,)]
    assert clean not in docx_text(
        await (await client.get("/hoi-nghi/BL26/tai/bao-cao.docx")).read()
    )


LIGHTS = (
    "Đề nghị sửa chữa đường trục thôn 3 bị lún, ổ gà nhiều",
    "Đường trục thôn 3 bị lún, ổ gà nhiều, đèn chiếu sáng cũng hỏng, đề nghị sửa cả hai",
    "Đèn chiếu sáng ở thôn 3 hỏng cả tháng nay, đề nghị thay bóng",
)


async def test_suggested_duplicates_are_merged_or_kept_apart_from_the_page(
    office: Harness, client: Client
) -> None:
    for chat, text in zip((7770011, 7770012, 7770013), LIGHTS, strict=True):
        await submit(office, chat, text, "Hạ tầng", "Bản Nà Khum")
    csrf = await sign_in(client, office)
    listed = await (await client.get("/hoi-nghi/BL26/goi-y")).text()
    assert "BL26-0005" in listed and "BL26-0007" in listed and "Độ tin cậy" in listed
    pairs = dict(office.rows("SELECT other_id, id FROM suggestions WHERE question_id IN (1, 5)"))
    kept = await client.post(
        "/nhom/1/goi-y",
        data={"csrf": csrf, "goi_y": str(pairs[5]), "quyet_dinh": "giu_rieng", "ve": "goi-y"},
    )
    assert kept.url.path == "/hoi-nghi/BL26/goi-y"
    assert "sẽ không gợi ý gộp nữa" in await kept.text()
    assert office.rows("SELECT reason, decided_by FROM kept_apart") == [
        ("dismissed", "telegram:900")
    ]
    page = await (await client.get("/nhom/5")).text()
    assert "Có thể trùng với nhóm khác" in page and "BL26-0007" in page
    merged = await client.post(
        "/nhom/5/goi-y", data={"csrf": csrf, "goi_y": str(pairs[7]), "quyet_dinh": "gop"}
    )
    assert merged.url.path == "/nhom/5" and "1 ý kiến được chuyển" in await merged.text()
    assert await engine_cluster_of(office, 7) == 5
    again = await client.post(
        "/nhom/5/goi-y", data={"csrf": csrf, "goi_y": str(pairs[7]), "quyet_dinh": "gop"}
    )
    assert again.status == 400 and "đã được xử lý" in await again.text()
    assert "Hiện không có cặp" in await (await client.get("/hoi-nghi/BL26/goi-y")).text()


def fill(sheet: bytes, rows: dict[str, tuple[object, object, object]]) -> bytes:
    """The office's Excel work: department, due date and answer typed against receipt codes."""
    book = load_workbook(io.BytesIO(sheet))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    code, dept, due, answer = (
        header.index(h) + 1
        for h in ("Mã nhóm", "Bộ phận trả lời", "Hạn trả lời", "Nội dung trả lời")
    )
    for row in range(2, ws.max_row + 1):
        values = rows.get(str(ws.cell(row, code).value))
        if values is not None:
            for column, value in zip((dept, due, answer), values, strict=True):
                ws.cell(row, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(client: Client, csrf: str, data: bytes, name: str = "da-dien.xlsx") -> Any:
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("tep", data, filename=name)
    return await client.post("/hoi-nghi/BL26/bang-tinh", data=form)


async def test_the_spreadsheet_round_trip_is_checked_row_by_row_and_idempotent(
    office: Harness, client: Client
) -> None:
    csrf = await sign_in(client, office)
    download = await client.get("/hoi-nghi/BL26/bang-tinh.xlsx")
    assert download.status == 200
    sheet = await download.read()
    answer = "Xã sẽ cấp giấy chứng nhận cho các hộ đủ điều kiện trong quý I năm 2027."
    before = office.rows("SELECT * FROM clusters ORDER BY id")

    wrong = fill(
        sheet,
        {
            "BL26-0001": ("Phòng Kinh tế", date(2026, 12, 22), None),
            "BL26-0002": ("Phòng Tài chính", "ngày mai", answer),
            "BL26-0003": (None, None, "ok"),
        },
    )
    refused = await upload(client, csrf, wrong)
    page = await refused.text()
    assert refused.status == 400 and "Không có gì thay đổi: 2 dòng cần sửa" in page
    # Rows in the report's order: land (BL26-0002), social policy, infrastructure.
    assert "Dòng 2 (BL26-0002): không có bộ phận “Phòng Tài chính”" in page
    assert "hạn trả lời “ngày mai” không phải một ngày" in page
    assert "Dòng 3 (BL26-0003): nội dung trả lời dài 2 ký tự" in page
    assert (
        office.rows("SELECT * FROM clusters ORDER BY id") == before
    )  # row 2 was fine: not applied

    good = fill(
        sheet,
        {
            "BL26-0001": ("Phòng Kinh tế", date(2026, 12, 22), None),
            "BL26-0002": ("phong kinh te", "21/12/2026", answer),
        },
    )
    applied = await upload(client, csrf, good)
    page = await applied.text()
    assert applied.status == 200, page
    assert "Đã cập nhật 2 nhóm ý kiến" in page and "1 người dân sẽ nhận được" in page
    assert office.rows("SELECT id, department, answer_due, answer FROM clusters ORDER BY id") == [
        (1, "kinh_te", "2026-12-22", None),
        (2, "kinh_te", "2026-12-21", answer),
        (3, None, None, None),
    ]
    await received(office, ASKERS[1], answer)
    deliveries = office.rows("SELECT COUNT(*) FROM deliveries")

    again = await upload(client, csrf, good)
    assert "Đã cập nhật 0 nhóm ý kiến" in await again.text()
    assert office.rows("SELECT COUNT(*) FROM deliveries") == deliveries  # nobody told twice
    # The sheet downloaded now carries what was recorded, and uploading it changes nothing.
    current = await (await client.get("/hoi-nghi/BL26/bang-tinh.xlsx")).read()
    assert "Đã cập nhật 0 nhóm ý kiến" in await (await upload(client, csrf, current)).text()
    assert office.rows("SELECT action FROM audit WHERE action = 'sheet'") == [("sheet",)] * 3


async def test_notices_count_their_audience_and_show_their_progress(
    office: Harness, client: Client
) -> None:
    csrf = await sign_in(client, office, ADMIN)
    text = "Mời bà con dự hội nghị đối thoại lúc 8 giờ sáng thứ Bảy tại hội trường xã."
    preview = await client.post(
        "/thong-bao",
        data={
            "csrf": csrf,
            "noi_dung": text,
            "doi_tuong": "villages",
            "thon": "Bản Vàng Bó",
            "khi": "now",
            "hanh_dong": "preview",
        },
    )
    page = await preview.text()
    assert "Thông báo sẽ gửi tới 2 người" in page and "Bản Vàng Bó" in page
    assert office.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]
    sent = await client.post(
        "/thong-bao",
        data={
            "csrf": csrf,
            "noi_dung": text,
            "doi_tuong": "villages",
            "thon": "Bản Vàng Bó",
            "khi": "now",
            "hanh_dong": "send",
        },
    )
    assert sent.url.path == "/thong-bao/1"
    for chat in (ASKERS[2], ASKERS[3]):
        await received(office, chat, text)
    progress = await (await client.get("/thong-bao/1")).text()
    assert "Đã gửi xong" in progress and 'http-equiv="refresh"' not in progress
    assert text not in "\n".join(office.api.texts(ASKERS[0]))  # another village

    later = await client.post(
        "/thong-bao",
        data={
            "csrf": csrf,
            "noi_dung": text,
            "doi_tuong": "all",
            "khi": "later",
            "luc": "2026-12-01T08:00",
            "hanh_dong": "send",
        },
    )
    assert "Đã hẹn giờ" in await later.text()
    assert office.rows("SELECT status, send_at FROM broadcasts WHERE id = 2") == [
        ("scheduled", "2026-12-01T08:00:00+07:00")
    ]
    assert (
        office.rows("SELECT who, action FROM audit WHERE action = 'broadcast'")
        == [("telegram:901", "broadcast")] * 2
    )


async def test_overdue_answers_are_listed(office: Harness, client: Client) -> None:
    csrf = await sign_in(client, office)
    await client.post(
        "/nhom/3/phan-cong", data={"csrf": csrf, "bo_phan": "vh_xh", "han": "20/11/2026"}
    )
    page = await (await client.get("/qua-han")).text()
    assert "BL26-0003" in page and "Phòng Văn hóa - Xã hội" in page and "20/11/2026" in page
    assert "BL26-0001" not in page
