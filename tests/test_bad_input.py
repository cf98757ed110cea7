"""Bad input gets a clear, polite Vietnamese answer and loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import OFFICIAL, RESIDENT, Harness
from tests.test_office import office_config

TEXT = "Đề nghị xã kiểm tra việc đổ rác thải ra suối Nậm Lò gây ô nhiễm nguồn nước"


async def to_write_text(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Khác")


def step(bot: Harness) -> str:
    rows = bot.rows("SELECT step FROM conversations WHERE chat_id = ?", str(RESIDENT))
    return str(rows[0][0])


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document"])
async def test_media_is_refused_politely_and_the_step_kept(bot: Harness, kind: str) -> None:
    await to_write_text(bot)
    sent = await bot.media(RESIDENT, kind)
    assert len(sent) == 1
    assert "chỉ nhận tin nhắn chữ" in sent[0].text
    assert "không quá 300 chữ" in sent[0].text  # the current question is asked again
    assert step(bot) == "write_text"
    await bot.send(RESIDENT, TEXT)
    assert step(bot) == "pick_village"


@pytest.mark.parametrize("kind", ["sticker", "voice"])
async def test_media_before_consent_and_at_choices(bot: Harness, kind: str) -> None:
    sent = await bot.media(RESIDENT, kind)
    assert "chỉ nhận tin nhắn chữ" in sent[0].text
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]
    assert bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    await bot.press(RESIDENT, "Tôi đồng ý")
    await bot.press(RESIDENT, "Gửi ý kiến")
    sent = await bot.media(RESIDENT, kind)
    assert "chỉ nhận tin nhắn chữ" in sent[0].text
    assert bot.labels(RESIDENT) == ["Đất đai", "Chính sách xã hội", "Hạ tầng", "Khác"]


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
async def test_empty_or_blank_text(bot: Harness, blank: str) -> None:
    await to_write_text(bot)
    sent = await bot.send(RESIDENT, blank)
    assert "Tin nhắn trống" in sent[0].text
    assert step(bot) == "write_text"


async def test_too_short_text_says_what_is_missing(bot: Harness) -> None:
    await to_write_text(bot)
    sent = await bot.send(RESIDENT, "sửa đường")
    # Said in words: what to add, not how many characters are missing.
    assert "quá ngắn" in sent[0].text and "việc gì, ở đâu" in sent[0].text
    assert "ký tự" not in sent[0].text
    assert step(bot) == "write_text"


async def test_too_long_text_is_given_back_to_shorten(bot: Harness) -> None:
    await to_write_text(bot)
    long_text = ("Kiến nghị về việc cấp giấy chứng nhận quyền sử dụng đất. " * 30).strip()
    assert len(long_text) > 1500
    sent = await bot.send(RESIDENT, long_text)
    joined = "\n".join(s.text for s in sent)
    # The limit and the cut in words (1,709 characters over a 1,500 limit: about 50 words).
    assert "(300 chữ)" in joined and "bớt khoảng 50 chữ" in joined and "chưa được lưu" in joined
    assert "ký tự" not in joined
    assert long_text in joined.replace("\n", " ") or long_text in joined
    assert step(bot) == "write_text"
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]
    await bot.send(RESIDENT, long_text[:1400])
    assert step(bot) == "pick_village"


async def test_text_at_telegram_maximum_is_echoed_in_pieces(bot: Harness) -> None:
    await to_write_text(bot)
    words = "Đề nghị tăng cường kiểm tra xử lý vi phạm trật tự xây dựng. "
    huge = (words * 80)[:4096].strip()
    sent = await bot.send(RESIDENT, huge)
    assert len(sent) >= 2
    assert all(len(s.text) <= 4096 for s in sent)
    assert "".join(s.text for s in sent).count("Đề nghị tăng cường") >= huge.count(
        "Đề nghị tăng cường"
    )


async def test_unknown_command_mid_step_keeps_the_step(bot: Harness) -> None:
    await to_write_text(bot)
    sent = await bot.send(RESIDENT, "/xyz")
    assert "Không có lệnh /xyz" in sent[0].text
    assert step(bot) == "write_text"


async def test_known_command_mid_step_is_obeyed(bot: Harness) -> None:
    await to_write_text(bot)
    await bot.send(RESIDENT, "/hoinghi")
    assert "Hội trường lớn" in bot.last_text(RESIDENT)
    assert step(bot) == "menu"
    await bot.send(RESIDENT, "/gui@hoichutichxa_bot")
    assert step(bot) == "pick_category"


async def test_text_that_matches_no_choice(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    sent = await bot.send(RESIDENT, "9")
    assert "chọn một mục" in sent[0].text
    assert bot.labels(RESIDENT) == ["Đất đai", "Chính sách xã hội", "Hạ tầng", "Khác"]


async def test_bad_name_is_asked_again(bot: Harness) -> None:
    await to_write_text(bot)
    await bot.send(RESIDENT, TEXT)
    await bot.press(RESIDENT, "Bản Nà Khum")
    sent = await bot.send(RESIDENT, "0912345678")
    assert "không chứa chữ số" in sent[0].text
    assert step(bot) == "write_name"


async def test_old_button_changes_nothing(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.press(RESIDENT, "Gửi ý kiến")
    await bot.press(RESIDENT, "Khác")
    before = step(bot)
    # "Hướng dẫn" from the first menu message, long since replaced.
    sent = await bot.press(RESIDENT, "Hướng dẫn", index=1)
    assert sent == []
    assert "tin nhắn cũ" in str(bot.api.answers[-1].get("text"))
    assert step(bot) == before


async def test_garbage_callback_data(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    sent = await bot.deliver(bot.api.callback_update(RESIDENT, "not-a-payload"))
    assert sent == []
    assert bot.api.answers[-1].get("text")


async def test_double_tap_on_send_stores_one_question(bot: Harness) -> None:
    await to_write_text(bot)
    await bot.send(RESIDENT, TEXT)
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    first = bot.api.press_update(RESIDENT, "Gửi")
    second = bot.api.press_update(RESIDENT, "Gửi")
    await bot.deliver(first)
    sent = await bot.deliver(second)
    assert sent == []
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]
    assert "tin nhắn cũ" in str(bot.api.answers[-1].get("text"))


async def test_same_update_delivered_twice_is_handled_once(bot: Harness) -> None:
    await to_write_text(bot)
    text_update = bot.api.text_update(RESIDENT, TEXT)
    await bot.deliver(text_update)
    assert await bot.deliver(text_update) == []
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.press(RESIDENT, "Bỏ qua")
    confirm = bot.api.press_update(RESIDENT, "Gửi")
    await bot.deliver(confirm)
    assert await bot.deliver(confirm) == []
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]


async def test_group_chats_and_edits_are_ignored(bot: Harness) -> None:
    update = bot.api.text_update(-100200, "/start")
    update["message"]["chat"] = {"id": -100200, "type": "group", "title": "Văn phòng"}
    assert await bot.deliver(update) == []
    edited = bot.api.text_update(RESIDENT, "/start")
    edited["edited_message"] = edited.pop("message")
    assert await bot.deliver(edited) == []


async def test_internal_failure_gets_an_apology_and_keeps_the_update(bot: Harness) -> None:
    await to_write_text(bot)
    services = bot.app.bot_data["services"]
    await services.store.close()  # the database goes away under the bot
    update = bot.api.text_update(RESIDENT, TEXT)
    sent = await bot.deliver(update)
    assert "sự cố" in sent[-1].text
    await services.store.open()
    # The failed update was not marked as handled: a redelivery is processed normally.
    await bot.deliver(update)
    assert step(bot) == "pick_village"


INVISIBLE = [
    "\u200b" * 24,  # zero-width spaces
    "\u202e" * 24,  # right-to-left overrides
    "\u200f\u2067\u2069\u200d\ufeff\u2060 " * 4,  # marks, isolates, joiners, BOM, word joiner
    "\u3164" * 20 + "\u0301" * 4,  # Hangul fillers and a lone tone mark
]


@pytest.mark.parametrize("typed", INVISIBLE)
async def test_a_question_of_invisible_characters_is_empty(bot: Harness, typed: str) -> None:
    await to_write_text(bot)
    sent = await bot.send(RESIDENT, typed)
    assert "Tin nhắn trống" in sent[-1].text and step(bot) == "write_text"
    # Visible words between invisible ones are kept, without them.
    await bot.send(RESIDENT, "\u200b" + TEXT.replace(" ", " \u200b", 3) + "\u202e")
    assert step(bot) == "pick_village"
    await bot.press(RESIDENT, "Bản Nà Khum")
    await bot.send(RESIDENT, "\u200b\u200b\u200b")  # a name of three zero-width spaces
    assert step(bot) == "write_name"
    await bot.press(RESIDENT, "Bỏ qua")
    await bot.press(RESIDENT, "Gửi")
    assert bot.rows("SELECT text, author_name FROM questions") == [(TEXT, None)]


async def test_an_answer_of_invisible_characters_is_refused(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"))
    await harness.start()
    try:
        await harness.consent(RESIDENT)
        await harness.submit(RESIDENT, text=TEXT)
        await harness.send(OFFICIAL, "/traloi BL26-0001")
        await harness.press(OFFICIAL, "Viết câu trả lời")
        sent = await harness.send(OFFICIAL, "\u200b\u2066\u2069" * 8)
        assert "0 ký tự" in sent[-1].text
        assert harness.rows("SELECT answer FROM clusters") == [(None,)]
    finally:
        await harness.stop()


async def test_a_lone_surrogate_gets_a_clear_answer_and_keeps_the_step(bot: Harness) -> None:
    await to_write_text(bot)
    # A broken client's emoji: half a UTF-16 pair, which no UTF-8 database can store.
    update = bot.api.text_update(RESIDENT, TEXT + " \ud83d")
    sent = await bot.deliver(update)
    assert len(sent) == 1 and "không đọc được" in sent[0].text and "sự cố" not in sent[0].text
    assert step(bot) == "write_text"
    assert await bot.deliver(update) == []  # answered once, like any update
    await bot.send(RESIDENT, TEXT)
    assert step(bot) == "pick_village"
