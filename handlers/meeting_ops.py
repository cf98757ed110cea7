"""What the secretariat does at the meeting, as operations a chat step or (later) the office's
web page calls with a transaction: questions from the floor, the speaker list, clusters
answered on the spot.

Each operation checks the actor's role itself, so a page built on these cannot skip the check
the chat's command registry makes; each says what happened as a value (a refusal is a result,
not an exception), and changes nothing when it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.categories import OTHER
from domain.category_suggestion import suggest_category
from domain.complaints import looks_like_complaint
from domain.meeting import OnSpotAnswer, Speaker, SpeakerStatus
from domain.models import DeliveryStatus, Dialogue, NewQuestion, Question
from domain.plan import Plan, Role, may
from domain.texts import Texts
from handlers.duplicates import DuplicateFinder, Placed
from handlers.intake import store_question
from storage.base import Transaction

FLOOR = "floor"  # the source of a question raised at the meeting


@dataclass(frozen=True)
class Actor:
    """Who does it: "<channel>:<id>" and the role they hold now (from config and store)."""

    person: str
    role: Role | None


class NotAllowed(Exception):
    def __init__(self, needed: Role) -> None:
        super().__init__(f"needs {needed.value}")
        self.needed = needed


def require(actor: Actor, needed: Role) -> None:
    if not may(actor.role, needed):
        raise NotAllowed(needed)


async def meeting_dialogue(tx: Transaction, now: datetime, code: str = "") -> Dialogue | None:
    """The dialogue a meeting command means: the one named; else the one whose speaker list
    is open; else the latest whose collection has ended (the meeting follows it); else the
    only one."""
    dialogues = await tx.dialogues()
    code = code.strip().upper()
    if code:
        return next((d for d in dialogues if d.code == code), None)
    for d in reversed(dialogues):
        listed = await tx.speaker_list(d.id)
        if listed is not None and listed.is_open:
            return d
    ended = [d for d in dialogues if not d.is_open(now)]
    if ended:
        return ended[-1]
    return dialogues[0] if len(dialogues) == 1 else None


# --- questions from the floor ------------------------------------------------------------


def floor_category(text: str, dialogue: Dialogue) -> str:
    """The secretariat has no time to pick one: the suggested category, else "other"."""
    suggested = suggest_category(text, dialogue.categories)
    if suggested in dialogue.categories:
        return suggested
    return OTHER if OTHER in dialogue.categories else dialogue.categories[0]


async def enter_floor_question(
    tx: Transaction,
    finder: DuplicateFinder,
    actor: Actor,
    dialogue: Dialogue,
    text: str,
    village: str | None,
    name: str | None,
    at: datetime,
) -> Placed:
    """What a speaker raised, through the same pipeline as every question."""
    require(actor, Role.SECRETARY)
    return await store_question(
        tx,
        finder,
        NewQuestion(
            dialogue_id=dialogue.id,
            resident_id=None,
            category=floor_category(text, dialogue),
            text=text,
            village=village,
            author_name=name,
            created_at=at,
            source=FLOOR,
            flag="complaint" if looks_like_complaint(text) else None,
            entered_by=actor.person,
        ),
    )


# --- the speaker list --------------------------------------------------------------------


class ListState(StrEnum):
    OPEN = "open"
    NOT_OPEN = "not_open"  # the secretariat has not opened it
    CLOSED = "closed"  # no one is added; those on it are still called


class Registration(StrEnum):
    REGISTERED = "registered"
    ALREADY = "already"  # a registration not heard yet: nothing changes
    NOT_OPEN = "not_open"  # the secretariat has not opened the list
    CLOSED = "closed"  # the list is closed: no one is added


@dataclass(frozen=True)
class Registered:
    outcome: Registration
    speaker: Speaker | None = None
    ahead: int = 0  # people before them still to speak


def _ahead(speakers: list[Speaker], speaker: Speaker) -> int:
    return sum(
        1 for s in speakers if s.status is not SpeakerStatus.DONE and s.position < speaker.position
    )


async def list_state(tx: Transaction, dialogue: Dialogue) -> ListState:
    listed = await tx.speaker_list(dialogue.id)
    if listed is None:
        return ListState.NOT_OPEN
    return ListState.OPEN if listed.is_open else ListState.CLOSED


async def already_waiting(tx: Transaction, dialogue: Dialogue, resident_id: int) -> Registered:
    """The resident's registration still to be heard, with how many are before them."""
    waiting = await tx.waiting_speaker(dialogue.id, resident_id)
    if waiting is None:
        return Registered(Registration.NOT_OPEN)
    return Registered(
        Registration.ALREADY, waiting, _ahead(await tx.speakers(dialogue.id), waiting)
    )


async def register_speaker(
    tx: Transaction,
    dialogue: Dialogue,
    resident_id: int,
    question: Question | None,
    topic: str | None,
    at: datetime,
) -> Registered:
    """A resident asks to speak, on one of their questions or on a new matter (`topic`)."""
    state = await list_state(tx, dialogue)
    if state is not ListState.OPEN:
        return Registered(Registration(state.value))
    waiting = await already_waiting(tx, dialogue, resident_id)
    if waiting.speaker is not None:
        return waiting
    speaker = await tx.add_speaker(
        dialogue.id, resident_id, question.id if question else None, topic, at
    )
    return Registered(
        Registration.REGISTERED, speaker, _ahead(await tx.speakers(dialogue.id), speaker)
    )


async def open_list(tx: Transaction, actor: Actor, dialogue: Dialogue, at: datetime) -> None:
    require(actor, Role.SECRETARY)
    await tx.open_speaker_list(dialogue.id, actor.person, at)
    await tx.audit(at, actor.person, "speakers_open", dialogue.code)


async def close_list(tx: Transaction, actor: Actor, dialogue: Dialogue, at: datetime) -> bool:
    """Close registration (those already on the list are still called); False if not open."""
    require(actor, Role.SECRETARY)
    if await list_state(tx, dialogue) is not ListState.OPEN:
        return False
    await tx.close_speaker_list(dialogue.id, actor.person, at)
    await tx.audit(at, actor.person, "speakers_close", dialogue.code)
    return True


async def finish_current(
    tx: Transaction, actor: Actor, dialogue: Dialogue, at: datetime
) -> Speaker | None:
    """The speaker called last has finished; None if nobody was speaking."""
    require(actor, Role.SECRETARY)
    for speaker in await tx.speakers(dialogue.id):
        if speaker.status is SpeakerStatus.CALLED:
            await tx.set_speaker_status(speaker.id, SpeakerStatus.DONE, at)
            return speaker
    return None


async def call_next(
    tx: Transaction, texts: Texts, actor: Actor, dialogue: Dialogue, at: datetime
) -> tuple[Speaker | None, Speaker | None]:
    """Whoever was speaking is done, and the next one waiting is called, told in their chat.

    Returns (the one who finished, the one called); (x, None) when nobody is left."""
    finished = await finish_current(tx, actor, dialogue, at)
    waiting = [s for s in await tx.speakers(dialogue.id) if s.status is SpeakerStatus.WAITING]
    if not waiting:
        return finished, None
    called = waiting[0]
    await tx.set_speaker_status(called.id, SpeakerStatus.CALLED, at)
    if called.channel is not None and called.chat_id is not None:
        # The resident is spoken to as the dialogue speaks to people.
        text = texts.addressed(dialogue.address)(
            "speakers.your_turn", n=called.position, title=dialogue.title
        )
        await tx.add_delivery(
            called.channel,
            called.chat_id,
            "speaker",
            f"{dialogue.code}/speaker/{called.id}",
            text,
            DeliveryStatus.PENDING,
            at,
        )
    return finished, called


# --- answered at the meeting -------------------------------------------------------------


def evening_of(plan: Plan, now: datetime) -> datetime:
    """When askers of a question answered now are told: this evening, or at once if later."""
    tz = plan.commune.tz
    local = now.astimezone(tz)
    evening = datetime.combine(local.date(), plan.meeting.evening, tzinfo=tz)
    return evening if local < evening else now


def onspot_ref(question_id: int) -> str:
    return f"onspot/{question_id}"


@dataclass(frozen=True)
class OnSpot:
    people: int  # askers and backers who will be told
    notify_at: datetime
    earlier: OnSpotAnswer | None = None  # already answered at the meeting: nothing changed


async def answer_on_spot(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    actor: Actor,
    dialogue: Dialogue,
    question: Question,
    summary: str,
    at: datetime,
) -> OnSpot:
    """Mark the question's cluster answered at the meeting with a short summary; each asker
    and backer gets it that evening (deliveries held until then, released by the tick)."""
    require(actor, Role.SECRETARY)
    cluster = question.cluster_id
    notify_at = evening_of(plan, at)
    existing = await tx.onspot_for_cluster(cluster)
    if existing is not None:
        return OnSpot(0, existing.notify_at, existing)
    record = await tx.cluster(cluster)
    if record is None or not record.answer:
        # An answer the office wrote before the meeting stays; the summary is told alongside.
        await tx.record_answer(cluster, summary, actor.person, at)
    ref = onspot_ref(cluster)
    people = 0
    texts = texts.addressed(dialogue.address)  # the askers hear the dialogue's own voice
    for who in await tx.recipients(cluster):
        text = texts("onspot.notice", code=who.receipt_code, title=dialogue.title, summary=summary)
        if await tx.add_delivery(
            who.channel, who.chat_id, "onspot", ref, text, DeliveryStatus.HELD, at
        ):
            people += 1
    await tx.add_onspot(cluster, dialogue.id, summary, actor.person, at, notify_at)
    if notify_at <= at:
        await tx.release_onspot(cluster, ref, at)
    first = (await tx.questions_by_ids([cluster]))[0]
    await tx.audit(at, actor.person, "onspot", f"{first.receipt_code}: {summary[:120]}")
    return OnSpot(people, notify_at)


async def release_due(tx: Transaction, now: datetime) -> int:
    """Answers given at the meeting whose evening has come: their messages may go now."""
    released = 0
    for answer in await tx.onspot_due(now):
        released += await tx.release_onspot(answer.question_id, onspot_ref(answer.question_id), now)
    return released
