"""Scheduled work for admins: due broadcasts, reminders from the dialogues' dates, progress.

Everything is decided from the database on each tick, so a restart or a moved date re-plans by
itself: a reminder's key carries the date it is about, and each key is written in the same
transaction as its deliveries, so it can never be sent twice.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from typing import Any

from bot.limiter import BULK
from bot.outbox import Sender
from bot.services import Services
from domain.models import Audience, Dialogue
from domain.timefmt import fmt_datetime, fmt_day
from domain.workdays import due_dates
from handlers.admin import start_broadcast
from handlers.common import snippet
from handlers.reporting import overdue_clusters

log = logging.getLogger(__name__)

PROGRESS_EVERY = 2.0  # seconds between edits of the admin's progress message


async def start_due_broadcasts(services: Services, now: datetime) -> list[str]:
    done = []
    async with services.store.transaction() as tx:
        for b in await tx.broadcasts_in(("scheduled",)):
            if b.send_at <= now:
                count = await start_broadcast(tx, b.id, now)
                done.append(f"broadcast:{b.id}:{count}")
    return done


def _due_offset(target: datetime, days: tuple[int, ...], now: datetime) -> int | None:
    """The most recent reminder due before `target`; older ones the bot slept through are
    skipped, so a resident gets one timely reminder rather than a burst of stale ones."""
    due = [d for d in days if target - timedelta(days=d) <= now < target]
    return min(due) if due else None


async def _remind(
    services: Services, now: datetime, key: str, text: str, audience: Audience
) -> int | None:
    async with services.store.transaction() as tx:
        if await tx.kv_get(f"remind:{key}") is not None:
            return None
        count = await tx.materialize("remind", key, text, audience, now)
        await tx.kv_set(f"remind:{key}", now.isoformat())
        return count


async def plan_reminders(services: Services, now: datetime) -> list[str]:
    texts, settings = services.texts, services.settings
    done: list[str] = []
    async with services.store.reader() as rd:
        dialogues = await rd.dialogues()
    for d in dialogues:
        offset = _due_offset(d.deadline, settings.reminders.deadline_days, now)
        if offset is not None and d.is_open(now):
            key = f"{d.code}/deadline/{offset}/{d.deadline.isoformat()}"
            # Each dialogue speaks to its residents its own way (ông/bà, anh/chị, bạn).
            text = texts.addressed(d.address)(
                "remind.deadline", title=d.title, deadline=fmt_datetime(d.deadline, d.tz)
            )
            count = await _remind(
                services, now, key, text, Audience("not_asked", dialogue_code=d.code)
            )
            if count is not None:
                done.append(f"deadline:{d.code}:{offset}:{count}")
        if d.meeting_at is not None:
            offset = _due_offset(d.meeting_at, settings.reminders.meeting_days, now)
            if offset is not None:
                key = f"{d.code}/meeting/{offset}/{d.meeting_at.isoformat()}"
                text = texts.addressed(d.address)(
                    "remind.meeting",
                    title=d.title,
                    meeting=fmt_datetime(d.meeting_at, d.tz),
                    location=d.location or texts("about.location_tba"),
                )
                count = await _remind(services, now, key, text, Audience("all"))
                if count is not None:
                    done.append(f"meeting:{d.code}:{offset}:{count}")
    return done


async def remind_office(services: Services, sender: Sender, chat: str, now: datetime) -> list[str]:
    """Once a day: answers past their due date, and a conclusion that is due soon."""
    texts, settings = services.texts, services.settings
    today = now.astimezone(settings.commune.tz).date()
    done: list[str] = []
    async with services.store.transaction() as tx:
        if await tx.kv_get("remind:office") == today.isoformat():
            return done
        await tx.kv_set("remind:office", today.isoformat())
        dialogues = await tx.dialogues()
        overdue = [
            texts(
                "remind.overdue_line",
                code=late.first.receipt_code,
                department=late.department,
                due=fmt_day(late.due),
                text=snippet(late.first.text, 80),
            )
            for late in await overdue_clusters(tx, settings, dialogues, today)
        ]
        conclusions: list[str] = []
        for d in dialogues:
            conclusion = await tx.conclusion(d.id)
            published = conclusion is not None and conclusion.published_at is not None
            conclusions += _conclusion_note(services, d, published, today)
    if overdue:
        await sender.send_text(
            chat, texts("remind.overdue", count=len(overdue), items="\n".join(overdue))
        )
        done.append(f"overdue:{len(overdue)}")
    for note in conclusions:
        await sender.send_text(chat, note)
        done.append("conclusion_due")
    return done


def _conclusion_note(services: Services, d: Dialogue, published: bool, today: date) -> list[str]:
    if published or d.meeting_at is None or d.meeting_at.astimezone(d.tz).date() >= today:
        return []
    due = due_dates(d, None).conclusion
    if due is None or (due - today).days > 3:
        return []
    return [services.texts("remind.conclusion_due", title=d.title, due=fmt_day(due), code=d.code)]


class BroadcastProgress:
    """Keeps one message per broadcast in the admin's chat up to date, then sums it up."""

    def __init__(self, services: Services, bot: Any) -> None:
        self.services = services
        self.bot = bot
        self._shown: dict[int, str] = {}
        self._last = 0.0

    async def update(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        texts = self.services.texts
        async with self.services.store.reader() as rd:
            sending = await rd.broadcasts_in(("sending",))
            counts = {b.id: await rd.delivery_counts("notice", str(b.id)) for b in sending}
        for b in sending:
            c = counts[b.id]
            left = c.get("pending", 0) + c.get("sending", 0)
            values = {
                "id": b.id,
                "sent": c.get("sent", 0),
                "failed": c.get("failed", 0),
                "blocked": c.get("blocked", 0),
                "left": left,
                "total": b.recipients,
            }
            finished = left == 0
            text = texts("admin.progress_done" if finished else "admin.progress", **values)
            await self._show(b.id, b.progress_chat, b.progress_msg, text)
            if finished:
                async with self.services.store.transaction() as tx:
                    await tx.update_broadcast(b.id, status="done")

    async def _show(self, bid: int, chat: str | None, msg: str | None, text: str) -> None:
        if chat is None or not chat.startswith("telegram:") or self._shown.get(bid) == text:
            return
        chat_id = int(chat.split(":", 1)[1])
        try:
            if msg is None:
                sent = await self.bot.send_message(chat_id=chat_id, text=text, rate_limit_args=BULK)
                async with self.services.store.transaction() as tx:
                    await tx.update_broadcast(bid, progress_msg=str(sent.message_id))
            else:
                await self.bot.edit_message_text(
                    chat_id=chat_id, message_id=int(msg), text=text, rate_limit_args=BULK
                )
            self._shown[bid] = text
        except Exception:  # progress is a courtesy; never let it stop the sending
            log.warning("could not update progress of broadcast %s", bid, exc_info=True)
