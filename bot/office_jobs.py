"""Scheduled work for the office: the daily digest and the final digest at each deadline.

A tick every minute decides what is due from the database alone, so a restart, a moved
deadline or a bot that was down at the right minute never loses or doubles a digest: each one is
marked sent in `kv` right after it went out.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.outbox import Sender
from bot.services import Services
from domain.models import Dialogue
from domain.reports.digest import format_digest, format_empty_digest
from handlers.reporting import build_digest, build_report

log = logging.getLogger(__name__)


async def office_chat(services: Services, channel: str) -> str | None:
    async with services.store.reader() as rd:
        registered = await rd.kv_get(f"office_chat:{channel}")
    if registered is not None:
        return registered
    configured = services.settings.roles.office_chat_id
    return str(configured) if configured is not None and channel == "telegram" else None


async def send_digest(
    services: Services,
    sender: Sender,
    chat_id: str,
    dialogue: Dialogue,
    now: datetime,
    *,
    final: bool,
) -> bool:
    """Send what is new since the last digest (everything, for the final one)."""
    # Imported when used: matplotlib and python-docx take seconds to import.
    from domain.reports.chart import render_chart
    from domain.reports.docx_report import render_docx
    from domain.reports.xlsx_report import render_xlsx

    texts, settings = services.texts, services.settings
    async with services.store.reader() as rd:
        last_id = int(await rd.kv_get(f"digest:last_id:{dialogue.code}") or 0)
        last_at = await rd.kv_get(f"digest:last_at:{dialogue.code}")
        since = datetime.fromisoformat(last_at) if last_at else None
        data = await build_digest(
            rd,
            settings,
            texts,
            dialogue,
            now,
            after_id=0 if final else last_id,
            since=None if final else since,
            final=final,
        )
        questions = await rd.dialogue_questions(dialogue.id, last_id)
    newest = max([q.id for q in questions], default=last_id)
    if not data.clusters and not final:
        if settings.digest.send_empty:
            await sender.send_text(chat_id, format_empty_digest(data, texts))
        return False
    for chunk in (
        format_digest(data, texts) if data.clusters else [format_empty_digest(data, texts)]
    ):
        await sender.send_text(chat_id, chunk)
    if data.clusters:
        chart = await asyncio.to_thread(render_chart, data, texts)
        await sender.send_file(chat_id, chart, f"bieu-do-{dialogue.code}.png", "photo", "")
    if final:
        async with services.store.reader() as rd:
            report = await build_report(rd, settings, texts, dialogue, now, public=False)
        docx = await asyncio.to_thread(render_docx, report, texts)
        xlsx = await asyncio.to_thread(render_xlsx, report, texts)
        stamp = now.astimezone(dialogue.tz).strftime("%Y%m%d")
        await sender.send_file(
            chat_id, docx, f"bao-cao-{dialogue.code}-{stamp}.docx", "document", ""
        )
        await sender.send_file(
            chat_id, xlsx, f"tong-hop-{dialogue.code}-{stamp}.xlsx", "document", ""
        )
    async with services.store.transaction() as tx:
        await tx.kv_set(f"digest:last_id:{dialogue.code}", str(newest))
        await tx.kv_set(f"digest:last_at:{dialogue.code}", now.isoformat())
    return True


async def tick(services: Services, senders: dict[str, Sender]) -> list[str]:
    """Run whatever digest is due now; returns what was done, for logs and tests."""
    done: list[str] = []
    now = services.clock()
    sender = senders.get("telegram")
    chat = await office_chat(services, "telegram") if sender else None
    if sender is None or chat is None:
        return done
    async with services.store.reader() as rd:
        dialogues = await rd.dialogues()
        final_sent = {d.code: await rd.kv_get(f"digest:final:{d.code}") for d in dialogues}
        today_key = now.astimezone(services.settings.commune.tz).date().isoformat()
        daily_sent = await rd.kv_get("digest:daily")
    for dialogue in dialogues:
        if now >= dialogue.deadline and final_sent[dialogue.code] is None:
            # Marked before sending: the final digest carries files, and a second copy after a
            # crash would confuse the office more than a missing one they can ask for (/baocao).
            async with services.store.transaction() as tx:
                await tx.kv_set(f"digest:final:{dialogue.code}", now.isoformat())
            await send_digest(services, sender, chat, dialogue, now, final=True)
            done.append(f"final:{dialogue.code}")
    local = now.astimezone(services.settings.commune.tz)
    if local.time() >= services.settings.digest.time and daily_sent != today_key:
        async with services.store.transaction() as tx:
            await tx.kv_set("digest:daily", today_key)
        for dialogue in dialogues:
            if dialogue.is_open(now) and await send_digest(
                services, sender, chat, dialogue, now, final=False
            ):
                done.append(f"daily:{dialogue.code}")
    return done
