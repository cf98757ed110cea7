"""The resident's path, the same scenarios on every channel: Telegram, Zalo polling, Zalo webhook.

A driver per channel speaks as a resident would there: on Telegram a choice is a button press,
on Zalo it is typed (the label, as residents do; the numbered-list replies are tested in
test_zalo.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.harness import Harness
from tests.test_zalo import ZaloWorld

QUESTION = "Đề nghị sửa chữa cầu treo qua suối Nậm Lò của Bản Nà Khum trước mùa lũ"


class Resident(Protocol):
    async def say(self, text: str) -> list[str]: ...
    async def choose(self, label: str) -> list[str]: ...
    async def sticker(self) -> list[str]: ...
    async def say_twice(self, text: str) -> list[str]: ...
    async def restart(self) -> None: ...
    def set_now(self, moment: datetime) -> None: ...
    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...


class TelegramResident:
    def __init__(self, bot: Harness, chat: int) -> None:
        self.bot, self.chat = bot, chat

    async def say(self, text: str) -> list[str]:
        return [s.text for s in await self.bot.send(self.chat, text)]

    async def choose(self, label: str) -> list[str]:
        return [s.text for s in await self.bot.press(self.chat, label)]

    async def sticker(self) -> list[str]:
        return [s.text for s in await self.bot.media(self.chat, "sticker")]

    async def say_twice(self, text: str) -> list[str]:
        update = self.bot.api.text_update(self.chat, text)
        first = await self.bot.deliver(update)
        second = await self.bot.deliver(update)
        return [s.text for s in first + second]

    async def restart(self) -> None:
        await self.bot.restart()

    def set_now(self, moment: datetime) -> None:
        self.bot.clock.now = moment

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.bot.rows(sql)


class ZaloResident:
    def __init__(self, world: ZaloWorld, user: str) -> None:
        self.world, self.user = world, user

    async def say(self, text: str) -> list[str]:
        return await self.world.say(self.user, text)

    async def choose(self, label: str) -> list[str]:
        return await self.world.say(self.user, label)

    async def sticker(self) -> list[str]:
        before = len(self.world.api.by_chat[self.user])
        await self.world.deliver(self.world.api.sticker_update(self.user))
        return self.world.api.texts(self.user)[before:]

    async def say_twice(self, text: str) -> list[str]:
        before = len(self.world.api.by_chat[self.user])
        update = self.world.api.text_update(self.user, text)
        await self.world.deliver(update)
        # The redelivery is handled (counted) but must change nothing and answer nothing.
        await self.world.deliver(update)
        return self.world.api.texts(self.user)[before:]

    async def restart(self) -> None:
        """A new process on the same database and the same Zalo bot."""
        await self.world.channel.stop()
        await self.world.services.close()
        await self.world.start_bot()

    def set_now(self, moment: datetime) -> None:
        self.world.clock.now = moment

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.world.rows(sql)


@pytest.fixture(params=["telegram", "zalo-polling", "zalo-webhook"])
async def resident(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Resident]:
    db = tmp_path / "channels.sqlite3"
    if request.param == "telegram":
        bot = Harness(db)
        await bot.start()
        yield TelegramResident(bot, 6001)
        await bot.stop()
    else:
        world = ZaloWorld(db, request.param.split("-")[1])
        await world.start()
        yield ZaloResident(world, "6001")
        await world.stop()


async def submit(r: Resident, text: str = QUESTION, consent: bool = True) -> str:
    if consent:
        await r.say("/start")
        await r.choose("Tôi đồng ý")
    await r.choose("Gửi ý kiến")
    await r.choose("Hạ tầng")
    await r.say(text)
    await r.choose("Bản Nà Khum")
    await r.choose("Bỏ qua")
    return (await r.choose("Gửi"))[-1]


async def test_submission_receipt_and_my_questions(resident: Resident) -> None:
    receipt = await submit(resident)
    assert "Mã tiếp nhận: BL26-0001" in receipt
    mine = "\n".join(await resident.say("/cuatoi"))
    assert "BL26-0001" in mine and "Hạ tầng" in mine and "Đã tiếp nhận" in mine
    assert resident.rows("SELECT text FROM questions") == [(QUESTION,)]


async def test_bad_input_and_redelivery(resident: Resident) -> None:
    await resident.say("/start")
    await resident.choose("Tôi đồng ý")
    await resident.choose("Gửi ý kiến")
    await resident.choose("Hạ tầng")
    assert "chỉ nhận tin nhắn chữ" in "\n".join(await resident.sticker())
    assert "Tin nhắn trống" in "\n".join(await resident.say("   "))
    replies = await resident.say_twice(QUESTION)
    assert len([r for r in replies if "thôn" in r]) == 1  # answered once, not twice
    await resident.choose("Bản Nà Khum")
    await resident.choose("Bỏ qua")
    await resident.choose("Gửi")
    assert resident.rows("SELECT COUNT(*) FROM questions") == [(1,)]


async def test_restart_mid_conversation_and_cancel(resident: Resident) -> None:
    await resident.say("/start")
    await resident.choose("Tôi đồng ý")
    await resident.choose("Gửi ý kiến")
    await resident.choose("Hạ tầng")
    await resident.say(QUESTION)
    await resident.restart()
    # The conversation continues where it was: the village answers the village question.
    assert "họ tên" in "\n".join(await resident.choose("Bản Nà Khum"))
    assert "Đã hủy" in "\n".join(await resident.say("/huy"))
    assert resident.rows("SELECT COUNT(*) FROM questions") == [(0,)]
    assert "BL26-0001" in await submit(resident, consent=False)


async def test_after_the_deadline_sending_is_refused(resident: Resident) -> None:
    resident.set_now(datetime(2026, 12, 16, tzinfo=UTC))
    await resident.say("/start")
    await resident.choose("Tôi đồng ý")
    refusal = "\n".join(await resident.choose("Gửi ý kiến"))
    assert "hết hạn" in refusal and "17:00 ngày 15/12/2026" in refusal
    assert "Hội trường lớn" in refusal


async def test_own_question_is_not_offered_back(resident: Resident) -> None:
    await submit(resident)
    await resident.choose("Gửi ý kiến")
    await resident.choose("Hạ tầng")
    # The resident's own question is never offered back: straight to the village.
    replies = "\n".join(await resident.say(QUESTION))
    assert "Đã có ý kiến tương tự" not in replies
