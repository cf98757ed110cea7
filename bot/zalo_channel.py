"""The Zalo channel: long polling or a webhook server feeding the shared engine, and the way
out for replies and the outbox (ZaloSender). The API client is bot/zalo_client.py; the
translation of updates and replies is bot/zalo_updates.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import ZaloSettings
from bot.inbox import ChatOrder, Entry, Inbox
from bot.inbox import current as current_attempt
from bot.limiter import Limiter
from bot.outbox import Outbox, RetryLater, Transient
from bot.replies import send_or_keep
from bot.services import Services
from bot.textsplit import split_text
from bot.zalo_client import MESSAGE_LIMIT, POLL_TIMEOUT, ZaloApiError, ZaloClient
from bot.zalo_updates import CHANNEL, message_date, render, to_inbound, unwrap
from domain.models import InboxItem
from domain.texts import Texts, load_texts
from handlers.io import Inbound, Outcome, Reply

__all__ = [
    "CHANNEL",
    "MESSAGE_LIMIT",
    "ZaloApiError",
    "ZaloChannel",
    "ZaloClient",
    "ZaloSender",
    "message_date",
    "render",
    "to_inbound",
    "unwrap",
]

SECRET_HEADER = "X-Bot-Api-Secret-Token"
# Errors while polling are retried after 1, 2, 4 ... seconds, never more than this.
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
# Show "typing…" only when an answer takes longer than this (reports, charts), to spare calls.
TYPING_AFTER = 0.8
DEFAULT_PER_SECOND = 10.0
# Zalo's webhook bodies are small JSON objects; anything larger is refused before parsing.
MAX_WEBHOOK_BODY = 1024 * 1024
# How long stop() lets accepted updates finish; the rest wait in the inbox for the next start.
STOP_GRACE = 10.0

log = logging.getLogger(__name__)


class ZaloSender:
    """The outbox's (and the conversation's) way out through Zalo, implementing Sender."""

    def __init__(
        self, client: ZaloClient, limiter: Limiter | None = None, *, texts: Texts | None = None
    ) -> None:
        self.client = client
        # The channel's one pace (bot/limiter.py); Zalo publishes no per-chat limits.
        self.limiter = limiter if limiter is not None else Limiter(DEFAULT_PER_SECOND)
        self.texts = texts

    async def send_text(self, chat_id: str, text: str, *, urgent: bool = False) -> None:
        for part in split_text(text, MESSAGE_LIMIT):
            if not part.strip():
                continue
            try:
                await self.limiter.send(
                    chat_id, partial(self.client.send_message, chat_id, part), urgent=urgent
                )
            except ZaloApiError as exc:
                # A refused request would be refused again; Transient lets the outbox count
                # bounded attempts and mark the row failed instead of stopping the whole flush.
                log.warning("zalo refused a message to %s: %s", chat_id, exc)
                raise Transient(str(exc)) from exc

    async def send_file(
        self, chat_id: str, data: bytes, filename: str, kind: str, caption: str
    ) -> None:
        # sendPhoto only takes a URL and there is no sendDocument: say where the file is instead.
        await self.send_text(chat_id, self.file_note(filename, len(data), caption))

    async def send_file_ref(self, chat_id: str, file_ref: str, file_name: str) -> None:
        # A document another channel holds (the signed conclusion) cannot be attached here.
        await self.send_text(chat_id, self.file_note(file_name, 0, ""))

    def file_note(self, filename: str, size: int, caption: str) -> str:
        extra = f" ({caption})" if caption.strip() else ""
        texts = self.texts or load_texts()
        return texts("zalo.file_note", name=filename, caption=extra)


class ZaloChannel:
    """The Zalo side of the bot: long polling or a webhook server, feeding the shared engine.

    Updates are processed concurrently across chats and strictly in order within one chat.
    `processed` counts finished updates (ignored and duplicate ones included).
    """

    def __init__(
        self,
        settings: ZaloSettings,
        services: Services,
        client: ZaloClient | None = None,
        *,
        outbox: Outbox | None = None,
        poll_timeout: float = POLL_TIMEOUT,
        backoff_min: float = BACKOFF_MIN,
        backoff_max: float = BACKOFF_MAX,
        max_concurrent: int = 64,
    ) -> None:
        self.settings = settings
        self.services = services
        self._owns_client = client is None
        self.client = (
            client if client is not None else ZaloClient(settings.token, settings.base_url)
        )
        self.sender = ZaloSender(self.client, Limiter(settings.per_second), texts=services.texts)
        # Set by the composition root so queued deliveries go out right after a turn needs it.
        self.outbox = outbox
        self.poll_timeout = poll_timeout
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.processed = 0
        self.me: dict[str, Any] = {}
        self.inbox = Inbox(
            services.store, CHANNEL, self._handle_item, services.clock, ChatOrder(max_concurrent)
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._secret = settings.webhook_secret.encode("utf-8")

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.settings.webhook_url).path or "/"

    @property
    def address(self) -> tuple[str, int] | None:
        """Where the webhook server listens (the real port when settings.port is 0)."""
        if self._runner is None or not self._runner.addresses:
            return None
        host, port = self._runner.addresses[0][:2]
        return str(host), int(port)

    async def start(self) -> None:
        # Fails fast on a wrong token, before anything listens or polls.
        self.me = await self.client.get_me()
        # What a crash left in the inbox goes first, before anything new arrives.
        await self.inbox.start()
        log.info("zalo bot %s (%s mode)", self.me.get("account_name", "?"), self.settings.mode)
        if self.settings.mode == "webhook":
            await self._start_webhook()
        else:
            # getUpdates does not work while a webhook is registered.
            await self.client.delete_webhook()
            self._poller = asyncio.create_task(self._poll_loop(), name="zalo-poll")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._runner is not None:
            # The webhook stays registered: Zalo keeps the messages for the next start.
            await self._runner.cleanup()
            self._runner = None
        await self.inbox.stop(STOP_GRACE)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        if self._owns_client:
            await self.client.aclose()

    async def idle(self) -> None:
        """Wait until every accepted update (and the outbox runs they woke) has finished."""
        await self.inbox.idle()
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    # --- polling ---------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        delay = 0.0
        while True:
            try:
                updates = await self.client.get_updates(self.poll_timeout)
            except RetryLater as wait:
                await asyncio.sleep(min(wait.seconds, self.backoff_max))
                continue
            except Exception as exc:
                # Whatever went wrong (network, a revoked token), keep polling, more slowly.
                delay = min(self.backoff_max, max(self.backoff_min, delay * 2))
                log.warning("zalo getUpdates failed (%s); again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            for update in updates:
                # On disk before the next poll: Zalo counts an update delivered once returned.
                await self.receive(update)

    # --- webhook ---------------------------------------------------------------------------

    async def _start_webhook(self) -> None:
        if not 8 <= len(self._secret) <= 256:
            # An empty secret would let anyone who finds the URL talk as any resident.
            raise ValueError("zalo.webhook_secret must be 8 to 256 characters")
        app = web.Application(client_max_size=MAX_WEBHOOK_BODY)
        app.router.add_post(self.webhook_path, self._on_webhook)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.listen, self.settings.port)
            await site.start()
            self._runner = runner
            await self.client.set_webhook(self.settings.webhook_url, self.settings.webhook_secret)
        except BaseException:
            self._runner = None
            await runner.cleanup()
            raise
        log.info("zalo webhook listening on %s, path %s", self.address, self.webhook_path)

    async def _on_webhook(self, request: web.Request) -> web.StreamResponse:
        # The secret is checked before the body is read: a stranger costs us no parsing.
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.json_response({"ok": False, "description": "missing secret"}, status=401)
        if not hmac.compare_digest(given.encode("utf-8"), self._secret):
            return web.json_response({"ok": False, "description": "wrong secret"}, status=403)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"ok": False, "description": "not JSON"}, status=400)
        update = unwrap(body)
        if update is None:
            return web.json_response({"ok": False, "description": "no event_name"}, status=400)
        try:
            # On disk before the 200: Zalo does not send again what was answered.
            await self.receive(update)
        except Exception:
            log.exception("zalo webhook: could not keep the update")
            return web.json_response({"ok": False, "description": "try again"}, status=503)
        # Answered now; the update is handled in the background after this response.
        return web.json_response({"message": "Success"})

    # --- processing ------------------------------------------------------------------------

    async def receive(self, update: Mapping[str, Any]) -> None:
        """Keep an update in the inbox and start handling it (in order within its chat)."""
        inbound = to_inbound(update)
        if inbound is None or inbound.update_key is None:
            log.debug("zalo update ignored: %s", update.get("event_name"))
            self.processed += 1
            return
        body = json.dumps(dict(update), ensure_ascii=False)
        if not await self.inbox.put([Entry(inbound.update_key, inbound.chat_id, body)]):
            self.processed += 1  # a redelivery of something already kept or handled

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(_discard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Background work has nobody awaiting it: log here or the error is lost.
            log.error("zalo background task failed", exc_info=task.exception())

    async def _handle_item(self, item: InboxItem) -> None:
        try:
            await self._process(json.loads(item.body))
        finally:
            self.processed += 1

    async def _process(self, update: dict[str, Any]) -> None:
        inbound = to_inbound(update)
        if inbound is None:
            return
        sent_at = message_date(update)
        if sent_at is not None:
            lag = (datetime.now(UTC) - sent_at).total_seconds()
            log.debug("zalo %s from %s, %.1f s after sending", inbound.kind, inbound.chat_id, lag)
        outcome = await self._handle(inbound)
        attempt = current_attempt.get()
        if attempt is not None:
            attempt.handled = True  # committed: handled whatever happens to the replies
        kept = await self.send_outcome(inbound.chat_id, outcome, inbound.update_key)
        if (outcome.wake_outbox or kept) and self.outbox is not None:
            self._spawn(self.outbox.flush())

    async def _handle(self, inbound: Inbound) -> Outcome:
        typing = asyncio.create_task(self._typing_later(inbound.chat_id))
        try:
            return await self.services.engine.handle(inbound)
        except Exception:
            attempt = current_attempt.get()
            # Tried again later from the inbox; the resident hears of it once.
            if attempt is None or attempt.first:
                log.exception("error while handling a zalo message")
                with contextlib.suppress(Exception):
                    await self.sender.send_text(
                        inbound.chat_id, self.services.texts("error.internal"), urgent=True
                    )
            raise
        finally:
            typing.cancel()

    async def _typing_later(self, chat_id: str) -> None:
        await asyncio.sleep(TYPING_AFTER)
        try:
            await self.client.send_chat_action(chat_id, "typing")
        except Exception as exc:  # a missing "typing…" is not worth an error
            log.debug("zalo chat action failed: %s", exc)

    async def send_outcome(self, chat_id: str, outcome: Outcome, key: str | None = None) -> bool:
        """Every reply as text with its numbered choices; no buttons, no edits, no toast.
        Returns True when some replies were kept for the outbox (bot/replies.py)."""

        async def send(reply: Reply) -> None:
            # Split here rather than in the sender so a retry never repeats earlier parts.
            for part in split_text(render(reply), MESSAGE_LIMIT):
                if part.strip():
                    await self.sender.send_text(chat_id, part, urgent=True)
            for item in reply.attachments:
                await self.sender.send_file(
                    chat_id, item.data, item.filename, item.kind, item.caption
                )

        return await send_or_keep(self.services, CHANNEL, chat_id, key, outcome.replies, send)


async def _discard(coro: Coroutine[Any, Any, Any]) -> None:
    await coro
