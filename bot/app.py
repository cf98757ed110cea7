"""Composition root: builds the Telegram application and lists its handlers in order."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import admin_jobs, meeting_jobs, office_jobs
from bot import telegram_channel as tg
from bot.admin_jobs import BroadcastProgress
from bot.aiohttp_request import AiohttpRequest
from bot.config import Settings
from bot.limiter import TELEGRAM_GROUP, TELEGRAM_PRIVATE, Limiter, TelegramLimiter
from bot.outbox import Outbox, Sender
from bot.services import Services, open_services, utc_now
from handlers.engine import Clock
from storage.base import Store

log = logging.getLogger(__name__)

# Enough to keep hundreds of residents' conversations moving at once; each chat stays in order.
MAX_CONCURRENT_UPDATES = 64
PRUNE_EVERY = timedelta(hours=6)
OUTBOX_EVERY = timedelta(seconds=30)
TICK_EVERY = timedelta(minutes=1)


def build_application(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    store: Store | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    register_commands: bool = True,
    services: Services | None = None,
    limiter: Limiter | None = None,
) -> Application:  # type: ignore[type-arg]
    """The one place that wires settings, services and handlers together.

    `request` / `get_updates_request` let tests put a fake transport under the real Application;
    `limiter` another pace (tests that are not about pacing answer at once).
    """

    owned = services is None

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        opened = services or await open_services(settings, clock=clock, store=store)
        app.bot_data["services"] = opened
        await wire(app, opened)

    async def wire(app: Application, services: Services) -> None:  # type: ignore[type-arg]
        if register_commands:
            await tg.register_commands(app.bot, services)
        senders: dict[str, Sender] = {tg.CHANNEL: tg.TelegramSender(app.bot)}
        app.bot_data["senders"] = senders
        progress = BroadcastProgress(services, app.bot)
        app.bot_data["progress"] = progress
        app.bot_data["outbox"] = Outbox(
            services.store,
            services.clock,
            senders,
            owner=services.owner,
            on_progress=progress.update,
        )
        if app.job_queue is not None:
            app.job_queue.run_repeating(prune_processed, interval=PRUNE_EVERY, first=1)
            # Deliveries left pending by a crash or a network outage go out on the next round.
            app.job_queue.run_repeating(flush_outbox, interval=OUTBOX_EVERY, first=2)
            app.job_queue.run_repeating(office_tick, interval=TICK_EVERY, first=5)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        opened: Services | None = app.bot_data.get("services")
        # Services handed in by the runner are closed by the runner, after every channel.
        if opened is not None and owned:
            await opened.close()

    # One pace for everything the bot sends through Telegram (bot/limiter.py).
    if limiter is None:
        limiter = Limiter(
            settings.reminders.per_second, private=TELEGRAM_PRIVATE, group=TELEGRAM_GROUP
        )
    where = {"base_url": settings.telegram.base_url} if settings.telegram.base_url else {}
    bot = tg.ReadingBot(
        settings.telegram.checked_token(),
        # aiohttp under the framework: the Bot API calls are most of the bot's CPU (see README).
        request=request or AiohttpRequest(pool_size=256),
        get_updates_request=get_updates_request or AiohttpRequest(pool_size=1),
        rate_limiter=TelegramLimiter(limiter),
        **where,
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        # Updates are fetched and kept by bot/telegram_poll.py, not by the framework's Updater.
        .updater(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["limiter"] = limiter

    app.add_handler(CallbackQueryHandler(tg.on_update))
    # Private chats: the whole conversation. Groups: only the office's commands (filtered in
    # telegram_channel.to_inbound).
    app.add_handler(MessageHandler(~filters.UpdateType.EDITED, tg.on_update))
    app.add_error_handler(tg.on_error)
    return app


async def flush_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    outbox: Outbox = context.bot_data["outbox"]
    await outbox.flush()


async def office_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    done = await run_tick(tg.services_of(context), context.bot_data["senders"])
    if done:
        log.info("scheduled: %s", ", ".join(done))
        outbox: Outbox = context.bot_data["outbox"]
        context.application.create_task(outbox.flush(), name="outbox")


async def run_tick(services: Services, senders: dict[str, Sender]) -> list[str]:
    """Everything time-driven, decided from the database: safe to run at any moment."""
    now = services.clock()
    done = await admin_jobs.start_due_broadcasts(services, now)
    done += await admin_jobs.plan_reminders(services, now)
    done += await office_jobs.tick(services, senders)
    done += await meeting_jobs.tick(services, now)
    local = now.astimezone(services.settings.commune.tz)
    chat = await office_jobs.office_chat(services, tg.CHANNEL)
    sender = senders.get(tg.CHANNEL)
    if chat and sender and local.time() >= services.settings.digest.time:
        done += await admin_jobs.remind_office(services, sender, chat, now)
    return done


async def prune_processed(context: ContextTypes.DEFAULT_TYPE) -> None:
    removed = await tg.services_of(context).engine.prune()
    if removed:
        log.info("forgot %d old update keys", removed)
