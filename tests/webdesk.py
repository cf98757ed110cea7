"""The office's web page over the real bot: the python-telegram-bot Application on the fake Bot
API (tests/harness.py), and the page served from the same services with aiohttp's test
client, on the same SQLite file. An official signs in the way they would: /web in the chat,
the link, the button."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient, TestServer

from bot.services import Services
from bot.web.app import build_web_app
from bot.web.server import outbox_waker
from tests.harness import OFFICIAL, Harness, base_config

WEB_PORT = 8765  # only in the links' text: the test client serves on a port of its own
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
LINK_RE = re.compile(r"https?://\S+/dang-nhap/\S+")

ROAD = "Đề nghị sửa chữa đường liên thôn Bản Nà Khum bị sụt lún nhiều đoạn, đi lại khó khăn"
ROAD_AGAIN = "Đường liên thôn bản Nà Khum sụt lún nhiều đoạn, đề nghị xã sửa chữa sớm cho dân đi"
LAND = "xin cap so do cho cac ho ban na khum, nop ho so 2 nam roi ko thay tra loi"
POOR = "Đề nghị xem xét hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa bão năm nay"


def desk_config(db: Path, **web: Any) -> dict[str, Any]:
    config = base_config(db)
    config["departments"] = [
        {"key": "kinh_te", "name": "Phòng Kinh tế", "categories": ["land", "infrastructure"]},
        {"key": "vh_xh", "name": "Phòng Văn hóa - Xã hội", "categories": ["social_policy"]},
    ]
    config["web"] = {"port": WEB_PORT, **web}
    return config


def services_of(bot: Harness) -> Services:
    services: Services = bot.app.bot_data["services"]
    return services


async def web_client(bot: Harness, services: Services | None = None) -> TestClient[Any, Any]:
    """The page on the bot's own services; what it queues goes out through the bot's outbox."""
    outbox = bot.app.bot_data["outbox"]
    app = build_web_app(services or services_of(bot), outbox_waker(outbox.flush))
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return client


def link_path(text: str) -> str:
    found = LINK_RE.search(text)
    assert found is not None, text
    return urlsplit(found.group(0)).path


async def link_for(bot: Harness, user: int = OFFICIAL) -> str:
    """The path of the sign-in link the bot sends `user` on /web."""
    sent = await bot.send(user, "/web")
    return link_path(sent[-1].text)


def csrf_of(page: str) -> str:
    found = CSRF_RE.search(page)
    assert found is not None, "no form on the page"
    return found.group(1)


async def sign_in(client: TestClient[Any, Any], bot: Harness, user: int = OFFICIAL) -> str:
    """Sign `user` in through the link; returns the session's CSRF token."""
    path = await link_for(bot, user)
    page = await client.get(path)
    assert page.status == 200, await page.text()
    answer = await client.post(
        path, data={"csrf": csrf_of(await page.text())}, allow_redirects=False
    )
    assert answer.status == 303, await answer.text()
    # Each role lands on its own first page (the office's dialogues, the meeting, supervision).
    home = await client.get(answer.headers["Location"])
    assert home.status == 200
    return csrf_of(await home.text())


async def submit(
    bot: Harness, chat: int, text: str, category: str, village: str, name: str = "Lò Văn Minh"
) -> str:
    """A resident's question sent by buttons, as their own even when a similar one is offered;
    returns the receipt message."""
    await bot.consent(chat)
    await bot.press(chat, "Gửi ý kiến")
    await bot.press(chat, category)
    await bot.send(chat, text)
    if "Vẫn gửi ý kiến của tôi" in bot.labels(chat):
        await bot.press(chat, "Vẫn gửi ý kiến của tôi")
    await bot.press(chat, village)
    await bot.send(chat, name)
    sent = await bot.press(chat, "Gửi")
    return sent[-1].text


async def received(bot: Harness, chat: int, words: str, within: float = 5.0) -> str:
    """The message holding `words` that the outbox sent to `chat`, waiting for it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for text in reversed(bot.api.texts(chat)):
            if words in text:
                return text
        await asyncio.sleep(0.02)
    raise AssertionError(f"{chat} never received {words!r}: {bot.api.texts(chat)[-3:]}")
