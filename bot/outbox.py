"""Durable delivery of messages sent outside a conversation (answers, notices, conclusions), and
of replies that could not be sent when they were written.

Each message is a row written before it is sent. A process claims a few rows (`sending`, with
its name and the time), sends them concurrently through the channel's limiter (bot/limiter.py,
which paces everything the channel sends) and marks each one right after the channel accepted
it. So two processes never send one row twice, and a crash can repeat at most the rows that were
in flight (`IN_FLIGHT`): they are handed back to `pending` once their owner is known to be dead
(its process is gone, or it has not renewed its claims for `CLAIM_STALE`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.inbox import ChatOrder
from domain.models import Delivery, DeliveryStatus
from handlers.engine import Clock
from storage.base import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Sends in flight at once: enough to keep a channel with 100 ms answers at its pace.
IN_FLIGHT = 8
# A claim not renewed for this long belongs to a process that is gone (on another machine;
# on this one the process table tells at once).
CLAIM_STALE = timedelta(minutes=2)
RENEW_EVERY = 20.0  # seconds
# A failed attempt waits this long times the attempts so far.
RETRY_BACKOFF = timedelta(seconds=5)


class Blocked(Exception):
    """The person blocked the bot or the chat is gone: do not try again."""


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Transient(Exception):
    """A network error or a server hiccup: try again, a bounded number of times."""


class Sender(Protocol):
    async def send_text(self, chat_id: str, text: str, *, urgent: bool = False) -> None:
        """`urgent`: someone is waiting for it (a reply), so it goes before bulk sends."""
        ...

    async def send_file(
        self, chat_id: str, data: bytes, filename: str, kind: str, caption: str
    ) -> None: ...

    async def send_file_ref(self, chat_id: str, file_ref: str, file_name: str) -> None: ...


@dataclass(frozen=True)
class Owner:
    """Who holds a claim: this machine, this process, and this start of it."""

    host: str
    pid: int
    nonce: str

    @classmethod
    def here(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), secrets.token_hex(4))

    @property
    def name(self) -> str:
        return f"{self.host}:{self.pid}:{self.nonce}"

    def outlived(self, other: str, last_claim: datetime, now: datetime) -> bool:
        """Whether the owner named `other` is surely gone, so its claims can be taken back."""
        if other == self.name:
            return False
        host, _, rest = other.partition(":")
        pid_text, _, _ = rest.partition(":")
        if host == self.host and pid_text.isdigit():
            pid = int(pid_text)
            # Our own pid under another name is an earlier start of this process (a container
            # restarted); any other pid is alive only if the process table has it.
            if pid == self.pid or not _alive(pid):
                return True
        return now - last_claim > CLAIM_STALE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class Outbox:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        senders: dict[str, Sender],
        *,
        owner: Owner | None = None,
        on_progress: Callable[[bool], Awaitable[None]] | None = None,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.store = store
        self.clock = clock
        self.senders = senders
        self.owner = owner or Owner.here()
        self.on_progress = on_progress
        self.in_flight = in_flight
        # Messages to one chat go out in the order they were written, one at a time.
        self._order = ChatOrder(in_flight)
        self._lock = asyncio.Lock()
        self._again = False
        self._renewed = 0.0

    def add_channel(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    async def flush(self) -> int:
        """Send everything due on the channels we have; returns how many were sent."""
        if self._lock.locked():
            self._again = True  # the running flush picks up what was just written
            return 0
        sent = 0
        async with self._lock:
            await self.release_dead()
            channels = tuple(sorted(self.senders))
            active: set[asyncio.Task[bool]] = set()
            more = True
            while True:
                if self._again:
                    self._again, more = False, True
                free = self.in_flight - len(active)
                if more and free > 0:
                    async with self.store.transaction() as tx:
                        batch = await tx.claim_deliveries(
                            self.owner.name, channels, free, self.clock()
                        )
                    more = len(batch) == free
                    active |= {asyncio.create_task(self._deliver(d)) for d in batch}
                if not active:
                    break
                done, active = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(1 for task in done if task.result())
                await self._renew()
                if self.on_progress is not None:
                    await self.on_progress(False)
        if self.on_progress is not None:
            # Nothing left to send: the admin sees the final summary now, not at the next round.
            await self.on_progress(True)
        return sent

    async def release_dead(self) -> int:
        """Hand back what processes that died had claimed; returns how many rows."""
        now = self.clock()
        async with self.store.reader() as rd:
            owners = await rd.claim_owners()
        dead = [name for name, last in owners if self.owner.outlived(name, last, now)]
        if not dead:
            return 0
        async with self.store.transaction() as tx:
            count = await tx.release_claims(dead)
        log.info("%d deliveries claimed by %s before they stopped: sent again", count, dead)
        return count

    async def _renew(self) -> None:
        if time.monotonic() - self._renewed < RENEW_EVERY:
            return
        self._renewed = time.monotonic()
        async with self.store.transaction() as tx:
            await tx.renew_claims(self.owner.name, self.clock())

    async def _deliver(self, delivery: Delivery) -> bool:
        async with self._order.turn(f"{delivery.channel}:{delivery.chat_id}"):
            status, error = await self._send_one(delivery)
        now = self.clock()
        async with self.store.transaction() as tx:
            if status is None:
                wait = RETRY_BACKOFF * (delivery.attempts + 1)
                attempts = await tx.retry_later(delivery.id, error, now + wait)
                if attempts >= MAX_ATTEMPTS:
                    await tx.mark_delivery(delivery.id, DeliveryStatus.FAILED, now, error)
            else:
                await tx.mark_delivery(delivery.id, status, now)
                if status is DeliveryStatus.BLOCKED:
                    # Not retried again, by this or any later notice.
                    await tx.deactivate(delivery.channel, delivery.chat_id)
        return status is DeliveryStatus.SENT

    async def _send_one(self, delivery: Delivery) -> tuple[DeliveryStatus | None, str]:
        sender = self.senders[delivery.channel]
        try:
            await sender.send_text(delivery.chat_id, delivery.text, urgent=delivery.kind == "reply")
            if delivery.file_ref:
                await sender.send_file_ref(
                    delivery.chat_id, delivery.file_ref, delivery.file_name or ""
                )
        except Blocked:
            return DeliveryStatus.BLOCKED, ""
        except RetryLater as wait:
            # The limiter obeyed as many 429s as it will for one message; later, then.
            return None, f"retry after {wait.seconds:.0f} s"
        except Transient as exc:
            log.warning("delivery %s failed, will retry: %s", delivery.id, exc)
            return None, "transient"
        except Exception as exc:
            # A refusal nobody foresaw must not stop the other sends; bounded attempts.
            log.warning("delivery %s refused: %s", delivery.id, exc, exc_info=True)
            return None, type(exc).__name__
        return DeliveryStatus.SENT, ""
