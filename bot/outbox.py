"""Durable delivery of messages sent outside a conversation (answers, notices, conclusions).

Each message is a row written before it is sent; the row is marked after the channel accepts it.
A crash between the two can repeat at most the one message in flight; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from domain.models import DeliveryStatus
from handlers.engine import Clock
from storage.base import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 50


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


class Outbox:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        senders: dict[str, Sender],
        per_second: float = 25.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.senders = senders
        self.interval = 1.0 / per_second
        self._lock = asyncio.Lock()

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
                    return sent
                for delivery in batch:
                    status = await self._send_one(delivery.channel, delivery.chat_id, delivery.text)
                    async with self.store.transaction() as tx:
                        if status is None:
                            attempts = await tx.retry_later(delivery.id, "transient")
                            if attempts >= MAX_ATTEMPTS:
                                await tx.mark_delivery(
                                    delivery.id, DeliveryStatus.FAILED, self.clock(), "transient"
                                )
                        else:
                            await tx.mark_delivery(delivery.id, status, self.clock())
                    if status is DeliveryStatus.SENT:
                        sent += 1
                    await asyncio.sleep(self.interval)

    async def _send_one(self, channel: str, chat_id: str, text: str) -> DeliveryStatus | None:
        sender = self.senders[channel]
        for _ in range(MAX_ATTEMPTS):
            try:
                await sender.send_text(chat_id, text)
                return DeliveryStatus.SENT
            except Blocked:
                return DeliveryStatus.BLOCKED
            except RetryLater as wait:
                await asyncio.sleep(wait.seconds)
            except Transient:
                log.warning("delivery to %s:%s failed, will retry", channel, chat_id)
                return None
        return None
