"""A crowd against a Bot API that answers 429 the way Telegram does: about 30 messages a second
overall, a short burst and then one a second per private chat. Every reply goes through the
channel's one limiter (bot/limiter.py); a reply that still cannot be sent becomes a delivery row
(a receipt above all) and the outbox sends it later.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from bot.limiter import Limiter
from domain.models import Audience, Consent
from handlers.admin import start_broadcast
from tests.harness import Harness

FIRST = 610_001
RESIDENTS = 40
SUBSCRIBERS = 120
CODE = re.compile(r"BL26-\d{4}")
NOTICE = "Thông báo: lịch tiếp công dân tuần này vào sáng thứ Năm tại trụ sở xã."


def telegram_like(harness: Harness) -> None:
    harness.api.rate_limit = 30
    harness.api.chat_burst = 4


async def resident(bot: Harness, chat: int) -> str:
    await bot.consent(chat)
    return await bot.submit(chat, text=f"Đề nghị sửa lại đoạn đường bị sụt lún trước nhà số {chat}")


async def test_a_crowd_gets_every_receipt_during_a_broadcast(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "crowd.sqlite3", real_pace=True)
    telegram_like(bot)
    await bot.start()
    try:
        services = bot.app.bot_data["services"]
        now = services.clock()
        async with services.store.transaction() as tx:
            for chat in range(900_001, 900_001 + SUBSCRIBERS):
                await tx.record_consent("telegram", str(chat), str(chat), Consent.GRANTED, now)
            bid = await tx.create_broadcast(NOTICE, Audience("all"), now, "telegram:901", now, None)
            await start_broadcast(tx, bid, now)
        outbox = bot.app.bot_data["outbox"]
        broadcast = asyncio.create_task(outbox.flush())
        chats = range(FIRST, FIRST + RESIDENTS)
        receipts = await asyncio.gather(*(resident(bot, chat) for chat in chats))
        await broadcast
        await outbox.flush()  # anything kept for later
    finally:
        await bot.stop()

    assert bot.api.too_many == 0  # paced below the limits, not just obeying them
    stored = dict(bot.rows("SELECT resident_id, receipt_code FROM questions"))
    assert len(stored) == RESIDENTS
    for chat, receipt in zip(chats, receipts, strict=True):
        # Exactly one receipt each, with the code stored for them.
        (code,) = set(CODE.findall(receipt))
        assert [t for t in bot.api.texts(chat) if code in t] == [receipt]
    got = {c for c in range(900_001, 900_001 + SUBSCRIBERS) if NOTICE in bot.api.texts(c)}
    assert len(got) == SUBSCRIBERS
    for chat in chats:
        times = [s.at for s in bot.api.by_chat[chat]]
        # Never more than Telegram's burst in a row without the second per message after it.
        assert all(b - a >= 0.9 for a, b in zip(times, times[3:], strict=False)), chat


async def test_a_long_text_sent_back_in_parts_keeps_the_chats_pace(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "long.sqlite3", real_pace=True)
    telegram_like(bot)
    await bot.start()
    try:
        await bot.consent(FIRST)
        await bot.press(FIRST, "Gửi ý kiến")
        await bot.press(FIRST, "Đất đai")
        # Far over the limit: stored nowhere, sent back whole in parts of at most 4096.
        long_text = "\n".join(f"Đoạn {i}: " + "đường sụt lún " * 60 for i in range(30))
        sent = await bot.send(FIRST, long_text)
    finally:
        await bot.stop()
    assert len(sent) >= 4
    assert bot.api.too_many == 0
    back = "".join(s.text for s in sent)
    for i in range(30):
        assert f"Đoạn {i}:" in back
    times = [s.at for s in bot.api.by_chat[FIRST]]
    assert all(b - a >= 0.9 for a, b in zip(times, times[3:], strict=False))


async def test_a_receipt_that_cannot_be_sent_now_is_sent_later(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "later.sqlite3", real_pace=True)
    await bot.start()
    try:
        await bot.consent(FIRST)
        await bot.press(FIRST, "Gửi ý kiến")
        await bot.press(FIRST, "Hạ tầng")
        await bot.send(FIRST, "Đề nghị lắp đèn đường ở ngõ 5 Bản Nà Khum, tối quá")
        await bot.press(FIRST, "Bản Nà Khum")
        await bot.press(FIRST, "Bỏ qua")
        # Telegram asks for more patience than a resident's reply can wait, then the network
        # fails: the receipt must not be lost.
        too_long = {"parameters": {"retry_after": 600}, "description": "Too Many Requests"}
        bot.api.failures.extend([(429, {"ok": False, "error_code": 429, **too_long})])
        sent = await bot.press(FIRST, "Gửi")
        assert not any(CODE.search(s.text) for s in sent)
        (code,) = [c for (c,) in bot.rows("SELECT receipt_code FROM questions")]
        kept = bot.rows("SELECT kind, status, text FROM deliveries")
        assert [(k, st) for k, st, _ in kept] == [("reply", "pending")]
        assert code in kept[0][2]
        # The next round of the outbox sends it, with the choices as a numbered list.
        assert await bot.app.bot_data["outbox"].flush() == 1
    finally:
        await bot.stop()
    last = bot.last_text(FIRST)
    assert code in last and "\n1. " in last
    assert bot.rows("SELECT status FROM deliveries") == [("sent",)]


async def test_the_limiter_obeys_retry_after_with_bounded_retries(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "retry.sqlite3", real_pace=True)
    await bot.start()
    try:
        slow = {"ok": False, "error_code": 429, "parameters": {"retry_after": 1}}
        bot.api.failures.extend([(429, slow), (429, slow)])
        started = asyncio.get_running_loop().time()
        sent = await bot.send(FIRST, "/start")
        waited = asyncio.get_running_loop().time() - started
        limiter = bot.app.bot_data["limiter"]
        assert limiter.retry_afters == 2 and waited >= 1.9
        assert len(sent) == 1 and "xã Bình Lư" in sent[0].text
        # More 429s than the limiter obeys: the reply is kept, nothing raised to the resident.
        bot.api.failures.extend([(429, slow)] * 5)
        await bot.send(FIRST, "/help")
        assert limiter.retry_afters == 2 + 5
        assert bot.rows("SELECT kind, status FROM deliveries") == [("reply", "pending")]
    finally:
        await bot.stop()


async def test_a_held_up_event_loop_does_not_bunch_sends_past_the_pace() -> None:
    # Booked slots alone let every send whose moment passed while the loop was busy (a commit,
    # a busy core) go at once: 40 sends at 10 a second with the loop blocked for half a second
    # put 15 into one second. The window check keeps any second at the pace.
    limiter = Limiter(10)
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def call() -> None:
        starts.append(loop.time())

    async def hold_up() -> None:
        await asyncio.sleep(0.55)
        time.sleep(0.5)  # noqa: ASYNC251 (the point: the whole loop stops, as under a long step)

    await asyncio.gather(hold_up(), *(limiter.send(None, call) for _ in range(40)))
    assert len(starts) == 40
    busiest = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    assert busiest <= 10
