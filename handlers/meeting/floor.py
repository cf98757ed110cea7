"""The secretariat at the meeting: what a speaker raises, typed in within seconds (text, village,
optional name; the category is suggested, never asked), and a cluster answered on the spot."""

from __future__ import annotations

from domain.timefmt import fmt_datetime
from handlers.common import parse_code, snippet
from handlers.engine import Turn
from handlers.io import Choice
from handlers.meeting.draft import MeetingDraft, actor
from handlers.meeting_ops import answer_on_spot, enter_floor_question, evening_of, meeting_dialogue
from handlers.steps import MeetingStep

SUMMARY_MAX_CHARS = 1000


def _lead(lead: str) -> str:
    return f"{lead}\n\n" if lead else ""


# --- questions from the floor ------------------------------------------------------------


async def start_floor(turn: Turn, argument: str) -> None:
    dialogue = await meeting_dialogue(turn.tx, turn.now, argument)
    if dialogue is None:
        turn.finish(turn.t("floor.which_dialogue", command="ghiykien"))
        return
    turn.start_draft(MeetingDraft(dialogue=dialogue.code))
    await ask_text(turn)


async def ask_text(turn: Turn, lead: str = "") -> None:
    draft = turn.draft(MeetingDraft)
    dialogue = await turn.tx.dialogue_by_code(str(draft.dialogue))
    title = dialogue.title if dialogue else str(draft.dialogue)
    limits = turn.plan.limits
    turn.ask(
        MeetingStep.FLOOR_TEXT,
        _lead(lead)
        + turn.t(
            "floor.write", title=title, min=limits.question_min_chars, max=limits.question_max_chars
        ),
    )


async def take_text(turn: Turn, raw: str) -> None:
    text = raw.strip()
    limits = turn.plan.limits
    if not limits.question_min_chars <= len(text) <= limits.question_max_chars:
        problem = turn.t(
            "floor.bad_length",
            length=len(text),
            min=limits.question_min_chars,
            max=limits.question_max_chars,
        )
        await ask_text(turn, problem)
        return
    turn.draft(MeetingDraft).text = text
    villages = turn.plan.commune.villages
    if not villages:
        await ask_name(turn)
        return
    choices = [Choice(str(i), name) for i, name in enumerate(villages)]
    choices.append(Choice("none", turn.t("floor.no_village")))
    turn.ask(MeetingStep.FLOOR_VILLAGE, turn.t("floor.pick_village"), choices)


async def pick_village(turn: Turn, key: str) -> None:
    villages = turn.plan.commune.villages
    turn.draft(MeetingDraft).village = None if key == "none" else villages[int(key)]
    await ask_name(turn)


async def ask_name(turn: Turn, lead: str = "") -> None:
    turn.ask(
        MeetingStep.FLOOR_NAME,
        _lead(lead) + turn.t("floor.write_name", max=turn.plan.limits.name_max_chars),
        [Choice("skip", turn.t("floor.skip_name"))],
    )


async def skip_name(turn: Turn, key: str) -> None:
    await _store(turn, None)


async def take_name(turn: Turn, raw: str) -> None:
    name = " ".join(raw.split())
    limit = turn.plan.limits.name_max_chars
    if len(name) < 2 or len(name) > limit or any(ch.isdigit() for ch in name):
        await ask_name(turn, turn.t("send.bad_name", max=limit))
        return
    await _store(turn, name)


async def _store(turn: Turn, name: str | None) -> None:
    draft = turn.draft(MeetingDraft)
    dialogue = await turn.tx.dialogue_by_code(str(draft.dialogue))
    assert dialogue is not None and draft.text is not None
    placed = await enter_floor_question(
        turn.tx, turn.finder, actor(turn), dialogue, draft.text, draft.village, name, turn.now
    )
    question = placed.question
    lead = turn.t(
        "floor.stored",
        code=question.receipt_code,
        category=turn.plan.category_label(question.category),
    )
    if question.cluster_id != question.id:
        first = (await turn.tx.questions_by_ids([question.cluster_id]))[0]
        lead += "\n" + turn.t("floor.joined", code=first.receipt_code)
    turn.start_draft(MeetingDraft(dialogue=dialogue.code))
    turn.ask(
        MeetingStep.FLOOR_MORE,
        lead,
        [Choice("more", turn.t("floor.more")), Choice("done", turn.t("floor.done"))],
    )


async def more(turn: Turn, key: str) -> None:
    if key == "more":
        await ask_text(turn)
    else:
        turn.finish(turn.t("floor.finished"))


# --- answered at the meeting -------------------------------------------------------------


async def start_onspot(turn: Turn, argument: str) -> None:
    code = parse_code(argument)
    if code is None:
        turn.finish(turn.t("office.usage_code", command="traloitaicho"))
        return
    question = await turn.tx.question_by_code(code)
    if question is None:
        turn.finish(turn.t("office.unknown_code", code=code))
        return
    earlier = await turn.tx.onspot_for_cluster(question.cluster_id)
    if earlier is not None:
        tz = turn.plan.commune.tz
        turn.finish(turn.t("onspot.already", code=code, at=fmt_datetime(earlier.answered_at, tz)))
        return
    first = (await turn.tx.questions_by_ids([question.cluster_id]))[0]
    people = len(await turn.tx.recipients(question.cluster_id))
    turn.start_draft(MeetingDraft(question=question.id, dialogue=question.dialogue_code))
    turn.ask(
        MeetingStep.ONSPOT_TEXT,
        turn.t(
            "onspot.write",
            code=first.receipt_code,
            text=snippet(first.text, 200),
            people=people,
            max=SUMMARY_MAX_CHARS,
        ),
    )


def _when(turn: Turn) -> str:
    at = evening_of(turn.plan, turn.now)
    if at <= turn.now:
        return turn.t("onspot.now")
    return turn.t("onspot.tonight", time=f"{at.astimezone(turn.plan.commune.tz):%H:%M}")


async def take_summary(turn: Turn, raw: str) -> None:
    summary = raw.strip()
    if not 5 <= len(summary) <= SUMMARY_MAX_CHARS:
        turn.reask(turn.t("onspot.bad_length", length=len(summary), max=SUMMARY_MAX_CHARS))
        return
    draft = turn.draft(MeetingDraft)
    draft.text = summary
    assert draft.question is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    people = len(await turn.tx.recipients(question.cluster_id))
    turn.ask(
        MeetingStep.ONSPOT_CONFIRM,
        turn.t("onspot.confirm", summary=summary, people=people, when=_when(turn)),
        [Choice("yes", turn.t("onspot.record")), Choice("no", turn.t("office.no"))],
    )


async def record(turn: Turn, key: str) -> None:
    draft = turn.draft(MeetingDraft)
    assert draft.question is not None and draft.text is not None
    question = (await turn.tx.questions_by_ids([draft.question]))[0]
    dialogue = await turn.tx.dialogue_by_code(question.dialogue_code)
    assert dialogue is not None
    when = _when(turn)
    done = await answer_on_spot(
        turn.tx, turn.plan, turn.t, actor(turn), dialogue, question, draft.text, turn.now
    )
    if done.earlier is not None:
        at = fmt_datetime(done.earlier.answered_at, turn.plan.commune.tz)
        turn.finish(turn.t("onspot.already", code=question.receipt_code, at=at))
        return
    turn.wake_outbox = done.notify_at <= turn.now
    turn.finish(
        turn.t("onspot.recorded", code=question.receipt_code, people=done.people, when=when)
    )
