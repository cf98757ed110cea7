"""Replies to the person who wrote, sent right after their turn committed.

What cannot be sent now (a 429 the limiter gave up on, a network error) is kept as delivery rows
for the outbox to send later, rather than dropped: the reply of a turn is often the only place
a resident learns their receipt code. Secure replies (handlers/engine.py `secure_last`)
already are rows, claimed by this process: sent here they are marked sent, kept they go back to
`pending`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.outbox import Blocked
from bot.services import Services
from domain.models import DeliveryStatus
from handlers.io import Reply

log = logging.getLogger(__name__)


async def send_or_keep(
    services: Services,
    channel: str,
    chat_id: str,
    key: str | None,
    replies: Sequence[Reply],
    send: Callable[[Reply], Awaitable[None]],
) -> bool:
    """Send `replies` in order with `send`; returns True when some were kept for the outbox."""
    for i, reply in enumerate(replies):
        try:
            await send(reply)
        except Blocked:
            await _settle(services, replies[i:], DeliveryStatus.BLOCKED)
            log.info("%s chat %s is gone; replies dropped", channel, chat_id)
            return False
        except Exception as exc:
            log.warning("replies to %s %s kept for later: %s", channel, chat_id, exc)
            await keep(services, channel, chat_id, key, list(enumerate(replies))[i:], str(exc))
            return True
        if reply.delivery_id is not None:
            await _settle(services, [reply], DeliveryStatus.SENT)
    return False


async def keep(
    services: Services,
    channel: str,
    chat_id: str,
    key: str | None,
    replies: Sequence[tuple[int, Reply]],
    error: str,
) -> None:
    """Replies (numbered as in their outcome) as pending deliveries, as text with numbered
    choices: buttons sent later may be pressed, but typing the number always works."""
    now = services.clock()
    ref = key if key is not None else f"{chat_id}@{now.isoformat()}"
    async with services.store.transaction() as tx:
        for i, reply in replies:
            if reply.delivery_id is not None:
                await tx.retry_later(reply.delivery_id, error[:200])
            else:
                await tx.add_delivery(
                    channel,
                    chat_id,
                    "reply",
                    f"{ref}/{i}",
                    reply.as_text(),
                    DeliveryStatus.PENDING,
                    now,
                )


async def _settle(services: Services, replies: Sequence[Reply], status: DeliveryStatus) -> None:
    ids = [r.delivery_id for r in replies if r.delivery_id is not None]
    if not ids:
        return
    now = services.clock()
    async with services.store.transaction() as tx:
        for delivery_id in ids:
            await tx.mark_delivery(delivery_id, status, now)
