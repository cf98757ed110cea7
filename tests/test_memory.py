"""Memory across years, through the real Application: last year's dialogue with an answer and a
commitment still open; this year's dialogue shows the office what is open, shows a resident the
earlier answer before they send a question like it, links the two in the digest, and reports
on the previous dialogue's commitments."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.conftest import SECRETARY, SUPERVISOR, meeting_config
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_followup import answer, commit
from tests.test_meeting import THIRD, flush, tick
from tests.test_office import OFFICE_GROUP, POOR

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


async def test_a_dialogue_from_announcement_to_the_next_years(tmp_path: Path) -> None:
    """One year of a commune's dialogue, then the next year's, on one database: each step is
    checked where a resident, the secretariat, the office or a supervisor would see it."""
    db = tmp_path / "story.sqlite3"
    config = meeting_config(db)
    year_one = config["dialogues"][0]
    year_one.update(
        code="BL25",
        title="Hội nghị đối thoại năm 2025",
        deadline=datetime.fromisoformat("2025-12-15T17:00:00+07:00"),
    )
    bot = Harness(db, config)
    bot.clock.now = datetime.fromisoformat("2025-11-20T10:00:00+07:00")
    await bot.start()
    try:
        await bot.consent(RESIDENT)
        await bot.consent(OTHER_RESIDENT)
        # Announced, then asked in the chat before the deadline.
        await bot.send(ADMIN, "/thongbao")
        await bot.send(ADMIN, "Mời bà con gửi ý kiến cho hội nghị đối thoại năm 2025")
        await bot.press(ADMIN, "Tất cả người dân đăng ký nhận thông báo")
        await bot.press(ADMIN, "Gửi ngay")
        await bot.press(ADMIN, "Gửi thông báo")
        assert bot.rows("SELECT COUNT(*) FROM deliveries WHERE kind = 'notice'") == [(2,)]
        await bot.submit(RESIDENT, text=LAST_YEAR, category="Hạ tầng")
        assert "BL25-0001" in bot.last_text(RESIDENT)
        await bot.submit(OTHER_RESIDENT, text=POOR, category="Chính sách xã hội", name=None)
        assert "BL25-0002" in bot.last_text(OTHER_RESIDENT)
        await bot.send(ADMIN, "/lichhop BL25 26/12/2025 08:00")

        # The meeting: a speaker, a question from the floor, an answer on the spot.
        bot.clock.now = datetime.fromisoformat("2025-12-26T09:00:00+07:00")
        await bot.send(SECRETARY, "/mohangdoi")
        assert "đang nhận đăng ký" in bot.last_text(SECRETARY)
        await bot.send(RESIDENT, "/phatbieu")
        await bot.press(RESIDENT, "Về BL25-0001")
        assert "Số thứ tự của ông/bà: 1" in bot.last_text(RESIDENT)
        await bot.send(SECRETARY, "/moitiep")
        assert "Đang phát biểu: 1. Lò Văn Minh" in bot.last_text(SECRETARY)
        await bot.send(SECRETARY, "/ghiykien")
        await bot.send(SECRETARY, "Đề nghị xây nhà văn hóa cho Khu dân cư Bình Lư")
        await bot.press(SECRETARY, "Khu dân cư Bình Lư")
        await bot.press(SECRETARY, "Bỏ qua")
        assert "BL25-0003" in bot.last_text(SECRETARY)
        await bot.press(SECRETARY, "Xong")
        await bot.send(SECRETARY, "/xongphatbieu")
        await bot.send(SECRETARY, "/traloitaicho BL25-0002")
        await bot.send(SECRETARY, "Xã hỗ trợ 20 triệu đồng sửa nhà cho hộ nghèo.")
        await bot.press(SECRETARY, "Ghi nhận")
        await bot.send(SECRETARY, "/donghangdoi")
        await bot.consent(THIRD)
        await bot.send(THIRD, "/phatbieu")  # the list is closed: nothing added
        assert "đã đóng" in bot.last_text(THIRD)
        assert bot.rows("SELECT position, status FROM speakers") == [(1, "done")]
        assert bot.rows("SELECT receipt_code FROM questions WHERE source = 'floor'") == [
            ("BL25-0003",)
        ]
        await flush(bot)
        assert sum("Đã đến lượt ông/bà phát biểu" in t for t in bot.api.texts(RESIDENT)) == 1
        assert not any("đã được trả lời tại" in t for t in bot.api.texts(OTHER_RESIDENT))
        bot.clock.now = datetime.fromisoformat("2025-12-26T19:00:00+07:00")
        assert "onspot:1" in await tick(bot)
        await flush(bot)
        told = [t for t in bot.api.texts(OTHER_RESIDENT) if "đã được trả lời tại" in t]
        assert len(told) == 1 and "20 triệu đồng" in told[0]

        # After it: answers, commitments in the conclusion, reminders, progress, ratings.
        bot.clock.now = datetime.fromisoformat("2025-12-29T09:00:00+07:00")
        await answer(bot, "BL25-0001", "Xã đưa tuyến đường vào kế hoạch sửa chữa năm 2026.")
        await commit(bot, "BL25-0001", "Phòng Kinh tế", "60", "Sửa toàn tuyến đường liên thôn.")
        made = await commit(bot, "BL25-0002", "Phòng Văn hóa - Xã hội", "15", "Sửa nhà hộ nghèo.")
        assert "BL25-CK02" in made
        await bot.send(ADMIN, "/ketluan BL25")
        await bot.send(ADMIN, "Chủ tịch UBND xã đã trả lời các ý kiến tại hội nghị.")
        await bot.press(ADMIN, "Không đính kèm")
        await bot.press(ADMIN, "Công bố và gửi")
        await flush(bot)
        conclusion = [t for t in bot.api.texts(RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
        assert (
            len(conclusion) == 1 and "Cam kết BL25-CK01: Phòng Kinh tế thực hiện" in conclusion[0]
        )
        await bot.send(RESIDENT, "/cuatoi")
        mine = bot.last_text(RESIDENT)
        assert "Trả lời: Xã đưa tuyến đường vào kế hoạch" in mine
        assert "Cam kết BL25-CK01: Chưa thực hiện" in mine

        # CK02's due date, 15 working days on, is past: its department (no official named)
        # hears of it in the office group, and the office's overdue list has it.
        (due,) = bot.rows("SELECT due FROM commitments WHERE seq = 2")[0]
        bot.clock.now = datetime.fromisoformat(f"{due}T09:00:00+07:00") + timedelta(days=1)
        while bot.clock.now.weekday() >= 5:
            bot.clock.now += timedelta(days=1)
        done = await tick(bot)
        assert "commitment:BL25-CK02:after1" in done, done
        await flush(bot)
        assert any("BL25-CK02" in t and "quá hạn" in t for t in bot.api.texts(OFFICE_GROUP))
        await bot.send(OFFICIAL, "/dscamket quahan")
        assert "BL25-CK02 · Quá hạn" in bot.last_text(OFFICIAL)
        await bot.send(OFFICIAL, "/tiendo BL25-CK02")
        await bot.send(OFFICIAL, "Đã bàn giao tiền hỗ trợ cho hộ gia đình.")
        await bot.press(OFFICIAL, "Đã hoàn thành")
        await flush(bot)
        assert any("thực hiện xong" in t for t in bot.api.texts(OTHER_RESIDENT))
        await bot.send(OTHER_RESIDENT, "/danhgia BL25-0002")
        await bot.press(OTHER_RESIDENT, "Hài lòng")
        await bot.press(OTHER_RESIDENT, "Bỏ qua")
        await bot.send(RESIDENT, "/danhgia BL25-0001")
        await bot.press(RESIDENT, "Chưa hài lòng")
        await bot.send(RESIDENT, "Tôi là Lò Văn Minh, đường trước nhà tôi hỏng nặng nhất.")
        await bot.send(OFFICIAL, "/chuahailong")
        assert "Phòng Kinh tế: 1/1 chưa hài lòng" in bot.last_text(OFFICIAL)
        await bot.send(SUPERVISOR, "/giamsat BL25")
        view = bot.last_text(SUPERVISOR)
        assert "Cam kết: 2 · đã hoàn thành 1" in view and "Ý kiến nêu tại hội nghị: 1" in view
        assert "Phòng Văn hóa - Xã hội: 1 hài lòng" in view
        assert "Phòng Kinh tế: 0 hài lòng, 1 chưa hài lòng" in view
        for personal in ("Lò Văn Minh", "Hoàng Thị Lan", "Bản Nà Khum", "nặng nhất"):
            assert personal not in view

        # The next year: a new dialogue, last year's open promise, last year's answer.
        bot.clock.now = datetime.fromisoformat("2026-11-23T10:00:00+07:00")
        bot.config["dialogues"].append(
            {
                "code": "BL26",
                "title": "Hội nghị đối thoại năm 2026",
                "deadline": datetime.fromisoformat("2026-12-15T17:00:00+07:00"),
            }
        )
        await bot.restart()
        assert "earlier:BL26:1" in await tick(bot)
        await flush(bot)
        notice = [t for t in bot.api.texts(OFFICE_GROUP) if "hội nghị trước chưa hoàn thành" in t]
        assert len(notice) == 1 and "BL25-CK01" in notice[0] and "BL25-CK02" not in notice[0]
        await bot.press(RESIDENT, "Gửi ý kiến")
        await bot.press(RESIDENT, "Hạ tầng")
        await bot.send(RESIDENT, THIS_YEAR)
        await bot.press(RESIDENT, "Bản Nà Khum")
        await bot.press(RESIDENT, "Bỏ qua")
        preview = bot.last_text(RESIDENT)
        assert "BL25-0001" in preview and "Cam kết: Quá hạn" in preview
        await bot.press(RESIDENT, "Gửi")
        assert "BL26-0001" in bot.last_text(RESIDENT)
        await bot.send(OFFICIAL, "/tonghop BL26")
        digest = "\n".join(bot.api.texts(OFFICIAL)[-3:])
        assert "Giống ý kiến đã hỏi ở hội nghị trước: BL25-0001" in digest
    finally:
        await bot.stop()
