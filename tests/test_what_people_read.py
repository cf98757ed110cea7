"""What residents read, as they read it: a first message that fits a phone's screen, the
details one tap away, each title once, one form of address per dialogue, one voice, one name
for each thing, and no message longer than a phone shows unless it quotes someone."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.phone_width import LIMIT, long_messages, render_all
from bot.config import ConfigError, parse_settings
from bot.zalo_updates import render
from domain.address import parse_address
from domain.texts import load_texts
from handlers.io import Choice, Reply
from tests.fakes.telegram_api import TOKEN
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness, base_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
PHONE_SCREEN = 400
TEXT = "Đề nghị mở lớp tin học miễn phí cho đoàn viên thanh niên trong xã vào dịp hè"


def example_config(db: Path) -> dict[str, Any]:
    config = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    config["telegram"]["token"] = TOKEN
    config["storage"]["path"] = str(db)
    config["roles"] = {"admins": [ADMIN], "officials": [OFFICIAL]}
    return config


def youth(config: dict[str, Any], *, only: bool = False) -> dict[str, Any]:
    """The test config with a youth dialogue that says "bạn" (alone, or beside BL26)."""
    second = dict(config["dialogues"][0])
    second.update(code="TN26", title="Đối thoại với đoàn viên thanh niên năm 2026", address="bạn")
    config["dialogues"] = [second] if only else [*config["dialogues"], second]
    return config


def first_screen(text: str) -> int:
    """What the first message takes on Zalo, the channel that types the choices under it."""
    choices = (Choice("agree", "Tôi đồng ý"), Choice("decline", "Không đồng ý"))
    return len(render(Reply(text, choices)))


# --- the first message ------------------------------------------------------------------


async def test_first_message_fits_one_phone_screen(bot: Harness) -> None:
    [sent] = await bot.send(RESIDENT, "/start")
    text = sent.text
    assert len(text) <= PHONE_SCREEN and first_screen(text) <= PHONE_SCREEN, len(text)
    assert text.startswith("Xin chào ông/bà!")
    assert "xã Bình Lư" in text and "17:00 ngày 15/12/2026" in text
    assert text.rstrip().endswith("/dulieu")  # the details, one tap away
    assert "mã tài khoản trò chuyện" not in text  # no jargon
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (datetime(2027, 2, 1, 3, 0, tzinfo=UTC), "Đang có 2 hội nghị nhận ý kiến"),
        (datetime(2027, 4, 1, 3, 0, tzinfo=UTC), "Hạn gửi: 17:00 ngày 15/06/2027"),
        (datetime(2027, 7, 1, 3, 0, tzinfo=UTC), "chưa có hội nghị nào đang nhận ý kiến"),
    ],
    ids=["two-open", "one-open", "none-open"],
)
async def test_first_message_of_the_example_plan_fits_too(
    tmp_path: Path, now: datetime, shown: str
) -> None:
    harness = Harness(tmp_path / "example.sqlite3", example_config(tmp_path / "example.sqlite3"))
    harness.clock.now = now
    await harness.start()
    try:
        [sent] = await harness.send(RESIDENT, "/start")
        assert shown in sent.text
        assert first_screen(sent.text) <= PHONE_SCREEN, len(sent.text)
        # The long titles come when choosing, not in the greeting.
        assert "đoàn viên, hội viên năm 2027" not in sent.text
    finally:
        await harness.stop()


async def test_details_are_one_tap_away_and_store_nothing(bot: Harness) -> None:
    await bot.send(RESIDENT, "/start")
    [details] = await bot.send(RESIDENT, "/dulieu")
    for part in ("UBND xã Bình Lư lưu", "họ tên", "thôn, tổ dân phố", "Mục đích", "/tatthongbao"):
        assert part in details.text
    assert "Nghị định 13/2023/NĐ-CP" in details.text
    assert len(details.text) <= LIMIT
    assert bot.labels(RESIDENT) == ["Tôi đồng ý", "Không đồng ý"]
    assert bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    await bot.press(RESIDENT, "Tôi đồng ý")
    assert bot.rows("SELECT consent FROM residents") == [("granted",)]
    # Once agreed, /dulieu shows what is stored and offers to delete it.
    await bot.send(RESIDENT, "/dulieu")
    assert "đang được lưu" in bot.last_text(RESIDENT)
    assert "Xóa dữ liệu của tôi" in bot.labels(RESIDENT)


# --- the form of address ------------------------------------------------------------------


async def test_a_youth_dialogue_says_ban_from_greeting_to_answer(tmp_path: Path) -> None:
    db = tmp_path / "youth.sqlite3"
    harness = Harness(db, youth(base_config(db), only=True))
    await harness.start()
    try:
        [first] = await harness.send(RESIDENT, "/start")
        assert first.text.startswith("Xin chào bạn!") and "xin bạn đồng ý" in first.text
        await harness.press(RESIDENT, "Tôi đồng ý")
        receipt = await harness.submit(RESIDENT, text=TEXT, category="Khác")
        assert "Đã tiếp nhận ý kiến của bạn" in receipt
        await harness.send(OFFICIAL, "/traloi TN26-0001")
        await harness.press(OFFICIAL, "Viết câu trả lời")
        await harness.send(OFFICIAL, "Xã mở lớp tin học tại nhà văn hóa từ tháng 7.")
        await harness.press(OFFICIAL, "Ghi nhận và báo người dân")
        await harness.app.bot_data["outbox"].flush()
        assert "Ý kiến TN26-0001 của bạn đã có trả lời" in harness.last_text(RESIDENT)
        everything = "\n".join(harness.api.texts(RESIDENT))
        assert "ông/bà" not in everything.lower()
    finally:
        await harness.stop()


async def test_each_dialogue_keeps_its_own_address(tmp_path: Path) -> None:
    db = tmp_path / "two.sqlite3"
    harness = Harness(db, youth(base_config(db)))
    await harness.start()
    try:
        await harness.consent(RESIDENT)
        # Before a dialogue is chosen the two differ: the polite "ông/bà".
        assert harness.last_text(RESIDENT).endswith("Ông/bà muốn làm gì?")
        await harness.press(RESIDENT, "Gửi ý kiến")
        prompt = harness.last_text(RESIDENT)
        assert prompt.startswith("Ông/bà gửi ý kiến cho hội nghị nào?")
        await harness.press(RESIDENT, "Hội nghị 2")  # the youth dialogue, second by deadline
        assert harness.last_text(RESIDENT) == "Ý kiến của bạn thuộc nhóm vấn đề nào?"
        await harness.press(RESIDENT, "Khác")
        assert harness.last_text(RESIDENT).startswith("Mời bạn viết")
        await harness.send(RESIDENT, TEXT)
        assert harness.last_text(RESIDENT) == "Bạn ở thôn, tổ dân phố nào?"
        await harness.press(RESIDENT, "Bản Nà Khum")
        assert harness.last_text(RESIDENT).startswith("Bạn có thể ghi họ tên")
        await harness.press(RESIDENT, "Bỏ qua")
        assert harness.last_text(RESIDENT).startswith("Xin bạn kiểm tra lại")
        sent = await harness.press(RESIDENT, "Gửi")
        assert "Đã tiếp nhận ý kiến của bạn. Mã tiếp nhận: TN26-0001" in sent[-1].text
        assert sent[-1].text.endswith("Bạn muốn làm gì?")
        # Back at the menu later, the resident who wrote to the youth dialogue is still "bạn".
        await harness.send(RESIDENT, "/cuatoi")
        assert harness.last_text(RESIDENT).startswith("Bạn đã gửi 1 ý kiến")
        await harness.consent(OTHER_RESIDENT)
        assert harness.last_text(OTHER_RESIDENT).endswith("Ông/bà muốn làm gì?")
    finally:
        await harness.stop()


async def test_an_admin_sets_the_address_and_a_restart_keeps_it(bot: Harness) -> None:
    sent = await bot.send(ADMIN, "/xungho BL26 anh chi")
    assert "Xưng hô với người dân: anh/chị" in sent[-1].text
    assert bot.rows("SELECT address, overrides FROM dialogues") == [("anh/chị", '["address"]')]
    await bot.restart()  # the config says nothing, so "ông/bà", but the admin's choice stays
    [first] = await bot.send(RESIDENT, "/start")
    assert first.text.startswith("Xin chào anh/chị!")
    bad = await bot.send(ADMIN, "/xungho BL26 cô/chú")
    assert "/xungho MÃ ông/bà" in bad[-1].text
    assert bot.rows("SELECT address FROM dialogues") == [("anh/chị",)]
    refused = await bot.send(OFFICIAL, "/xungho BL26 bạn")
    assert "chỉ dành cho quản trị viên" in refused[-1].text


def test_the_config_sets_the_address_and_refuses_others(tmp_path: Path) -> None:
    config = youth(base_config(tmp_path / "c.sqlite3"))
    config["dialogues"][1]["address"] = "Anh/Chị"
    settings = parse_settings(config)
    assert [d.address for d in settings.dialogues] == ["ông/bà", "anh/chị"]
    config["dialogues"][1]["address"] = "cô/chú"
    with pytest.raises(ConfigError) as error:
        parse_settings(config)
    assert error.value.key == "dialogues[1].address"
    assert '"ông/bà", "anh/chị", "bạn"' in error.value.problem
    assert [parse_address(a) for a in ("ong ba", "BẠN", "anh / chị", "em")] == [
        "ông/bà",
        "bạn",
        "anh/chị",
        None,
    ]


# --- the catalog as a whole ---------------------------------------------------------------

RESIDENT_BUTTONS = {"consent.agree", "menu.mine", "data.forget", "send.own"}
QUOTED = re.compile(r"“[^”]*”")
I_ALONE = re.compile(r"(?<![Cc]húng )\b[Tt]ôi\b")


def resident_texts() -> dict[str, str]:
    return {r.key: r.text for r in render_all() if r.resident}


def test_one_voice_one_name_one_kind_of_quotes() -> None:
    texts = load_texts()
    everything = {key: texts.template(key) for key in list(texts.keys())}
    for key, template in everything.items():
        assert "«" not in template and "»" not in template, key  # Vietnamese quotes “…”
        assert "Thôn/tổ" not in template and "thôn (bản" not in template, key
        assert "người quan tâm" not in template and "muốn hỏi điều này" not in template, key
    for key, text in resident_texts().items():
        # The form of address always comes from the dialogue, never written in.
        assert "ông/bà" not in everything[key].lower(), key
        # The bot says "chúng tôi"; "tôi" alone is only the resident's voice on a button.
        if key not in RESIDENT_BUTTONS:
            unquoted = QUOTED.sub("", text)  # “Ý kiến của tôi” names the resident's button
            assert not I_ALONE.search(unquoted), key
        # Lengths are said in words, not counted in characters.
        assert "ký tự" not in text, key


def test_no_resident_message_needs_scrolling_unless_it_quotes_someone() -> None:
    long = [r for r in long_messages(LIMIT) if r.resident and not r.quotes]
    assert long == [], [(r.key, r.length) for r in long]
