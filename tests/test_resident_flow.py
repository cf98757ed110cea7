"""The resident's path through the real Application, fake Bot API, real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from tests.harness import OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness

MENU = ["Gửi ý kiến", "Ý kiến của tôi", "Thông tin hội nghị", "Hướng dẫn"]


async def test_start_names_commune_deadline_and_asks_consent(bot: Harness) -> None:
    sent = await bot.send(RESIDENT, "/start")
    assert len(sent) == 1
    text = sent[0].text
    assert "xã Bình Lư" in text
    assert "17:00 ngày 15/12/2026" in text
    assert "/dulieu" in text  # the details, and how to see and delete one's data
    assert len(text) <= 400  # one phone screen (tests/test_what_people_read.py has more)
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]
    # Nothing about this chat is stored before consent.
    assert bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    assert bot.rows("SELECT COUNT(*) FROM conversations") == [(0,)]


async def test_whole_submission_stores_then_sends_receipt(bot: Harness) -> None:
    seen_at_send: list[list[tuple[str, str]]] = []
    original = bot.api._m_sendMessage

    async def spy(params: dict[str, object]) -> object:
        # The receipt must describe a question that is already committed to SQLite.
        if "Mã tiếp nhận" in str(params["text"]):
            conn = sqlite3.connect(bot.db_path)
            seen_at_send.append(list(conn.execute("SELECT receipt_code, text FROM questions")))
            conn.close()
        return await original(params)

    bot.api._m_sendMessage = spy  # type: ignore[method-assign]
    await bot.consent(RESIDENT)
    assert bot.labels(RESIDENT) == MENU
    await bot.press(RESIDENT, "Gửi ý kiến")
    # Only one dialogue is open, so the dialogue step is skipped.
    assert bot.labels(RESIDENT) == ["Đất đai", "Chính sách xã hội", "Hạ tầng", "Khác"]
    await bot.press(RESIDENT, "Đất đai")
    assert "không quá 300 chữ" in bot.last_text(RESIDENT)
    await bot.send(RESIDENT, "  Xin cấp lại sổ đỏ cho gia đình tôi ở Bản Nà Khum bị mất  ")
    assert bot.labels(RESIDENT) == ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"]
    await bot.press(RESIDENT, "Bản Vàng Bó")
    assert bot.labels(RESIDENT) == ["Bỏ qua"]
    await bot.send(RESIDENT, "Lò Thị Hoa")
    preview = bot.last_text(RESIDENT)
    for part in ("Đất đai", "Bản Vàng Bó", "Lò Thị Hoa", "Xin cấp lại sổ đỏ"):
        assert part in preview
    assert bot.labels(RESIDENT) == ["Gửi", "Sửa nội dung", "Hủy"]
    sent = await bot.press(RESIDENT, "Gửi")
    assert "Mã tiếp nhận: BL26-0001" in sent[-1].text
    assert seen_at_send == [
        [("BL26-0001", "Xin cấp lại sổ đỏ cho gia đình tôi ở Bản Nà Khum bị mất")]
    ]
    row = bot.rows(
        "SELECT q.category, q.village, q.author_name, q.status, r.chat_id "
        "FROM questions q JOIN residents r ON r.id = q.resident_id"
    )
    assert row == [("land", "Bản Vàng Bó", "Lò Thị Hoa", "received", str(RESIDENT))]
    # The answer to the callback query is sent for every press.
    assert len(bot.api.answers) == 5


async def test_receipt_codes_count_up(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    assert "BL26-0001" in await bot.submit(RESIDENT)
    assert "BL26-0002" in await bot.submit(RESIDENT, name=None)
    assert bot.rows("SELECT author_name FROM questions ORDER BY id") == [("Lò Văn Minh",), (None,)]


async def test_my_questions_and_lookup_show_only_ones_own(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text="Đề nghị hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa bão")
    await bot.consent(OTHER_RESIDENT)
    await bot.submit(
        OTHER_RESIDENT,
        text="Đề nghị làm đường bê tông vào khu sản xuất Bản Vàng Bó",
        name="Hoàng Văn Dũng",
    )

    await bot.send(RESIDENT, "/cuatoi")
    mine = bot.last_text(RESIDENT)
    assert "BL26-0001" in mine and "Đất đai" in mine and "23/11/2026" in mine
    assert "Đã tiếp nhận" in mine and "hộ nghèo" in mine
    assert "BL26-0002" not in mine and "Hoàng Văn Dũng" not in mine

    await bot.send(RESIDENT, "/tracuu bl26-0001")
    assert "hộ nghèo" in bot.last_text(RESIDENT)
    # Another resident's code answers exactly like an unknown code.
    await bot.send(RESIDENT, "/tracuu BL26-0002")
    assert "Không tìm thấy mã BL26-0002" in bot.last_text(RESIDENT)
    assert "bê tông" not in bot.last_text(RESIDENT)
    # Typing a code on its own also looks it up.
    await bot.send(OTHER_RESIDENT, "BL26-2")
    assert "bê tông" in bot.last_text(OTHER_RESIDENT)


async def test_decline_keeps_only_the_refusal(bot: Harness) -> None:
    await bot.send(RESIDENT, "/start")
    sent = await bot.press(RESIDENT, "Không đồng ý")
    assert "không đồng ý" in sent[0].text
    assert bot.rows("SELECT consent, village, name FROM residents") == [("declined", None, None)]
    assert bot.rows("SELECT COUNT(*) FROM conversations") == [(0,)]
    # Asking to send again brings back the consent request, nothing else.
    await bot.send(RESIDENT, "/gui")
    assert "chưa đồng ý" in bot.last_text(RESIDENT)
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]
    await bot.press(RESIDENT, "Tôi đồng ý")
    assert bot.rows("SELECT consent FROM residents") == [("granted",)]


async def test_consent_by_typing_without_diacritics(bot: Harness) -> None:
    await bot.send(RESIDENT, "/start")
    await bot.send(RESIDENT, "toi dong y")
    assert bot.labels(RESIDENT) == MENU


async def test_help_is_three_lines_and_works_before_consent(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.send(RESIDENT, "/help")
    help_text = bot.last_text(RESIDENT).split("\n\n")[0]
    assert len(help_text.splitlines()) == 3
    await bot.send(OTHER_RESIDENT, "/help")
    assert "/gui" in bot.last_text(OTHER_RESIDENT)
    assert bot.labels(OTHER_RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]


async def test_choices_can_be_typed_by_number_or_label(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.send(RESIDENT, "1")
    await bot.send(RESIDENT, "ha tang")
    await bot.send(RESIDENT, "Đèn đường liên bản Nà Khum hỏng đã lâu, đề nghị thay mới")
    await bot.send(RESIDENT, "khu dan cu binh lu")
    await bot.send(RESIDENT, "bo qua")
    await bot.send(RESIDENT, "1")
    assert "BL26-0001" in bot.last_text(RESIDENT)
    assert bot.rows("SELECT category, village FROM questions") == [
        ("infrastructure", "Khu dân cư Bình Lư")
    ]


async def test_about_shows_time_place_deadline(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Thông tin hội nghị")
    text = bot.last_text(RESIDENT)
    assert "Dự kiến cuối tháng 12 năm 2026" in text
    assert "Hội trường lớn" in text and "17:00 ngày 15/12/2026" in text


async def test_after_deadline_sending_is_refused_other_items_work(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT)
    # 17:00 in Hà Nội is 10:00 UTC: one minute before, still open; at the minute, closed.
    bot.clock.now = datetime(2026, 12, 15, 9, 59, tzinfo=UTC)
    await bot.press(RESIDENT, "Gửi ý kiến")
    assert bot.labels(RESIDENT) == ["Đất đai", "Chính sách xã hội", "Hạ tầng", "Khác"]
    await bot.send(RESIDENT, "/huy")
    bot.clock.now = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    await bot.press(RESIDENT, "Gửi ý kiến")
    refusal = bot.last_text(RESIDENT)
    assert "hết hạn" in refusal and "17:00 ngày 15/12/2026" in refusal
    assert "Dự kiến cuối tháng 12 năm 2026" in refusal and "Hội trường lớn" in refusal
    assert bot.labels(RESIDENT) == MENU
    await bot.press(RESIDENT, "Ý kiến của tôi")
    assert "BL26-0001" in bot.last_text(RESIDENT)
    await bot.send(RESIDENT, "/start")
    assert "chưa có hội nghị nào đang nhận" in bot.last_text(RESIDENT)


async def test_deadline_passing_during_preview_stores_nothing(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Hạ tầng")
    await bot.send(RESIDENT, "Đề nghị nạo vét kênh mương nội đồng Bản Nà Khum")
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    bot.clock.now = datetime(2026, 12, 16, tzinfo=UTC)
    await bot.press(RESIDENT, "Gửi")
    assert "hết hạn" in bot.last_text(RESIDENT)
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_two_open_dialogues_ask_which_one(tmp_path: object) -> None:
    from pathlib import Path

    db = Path(str(tmp_path)) / "two.sqlite3"
    harness = Harness(db)
    second = dict(harness.config["dialogues"][0])
    second.update(
        code="TN26",
        title="Đối thoại với đoàn viên thanh niên",
        deadline=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        categories=["other"],
    )
    closed = dict(
        second, code="CU25", title="Hội nghị năm 2025", deadline=datetime(2025, 12, 1, tzinfo=UTC)
    )
    harness.config["dialogues"] += [second, closed]
    await harness.start()
    try:
        await harness.consent(RESIDENT)
        await harness.press(RESIDENT, "Gửi ý kiến")
        # Each title once, numbered in the text with its deadline; the buttons name the number.
        prompt = harness.last_text(RESIDENT)
        assert prompt.count("Đối thoại với đoàn viên thanh niên") == 1
        assert prompt.count("Hội nghị đối thoại với đoàn viên, hội viên năm 2026") == 1
        assert "1. Đối thoại với đoàn viên thanh niên (hạn gửi: 00:00 ngày 02/12/2026)" in prompt
        assert "Hội nghị năm 2025" not in prompt  # closed
        assert harness.labels(RESIDENT) == ["Hội nghị 1", "Hội nghị 2"]
        await harness.press(RESIDENT, "Hội nghị 1")
        # The category prompt does not repeat the title just chosen.
        assert "Đối thoại với đoàn viên thanh niên" not in harness.last_text(RESIDENT)
        assert harness.labels(RESIDENT) == ["Khác"]
        await harness.press(RESIDENT, "Khác")
        await harness.send(RESIDENT, "Đề nghị mở lớp tin học miễn phí cho thanh niên")
        await harness.press(RESIDENT, "Bản Nà Khum")
        await harness.press(RESIDENT, "Bỏ qua")
        sent = await harness.press(RESIDENT, "Gửi")
        assert "TN26-0001" in sent[-1].text
    finally:
        await harness.stop()


async def test_cancel_and_start_work_from_any_step(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    steps = [
        ("press", "Gửi ý kiến"),
        ("press", "Đất đai"),
        ("send", "Đề nghị giải quyết dứt điểm tranh chấp ranh giới đất"),
        ("press", "Bản Nà Khum"),
        ("press", "Bỏ qua"),
    ]
    for depth in range(len(steps) + 1):
        for command in ("/huy", "/cancel", "/start"):
            for kind, value in steps[:depth]:
                await (bot.press(RESIDENT, value) if kind == "press" else bot.send(RESIDENT, value))
            await bot.send(RESIDENT, command)
            assert bot.labels(RESIDENT) == MENU, (depth, command)
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_edit_from_preview_keeps_village_and_name(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Hạ tầng")
    await bot.send(RESIDENT, "Đề nghị sửa cầu treo bản Vàng Bó")
    await bot.press(RESIDENT, "Bản Vàng Bó")
    await bot.send(RESIDENT, "Lò Văn Minh")
    await bot.press(RESIDENT, "Sửa nội dung")
    assert "Đề nghị sửa cầu treo bản Vàng Bó" in bot.last_text(RESIDENT)
    await bot.send(RESIDENT, "Đề nghị sửa cầu treo bản Vàng Bó trước mùa lũ năm nay")
    preview = bot.last_text(RESIDENT)
    assert "trước mùa lũ" in preview and "Lò Văn Minh" in preview and "Bản Vàng Bó" in preview
    await bot.press(RESIDENT, "Gửi")
    assert bot.rows("SELECT text FROM questions") == [
        ("Đề nghị sửa cầu treo bản Vàng Bó trước mùa lũ năm nay",)
    ]


async def test_cancel_from_preview_stores_nothing(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Hạ tầng")
    await bot.send(RESIDENT, "Đề nghị sửa cầu treo bản Vàng Bó")
    await bot.press(RESIDENT, "Bản Vàng Bó")
    await bot.press(RESIDENT, "Bỏ qua")
    await bot.press(RESIDENT, "Hủy")
    assert "chưa được gửi" in bot.last_text(RESIDENT)
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_question_typed_at_the_menu_is_offered_for_sending(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    text = "Xin hỏi khi nào xã chi trả tiền hỗ trợ người có công tháng này?"
    await bot.send(RESIDENT, text)
    assert text in bot.last_text(RESIDENT)
    await bot.press(RESIDENT, "Có, gửi ý kiến này")
    await bot.press(RESIDENT, "Chính sách xã hội")
    # The text step is skipped: the draft is the question.
    assert bot.labels(RESIDENT) == ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"]
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    assert text in bot.last_text(RESIDENT)
    await bot.press(RESIDENT, "Gửi")
    assert bot.rows("SELECT text, category FROM questions") == [(text, "social_policy")]


async def test_my_data_can_be_seen_and_deleted(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, name="Lò Văn Minh")
    await bot.send(RESIDENT, "/dulieu")
    summary = bot.last_text(RESIDENT)
    assert "Lò Văn Minh" in summary and "Bản Nà Khum" in summary and "1" in summary
    await bot.press(RESIDENT, "Xóa dữ liệu của tôi")
    await bot.press(RESIDENT, "Có, xóa")
    assert "Đã xóa" in bot.last_text(RESIDENT)
    assert bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    assert bot.rows("SELECT COUNT(*) FROM conversations") == [(0,)]
    assert bot.rows("SELECT resident_id, author_name FROM questions") == [(None, None)]
    # After deletion the bot starts over with the consent request.
    await bot.send(RESIDENT, "/cuatoi")
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]


async def test_statistics_only_for_officials(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT)
    await bot.send(RESIDENT, "/thongke")
    assert "chỉ dành cho cán bộ" in bot.last_text(RESIDENT)
    await bot.send(OFFICIAL, "/thongke")
    text = bot.last_text(OFFICIAL)
    assert "BL26" in text and "1 ý kiến" in text and "Đất đai: 1" in text
    # An official who never agreed to the data notice has nothing stored.
    assert bot.rows("SELECT COUNT(*) FROM residents WHERE chat_id = ?", str(OFFICIAL)) == [(0,)]


async def test_commands_registered_per_role(bot: Harness) -> None:
    default = [c["command"] for c in bot.api.commands["default"]]
    assert "gui" in default and "thongke" not in default
    assert all(c["description"] for c in bot.api.commands["default"])
    official = [c["command"] for c in bot.api.commands[f"chat:{OFFICIAL}"]]
    assert "thongke" in official and "gui" in official
    assert "chat:901" in bot.api.commands


async def test_restart_mid_conversation_continues(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Hạ tầng")
    await bot.send(RESIDENT, "Đề nghị lắp đèn chiếu sáng đường trục chính Bản Nà Khum")
    keyboard_before = bot.api.button(RESIDENT, "Bản Nà Khum")
    await bot.restart()
    # The button sent before the restart still works: the state lives in SQLite.
    await bot.deliver(bot.api.callback_update(RESIDENT, keyboard_before[0]))
    assert bot.labels(RESIDENT) == ["Bỏ qua"]
    await bot.press(RESIDENT, "Bỏ qua")
    await bot.press(RESIDENT, "Gửi")
    assert "BL26-0001" in bot.last_text(RESIDENT)


async def test_clock_is_read_in_the_dialogue_time_zone(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    # 23:30 UTC on 22/11 is already 23/11 in Việt Nam.
    bot.clock.now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    await bot.submit(RESIDENT)
    await bot.press(RESIDENT, "Ý kiến của tôi")
    assert "23/11/2026" in bot.last_text(RESIDENT)
    bot.clock.now += timedelta(days=1)
