"""The aiohttp transport under python-telegram-bot, against the fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from tests.fakes.telegram_api import TOKEN, FakeBotApi, serve_http


async def test_messages_files_and_long_polling_go_through() -> None:
    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    bot = Bot(
        TOKEN,
        base_url=base_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(pool_size=1),
    )
    try:
        async with bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Gửi", callback_data="1|ok")]])
            sent = await bot.send_message(chat_id=42, text="Xin chào bà con", reply_markup=markup)
            assert sent.message_id > 0
            assert api.last(42).buttons == [("Gửi", "1|ok")]
            await bot.send_document(chat_id=42, document=b"PK\x03\x04 docx", filename="bc.docx")
            assert api.files == [(42, "document", "bc.docx", b"PK\x03\x04 docx")]
            api.push_text(42, "/start")
            updates = await bot.get_updates(timeout=2)
            assert [u.message.text for u in updates if u.message] == ["/start"]
            # A long poll with nothing new waits, then answers empty, as Telegram does.
            assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()
    finally:
        await runner.cleanup()


async def test_failures_become_the_frameworks_errors() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{closed_port}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.3)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
        server.close()
