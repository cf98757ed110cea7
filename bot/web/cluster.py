"""One cluster: its members and who backed it, and everything the office does with it; each
change goes through the office's desk (handlers/desk.py), as the same command in the chat does.

After a change the browser is sent back to the page with a message (Post/Redirect/Get), so a
reload never repeats it; a value that does not fit is shown again on the page with what was
typed, and nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiohttp import web

from bot.web.context import context_of, form_of, redirect, visitor_of
from bot.web.render import done_url, refusal, render
from domain.models import ClusterRecord, Dialogue, Question, SuggestedPair
from domain.plan import Plan
from domain.texts import Texts
from handlers.common import parse_code, parse_date
from handlers.desk import (
    ANSWER_MAX_CHARS,
    ANSWER_MIN_CHARS,
    REPORT_TEXT_MAX_CHARS,
    REPORT_TEXT_MIN_CHARS,
    answer_fits,
    authority_name,
)
from handlers.reporting import default_due, representative_text


@dataclass(frozen=True)
class Member:
    question: Question
    channel: str
    unchecked: bool
    backers: int


@dataclass(frozen=True)
class Suggestion:
    pair: SuggestedPair
    other: Question  # the first question of the other cluster
    people: int


def parse_day(text: str) -> date | None:
    """A date from a browser's date field (2026-12-20) or typed as 20/12/2026."""
    text = text.strip()
    try:
        return date.fromisoformat(text) if "-" in text else parse_date(text)
    except ValueError:
        return None


def _cluster_id(request: web.Request) -> int | None:
    raw = request.match_info["cluster"]
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def cluster_url(request: web.Request, cluster_id: int) -> str:
    return context_of(request).url(f"/nhom/{cluster_id}")


async def cluster_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.StreamResponse:
    ctx = context_of(request)
    cid = _cluster_id(request)
    if cid is None:
        return refusal(request, 404, "not_found")
    async with ctx.services.store.reader() as rd:
        found = await rd.questions_by_ids([cid])
        if not found:
            return refusal(request, 404, "not_found")
        if found[0].cluster_id != cid:
            # Merged into another cluster since the address was written: go where it is now.
            return redirect(cluster_url(request, found[0].cluster_id))
        first = found[0]
        dialogue = await rd.dialogue_by_code(first.dialogue_code)
        assert dialogue is not None
    view = await ctx.listings.view(ctx.services.store, dialogue)
    group = view.members.get(cid, [])  # lists in the view are replaced, never changed
    record = view.records.get(cid)
    async with ctx.services.store.reader() as rd:
        recipients = len(await rd.recipients(cid))
        pairs = [
            p
            for p in await rd.open_suggestions(first.dialogue_id)
            if cid in (p.cluster, p.other_cluster)
        ]
        others = {p.other_cluster if p.cluster == cid else p.cluster for p in pairs}
        people = await rd.backers(sorted(others))
        firsts = {q.id: q for q in await rd.questions_by_ids(sorted(others))}
    reviewed = record is not None and record.reviewed_by is not None
    members = [
        Member(
            e.row.question,
            e.row.channel,
            n > 0 and e.row.question.clustered_by is None and not reviewed,
            e.row.backers,
        )
        for n, e in enumerate(group)
    ]
    suggestions = [
        Suggestion(p, firsts[o], people.get(o, 1))
        for p in pairs
        if (o := p.other_cluster if p.cluster == cid else p.cluster) in firsts
    ]
    return render(
        request,
        "cluster.html",
        status=status,
        error=error,
        typed=typed or {},
        **_values(ctx.plan, ctx.texts, dialogue, first, record, members, suggestions, recipients),
    )


def _values(
    plan: Plan,
    texts: Texts,
    dialogue: Dialogue,
    first: Question,
    record: ClusterRecord | None,
    members: list[Member],
    suggestions: list[Suggestion],
    recipients: int,
) -> dict[str, object]:
    department = record.department if record and record.department else None
    default = plan.department_for(first.category)
    return {
        "dialogue": dialogue,
        "first": first,
        "record": record,
        "members": members,
        "suggestions": suggestions,
        "recipients": recipients,
        "backers": sum(m.backers for m in members),
        "unchecked": sum(m.unchecked for m in members),
        "represented": representative_text(first, record, texts, public=False),
        "departments": plan.departments,
        "department": department or (default.key if default else ""),
        "department_name": _department_name(plan, department),
        "due": (record.answer_due if record and record.answer_due else default_due(plan, dialogue)),
        "category": plan.category_label(first.category),
        "held": plan.answers.notify == "at_conclusion",
        "answer_limits": (ANSWER_MIN_CHARS, ANSWER_MAX_CHARS),
        "text_limits": (REPORT_TEXT_MIN_CHARS, REPORT_TEXT_MAX_CHARS),
    }


def _department_name(plan: Plan, key: str | None) -> str | None:
    dept = plan.department(key)
    return dept.name if dept else key


async def show(request: web.Request) -> web.StreamResponse:
    return await cluster_page(request)


async def _again(request: web.Request, key: str, **fields: object) -> web.StreamResponse:
    """The page again, with what went wrong and what was typed; nothing changed."""
    texts = context_of(request).texts
    return await cluster_page(request, 400, texts(f"web.cluster.{key}", **fields), form_of(request))


# --- the changes ---------------------------------------------------------------------------


async def assign(request: web.Request) -> web.StreamResponse:
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    key = form.get("bo_phan", "")
    if ctx.plan.department(key) is None:
        return await _again(request, "bad_department")
    due = parse_day(form.get("han", "")) if form.get("han", "").strip() else None
    if form.get("han", "").strip() and due is None:
        return await _again(request, "bad_due")
    assert cid is not None
    async with ctx.services.store.transaction() as tx:
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        if await desk.first(cid) is None:
            return refusal(request, 404, "not_found")
        record = await tx.cluster(cid)
        if record is not None and record.department == key and due is not None:
            if due != record.answer_due:
                await desk.set_due(cid, due)
            done = "due"
        else:
            await desk.assign(cid, key, due)
            done = "assigned"
    return redirect(done_url(cluster_url(request, cid), done))


async def answer(request: web.Request) -> web.StreamResponse:
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    text = form.get("tra_loi", "").strip()
    if not answer_fits(text):
        return await _again(
            request, "bad_answer", length=len(text), min=ANSWER_MIN_CHARS, max=ANSWER_MAX_CHARS
        )
    assert cid is not None
    async with ctx.services.store.transaction() as tx:
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        if await desk.first(cid) is None:
            return refusal(request, 404, "not_found")
        queued = await desk.answer(cid, text)
    ctx.woken(desk)
    return redirect(done_url(cluster_url(request, cid), "answered", queued))


async def forward(request: web.Request) -> web.StreamResponse:
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    authority = authority_name(form.get("co_quan", ""))
    if authority is None:
        return await _again(request, "bad_authority")
    assert cid is not None
    async with ctx.services.store.transaction() as tx:
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        if await desk.first(cid) is None:
            return refusal(request, 404, "not_found")
        queued = await desk.forward(cid, authority)
    ctx.woken(desk)
    return redirect(done_url(cluster_url(request, cid), "forwarded", queued))


async def merge(request: web.Request) -> web.StreamResponse:
    """Another cluster, named by any of its receipt codes, joins this one."""
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    code = parse_code(form.get("ma", ""))
    if code is None:
        return await _again(request, "bad_code")
    assert cid is not None
    async with ctx.services.store.transaction() as tx:
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        first = await desk.first(cid)
        other = await tx.question_by_code(code)
        if first is None or first.cluster_id != cid:
            return refusal(request, 404, "not_found")
        if other is None or other.dialogue_id != first.dialogue_id:
            unknown = True
        else:
            unknown = False
            if other.cluster_id == cid:
                moved = None
            else:
                moved = await desk.merge(
                    cid, other.cluster_id, f"{first.receipt_code} + {other.receipt_code}"
                )
    if unknown:
        return await _again(request, "unknown_code", code=code)
    if moved is None:
        return await _again(request, "already_together", code=code)
    return redirect(done_url(cluster_url(request, cid), "merged", moved))


async def split(request: web.Request) -> web.StreamResponse:
    """Move a member out into a cluster of its own."""
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    raw = form.get("cau_hoi", "")
    assert cid is not None
    stay = cid
    async with ctx.services.store.transaction() as tx:
        found = await tx.questions_by_ids([int(raw)]) if raw.isdigit() else []
        if not found or found[0].cluster_id != cid:
            return refusal(request, 404, "not_found")
        question = found[0]
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        members = [
            q
            for q in await tx.dialogue_questions(question.dialogue_id)
            if q.cluster_id == cid and q.id != question.id
        ]
        if not await desk.split(question):
            return await _again(request, "already_alone", code=question.receipt_code)
        if question.id == cid and members:
            # The first member left: the others kept the office's work under the next one.
            stay = (await tx.questions_by_ids([members[0].id]))[0].cluster_id
    return redirect(done_url(cluster_url(request, stay), "split"))


async def decide(request: web.Request) -> web.StreamResponse:
    """A suggested duplicate: merge the two clusters, or keep them apart for good."""
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    raw, choice = form.get("goi_y", ""), form.get("quyet_dinh", "")
    assert cid is not None
    if choice not in ("gop", "giu_rieng") or not raw.isdigit():
        return refusal(request, 400, "bad_form")
    async with ctx.services.store.transaction() as tx:
        pair = await tx.suggestion(int(raw))
        stale = (
            pair is None
            or pair.status != "open"
            or pair.cluster == pair.other_cluster
            or cid not in (pair.cluster, pair.other_cluster)
        )
        moved, code = None, ""
        if not stale:
            assert pair is not None
            desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
            first = await desk.first(cid)
            code = first.dialogue_code if first else ""
            moved = await desk.decide(pair, merge=choice == "gop")
            keep = min(pair.cluster, pair.other_cluster) if choice == "gop" else cid
    if stale or moved is None:
        return await _again(request, "stale")
    done, number = ("merged", moved) if choice == "gop" else ("dismissed", 0)
    if form.get("ve") == "goi-y":
        # Decided from the dialogue's list of suggestions: back to the list.
        back = ctx.url(f"/hoi-nghi/{code}/goi-y")
        return redirect(done_url(back, done, number))
    return redirect(done_url(cluster_url(request, keep), done, number))


async def report_text(request: web.Request) -> web.StreamResponse:
    """The text that stands for the cluster in the report; the residents' texts stay."""
    ctx, form = context_of(request), form_of(request)
    cid = _cluster_id(request)
    assert cid is not None
    clear = form.get("xoa") == "1"
    text = " ".join(form.get("noi_dung", "").split())
    if not clear and not REPORT_TEXT_MIN_CHARS <= len(text) <= REPORT_TEXT_MAX_CHARS:
        return await _again(
            request,
            "bad_text",
            length=len(text),
            min=REPORT_TEXT_MIN_CHARS,
            max=REPORT_TEXT_MAX_CHARS,
        )
    async with ctx.services.store.transaction() as tx:
        desk = ctx.desk(tx, visitor_of(request).person, ctx.now())
        first = await desk.first(cid)
        if first is None or first.cluster_id != cid:
            return refusal(request, 404, "not_found")
        await desk.set_report_text(cid, None if clear else text)
    key = "text_cleared" if clear else "text_saved"
    return redirect(done_url(cluster_url(request, cid), key))
