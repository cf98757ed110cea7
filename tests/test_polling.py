"""Long polling survives what a broken or hostile Bot API server sends: an update that cannot be
read is logged once and skipped, and the updates after it are handled."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.runner import telegram_inbox
from bot.telegram_poll import TelegramPoller
from tests.harness import RESIDENT, Harness


async def test_an_unreadable_update_is_skipped_and_polling_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = Harness(tmp_path / "bot.sqlite3")
    await bot.start()
    api = bot.api
    no_date = api.text_update(RESIDENT, "/start")
    del no_date["message"]["date"]
    no_message_id = api.text_update(RESIDENT, "/start")
    del no_message_id["message"]["message_id"]
    for update in (no_date, no_message_id):
        api.push(update)
    api.push_text(RESIDENT, "/start")
    caplog.set_level(logging.WARNING)
    await bot.app.start()
    # As `run` polls (bot/runner.py): fetched into the inbox, handled from it.
    inbox = telegram_inbox(bot.app, bot.app.bot_data["services"])
    poller = TelegramPoller(bot.app.bot, inbox, timeout=1)
    await inbox.start()
    await poller.start()
    try:
        await api.wait_for_reply(RESIDENT, 1, within=5)
        assert "Tôi đồng ý" in [label for label, _ in api.last(RESIDENT).buttons]
        # One poll answered the three; the next ones start after them (and wait, long polling).
        await asyncio.sleep(0.5)
        polls = [params for method, params in api.calls if method == "getUpdates"]
        assert len(polls) <= 4
        assert int(polls[-1].get("offset") or 0) > no_message_id["update_id"]
    finally:
        await poller.stop()
        await inbox.stop()
        await bot.app.stop()
        await bot.stop()
    skipped = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert [str(no_date["update_id"]) in r.getMessage() for r in skipped] == [True, False]
    assert [str(no_message_id["update_id"]) in r.getMessage() for r in skipped] == [False, True]
    # Logged by number only: what the update says stays out of the log.
    assert not any("/start" in r.getMessage() for r in caplog.records)
