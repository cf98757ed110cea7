"""Personal details written inside a question: hidden from other residents and the public,
kept for the office (domain/privacy.py and every path that shows a question to someone else)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from domain.privacy import hide_personal
from domain.texts import load_texts
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_office import office_config

texts = load_texts()
NAME = "Nguyễn Văn Mười"
PHONE = "0912 345 678"
ASKED = (
    f"Tôi là {NAME}, sđt {PHONE}. Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ "
    "ở Bản Nà Khum"
)
SIMILAR = "de nghi cap so do cho cac ho o ban na khum, cho dan 2 nam roi ko dc"
HIDDEN_NAME = texts("privacy.hidden_name")
HIDDEN_PHONE = texts("privacy.hidden_phone")


@pytest.mark.parametrize(
    ("written", "hidden"),
    [
        (ASKED, f"Tôi là {HIDDEN_NAME}, sđt {HIDDEN_PHONE}. Đề nghị"),
        ("toi la nguyen van muoi o thon Na Khum, sdt 0912.345.678", "toi la [n] o thon"),
        ("Tên tôi là Lò Thị Hoa. CCCD 001203004567, CMND 123456789", "Tên tôi là [n]. CCCD [i],"),
        ("ten toi la lo thi hoa, cmnd 123456789 xin hoi", "ten toi la [n], cmnd [i] xin hoi"),
        ("Tôi tên Hoàng Thị Lan, email lan.hoang@gmail.com", "Tôi tên [n], email [e]"),
        ("toi ten la vang a su, dt +84 912 345 678", "toi ten la [n], dt [p]"),
        ("Liên hệ (0213) 3876 543 hoặc 0213.3876.543 giờ hành chính", "Liên hệ [p] hoặc [p] giờ"),
        ("TÔI LÀ NGUYỄN VĂN MƯỜI SĐT 0912345678", "TÔI LÀ [n] SĐT [p]"),
        ("Tôi là Mười, ở bản Mè", "Tôi là [n], ở bản Mè"),
    ],
)
def test_details_are_hidden_with_and_without_diacritics(written: str, hidden: str) -> None:
    short = {
        "[n]": HIDDEN_NAME,
        "[p]": HIDDEN_PHONE,
        "[i]": texts("privacy.hidden_id_card"),
        "[e]": texts("privacy.hidden_email"),
    }
    for mark, note in short.items():
        hidden = hidden.replace(mark, note)
    assert hide_personal(written, texts).startswith(hidden)


@pytest.mark.parametrize(
    "written",
    [
        "Tôi là người dân thôn Nà Khum, khoản hỗ trợ 150000000 đồng chưa được chi trả",
        "Tôi là hộ nghèo, đề nghị xã hỗ trợ sửa nhà trước mùa mưa năm 2026",
        "Tôi là Đoàn viên thanh niên, đề nghị mở lớp dạy nghề",
        "Tôi là Hội viên Hội Nông dân xã, các năm 2024, 2025 chưa được tập huấn",
        "Thửa đất số 123, tờ bản đồ số 45, đã nộp hồ sơ ngày 20/11/2026 (mã BL26-0001)",
    ],
)
def test_ordinary_words_and_numbers_stay(written: str) -> None:
    assert hide_personal(written, texts) == written


def test_the_name_field_is_hidden_wherever_it_is_written() -> None:
    written = "Hộ ông Lò Văn Minh và hộ ong lo van minh o ban Me chua duoc cap so"
    out = hide_personal(written, texts, ("Lò Văn Minh",))
    assert out == f"Hộ ông {HIDDEN_NAME} và hộ ong {HIDDEN_NAME} o ban Me chua duoc cap so"


async def ask_and_back(bot: Harness) -> str:
    """RESIDENT asks with their name and phone in the text; OTHER_RESIDENT backs it. Returns
    what OTHER_RESIDENT was offered."""
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Đất đai")
    await bot.send(RESIDENT, ASKED)
    await bot.press(RESIDENT, "Bản Nà Khum")
    preview = (await bot.send(RESIDENT, NAME))[-1].text
    assert texts("privacy.preview_note") in preview and PHONE in preview
    await bot.press(RESIDENT, "Gửi")
    await bot.consent(OTHER_RESIDENT)
    await bot.press(OTHER_RESIDENT, "Gửi ý kiến")
    await bot.press(OTHER_RESIDENT, "Đất đai")
    offer = (await bot.send(OTHER_RESIDENT, SIMILAR))[-1].text
    await bot.press(OTHER_RESIDENT, "Đồng tình với ý kiến 1")
    return offer


def shows_nothing_personal(text: str) -> None:
    assert NAME not in text and PHONE not in text and "Mười" not in text
    assert HIDDEN_PHONE in text


async def test_other_residents_never_read_the_askers_details(bot: Harness) -> None:
    offer = await ask_and_back(bot)
    shows_nothing_personal(offer)
    assert "Đề nghị cấp giấy chứng nhận" in offer
    shows_nothing_personal((await bot.send(OTHER_RESIDENT, "/tracuu BL26-0001"))[0].text)
    shows_nothing_personal((await bot.send(OTHER_RESIDENT, "/cuatoi"))[0].text)
    # The asker reads their own words, and the office keeps them.
    assert PHONE in (await bot.send(RESIDENT, "/cuatoi"))[0].text
    assert bot.rows("SELECT text, author_name FROM questions") == [(ASKED, NAME)]


async def test_a_preview_without_details_has_no_note(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Đất đai")
    await bot.send(RESIDENT, "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho bản Nà Khum")
    await bot.press(RESIDENT, "Bản Nà Khum")
    assert texts("privacy.preview_note") not in (await bot.send(RESIDENT, NAME))[-1].text


@pytest.fixture
async def office(tmp_path: Path) -> Any:
    harness = Harness(tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


async def test_conclusion_hides_the_askers_details_from_backers(office: Harness) -> None:
    await ask_and_back(office)
    await office.send(ADMIN, "/ketluan BL26")
    await office.send(ADMIN, "Chủ tịch UBND xã đã trả lời các ý kiến tại hội nghị.")
    await office.press(ADMIN, "Không đính kèm")
    await office.press(ADMIN, "Công bố và gửi")
    await office.app.bot_data["outbox"].flush()
    backer = [t for t in office.api.texts(OTHER_RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
    assert len(backer) == 1 and "BL26-0001" in backer[0]
    shows_nothing_personal(backer[0])
    asker = [t for t in office.api.texts(RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
    assert PHONE in asker[0]


def document_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def sheet_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)


async def test_public_report_hides_details_and_the_internal_one_keeps_them(
    office: Harness,
) -> None:
    await ask_and_back(office)
    await office.send(OFFICIAL, "/baocao BL26 congkhai")
    docx, xlsx = (f[3] for f in office.api.files if f[1] == "document")
    for text in (document_text(docx), sheet_text(xlsx)):
        shows_nothing_personal(text)
        assert "Đề nghị cấp giấy chứng nhận" in text
    office.api.files.clear()
    await office.send(OFFICIAL, "/baocao BL26")
    docx, xlsx = (f[3] for f in office.api.files if f[1] == "document")
    assert PHONE in document_text(docx) and NAME in sheet_text(xlsx)
