"""`python -m bot run`: every channel that has a token, in one process, on one database.

Telegram's JobQueue runs the scheduled work when Telegram is configured; a Zalo-only commune
gets the same ticks from a small loop here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import ALLOWED_UPDATES, OUTBOX_EVERY, TICK_EVERY, build_application, run_tick
from bot.config import Settings
from bot.outbox import Blocked, Outbox, RetryLater, Sender, Transient
from bot.services import Services, open_services
from domain.texts import load_texts

log = logging.getLogger(__name__)


class ChannelStartError(Exception):
    """A channel refused to start (bad token, unreachable API): one line for the admin."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


async def _periodic(services: Services, senders: dict[str, Sender], outbox: Outbox) -> None:
    ticks = 0
    flush_every = OUTBOX_EVERY.total_seconds()
    tick_every = int(TICK_EVERY.total_seconds() // flush_every) or 1
    while True:
        await asyncio.sleep(flush_every)
        ticks += 1
        try:
            if ticks % tick_every == 0:
                await run_tick(services, senders)
            await outbox.flush()
        except Exception:
            log.exception("scheduled work failed; will try again")


async def serve(settings: Settings) -> None:
    texts = load_texts()
    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = None
    zalo = None
    web_server = None
    background: list[asyncio.Task[None]] = []
    try:
        if settings.telegram.token:
            app = build_application(settings, services=services)
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            senders: dict[str, Sender] = app.bot_data["senders"]
            outbox: Outbox = app.bot_data["outbox"]
        else:
            senders = {}
            outbox = Outbox(services.store, services.clock, senders, {})
            background.append(asyncio.create_task(_periodic(services, senders, outbox)))
        if settings.zalo.enabled:
            from bot.zalo_channel import ZaloApiError, ZaloChannel

            zalo = ZaloChannel(settings.zalo, services, outbox=outbox)
            outbox.add_channel("zalo", zalo.sender, settings.zalo.per_second)
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
        await stop.wait()
    finally:
        if web_server is not None:
            await web_server.stop()
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if zalo is not None:
            await zalo.stop()
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        await services.close()
