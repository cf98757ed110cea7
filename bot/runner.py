"""`python -m bot run`: every channel that has a token, in one process, on one database.

Telegram's JobQueue runs the scheduled work when Telegram is configured; a Zalo-only commune
gets the same ticks from a small loop here. Updates come in through each channel's inbox
(bot/inbox.py): on disk before the channel is told they arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from typing import Any

from telegram import Update

from bot import telegram_channel as tg
from bot.app import (
    MAX_CONCURRENT_UPDATES,
    OUTBOX_EVERY,
    TICK_EVERY,
    build_application,
    run_tick,
)
from bot.config import Settings
from bot.inbox import ChatOrder, Inbox
from bot.outbox import Blocked, Outbox, RetryLater, Sender, Transient
from bot.services import Services, open_services
from bot.telegram_poll import TelegramPoller
from domain.models import InboxItem
from domain.texts import load_texts

log = logging.getLogger(__name__)


class ChannelStartError(Exception):
    """A channel refused to start (bad token, unreachable API): one line for the admin."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class PollingStopped(Exception):
    """Telegram polling ended by itself (a revoked token): exit so the service restarts."""


async def _periodic(services: Services, senders: dict[str, Sender], outbox: Outbox) -> None:
    ticks = 0
    flush_every = OUTBOX_EVERY.total_seconds()
    tick_every = int(TICK_EVERY.total_seconds() // flush_every) or 1
    # The first flush comes at once: deliveries a crash left behind go out now.
    while True:
        try:
            if ticks and ticks % tick_every == 0:
                await run_tick(services, senders)
            await outbox.flush()
        except Exception:
            log.exception("scheduled work failed; will try again")
        await asyncio.sleep(flush_every)
        ticks += 1


def telegram_inbox(app: Any, services: Services) -> Inbox:
    """Telegram updates handled from the inbox by the Application's own handlers."""

    async def handle(item: InboxItem) -> None:
        await app.process_update(Update.de_json(json.loads(item.body), app.bot))

    return Inbox(
        services.store, tg.CHANNEL, handle, services.clock, ChatOrder(MAX_CONCURRENT_UPDATES)
    )


async def serve(settings: Settings) -> None:
    texts = load_texts()
    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = None
    zalo = None
    poller: TelegramPoller | None = None
    inbox: Inbox | None = None
    web_server = None
    background: list[asyncio.Task[None]] = []
    try:
        if settings.telegram.token:
            app = build_application(settings, services=services)
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            inbox = telegram_inbox(app, services)
            poller = TelegramPoller(app.bot, inbox)
            # Before anything is sent or handled: a second bot on this token stops here.
            await poller.probe()
            await app.start()
            await inbox.start()
            await poller.start()
            senders: dict[str, Sender] = app.bot_data["senders"]
            outbox: Outbox = app.bot_data["outbox"]
            # What a crash left unsent goes out now, not at the job queue's next round.
            app.create_task(outbox.flush(), name="outbox")
        else:
            senders = {}
            outbox = Outbox(services.store, services.clock, senders, owner=services.owner)
            background.append(asyncio.create_task(_periodic(services, senders, outbox)))
        if settings.zalo.enabled:
            from bot.zalo_channel import ZaloApiError, ZaloChannel

            zalo = ZaloChannel(settings.zalo, services, outbox=outbox)
            outbox.add_channel("zalo", zalo.sender)
            try:
                await zalo.start()
            except (ZaloApiError, Blocked) as exc:
                raise ChannelStartError(
                    "zalo.token", texts("runner.zalo_refused", problem=exc)
                ) from exc
            except (Transient, RetryLater) as exc:
                raise ChannelStartError(
                    "zalo.base_url", texts("runner.zalo_unreachable", problem=exc)
                ) from exc
        if settings.web.enabled:
            # The office's page, in this process: the same services and clustering engine as
            # the conversations, and answers it records go out through this outbox at once.
            from bot.web.server import outbox_waker, start_web

            web_server = await start_web(services, outbox_waker(outbox.flush))
        log.info(texts("runner.running"))
        await _until(stop, poller)
    finally:
        if web_server is not None:
            await web_server.stop()
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if poller is not None:
            await poller.stop()
        if inbox is not None:
            await inbox.stop()
        if zalo is not None:
            await zalo.stop()
        if app is not None:
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        await services.close()


async def _until(stop: asyncio.Event, poller: TelegramPoller | None) -> None:
    """Until SIGTERM/SIGINT, or until Telegram polling gave up by itself."""
    waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(stop.wait())]
    if poller is not None and poller.stopped is not None:
        waits.append(poller.stopped)
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    waits[0].cancel()
    if not stop.is_set():
        raise PollingStopped()
