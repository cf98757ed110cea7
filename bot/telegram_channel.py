"""Telegram adapter: Update → Inbound at the edge, Outcome → Bot API calls on the way out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator, Sequence
from datetime import timedelta
from typing import Any, cast

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ContextTypes, ExtBot
from telegram.request import BaseRequest

from bot import inbox
from bot.limiter import BULK, retry_seconds
from bot.outbox import Blocked, RetryLater, Transient
from bot.replies import keep, send_or_keep
from bot.services import Services
from bot.textsplit import split_text
from domain.plan import Role
from domain.texts import Texts
from handlers import commands
from handlers.io import Inbound, Kind, Outcome, Reply

CHANNEL = "telegram"
MESSAGE_LIMIT = 4096
log = logging.getLogger(__name__)


class ReadingBot(ExtBot[None]):
    """The framework's bot, fetching updates one by one in what it reads.

    python-telegram-bot reads a getUpdates answer as a whole: one update it cannot read (no
    `date` or `message_id`, from a broken or hostile Bot API server) raises for the batch, the
    batch is never confirmed, and polling asks for it again at once, forever, logging each time.
    Here an unreadable update is logged once, by its number only (its content may be anyone's
    message), and stands in the batch as an empty update, so that polling confirms it and goes on.
    """

    def __init__(self, token: str, *, get_updates_request: BaseRequest, **kwargs: Any) -> None:
        super().__init__(token, get_updates_request=get_updates_request, **kwargs)
        self._poll_request = get_updates_request

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | timedelta | None = None,  # noqa: ASYNC109 (the framework's signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        data: dict[str, object] = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # A long poll is answered after up to `timeout` seconds: wait that long on top.
        wait = timeout.total_seconds() if isinstance(timeout, timedelta) else (timeout or 0)
        base = read_timeout if isinstance(read_timeout, int | float) else None
        base = base if base is not None else self._poll_request.read_timeout
        raw = await self._post(
            "getUpdates",
            data,
            read_timeout=(base or 0) + wait,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        return tuple(self._readable(raw if isinstance(raw, list) else []))

    def _readable(self, raw: list[Any]) -> Iterator[Update]:
        for item in raw:
            try:
                update = Update.de_json(item, self)
            except Exception as exc:  # whatever the framework raises on a malformed object
                number = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(number, int) or isinstance(number, bool):
                    log.warning("skipped an update without a number: it cannot be read")
                    continue
                log.warning("skipped update %d: it cannot be read (%s)", number, type(exc).__name__)
                update = Update(number)
            self.insert_callback_data(update)
            yield update


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data["services"])


def to_inbound(update: Update, username: str | None) -> Inbound | None:
    """Translate an update into the flows' terms; None for what the flows never see.

    `username` is this bot's (from getMe): a command addressed to another bot
    ("/baocao@otherbot", in a group with several bots) is not ours to run."""
    key = str(update.update_id)
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None:
            return None
        return Inbound(
            channel=CHANNEL,
            chat_id=str(message.chat.id),
            user_id=str(query.from_user.id),
            kind=Kind.CHOICE,
            payload=query.data or "",
            update_key=key,
            group=message.chat.type != "private",
        )
    msg = update.message
    if msg is None or msg.from_user is None:
        return None
    if msg.chat.type == "channel":
        return None
    text = msg.text or ""
    head = text.strip().split(" ")[0] if text.startswith("/") else ""
    command, _, addressee = head.partition("@")
    if addressee and addressee.lower() != (username or "").lower():
        return None
    group = msg.chat.type != "private"
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": str(msg.chat.id),
        "user_id": str(msg.from_user.id),
        "update_key": key,
        "group": group,
    }
    if group and command.lstrip("/").lower() not in commands.GROUP_COMMANDS:
        return None
    if msg.text is not None:
        return Inbound(kind=Kind.TEXT, text=msg.text, **base)
    if msg.document is not None:
        return Inbound(
            kind=Kind.FILE,
            text=msg.caption or "",
            file_ref=f"{CHANNEL}:{msg.document.file_id}",
            file_name=msg.document.file_name or "van-ban",
            **base,
        )
    # Stickers, photos, voice, location, files, contacts, polls... all get the same polite answer.
    return Inbound(kind=Kind.UNSUPPORTED, **base)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=reply.payload(c))] for c in reply.choices]
    )


async def send_replies(bot: Any, chat_id: int | str, replies: list[Reply]) -> None:
    for reply in replies:
        chunks = split_text(reply.text, MESSAGE_LIMIT)
        for i, chunk in enumerate(chunks):
            markup = keyboard(reply) if i == len(chunks) - 1 else None
            await bot.send_message(chat_id=chat_id, text=chunk, reply_markup=markup)
        for item in reply.attachments:
            await send_file(bot, chat_id, item.data, item.filename, item.kind, item.caption)


async def send_file(
    bot: Any,
    chat_id: int | str,
    data: bytes,
    filename: str,
    kind: str,
    caption: str,
    *,
    pace: str | None = None,
) -> None:
    upload = InputFile(data, filename=filename)
    if kind == "photo":
        await bot.send_photo(
            chat_id=chat_id, photo=upload, caption=caption or None, rate_limit_args=pace
        )
    else:
        await bot.send_document(
            chat_id=chat_id, document=upload, caption=caption or None, rate_limit_args=pace
        )


@contextlib.contextmanager
def _as_outbox_errors() -> Iterator[None]:
    """Telegram's errors in the outbox's terms (bot/outbox.py)."""
    try:
        yield
    except Forbidden as exc:
        raise Blocked(str(exc)) from exc
    except RetryAfter as exc:
        raise RetryLater(retry_seconds(exc)) from exc
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            raise Blocked(str(exc)) from exc
        raise
    except (TimedOut, NetworkError) as exc:
        raise Transient(str(exc)) from exc


class TelegramSender:
    """The outbox's and the office jobs' way out through Telegram. Their sends are bulk for the
    channel's limiter unless someone waits for them (a reply kept for later)."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send_text(self, chat_id: str, text: str, *, urgent: bool = False) -> None:
        pace = None if urgent else BULK
        with _as_outbox_errors():
            for chunk in split_text(text, MESSAGE_LIMIT):
                await self.bot.send_message(chat_id=int(chat_id), text=chunk, rate_limit_args=pace)

    async def send_file(
        self, chat_id: str, data: bytes, filename: str, kind: str, caption: str
    ) -> None:
        with _as_outbox_errors():
            await send_file(self.bot, int(chat_id), data, filename, kind, caption, pace=BULK)

    async def send_file_ref(self, chat_id: str, file_ref: str, file_name: str) -> None:
        channel, _, file_id = file_ref.partition(":")
        if channel != CHANNEL:
            return  # a file held by another channel cannot be forwarded from here
        with _as_outbox_errors():
            await self.bot.send_document(
                chat_id=int(chat_id), document=file_id, rate_limit_args=BULK
            )


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    inbound = to_inbound(update, context.bot.username)
    if inbound is None:
        return
    services = services_of(context)
    outcome: Outcome = await services.engine.handle(inbound)
    attempt = inbox.current.get()
    if attempt is not None:
        attempt.handled = True  # committed: the update is handled whatever happens next
    chat_id = int(inbound.chat_id)

    async def send(reply: Reply) -> None:
        with _as_outbox_errors():
            await send_replies(context.bot, chat_id, [reply])

    sends: list[Awaitable[object]] = [
        send_or_keep(services, CHANNEL, inbound.chat_id, inbound.update_key, outcome.replies, send)
    ]
    if update.callback_query is not None:
        # A button press must always be answered, or the phone shows a spinner.
        sends.append(_answer(update, outcome.toast))
    kept, *_ = await asyncio.gather(*sends)
    outbox = context.bot_data.get("outbox")
    if (outcome.wake_outbox or kept) and outbox is not None and context.application.running:
        context.application.create_task(outbox.flush(), name="outbox")


async def _answer(update: Update, toast: str | None) -> None:
    assert update.callback_query is not None
    try:
        await update.callback_query.answer(toast)
    except TelegramError as exc:
        # Only the spinner is at stake; the replies matter more.
        log.warning("could not answer a button press: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    attempt = inbox.current.get()
    if attempt is not None and not attempt.handled:
        # From the inbox: it is tried again later; the apology is sent on the first failure.
        attempt.error = context.error
        if not attempt.first:
            log.warning("error while handling an update again: %s", context.error)
            return
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot; nothing to tell them
    if isinstance(update, Update) and update.effective_chat is not None:
        services = services_of(context)
        texts: Texts = services.texts
        chat = update.effective_chat.id
        try:
            await context.bot.send_message(chat, texts("error.internal"))
        except TelegramError:
            log.warning("could not send the error notice; kept for later", exc_info=True)
            with contextlib.suppress(Exception):
                await keep(
                    services,
                    CHANNEL,
                    str(chat),
                    f"{update.update_id}/error",
                    [(0, Reply(texts("error.internal")))],
                    "error notice",
                )


async def register_commands(bot: Any, services: Services) -> None:
    """The menu shows each person what they may do: residents by default, staff in their chat
    (both from the command registry, handlers/commands.py)."""
    texts = services.texts

    def menu(role: Role | None) -> list[BotCommand]:
        return [BotCommand(c.name, texts(f"commands.{c.name}")) for c in commands.menu_for(role)]

    await bot.set_my_commands(menu(None), scope=BotCommandScopeDefault())
    roles = services.settings.roles
    staff = sorted(
        (int(person.split(":", 1)[1]), role)
        for person in roles.people()
        if person.startswith(f"{CHANNEL}:") and (role := roles.role_of(person)) is not None
    )
    for user_id, role in staff:
        try:
            await bot.set_my_commands(menu(role), scope=BotCommandScopeChat(user_id))
        except BadRequest:
            # Telegram knows no private chat until the person has opened the bot once.
            log.warning("commands for %s not set: chat not found yet", user_id)
