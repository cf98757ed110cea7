"""Zalo updates into the flows' terms, and replies into what Zalo shows: text only, choices
as a numbered list the resident answers by number or by label."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from handlers.io import Inbound, Kind, Reply

CHANNEL = "zalo"
TEXT_EVENT = "message.text.received"


def unwrap(body: object) -> dict[str, Any] | None:
    """The update inside a webhook body: bare, or wrapped like a getUpdates answer."""
    if not isinstance(body, Mapping):
        return None
    result = body.get("result")
    if "event_name" not in body and isinstance(result, Mapping):
        body = result
    return dict(body) if isinstance(body.get("event_name"), str) else None


def message_date(update: Mapping[str, Any]) -> datetime | None:
    """When the resident sent the message (Zalo dates are milliseconds since the epoch)."""
    message = update.get("message")
    date = message.get("date") if isinstance(message, Mapping) else None
    if not isinstance(date, int | float) or isinstance(date, bool) or date <= 0:
        return None
    return datetime.fromtimestamp(date / 1000, tz=UTC)


def to_inbound(update: Mapping[str, Any]) -> Inbound | None:
    """Translate a Zalo update into the flows' terms; None for what the flows never see."""
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    chat = message.get("chat")
    sender = message.get("from")
    if not isinstance(chat, Mapping) or not isinstance(sender, Mapping):
        return None
    chat_id = str(chat.get("id") or "")
    user_id = str(sender.get("id") or "")
    if not chat_id or not user_id or sender.get("is_bot") is True:
        return None
    # The resident flow is private by nature (consent, personal data); groups would leak it.
    if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE":
        return None
    message_id = message.get("message_id")
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": chat_id,
        "user_id": user_id,
        # A redelivered message keeps its message_id: the engine handles it once.
        "update_key": str(message_id) if message_id else None,
    }
    text = message.get("text")
    # Blank text stays text: the engine answers "the message is empty", as on every channel.
    if update.get("event_name") == TEXT_EVENT and isinstance(text, str):
        # Commands ("/huy") stay text: the engine recognises them the same on every channel.
        return Inbound(kind=Kind.TEXT, text=text, **base)
    # Images, stickers, voice, anything new Zalo adds: the same polite refusal.
    return Inbound(kind=Kind.UNSUPPORTED, **base)


def render(reply: Reply) -> str:
    """A reply as Zalo shows it: the text, then the choices as a numbered list to type from."""
    return reply.as_text()
