"""At least once in, exactly once handled: every update is on disk before the channel is told it
arrived, and handled from there.

A channel adapter hands what it fetched (or what its webhook received) to `Inbox.put`, which
writes it to the `inbox` table in one transaction and only then returns, so the adapter may
confirm it to the channel (Telegram: the next getUpdates moves the offset; Zalo: the webhook
answers 200). The update is then handled; the engine's transaction marks it handled
(`processed_updates`) and removes its inbox row together with everything it changed, so a crash
at any moment either leaves the row (handled again at the next start) or commits all of it.
A failed attempt is tried again a few times, later.

`ChatOrder` is the one mechanism that keeps a chat's updates in order: concurrent across chats,
one at a time within a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from domain.models import InboxItem
from handlers.engine import Clock
from storage.base import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=5)  # times the attempts so far
RESCAN_EVERY = 2.0  # seconds: rows left by a crash or waiting for a retry
RESCAN_BATCH = 500
STOP_GRACE = 10.0


class ChatOrder:
    """Concurrent across chats, strictly in order within one chat.

    The chat's lock is taken before one of the slots, so a burst from one chat waits outside
    and never holds slots that other residents' updates need. Waiters get a chat's lock in the
    order they asked for it, which is the order the updates arrived in.
    """

    def __init__(self, slots: int) -> None:
        self._slots = asyncio.Semaphore(slots)
        # chat -> (lock, number of updates holding or waiting for it)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat: str | None) -> AsyncIterator[None]:
        if chat is None:
            async with self._slots:
                yield
            return
        lock, users = self._locks.get(chat, (asyncio.Lock(), 0))
        self._locks[chat] = (lock, users + 1)
        try:
            async with lock, self._slots:
                yield
        finally:
            lock, users = self._locks[chat]
            if users == 1:
                del self._locks[chat]
            else:
                self._locks[chat] = (lock, users - 1)


@dataclass
class Attempt:
    """What became of one attempt at an update, told by the adapter's handler."""

    first: bool = True  # no attempt before this one failed
    handled: bool = False  # the engine's transaction committed: the row is gone with it
    error: BaseException | None = None


# The attempt under way in this task, for handlers called through a framework that swallows
# their errors (python-telegram-bot's error handlers).
current: ContextVar[Attempt | None] = ContextVar("inbox_attempt", default=None)


@dataclass(frozen=True)
class Entry:
    """One update as the channel delivered it: its redelivery key, its chat, its JSON."""

    key: str
    chat: str | None
    body: str


class Inbox:
    def __init__(
        self,
        store: Store,
        channel: str,
        handle: Callable[[InboxItem], Awaitable[None]],
        clock: Clock,
        order: ChatOrder,
    ) -> None:
        self.store = store
        self.channel = channel
        self.handle = handle
        self.clock = clock
        self.order = order
        self.handled = 0  # attempts finished, for logs and tests
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._scanner: asyncio.Task[None] | None = None
        self._accepting = True

    async def put(self, entries: Sequence[Entry]) -> int:
        """Write `entries` to disk, then start handling the new ones; returns how many were new.
        Only after this returns may the channel be told they arrived."""
        if not entries:
            return 0
        now = self.clock()
        fresh: list[InboxItem] = []
        async with self.store.transaction() as tx:
            for e in entries:
                if await tx.inbox_add(self.channel, e.key, e.chat, e.body, now):
                    fresh.append(InboxItem(self.channel, e.key, e.chat, e.body))
        # No await between the commit and here: a rescan cannot start these a second time.
        for item in fresh:
            self._spawn(item)
        return len(fresh)

    async def start(self) -> None:
        """Start what a crash left (before anything new arrives, so chats stay in order)."""
        await self._rescan()
        self._scanner = asyncio.create_task(self._rescan_loop(), name=f"inbox-{self.channel}")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Finish the updates in hand (for `grace` seconds); the rest stay for the next start."""
        self._accepting = False
        if self._scanner is not None:
            self._scanner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scanner
            self._scanner = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("%s: %d updates left for the next start", self.channel, len(pending))
                await asyncio.wait(pending)

    async def idle(self) -> None:
        """Wait until every update in hand has been handled (for tests and benchmarks)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def _spawn(self, item: InboxItem) -> None:
        if item.update_key in self._busy or not self._accepting:
            return
        self._busy.add(item.update_key)
        task = asyncio.create_task(self._one(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _rescan_loop(self) -> None:
        while True:
            await asyncio.sleep(RESCAN_EVERY)
            try:
                await self._rescan()
            except Exception:
                log.exception("%s inbox: rescan failed; will try again", self.channel)

    async def _rescan(self) -> None:
        async with self.store.reader() as rd:
            items = await rd.inbox_due(self.channel, self.clock(), RESCAN_BATCH)
        for item in items:
            self._spawn(item)

    async def _one(self, item: InboxItem) -> None:
        attempt = Attempt(first=item.attempts == 0)
        token = current.set(attempt)
        try:
            async with self.order.turn(item.chat):
                await self.handle(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            attempt.error = exc
        finally:
            current.reset(token)
            self._busy.discard(item.update_key)
            self.handled += 1
        try:
            await self._settle(item, attempt)
        except Exception:
            log.exception("%s inbox: could not settle update %s", self.channel, item.update_key)

    async def _settle(self, item: InboxItem, attempt: Attempt) -> None:
        if attempt.handled:
            return  # removed by the engine's own transaction
        now = self.clock()
        async with self.store.transaction() as tx:
            if attempt.error is None:
                # Nothing for the flows (an edited message, a group's chatter): handled as is.
                await tx.first_delivery(self.channel, item.update_key, now)
                return
            tries = await tx.inbox_retry(
                self.channel, item.update_key, now + RETRY_AFTER * (item.attempts + 1)
            )
            if tries >= MAX_ATTEMPTS:
                await tx.first_delivery(self.channel, item.update_key, now)
        log.warning(
            "%s update %s failed (attempt %d of %d): %s",
            self.channel,
            item.update_key,
            tries,
            MAX_ATTEMPTS,
            attempt.error,
        )
