"""The secretariat's page at the meeting (Tổ thư ký): what a speaker raises from the floor, the
speaker list, and clusters answered on the spot.

Every change is one of handlers/meeting_ops.py's operations, the same the chat's /ghiykien,
/moitiep and /traloitaicho call: a floor question goes through `store_question` (dedupe,
clusters, departments, report) as raised at the meeting, and each operation checks the role
again itself. After a change the browser goes back to the page (Post/Redirect/Get); a value
that does not fit is shown again with what was typed, and nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.context import WebContext, context_of, form_of, redirect, visitor_of
from bot.web.pages import no_dialogue
from bot.web.render import done_url, refusal, render
from domain.meeting import Speaker, SpeakerStatus
from domain.models import Dialogue, Question
from domain.numfmt import fmt_number
from handlers.common import parse_code
from handlers.meeting.floor import SUMMARY_MAX_CHARS
from handlers.meeting_ops import (
    FLOOR,
    Actor,
    ListState,
    NotAllowed,
    OnSpot,
    answer_on_spot,
    call_next,
    close_list,
    enter_floor_question,
    evening_of,
    finish_current,
    list_state,
    meeting_dialogue,
    open_list,
)
from storage.base import Transaction

FLOOR_SHOWN = 50  # the latest ones; the office's questions page has them all
WAITING_SHOWN = 30
SUMMARY_MIN_CHARS = 5  # as the chat's /traloitaicho


@dataclass(frozen=True)
class FloorRow:
    question: Question
    category: str
    cluster_code: str | None  # the cluster's first question, when it joined another one


@dataclass(frozen=True)
class SpeakerRow:
    speaker: Speaker
    about: str  # the question's receipt code and text, or the new matter


def actor_of(request: web.Request) -> Actor:
    visitor = visitor_of(request)
    return Actor(visitor.person, visitor.role)


def page_url(ctx: WebContext, dialogue: Dialogue) -> str:
    return ctx.url(f"/hop/{dialogue.code}")


async def choose(request: web.Request) -> web.StreamResponse:
    """/hop: the dialogue the chat's meeting commands would mean without a code; else a list."""
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        found = await meeting_dialogue(rd, ctx.now())
        dialogues = await rd.dialogues()
    if found is not None:
        return redirect(page_url(ctx, found))
    return render(request, "choose.html", dialogues=dialogues, base="/hop/", kind="meeting")


async def _dialogue(tx: Transaction, request: web.Request) -> Dialogue | None:
    return await tx.dialogue_by_code(request.match_info["code"].strip().upper()[:20])


async def meeting_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.services.store.reader() as rd:
        dialogue = await _dialogue(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        questions = await rd.dialogue_questions(dialogue.id)
        speakers = await rd.speakers(dialogue.id)
        state = await list_state(rd, dialogue)
        onspot = await rd.onspot_answers(dialogue.id)
        dialogues = await rd.dialogues()
        unheard = [s for s in speakers if s.status is not SpeakerStatus.DONE]
        rows = [await _speaker_row(rd, ctx, s) for s in unheard]
    by_id = {q.id: q for q in questions}
    floor = [q for q in questions if q.source == FLOOR]
    shown = [
        FloorRow(
            q,
            ctx.plan.category_label(q.category),
            by_id[q.cluster_id].receipt_code
            if q.cluster_id != q.id and q.cluster_id in by_id
            else None,
        )
        for q in reversed(floor[-FLOOR_SHOWN:])
    ]
    called = [r for r in rows if r.speaker.status is SpeakerStatus.CALLED]
    waiting = [r for r in rows if r.speaker.status is SpeakerStatus.WAITING]
    typed = typed or {}
    if "ma" not in typed and request.query.get("nhom_ma"):
        typed["ma"] = request.query["nhom_ma"][:20]
    evening = evening_of(ctx.plan, ctx.now())
    return render(
        request,
        "meeting.html",
        status=status,
        error=error,
        typed=typed,
        dialogue=dialogue,
        dialogues=dialogues,
        floor=shown,
        floor_total=len(floor),
        villages=ctx.plan.commune.villages,
        limits=ctx.plan.limits,
        state=state.value,
        is_open=state is ListState.OPEN,
        called=called,
        waiting=waiting[:WAITING_SHOWN],
        waiting_total=len(waiting),
        heard=sum(1 for s in speakers if s.status is SpeakerStatus.DONE),
        onspot=list(reversed(onspot)),
        summary_limits=(SUMMARY_MIN_CHARS, SUMMARY_MAX_CHARS),
        tonight=evening > ctx.now(),
        evening=f"{evening.astimezone(ctx.plan.commune.tz):%H:%M}",
    )


async def _speaker_row(tx: Transaction, ctx: WebContext, speaker: Speaker) -> SpeakerRow:
    texts = ctx.texts
    if speaker.question_id is not None:
        found = await tx.questions_by_ids([speaker.question_id])
        text = found[0].text if found else ""
        about = texts("web.meeting.on_question", code=speaker.receipt_code or "", text=text)
    else:
        about = texts("web.meeting.on_topic", topic=speaker.topic or "")
    return SpeakerRow(speaker, about)


async def _again(request: web.Request, key: str, **fields: object) -> web.StreamResponse:
    """The page again, with what went wrong and what was typed; nothing changed."""
    texts = context_of(request).texts
    return await meeting_page(request, 400, texts(f"web.meeting.{key}", **fields), form_of(request))


# --- questions from the floor ------------------------------------------------------------


def _name(raw: str, limit: int) -> tuple[bool, str | None]:
    """(whether it fits, the speaker's name or None when not given), as the chat takes it."""
    name = " ".join(raw.split())
    if not name:
        return True, None
    fits = 2 <= len(name) <= limit and not any(ch.isdigit() for ch in name)
    return fits, name


async def floor_question(request: web.Request) -> web.StreamResponse:
    ctx, form = context_of(request), form_of(request)
    limits = ctx.plan.limits
    text = form.get("noi_dung", "").strip()
    if not limits.question_min_chars <= len(text) <= limits.question_max_chars:
        return await _again(
            request,
            "bad_length",
            length=fmt_number(len(text)),
            min=limits.question_min_chars,
            max=fmt_number(limits.question_max_chars),
        )
    village_key = form.get("thon", "")
    villages = ctx.plan.commune.villages
    if village_key and not (village_key.isdigit() and int(village_key) < len(villages)):
        return await _again(request, "bad_village")
    village = villages[int(village_key)] if village_key else None
    fits, name = _name(form.get("ho_ten", ""), limits.name_max_chars)
    if not fits:
        return await _again(request, "bad_name", max=limits.name_max_chars)
    async with ctx.services.store.transaction() as tx:
        dialogue = await _dialogue(tx, request)
        if dialogue is None:
            return no_dialogue(request)
        try:
            placed = await enter_floor_question(
                tx,
                ctx.finder,
                actor_of(request),
                dialogue,
                text,
                village,
                name,
                ctx.now(),
            )
        except NotAllowed:
            return refusal(request, 403, "not_yours")
    question = placed.question
    joined = question.cluster_id != question.id
    key = "floor_joined" if joined else "floor_stored"
    return redirect(done_url(page_url(ctx, dialogue), key, code=question.receipt_code))


# --- the speaker list --------------------------------------------------------------------

SPEAKER_ACTIONS = frozenset({"open", "next", "done", "close"})


async def speakers(request: web.Request) -> web.StreamResponse:
    """One button of the chair's side: open, call the next one, the one speaking is done,
    close (as /mohangdoi, /moitiep, /xongphatbieu, /donghangdoi)."""
    ctx, form = context_of(request), form_of(request)
    action = form.get("hanh_dong", "")
    if action not in SPEAKER_ACTIONS:
        return refusal(request, 400, "bad_form")
    who, now = actor_of(request), ctx.now()
    number, called = 0, False
    async with ctx.services.store.transaction() as tx:
        dialogue = await _dialogue(tx, request)
        if dialogue is None:
            return no_dialogue(request)
        try:
            if action == "open":
                await open_list(tx, who, dialogue, now)
                key = "speakers_open"
            elif action == "close":
                closed = await close_list(tx, who, dialogue, now)
                key = "speakers_closed" if closed else "speakers_not_open"
            elif action == "done":
                finished = await finish_current(tx, who, dialogue, now)
                key = "speaker_finished" if finished else "nobody_speaking"
                number = finished.position if finished else 0
            else:
                _, next_one = await call_next(tx, ctx.texts, who, dialogue, now)
                key = "speaker_called" if next_one else "speakers_none_left"
                number, called = (next_one.position, True) if next_one else (0, False)
        except NotAllowed:
            return refusal(request, 403, "not_yours")
    if called and ctx.wake is not None:
        ctx.wake()  # the one called is told in their chat now, not at the outbox's next round
    return redirect(done_url(page_url(ctx, dialogue), key, number))


# --- answered at the meeting -------------------------------------------------------------


async def on_spot(request: web.Request) -> web.StreamResponse:
    """A cluster answered at the meeting, with a short summary; its askers are told that
    evening (as /traloitaicho)."""
    ctx, form = context_of(request), form_of(request)
    code = parse_code(form.get("ma", ""))
    summary = form.get("tom_tat", "").strip()
    if code is None:
        return await _again(request, "bad_code")
    if not SUMMARY_MIN_CHARS <= len(summary) <= SUMMARY_MAX_CHARS:
        return await _again(
            request,
            "bad_summary",
            length=fmt_number(len(summary)),
            max=fmt_number(SUMMARY_MAX_CHARS),
        )
    now = ctx.now()
    async with ctx.services.store.transaction() as tx:
        dialogue = await _dialogue(tx, request)
        if dialogue is None:
            return no_dialogue(request)
        question = await tx.question_by_code(code)
        done: OnSpot | None = None
        if question is not None and question.dialogue_id == dialogue.id:
            try:
                done = await answer_on_spot(
                    tx, ctx.plan, ctx.texts, actor_of(request), dialogue, question, summary, now
                )
            except NotAllowed:
                return refusal(request, 403, "not_yours")
    if done is None:
        return await _again(request, "unknown_code", code=code)
    if done.earlier is not None:
        return redirect(done_url(page_url(ctx, dialogue), "onspot_already", code=code))
    if done.notify_at <= now and ctx.wake is not None:
        ctx.wake()  # the evening has come already: the askers are told now
    return redirect(done_url(page_url(ctx, dialogue), "onspot_recorded", done.people, code))
