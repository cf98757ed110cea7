"""Similar questions, support, complaints and category suggestion inside the conversation."""

from __future__ import annotations

from tests.harness import OTHER_RESIDENT, RESIDENT, Harness

LAND = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở Bản Nà Khum"
LAND_TEEN = "de nghi cap so do cho cac ho o ban na khum, cho dan 2 nam roi ko dc"
THIRD = 3003


async def start_question(bot: Harness, chat: int, text: str, category: str = "Đất đai") -> None:
    await bot.consent(chat)
    await bot.press(chat, "Gửi ý kiến")
    await bot.press(chat, category)
    await bot.send(chat, text)


async def test_similar_question_is_offered_and_can_be_backed(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=LAND, name="Lò Văn Minh")
    await start_question(bot, OTHER_RESIDENT, LAND_TEEN)
    offer = bot.last_text(OTHER_RESIDENT)
    assert LAND in offer and "1 người gửi hoặc đồng tình" in offer
    assert "Lò Văn Minh" not in offer and "BL26-0001" not in offer
    assert bot.labels(OTHER_RESIDENT) == [
        "Đồng tình với ý kiến 1",
        "Vẫn gửi ý kiến của tôi",
    ]
    await bot.press(OTHER_RESIDENT, "Đồng tình với ý kiến 1")
    assert "BL26-0001" in bot.last_text(OTHER_RESIDENT)
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]
    assert bot.rows("SELECT question_id FROM supports") == [(1,)]
    await bot.send(OTHER_RESIDENT, "/cuatoi")
    assert "đồng tình với 1 ý kiến" in bot.last_text(OTHER_RESIDENT)
    await bot.send(OTHER_RESIDENT, "/tracuu BL26-0001")
    assert LAND[:40] in bot.last_text(OTHER_RESIDENT)
    # A third resident now sees two people behind it.
    await start_question(bot, THIRD, "Xin cấp sổ đỏ cho các hộ dân Bản Nà Khum")
    assert "2 người gửi hoặc đồng tình" in bot.last_text(THIRD)


async def test_own_question_joins_the_duplicate_cluster(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=LAND)
    await start_question(bot, OTHER_RESIDENT, LAND_TEEN)
    await bot.press(OTHER_RESIDENT, "Vẫn gửi ý kiến của tôi")
    await bot.press(OTHER_RESIDENT, "Bản Nà Khum")
    await bot.press(OTHER_RESIDENT, "Bỏ qua")
    await bot.press(OTHER_RESIDENT, "Gửi")
    assert bot.rows("SELECT id, COALESCE(cluster_id, id) FROM questions") == [(1, 1), (2, 1)]


async def test_same_request_about_another_place_is_not_a_duplicate(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text="Đề nghị sửa chữa đường bê tông liên thôn Bản Nà Khum")
    await start_question(
        bot, OTHER_RESIDENT, "Đề nghị sửa chữa đường bê tông liên thôn Bản Vàng Bó"
    )
    if bot.labels(OTHER_RESIDENT)[-1] == "Vẫn gửi ý kiến của tôi":
        await bot.press(OTHER_RESIDENT, "Vẫn gửi ý kiến của tôi")
    await bot.press(OTHER_RESIDENT, "Bản Vàng Bó")
    await bot.press(OTHER_RESIDENT, "Bỏ qua")
    await bot.press(OTHER_RESIDENT, "Gửi")
    assert bot.rows("SELECT id, COALESCE(cluster_id, id) FROM questions") == [(1, 1), (2, 2)]


async def test_own_questions_are_never_offered_back(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=LAND)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Đất đai")
    await bot.send(RESIDENT, LAND_TEEN)
    assert bot.labels(RESIDENT) == ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"]


async def test_index_is_rebuilt_after_a_restart(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=LAND)
    await bot.restart()
    await start_question(bot, OTHER_RESIDENT, LAND_TEEN)
    assert LAND in bot.last_text(OTHER_RESIDENT)


async def test_complaint_is_pointed_to_citizen_reception_but_can_be_sent(bot: Harness) -> None:
    text = "Tôi làm đơn tố cáo cán bộ địa chính xã nhận tiền của dân khi làm sổ đỏ"
    await start_question(bot, RESIDENT, text)
    notice = bot.last_text(RESIDENT)
    assert "tiếp công dân" in notice and "trụ sở UBND xã" in notice
    await bot.press(RESIDENT, "Vẫn gửi ý kiến")
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    await bot.press(RESIDENT, "Gửi")
    assert bot.rows("SELECT text, flag FROM questions") == [(text, "complaint")]


async def test_complaint_can_be_withdrawn_and_nothing_is_kept(bot: Harness) -> None:
    await start_question(bot, RESIDENT, "Khiếu nại quyết định thu hồi đất của UBND xã năm 2025")
    await bot.press(RESIDENT, "Hủy")
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_other_category_gets_a_suggestion_that_never_overrides(bot: Harness) -> None:
    text = "Gia đình tôi xin cấp đổi giấy chứng nhận quyền sử dụng đất bị sai diện tích"
    await start_question(bot, RESIDENT, text, category="Khác")
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    assert "Chuyển sang nhóm “Đất đai”" in bot.labels(RESIDENT)
    await bot.press(RESIDENT, "Gửi")
    assert bot.rows("SELECT category, suggested_category FROM questions") == [("other", "land")]

    await start_question(bot, OTHER_RESIDENT, text + " ở Bản Vàng Bó", category="Khác")
    if "Vẫn gửi ý kiến của tôi" in bot.labels(OTHER_RESIDENT):
        await bot.press(OTHER_RESIDENT, "Vẫn gửi ý kiến của tôi")
    await bot.press(OTHER_RESIDENT, "Bản Vàng Bó")
    await bot.press(OTHER_RESIDENT, "Bỏ qua")
    await bot.press(OTHER_RESIDENT, "Chuyển sang nhóm “Đất đai”")
    assert "Nhóm vấn đề: Đất đai" in bot.last_text(OTHER_RESIDENT)
    await bot.press(OTHER_RESIDENT, "Gửi")
    assert bot.rows("SELECT category FROM questions WHERE id = 2") == [("land",)]
