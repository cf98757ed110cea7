"""Long polling for Telegram that confirms an update only once it is on disk.

python-telegram-bot's Updater moves the getUpdates offset on its next poll, which comes before
the updates it queued are handled: a crash in between loses them. Here the fetched updates are
written to the inbox (bot/inbox.py) first; only then does the next getUpdates carry the offset
that confirms them.

Telegram serves one poller per token: a second getUpdates ends the first one's with 409
Conflict. At start this process polls for `PROBE_SECONDS` without confirming anything; if a
running bot answers that by polling again, this process gets the 409 and refuses to start
(`SecondPoller`). A running bot that gets a 409 keeps polling, so it is the newcomer that
stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.inbox import Entry, Inbox

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open when nothing comes
PROBE_SECONDS = 2.0
PROBE_POLL = 1  # seconds of each probing getUpdates
CONFLICT_PAUSE = 0.2  # short, so a newcomer's probe meets our next poll and sees the 409
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class SecondPoller(Exception):
    """Another process polls this bot's updates (Telegram answered 409 Conflict)."""


def entry_of(update: Update) -> Entry:
    chat = update.effective_chat
    return Entry(
        key=str(update.update_id),
        chat=None if chat is None else str(chat.id),
        body=json.dumps(update.to_dict(), ensure_ascii=False),
    )


class TelegramPoller:
    def __init__(
        self,
        bot: Any,
        inbox: Inbox,
        *,
        timeout: int = POLL_TIMEOUT,
        probe_seconds: float = PROBE_SECONDS,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.timeout = timeout
        self.probe_seconds = probe_seconds
        self.conflicts = 0
        self._task: asyncio.Task[None] | None = None

    async def probe(self) -> None:
        """Raises SecondPoller if another process polls the same token."""
        # getUpdates is refused while a webhook is registered.
        await self.bot.delete_webhook()
        deadline = time.monotonic() + self.probe_seconds
        while time.monotonic() < deadline:
            try:
                # No offset: what this returns stays unconfirmed, for the real loop.
                await self.bot.get_updates(
                    timeout=PROBE_POLL, limit=1, allowed_updates=ALLOWED_UPDATES
                )
            except Conflict as exc:
                raise SecondPoller(str(exc)) from exc
            await asyncio.sleep(CONFLICT_PAUSE)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="telegram-poll")

    @property
    def stopped(self) -> asyncio.Task[None] | None:
        """The polling task: it ends only if polling cannot go on (a revoked token)."""
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        offset: int | None = None
        delay = 0.0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES
                )
            except Conflict:
                self.conflicts += 1
                log.warning("another process polls this bot's token (409 Conflict); kept polling")
                await asyncio.sleep(CONFLICT_PAUSE)
                continue
            except InvalidToken:
                log.error("the Telegram token was revoked; polling stopped")
                return
            except (NetworkError, TimedOut, TelegramError) as exc:
                # The network, a Bot API hiccup: keep polling, more slowly.
                delay = min(BACKOFF_MAX, max(BACKOFF_MIN, delay * 2))
                log.warning("telegram getUpdates failed (%s); again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            if not updates:
                continue
            await self._keep([entry_of(u) for u in updates])
            offset = updates[-1].update_id + 1

    async def _keep(self, entries: list[Entry]) -> None:
        """Until they are on disk the offset must not move: try until the database takes them."""
        wait = BACKOFF_MIN
        while True:
            try:
                await self.inbox.put(entries)
                return
            except Exception:
                log.exception("could not keep %d updates; again in %.0f s", len(entries), wait)
                await asyncio.sleep(wait)
                wait = min(BACKOFF_MAX, wait * 2)
