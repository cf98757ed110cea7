"""Notices (admins): write one, choose its audience, see how many people it reaches, send it
now or at a time, and follow a broadcast's progress. The broadcast is created and started by
the same code as `/thongbao` in the chat (handlers/admin/notices.py); the outbox sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.web.context import POST, context_of, form_of, redirect, visitor_of
from bot.web.render import refusal, render
from domain.models import Audience, Broadcast
from handlers.admin.notices import NOTICE_MAX_CHARS, describe_audience, schedule_notice

NOTICE_MIN_CHARS = 5
REFRESH_SECONDS = 5  # the progress page reloads itself (no script) while a broadcast runs


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    audience: str
    sent: int
    failed: int
    blocked: int
    left: int

    @property
    def finished(self) -> bool:
        return self.broadcast.status in ("done", "cancelled") or (
            self.broadcast.status == "sending" and self.left == 0
        )

    @property
    def state(self) -> str:
        return (
            "done"
            if self.finished and self.broadcast.status != "cancelled"
            else (self.broadcast.status)
        )


@dataclass
class Draft:
    text: str = ""
    audience: str = "all"  # all | villages | askers:<code>
    villages: tuple[str, ...] = ()
    when: str = "now"  # now | later
    send_at: str = ""  # as the browser's datetime-local field writes it: 2026-12-01T08:00


def _draft(request: web.Request) -> Draft:
    form, post = form_of(request), request[POST]
    return Draft(
        text=form.get("noi_dung", "").strip(),
        audience=form.get("doi_tuong", "all")[:40],
        villages=tuple(str(v) for v in post.getall("thon", []))[:200],
        when="later" if form.get("khi", "") == "later" else "now",
        send_at=form.get("luc", "")[:40],
    )


def _audience(draft: Draft, villages: tuple[str, ...], codes: set[str]) -> Audience | None:
    if draft.audience == "all":
        return Audience("all")
    if draft.audience == "villages":
        chosen = tuple(v for v in villages if v in draft.villages)
        return Audience("villages", chosen) if chosen else None
    kind, _, code = draft.audience.partition(":")
    if kind == "askers" and code in codes:
        return Audience("askers", dialogue_code=code)
    return None


async def _progress(broadcasts: list[Broadcast], request: web.Request) -> list[Progress]:
    ctx = context_of(request)
    out = []
    async with ctx.services.store.reader() as rd:
        for b in broadcasts:
            c = await rd.delivery_counts("notice", str(b.id))
            out.append(
                Progress(
                    b,
                    describe_audience(ctx.texts, b.audience),
                    c.get("sent", 0),
                    c.get("failed", 0),
                    c.get("blocked", 0),
                    c.get("pending", 0),
                )
            )
    return out


async def _form_page(
    request: web.Request,
    draft: Draft,
    status: int = 200,
    error: str | None = None,
    count: int | None = None,
    audience: Audience | None = None,
) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogues = await rd.dialogues()
        broadcasts = await rd.broadcasts_in(("scheduled", "sending", "done", "cancelled"))
    progress = await _progress(list(reversed(broadcasts))[:50], request)
    return render(
        request,
        "notices.html",
        status=status,
        draft=draft,
        error=error,
        count=count,
        described=describe_audience(ctx.texts, audience) if audience else "",
        dialogues=dialogues,
        villages=ctx.plan.commune.villages,
        progress=progress,
        max_chars=NOTICE_MAX_CHARS,
    )


async def notices_page(request: web.Request) -> web.StreamResponse:
    return await _form_page(request, Draft())


def _send_at(draft: Draft, request: web.Request, now: datetime) -> datetime | str | None:
    """The moment to send at (None: now), or the catalog key of what is wrong with it."""
    if draft.when == "now":
        return None
    try:
        local = datetime.fromisoformat(draft.send_at)
    except ValueError:
        return "web.notices.bad_time"
    moment = (
        local.replace(tzinfo=context_of(request).plan.commune.tz)
        if (local.tzinfo is None)
        else local
    )
    return moment if moment > now else "web.notices.bad_time"


async def submit(request: web.Request) -> web.StreamResponse:
    """One form, two buttons: "preview" counts the recipients, "send" creates the notice."""
    ctx = context_of(request)
    draft = _draft(request)
    form = form_of(request)
    async with ctx.services.store.reader() as rd:
        codes = {d.code for d in await rd.dialogues()}
    audience = _audience(draft, ctx.plan.commune.villages, codes)
    now = ctx.now()
    send_at = _send_at(draft, request, now)
    problem = None
    if not NOTICE_MIN_CHARS <= len(draft.text) <= NOTICE_MAX_CHARS:
        problem = ctx.texts(
            "web.notices.bad_length",
            length=len(draft.text),
            min=NOTICE_MIN_CHARS,
            max=NOTICE_MAX_CHARS,
        )
    elif audience is None:
        problem = ctx.texts("web.notices.bad_audience")
    elif isinstance(send_at, str):
        problem = ctx.texts(send_at)
    if problem is not None:
        return await _form_page(request, draft, 400, problem)
    assert audience is not None and not isinstance(send_at, str)
    if form.get("hanh_dong") != "send":
        async with ctx.services.store.reader() as rd:
            count = await rd.count_audience(audience)
        return await _form_page(request, draft, count=count, audience=audience)
    async with ctx.services.store.transaction() as tx:
        broadcast_id, started = await schedule_notice(
            tx,
            ctx.plan,
            ctx.texts,
            visitor_of(request).person,
            now,
            draft.text,
            audience,
            send_at,
            None,
        )
    if started is not None and ctx.wake is not None:
        ctx.wake()
    return redirect(ctx.url(f"/thong-bao/{broadcast_id}"))


async def progress_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    raw = request.match_info["broadcast"]
    broadcast = None
    if raw.isdigit() and len(raw) < 12:
        async with ctx.services.store.reader() as rd:
            broadcast = await rd.broadcast(int(raw))
    if broadcast is None:
        return refusal(request, 404, "not_found")
    (progress,) = await _progress([broadcast], request)
    return render(
        request,
        "notice.html",
        progress=progress,
        refresh=None if progress.finished else REFRESH_SECONDS,
    )
