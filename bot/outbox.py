"""Durable delivery of messages sent outside a conversation (answers, notices, conclusions).

Each message is a row written before it is sent; the row is marked right after the channel
accepts it. Sends go one at a time, so a crash can repeat at most the one message that was in
flight, and a restart skips no one. Each channel is paced by its own limit; a RetryAfter from
the channel pauses that channel for as long as it asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from domain.models import Delivery, DeliveryStatus
from handlers.engine import Clock
from storage.base import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Telegram's per-chat limits: one message a second in a private chat, 20 a minute in a group.
PER_CHAT_GAP = 1.0
PER_GROUP_GAP = 3.0
MAX_RETRY_AFTER_WAITS = 10
BATCH = 100


class Blocked(Exception):
    """The person blocked the bot or the chat is gone: do not try again."""


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Transient(Exception):
    """A network error or a server hiccup: try again, a bounded number of times."""


class Sender(Protocol):
    async def send_text(self, chat_id: str, text: str) -> None: ...

    async def send_file(
        self, chat_id: str, data: bytes, filename: str, kind: str, caption: str
    ) -> None: ...

    async def send_file_ref(self, chat_id: str, file_ref: str, file_name: str) -> None: ...


class Pacer:
    """Spaces sends `1 / per_second` apart; `pause` holds everything back after a 429."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        # A send that started late (slow answer, busy CPU) may be made up for by one slot: the
        # rate averages out at `per_second` and a second never holds more than one extra send
        # (at 28/s that stays under Telegram's 30).
        slot = max(self._next, now - self.interval)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


class Outbox:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        senders: dict[str, Sender],
        per_second: dict[str, float] | None = None,
        on_progress: Callable[[bool], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.senders = senders
        rates = per_second or {}
        self.pacers = {channel: Pacer(rates.get(channel, 25.0)) for channel in senders}
        self.on_progress = on_progress
        self.retry_afters = 0
        self._lock = asyncio.Lock()
        self._last_to: dict[tuple[str, str], float] = {}

    def add_channel(self, channel: str, sender: Sender, per_second: float) -> None:
        self.senders[channel] = sender
        self.pacers[channel] = Pacer(per_second)

    async def flush(self) -> int:
        """Send everything pending on the channels we have; returns how many were sent."""
        if self._lock.locked():
            return 0  # a flush is already running and will pick up new rows
        sent = 0
        async with self._lock:
            while True:
                async with self.store.reader() as rd:
                    batch = [d for d in await rd.due_deliveries(BATCH) if d.channel in self.senders]
                if not batch:
                    break
                for delivery in batch:
                    if await self._deliver(delivery):
                        sent += 1
                if self.on_progress is not None:
                    await self.on_progress(False)
        if self.on_progress is not None:
            # Nothing left to send: the admin sees the final summary now, not at the next round.
            await self.on_progress(True)
        return sent

    async def _deliver(self, delivery: Delivery) -> bool:
        status = await self._send_one(delivery)
        async with self.store.transaction() as tx:
            if status is None:
                attempts = await tx.retry_later(delivery.id, "transient")
                if attempts >= MAX_ATTEMPTS:
                    await tx.mark_delivery(
                        delivery.id, DeliveryStatus.FAILED, self.clock(), "transient"
                    )
            else:
                await tx.mark_delivery(delivery.id, status, self.clock())
                if status is DeliveryStatus.BLOCKED:
                    # Not retried again, by this or any later notice.
                    await tx.deactivate(delivery.channel, delivery.chat_id)
        return status is DeliveryStatus.SENT

    async def _chat_gap(self, delivery: Delivery) -> None:
        """Space messages to one chat; only matters when one chat has several waiting."""
        key = (delivery.channel, delivery.chat_id)
        gap = PER_GROUP_GAP if delivery.chat_id.startswith("-") else PER_CHAT_GAP
        last = self._last_to.get(key)
        if last is not None:
            wait = last + gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_to[key] = time.monotonic()
        if len(self._last_to) > 10_000:
            cutoff = time.monotonic() - PER_GROUP_GAP
            self._last_to = {k: t for k, t in self._last_to.items() if t > cutoff}

    async def _send_one(self, delivery: Delivery) -> DeliveryStatus | None:
        sender = self.senders[delivery.channel]
        pacer = self.pacers[delivery.channel]
        for _ in range(MAX_RETRY_AFTER_WAITS):
            await self._chat_gap(delivery)
            await pacer.wait()
            try:
                await sender.send_text(delivery.chat_id, delivery.text)
                if delivery.file_ref:
                    await sender.send_file_ref(
                        delivery.chat_id, delivery.file_ref, delivery.file_name or ""
                    )
                return DeliveryStatus.SENT
            except Blocked:
                return DeliveryStatus.BLOCKED
            except RetryLater as wait:
                self.retry_afters += 1
                pacer.pause(wait.seconds)
            except Transient:
                log.warning("delivery %s failed, will retry", delivery.id)
                return None
        return None
