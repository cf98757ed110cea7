"""The report (DOCX to sign and XLSX, internal and public), the digest's chart and counts, and
the suggested duplicates of a dialogue, built by the same code as `/baocao`, `/tonghop` and
`/goiy` in the chat (handlers/reporting.py)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.web.context import context_of
from bot.web.pages import dialogue_by_code, no_dialogue
from bot.web.render import file_response, refusal, render
from domain.reports.digest import group_by_category
from handlers.reporting import build_digest, build_report, report_files

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The address's last part: which file, and whether it is the public version.
DOWNLOADS = {
    "bao-cao.docx": ("docx", False),
    "tong-hop.xlsx": ("xlsx", False),
    "bao-cao-cong-khai.docx": ("docx", True),
    "tong-hop-cong-khai.xlsx": ("xlsx", True),
}


async def report_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        digest = await build_digest(rd, ctx.plan, ctx.texts, dialogue, ctx.now())
    return render(
        request,
        "report.html",
        dialogue=dialogue,
        digest=digest,
        groups=group_by_category(digest.clusters),
        downloads=DOWNLOADS,
    )


async def download(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    wanted = DOWNLOADS.get(request.match_info["file"])
    if wanted is None:
        return refusal(request, 404, "not_found")
    kind, public = wanted
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        data = await build_report(rd, ctx.plan, ctx.texts, dialogue, ctx.now(), public)
    # python-docx and openpyxl take a while on a large dialogue: off the event loop, so the
    # bot keeps answering residents meanwhile.
    ((name, content),) = await asyncio.to_thread(report_files, data, ctx.texts, (kind,))
    return file_response(content, name, DOCX if kind == "docx" else XLSX)


async def chart(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        digest = await build_digest(rd, ctx.plan, ctx.texts, dialogue, ctx.now())
    from domain.reports.chart import render_chart  # matplotlib: imported when used

    png = await asyncio.to_thread(render_chart, digest, ctx.texts)
    return web.Response(body=png, content_type="image/png")


async def suggestions(request: web.Request) -> web.StreamResponse:
    """Every pair the engine is unsure of, most likely first, with both texts."""
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        pairs = await rd.open_suggestions(dialogue.id)
        ids = sorted({c for p in pairs for c in (p.cluster, p.other_cluster)})
        firsts = {q.id: q for q in await rd.questions_by_ids(ids)}
        people = await rd.backers(ids)
    rows = [
        (p, firsts[p.cluster], firsts[p.other_cluster])
        for p in pairs
        if p.cluster in firsts and p.other_cluster in firsts
    ]
    return render(request, "suggestions.html", dialogue=dialogue, rows=rows, people=people)
