"""Memory across years, through the real Application: last year's dialogue with an answer and a
commitment still open; this year's dialogue shows the office what is open, shows a resident the
earlier answer before they send a question like it, links the two in the digest, and reports
on the previous dialogue's commitments."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.conftest import SECRETARY, meeting_config
from tests.harness import OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_followup import answer, commit
from tests.test_meeting import flush, tick
from tests.test_office import OFFICE_GROUP

LAST_YEAR = "Đường liên thôn Bản Nà Khum bị sụt lún nhiều đoạn, đề nghị xã sửa chữa"
THIS_YEAR = "Đề nghị sửa đường liên thôn Bản Nà Khum, đường bị sụt lún nhiều đoạn"


@pytest.fixture
async def years(tmp_path: Path) -> AsyncIterator[Harness]:
    db = tmp_path / "years.sqlite3"
    config = meeting_config(db)
    earlier = dict(config["dialogues"][0])
    earlier.update(
        code="BL25",
        title="Hội nghị đối thoại năm 2025",
        deadline=datetime.fromisoformat("2025-12-15T17:00:00+07:00"),
        meeting_at=datetime.fromisoformat("2025-12-26T08:00:00+07:00"),
    )
    config["dialogues"].insert(0, earlier)
    harness = Harness(db, config)
    await harness.start()
    yield harness
    await harness.stop()


async def last_year(bot: Harness) -> None:
    """Raised from the floor at last year's meeting, answered, promised, not done yet."""
    await bot.send(SECRETARY, "/ghiykien BL25")
    await bot.send(SECRETARY, LAST_YEAR)
    await bot.press(SECRETARY, "Bản Nà Khum")
    await bot.press(SECRETARY, "Bỏ qua")
    await bot.press(SECRETARY, "Xong")
    await answer(bot, "BL25-0001", "Xã đưa tuyến đường vào kế hoạch sửa chữa năm 2026.")
    await commit(bot, "BL25-0001", "Phòng Kinh tế", "60", "Sửa toàn tuyến đường liên thôn.")


async def test_this_year_remembers_last_years_answers_and_promises(years: Harness) -> None:
    await last_year(years)
    # The new dialogue is taking questions: the office is shown what is still open, once.
    assert "earlier:BL26:1" in await tick(years)
    assert not any(d.startswith("earlier") for d in await tick(years))
    await flush(years)
    notice = [t for t in years.api.texts(OFFICE_GROUP) if "hội nghị trước chưa hoàn thành" in t]
    assert len(notice) == 1 and "BL25-CK01 · Chưa thực hiện" in notice[0]

    # A resident writes the same request: the earlier answer, before sending.
    await years.consent(RESIDENT)
    await years.press(RESIDENT, "Gửi ý kiến")
    await years.press(RESIDENT, "Hạ tầng")
    await years.send(RESIDENT, THIS_YEAR)
    await years.press(RESIDENT, "Bản Nà Khum")
    await years.press(RESIDENT, "Bỏ qua")
    preview = years.last_text(RESIDENT)
    assert "đã được hỏi ở hội nghị trước" in preview and "BL25-0001" in preview
    assert "kế hoạch sửa chữa năm 2026" in preview and "Cam kết: Chưa thực hiện" in preview
    await years.press(RESIDENT, "Gửi")
    assert "BL26-0001" in years.last_text(RESIDENT)
    # Another request is not linked to anything.
    await years.consent(OTHER_RESIDENT)
    await years.press(OTHER_RESIDENT, "Gửi ý kiến")
    await years.press(OTHER_RESIDENT, "Chính sách xã hội")
    await years.send(OTHER_RESIDENT, "Đề nghị xem xét hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa")
    await years.press(OTHER_RESIDENT, "Bản Vàng Bó")
    await years.press(OTHER_RESIDENT, "Bỏ qua")
    assert "hội nghị trước" not in years.last_text(OTHER_RESIDENT)
    await years.press(OTHER_RESIDENT, "Gửi")
    assert years.rows("SELECT question_id, earlier_id FROM earlier_links") == [(2, 1)]

    # The office sees the link in the digest, and the report carries last year's promises.
    await years.send(OFFICIAL, "/tonghop BL26")
    digest = "\n".join(years.api.texts(OFFICIAL)[-3:])
    assert "Giống ý kiến đã hỏi ở hội nghị trước: BL25-0001" in digest
    years.api.files.clear()
    await years.send(OFFICIAL, "/baocao BL26")
    docs = [f for f in years.api.files if f[1] == "document"]
    body = "\n".join(p.text for p in Document(io.BytesIO(docs[0][3])).paragraphs)
    assert "KẾT QUẢ THỰC HIỆN CAM KẾT CỦA HỘI NGHỊ TRƯỚC" in body
    assert "BL25-CK01 (ý kiến BL25-0001; Phòng Kinh tế" in body and "Chưa thực hiện" in body
    sheets = load_workbook(io.BytesIO(docs[1][3])).sheetnames
    assert "Cam kết hội nghị trước" in sheets
    await years.send(OFFICIAL, "/dscamket")  # open commitments of every dialogue
    assert "BL25-CK01" in years.last_text(OFFICIAL)
