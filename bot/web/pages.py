"""Pages that only read: the dialogues with their dates, the answers still overdue, the audit
log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiohttp import web

from bot.web.context import context_of
from bot.web.render import refusal, render
from domain.models import Dialogue, DialogueCounts
from domain.workdays import due_dates
from handlers.reporting import audit_label, default_due, overdue_clusters
from storage.base import Transaction

AUDIT_SHOWN = 300


@dataclass(frozen=True)
class DialogueRow:
    dialogue: Dialogue
    counts: DialogueCounts
    open: bool
    answers_default: date  # departments' answers, by default (after the collection deadline)
    conclusion_due: date | None  # working days after the meeting
    answers_due: date | None  # working days after the conclusion
    published: bool
    suggestions: int


async def dialogue_by_code(tx: Transaction, request: web.Request) -> Dialogue | None:
    return await tx.dialogue_by_code(request.match_info["code"].strip().upper())


def no_dialogue(request: web.Request) -> web.Response:
    return refusal(request, 404, "no_dialogue", {"code": request.match_info["code"][:20]})


async def dialogues(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    now = ctx.now()
    rows = []
    async with ctx.services.store.reader() as rd:
        counts = await rd.dialogue_counts()
        for d in await rd.dialogues():
            conclusion = await rd.conclusion(d.id)
            published = conclusion.published_at if conclusion else None
            due = due_dates(d, published)
            rows.append(
                DialogueRow(
                    dialogue=d,
                    counts=counts.get(d.id, DialogueCounts(0, 0, 0, 0, 0, 0)),
                    open=d.is_open(now),
                    answers_default=default_due(ctx.plan, d),
                    conclusion_due=due.conclusion,
                    answers_due=due.answers,
                    published=published is not None,
                    suggestions=len(await rd.open_suggestions(d.id)),
                )
            )
    return render(request, "dialogues.html", rows=rows)


async def overdue(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    today = ctx.now().astimezone(ctx.plan.commune.tz).date()
    async with ctx.services.store.reader() as rd:
        late = await overdue_clusters(rd, ctx.plan, await rd.dialogues(), today)
    return render(request, "overdue.html", late=late, today=today)


async def audit(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        entries = await rd.audit_log(AUDIT_SHOWN)
    lines = [(e, audit_label(ctx.texts, e.action)) for e in entries]
    return render(request, "audit.html", lines=lines, shown=AUDIT_SHOWN)
