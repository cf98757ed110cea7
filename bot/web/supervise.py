"""The supervisors' view (Ủy ban MTTQ, HĐND xã) as a page: how a dialogue's commitments are kept
and whether residents are satisfied, read-only.

It shows what the chat's /giamsat shows, from the same operation (handlers/commitment_ops.py's
`supervision`, which checks the role again): commitments with their body, due date, status and
latest progress note, and counts of residents' verdicts per department. Nothing personal is in
it: no names, villages, chats or phone numbers, and not the residents' own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.context import context_of, redirect, visitor_of
from bot.web.pages import no_dialogue
from bot.web.render import refusal, render
from domain.meeting import Commitment, CommitmentStatus
from handlers.commitment_ops import body_name, local_today, supervision
from handlers.meeting_ops import Actor, NotAllowed, meeting_dialogue

STATUSES = tuple(s.value for s in CommitmentStatus)


@dataclass(frozen=True)
class CommitmentRow:
    commitment: Commitment
    status: str  # as shown: overdue once the date has passed
    body: str


async def choose(request: web.Request) -> web.StreamResponse:
    """/giam-sat: the dialogue the chat's /giamsat would mean without a code; else a list."""
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        found = await meeting_dialogue(rd, ctx.now())
        dialogues = await rd.dialogues()
    if found is not None:
        return redirect(ctx.url(f"/giam-sat/{found.code}"))
    return render(request, "choose.html", dialogues=dialogues, base="/giam-sat/", kind="supervise")


async def supervise_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    visitor = visitor_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await rd.dialogue_by_code(request.match_info["code"].strip().upper()[:20])
        if dialogue is None:
            return no_dialogue(request)
        try:
            view = await supervision(
                rd, ctx.plan, ctx.texts, Actor(visitor.person, visitor.role), dialogue
            )
        except NotAllowed:
            return refusal(request, 403, "not_yours")
        dialogues = await rd.dialogues()
    today = local_today(ctx.plan, ctx.now())
    rows = [
        CommitmentRow(c, c.shown_status(today).value, body_name(ctx.plan, ctx.texts, c.body))
        for c in view.commitments
    ]
    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    return render(
        request,
        "supervise.html",
        dialogue=dialogue,
        dialogues=dialogues,
        today=today,
        rows=rows,
        counts=counts,
        view=view,
        tz=ctx.plan.commune.tz,
    )
