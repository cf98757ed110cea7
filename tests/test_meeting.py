"""The conference day through the real Application: questions from the floor, the speaker list
(on Telegram and on Zalo), clusters answered on the spot and told that evening."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import run_tick
from tests.conftest import SECRETARY, meeting_config
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_channels import TelegramResident, ZaloResident
from tests.test_office import OFFICE_GROUP, POOR, ROAD, seed
from tests.test_zalo import OFFICIAL as ZALO_OFFICIAL
from tests.test_zalo import ZaloWorld

THIRD = 3003
# 09:00 on the meeting day, Monday 28/12/2026, in Việt Nam.
MEETING_MORNING = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
SAME_ROAD = "Đường liên thôn Bản Nà Khum sụt lún nhiều đoạn, đề nghị xã sửa chữa"


async def tick(bot: Harness) -> list[str]:
    return await run_tick(bot.app.bot_data["services"], bot.app.bot_data["senders"])


async def flush(bot: Harness) -> int:
    return int(await bot.app.bot_data["outbox"].flush())


async def meeting_day(bot: Harness) -> None:
    """Two residents asked before the deadline; today is the meeting."""
    await seed(bot)
    await bot.send(ADMIN, "/lichhop BL26 28/12/2026 08:00")
    bot.clock.now = MEETING_MORNING


# --- questions from the floor ------------------------------------------------------------


async def test_floor_questions_go_through_the_same_pipeline(hall: Harness) -> None:
    await meeting_day(hall)
    sent = await hall.send(RESIDENT, "/ghiykien")
    assert "Tổ thư ký" in sent[-1].text  # a resident is refused
    await hall.send(SECRETARY, "/ghiykien")
    assert "Ghi ý kiến tại hội nghị" in hall.last_text(SECRETARY)
    await hall.send(SECRETARY, SAME_ROAD)
    await hall.press(SECRETARY, "Bản Nà Khum")
    await hall.press(SECRETARY, "Bỏ qua")
    stored = hall.last_text(SECRETARY)
    # The category is suggested, and the engine put it with the same request sent in the chat.
    assert "BL26-0003 (Hạ tầng)" in stored and "nhóm BL26-0001" in stored
    await hall.press(SECRETARY, "Ghi ý kiến tiếp")
    await hall.send(SECRETARY, "Đề nghị xã có kế hoạch đào tạo nghề cho thanh niên trong xã")
    await hall.press(SECRETARY, "Không rõ")
    await hall.send(SECRETARY, "Vi Văn Thắng")
    assert "BL26-0004" in hall.last_text(SECRETARY)
    await hall.press(SECRETARY, "Xong")
    rows = hall.rows(
        "SELECT receipt_code, source, entered_by, village, author_name, "
        "COALESCE(cluster_id, id), resident_id FROM questions WHERE source = 'floor' ORDER BY id"
    )
    assert rows == [
        ("BL26-0003", "floor", f"telegram:{SECRETARY}", "Bản Nà Khum", None, 1, None),
        ("BL26-0004", "floor", f"telegram:{SECRETARY}", None, "Vi Văn Thắng", 4, None),
    ]
    # The office's digest counts them with the rest.
    await hall.send(OFFICIAL, "/tonghop")
    digest = "\n".join(hall.api.texts(OFFICIAL)[-3:])
    assert "BL26-0001, BL26-0003" in digest and "BL26-0004" in digest


# --- the speaker list --------------------------------------------------------------------


async def test_speaker_list_in_order_with_clear_answers(hall: Harness) -> None:
    await meeting_day(hall)
    await hall.send(RESIDENT, "/phatbieu")
    assert "chưa mở đăng ký" in hall.last_text(RESIDENT)
    await hall.send(SECRETARY, "/mohangdoi")
    assert "đang nhận đăng ký" in hall.last_text(SECRETARY)
    await hall.send(RESIDENT, "/phatbieu")
    await hall.press(RESIDENT, "Về BL26-0001")
    assert "Số thứ tự của ông/bà: 1" in hall.last_text(RESIDENT)
    await hall.send(RESIDENT, "/phatbieu")  # twice: told their number, nothing added
    assert "đã đăng ký rồi, số thứ tự 1" in hall.last_text(RESIDENT)
    await hall.send(OTHER_RESIDENT, "/phatbieu")
    await hall.press(OTHER_RESIDENT, "Vấn đề khác")
    await hall.send(OTHER_RESIDENT, "Về việc thu gom rác ở Bản Vàng Bó")
    assert "Số thứ tự của ông/bà: 2 (trước ông/bà còn 1 người)" in hall.last_text(OTHER_RESIDENT)
    await hall.send(SECRETARY, "/hangdoi")
    queue = hall.last_text(SECRETARY)
    assert queue.index("1. Lò Văn Minh: về BL26-0001") < queue.index("2. Hoàng Thị Lan: vấn đề")
    await hall.press(SECRETARY, "Mời người tiếp theo")
    assert "Đang phát biểu: 1. Lò Văn Minh" in hall.last_text(SECRETARY)
    await hall.press(SECRETARY, "Mời người tiếp theo")  # the first is done, the second called
    await hall.press(SECRETARY, "Đã phát biểu xong")
    assert "Đã phát biểu: 2 người" in hall.last_text(SECRETARY)
    await flush(hall)
    assert sum("Đã đến lượt ông/bà phát biểu (số 1)" in t for t in hall.api.texts(RESIDENT)) == 1
    assert any("(số 2)" in t for t in hall.api.texts(OTHER_RESIDENT))
    await hall.send(SECRETARY, "/donghangdoi")
    assert "đã đóng đăng ký" in hall.last_text(SECRETARY)
    await hall.consent(THIRD)
    await hall.send(THIRD, "/phatbieu")  # after the list closed: told so, nothing added
    assert "đã đóng" in hall.last_text(THIRD)
    assert hall.rows("SELECT position, status FROM speakers ORDER BY position") == [
        (1, "done"),
        (2, "done"),
    ]
    # Heard once, a resident may ask to speak again while the list is open.
    await hall.send(SECRETARY, "/mohangdoi BL26")
    await hall.send(RESIDENT, "/phatbieu")
    await hall.press(RESIDENT, "Về BL26-0001")
    assert "Số thứ tự của ông/bà: 3" in hall.last_text(RESIDENT)


@pytest.fixture(params=["telegram", "zalo"])
async def channel(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    db = tmp_path / "speakers.sqlite3"
    if request.param == "telegram":
        bot = Harness(db)
        await bot.start()
        yield TelegramResident(bot, 6001), TelegramResident(bot, OFFICIAL)
        await bot.stop()
    else:
        world = ZaloWorld(db, "polling")
        await world.start()
        yield ZaloResident(world, "6001"), ZaloResident(world, ZALO_OFFICIAL)
        await world.stop()


async def test_registering_to_speak_on_each_channel(channel: Any) -> None:
    resident, staff = channel
    await resident.say("/start")
    await resident.choose("Tôi đồng ý")
    await staff.say("/mohangdoi BL26")
    await resident.say("/phatbieu")
    replies = "\n".join(await resident.say("Đề nghị làm đường lên nương Bản Nà Khum"))
    assert "Số thứ tự của ông/bà: 1" in replies
    assert "đã đăng ký rồi" in "\n".join(await resident.say("/phatbieu"))
    assert "1. Người dân: vấn đề khác" in "\n".join(await staff.say("/moitiep BL26"))
    assert "đã đóng đăng ký" in "\n".join(await staff.say("/donghangdoi BL26"))
    assert "đã đóng" in "\n".join(await resident.say("/phatbieu"))
    # Their turn is a delivery on their own channel, written with the call.
    assert resident.rows("SELECT kind, channel, chat_id FROM deliveries") == [
        ("speaker", "zalo" if isinstance(resident, ZaloResident) else "telegram", "6001")
    ]


# --- answered at the meeting -------------------------------------------------------------


async def test_answered_on_the_spot_askers_told_that_evening(hall: Harness) -> None:
    await meeting_day(hall)
    await hall.consent(THIRD)
    services = hall.app.bot_data["services"]
    async with services.store.transaction() as tx:
        backer = await tx.resident("telegram", str(THIRD))
        await tx.add_support(1, backer.id, services.clock())
    await hall.send(SECRETARY, "/traloitaicho BL26-0001")
    assert "2 người hỏi, đồng tình" in hall.last_text(SECRETARY)
    await hall.send(SECRETARY, "Chủ tịch xã cam kết sửa đường trong quý I năm 2027.")
    assert "lúc 19:00 tối nay" in hall.last_text(SECRETARY)
    await hall.press(SECRETARY, "Ghi nhận")
    assert "2 người dân sẽ được báo lúc 19:00 tối nay" in hall.last_text(SECRETARY)
    await hall.send(SECRETARY, "/traloitaicho BL26-0001")  # twice: refused, nothing changes
    assert "đã được ghi trả lời tại hội nghị" in hall.last_text(SECRETARY)
    # Held until the evening (the residents' receipts, sent at once, are deliveries too).
    onspot = "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'onspot' GROUP BY status"
    assert hall.rows(onspot) == [("held", 2)]
    await hall.restart()  # held messages are rows: a restart before the evening loses nothing
    assert not any(d.startswith("onspot") for d in await tick(hall))
    await flush(hall)
    assert not any("trả lời tại" in t for t in hall.api.texts(RESIDENT))
    hall.clock.now = datetime(2026, 12, 28, 12, 0, tzinfo=UTC)  # 19:00
    assert "onspot:2" in await tick(hall)
    await flush(hall)
    assert not any(d.startswith("onspot") for d in await tick(hall))
    for chat in (RESIDENT, THIRD):
        told = [t for t in hall.api.texts(chat) if "đã được trả lời tại" in t]
        assert len(told) == 1 and "quý I năm 2027" in told[0] and "/danhgia BL26-0001" in told[0]
    assert not any("đã được trả lời tại" in t for t in hall.api.texts(OTHER_RESIDENT))
    await hall.send(RESIDENT, "/cuatoi")
    mine = hall.last_text(RESIDENT)
    assert "Trả lời tại hội nghị ngày 28/12/2026: Chủ tịch xã cam kết" in mine
    assert "Đã có trả lời" in mine
    await hall.send(OTHER_RESIDENT, "/tracuu BL26-0002")
    assert "Trả lời" not in hall.last_text(OTHER_RESIDENT)  # not answered: status only
    assert POOR[:20] in hall.last_text(OTHER_RESIDENT) and ROAD[:20] not in hall.last_text(
        OTHER_RESIDENT
    )


async def test_answered_after_the_evening_goes_at_once(hall: Harness) -> None:
    await meeting_day(hall)
    hall.clock.now = datetime(2026, 12, 28, 13, 0, tzinfo=UTC)  # 20:00
    await hall.send(SECRETARY, "/traloitaicho BL26-0002")
    await hall.send(SECRETARY, "Xã sẽ hỗ trợ sửa nhà cho hộ nghèo trước mùa mưa.")
    await hall.press(SECRETARY, "Ghi nhận")
    assert "ngay bây giờ" in hall.last_text(SECRETARY)
    await flush(hall)
    assert any("đã được trả lời tại" in t for t in hall.api.texts(OTHER_RESIDENT))
    audit = hall.rows("SELECT action FROM audit WHERE action = 'onspot'")
    assert audit == [("onspot",)]
    await hall.send(OFFICIAL, "/nhatky")
    assert "trả lời tại hội nghị" in hall.last_text(OFFICIAL)
    group = "\n".join(hall.api.texts(OFFICE_GROUP))
    assert "BL26-0002" not in group  # nothing goes to the office group for this


async def test_a_dialogue_that_says_ban_says_it_at_the_meeting(tmp_path: Path) -> None:
    """The speaker list and the evening's message speak as the dialogue does (issue 18)."""
    db = tmp_path / "youth.sqlite3"
    config = meeting_config(db)
    config["dialogues"][0]["address"] = "bạn"
    bot = Harness(db, config)
    await bot.start()
    try:
        await meeting_day(bot)
        await bot.send(SECRETARY, "/mohangdoi")
        await bot.send(RESIDENT, "/phatbieu")
        await bot.press(RESIDENT, "Vấn đề khác")
        assert "Gõ ngắn gọn trong một tin nhắn, không quá 60 chữ" in bot.last_text(RESIDENT)
        await bot.send(RESIDENT, "Về nước sạch " * 30)  # too long: told in words, not stored
        assert "cần bớt khoảng" in bot.last_text(RESIDENT)
        await bot.send(RESIDENT, "Về nước sạch cho Bản Nà Khum")
        assert "Số thứ tự của bạn: 1" in bot.last_text(RESIDENT)
        await bot.send(SECRETARY, "/moitiep")
        await bot.send(SECRETARY, "/traloitaicho BL26-0001")
        await bot.send(SECRETARY, "Xã sửa đường trong quý I năm 2027.")
        await bot.press(SECRETARY, "Ghi nhận")
        bot.clock.now = datetime(2026, 12, 28, 12, 0, tzinfo=UTC)  # 19:00
        await tick(bot)
        await flush(bot)
        told = "\n".join(bot.api.texts(RESIDENT))
        assert "Đã đến lượt bạn phát biểu" in told and "Ý kiến BL26-0001 của bạn" in told
        assert "ông/bà" not in told.lower()
    finally:
        await bot.stop()
