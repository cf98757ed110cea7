"""One pace per channel for everything the bot sends: conversation replies, the outbox, office
jobs, progress edits.

A channel allows so many messages a second overall and, per chat, a short burst and then about
one a second (Telegram: about 30 a second overall, one a second in a private chat, 20 a minute in
a group). Every send waits for its turn on both; a "slow down" answer (429 with `retry_after`)
pauses the whole channel for as long as it asks and the send is tried again, a bounded number of
times, after which the error reaches the caller (who keeps the message as a delivery row).

Residents waiting for a reply go before bulk sends: a bulk send takes a slot only when the
channel's next free slot is at most `BULK_LOOKAHEAD` away, so the queue in front of a reply is
never more than that.

Booking slots is not enough on its own: when the event loop is held up (a commit, a busy core)
several booked sends wake together and reach the server within a few milliseconds. So each send
also checks, as it starts, how many sends started in the last second, and waits while that is
already the channel's pace.

Order within one chat is not this module's job: a chat's replies are sent one after the other by
the turn that produced them, and turns of one chat run one at a time (bot/inbox.py ChatOrder).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.outbox import RetryLater

log = logging.getLogger(__name__)

T = TypeVar("T")

# How far ahead of now a bulk send may book the channel: a resident's reply waits at most this
# long behind a broadcast.
BULK_LOOKAHEAD = 0.1
# A 429 is obeyed this many times for one send; after that the caller keeps the message.
MAX_RETRIES = 4
# Never wait longer than this on one 429 before giving the message back to the caller.
MAX_RETRY_AFTER = 60.0
# Chats pruned from memory once they have been quiet this long.
CHAT_MEMORY = 60.0


@dataclass(frozen=True)
class Pace:
    """A rate with a burst: `burst` sends at once, then one every `1 / per_second`."""

    per_second: float
    burst: int = 1

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


# Telegram's limits for bots (core.telegram.org/bots/faq): one message a second in a private chat
# with short bursts allowed, 20 a minute in a group.
TELEGRAM_PRIVATE = Pace(1.0, burst=3)
TELEGRAM_GROUP = Pace(1 / 3.0, burst=1)


class _Gcra:
    """The generic cell rate algorithm: `reserve` books the earliest moment a send may go, so
    sends booked one after another go out in that order."""

    def __init__(self, pace: Pace) -> None:
        self.interval = pace.interval
        self.tolerance = (pace.burst - 1) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next send

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def reserve(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; both forms are handled.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay: Any = exc.retry_after
    return float(delay.total_seconds()) if hasattr(delay, "total_seconds") else float(delay)


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds a "slow down" error asks to wait, from PTB's RetryAfter or the outbox's own."""
    if isinstance(exc, RetryLater):
        return exc.seconds
    if isinstance(exc, RetryAfter):
        return retry_seconds(exc)
    return None


class Limiter:
    """The pace of one channel. `send` waits for a slot, calls, and obeys "slow down"."""

    def __init__(
        self,
        per_second: float,
        *,
        private: Pace | None = None,
        group: Pace | None = None,
        max_retries: int = MAX_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overall = _Gcra(Pace(per_second))
        self.private = private
        self.group = group
        self.max_retries = max_retries
        self.clock = clock
        self.paused_until = 0.0
        self._pauses = 0
        self._chats: dict[str, _Gcra] = {}
        self._pruned_at = 0.0
        # Start times of the sends of the last second, for the window check in `_channel_turn`.
        self._window = max(1, math.ceil(per_second))
        self._started: deque[float] = deque()
        # Counters for logs, tests and benchmarks.
        self.sent = 0
        self.retry_afters = 0

    def pause(self, seconds: float) -> None:
        """Hold every send back for `seconds` (a 429 applies to the whole bot)."""
        until = self.clock() + min(seconds, MAX_RETRY_AFTER)
        if until > self.paused_until:
            self.paused_until = until
            self.overall.tat = max(self.overall.tat, until)
            self._pauses += 1

    async def send(
        self, chat: str | None, call: Callable[[], Awaitable[T]], *, urgent: bool = True
    ) -> T:
        for attempt in range(self.max_retries + 1):
            await self._chat_turn(chat)
            await self._channel_turn(urgent)
            try:
                result = await call()
            except Exception as exc:
                delay = retry_after_of(exc)
                if delay is None:
                    raise
                self.retry_afters += 1
                if attempt == self.max_retries or delay > MAX_RETRY_AFTER:
                    raise
                log.info("slow down asked for %.1f s; send to %s tried again", delay, chat)
                self.pause(delay)
                continue
            self.sent += 1
            return result
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _chat_turn(self, chat: str | None) -> None:
        pace = self._pace_of(chat)
        if chat is None or pace is None:
            return
        now = self.clock()
        self._prune(now)
        gcra = self._chats.get(chat)
        if gcra is None:
            gcra = self._chats[chat] = _Gcra(pace)
        at = gcra.earliest(now)
        gcra.reserve(at)
        if at > now:
            await asyncio.sleep(at - now)

    def _pace_of(self, chat: str | None) -> Pace | None:
        if chat is None:
            return None
        # Telegram's group and channel ids are negative; Zalo's are not numbers at all.
        return self.group if chat.startswith("-") else self.private

    async def _channel_turn(self, urgent: bool) -> None:
        while True:
            now = self.clock()
            at = self.overall.earliest(max(now, self.paused_until))
            if not urgent and at - now > BULK_LOOKAHEAD:
                # Come back when the channel is nearly free; replies booked meanwhile go first.
                await asyncio.sleep(at - now - BULK_LOOKAHEAD)
                continue
            pauses = self._pauses
            self.overall.reserve(at)
            if at > now:
                await asyncio.sleep(at - now)
            if self._pauses == pauses:
                await self._window_turn()
                return
            # A 429 arrived while this send waited: its slot fell inside the pause; book again.

    async def _window_turn(self) -> None:
        """Wait while the pace's worth of sends already started in the last second."""
        started = self._started
        while True:
            now = self.clock()
            while started and now - started[0] >= 1.0:
                started.popleft()
            if len(started) < self._window:
                started.append(now)
                return
            await asyncio.sleep(started[0] + 1.0 - now)

    def _prune(self, now: float) -> None:
        if now - self._pruned_at < CHAT_MEMORY or len(self._chats) < 1000:
            return
        self._pruned_at = now
        self._chats = {c: g for c, g in self._chats.items() if g.tat > now - CHAT_MEMORY}


# Bot API methods that put something in a chat; the rest (getUpdates, answerCallbackQuery,
# setMyCommands, getMe...) are not messages and are not paced.
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)
BULK = "bulk"  # rate_limit_args for sends nobody is waiting for (the outbox, progress edits)


class TelegramLimiter(BaseRateLimiter[str]):
    """Puts every Bot API call python-telegram-bot makes through the channel's Limiter."""

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in SENDING:
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        return await self.limiter.send(
            None if chat is None else str(chat),
            lambda: callback(*args, **kwargs),
            urgent=rate_limit_args != BULK,
        )
