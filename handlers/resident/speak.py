"""/phatbieu: a resident at the meeting asks to speak, on one of their questions or on a new
matter, and gets their number; the secretariat calls them in order (handlers/meeting/queue.py)
and the bot tells them when it is their turn. Registering twice, or after the list closed, is
answered plainly and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from domain.models import Dialogue, Question
from domain.numfmt import words_over, words_within
from handlers.address import speak_for
from handlers.common import snippet
from handlers.drafts import StoredDraft
from handlers.engine import Turn
from handlers.io import Choice
from handlers.meeting_ops import ListState, Registered, already_waiting, register_speaker
from handlers.resident.menu import show_menu, with_lead
from handlers.steps import ResidentStep

TOPIC_MIN, TOPIC_MAX = 10, 300
QUESTIONS_OFFERED = 5


@dataclass
class SpeakDraft(StoredDraft):
    PREFIX = "s_"

    dialogue: str | None = None


async def _listed_dialogue(turn: Turn) -> tuple[Dialogue | None, ListState]:
    """The dialogue whose speaker list is open (the latest opened), else why there is none."""
    closed = False
    for dialogue in reversed(await turn.tx.dialogues()):
        listed = await turn.tx.speaker_list(dialogue.id)
        if listed is not None and listed.is_open:
            return dialogue, ListState.OPEN
        closed = closed or listed is not None
    return None, ListState.CLOSED if closed else ListState.NOT_OPEN


async def _questions(turn: Turn, dialogue: Dialogue) -> list[Question]:
    assert turn.resident is not None
    own = await turn.tx.questions_of_resident(turn.resident.id)
    backed = await turn.tx.supported_by(turn.resident.id)
    found = [q for q in [*own, *backed] if q.dialogue_id == dialogue.id]
    return found[-QUESTIONS_OFFERED:]


async def start(turn: Turn, argument: str = "") -> None:
    assert turn.resident is not None
    dialogue, state = await _listed_dialogue(turn)
    if dialogue is None:
        await show_menu(turn, turn.t(f"speak.{state.value}"))
        return
    speak_for(turn, dialogue)  # the list belongs to one dialogue: its form of address
    waiting = await already_waiting(turn.tx, dialogue, turn.resident.id)
    if waiting.speaker is not None:
        await _answer(turn, dialogue, waiting)
        return
    turn.start_draft(SpeakDraft(dialogue=dialogue.code))
    questions = await _questions(turn, dialogue)
    if not questions:
        await ask_topic(turn)
        return
    choices = [
        Choice(f"q{q.id}", turn.t("speak.on_question", code=q.receipt_code)) for q in questions
    ]
    choices.append(Choice("new", turn.t("speak.new_matter")))
    lines = [f"{q.receipt_code}: “{snippet(q.text, 80)}”" for q in questions]
    turn.ask(
        ResidentStep.SPEAK_PICK,
        turn.t("speak.pick", title=dialogue.title, questions="\n".join(lines)),
        choices,
    )


async def ask_topic(turn: Turn, lead: str = "") -> None:
    turn.ask(
        ResidentStep.SPEAK_TOPIC,
        with_lead(lead) + turn.t("speak.write_topic", max_words=words_within(TOPIC_MAX)),
    )


async def pick(turn: Turn, key: str) -> None:
    if key == "new":
        await ask_topic(turn)
        return
    found = await turn.tx.questions_by_ids([int(key.removeprefix("q"))])
    await _register(turn, found[0] if found else None, None)


async def take_topic(turn: Turn, raw: str) -> None:
    topic = " ".join(raw.split())
    if len(topic) < TOPIC_MIN:
        await ask_topic(turn, turn.t("speak.topic_short"))
        return
    if len(topic) > TOPIC_MAX:
        # Limits are told in words, as residents reckon them (domain/numfmt.py).
        over = words_over(len(topic), TOPIC_MAX)
        long = turn.t("speak.topic_long", max_words=words_within(TOPIC_MAX), cut_words=over)
        await ask_topic(turn, long)
        return
    await _register(turn, None, topic)


async def _register(turn: Turn, question: Question | None, topic: str | None) -> None:
    assert turn.resident is not None
    code = turn.draft(SpeakDraft).dialogue
    dialogue = await turn.tx.dialogue_by_code(code) if code else None
    if dialogue is None:
        await show_menu(turn)
        return
    # The list may have closed, or this person registered from another message, meanwhile.
    speak_for(turn, dialogue)
    done = await register_speaker(turn.tx, dialogue, turn.resident.id, question, topic, turn.now)
    await _answer(turn, dialogue, done)


async def _answer(turn: Turn, dialogue: Dialogue, done: Registered) -> None:
    if done.speaker is None:
        await show_menu(turn, turn.t(f"speak.{done.outcome.value}", title=dialogue.title))
        return
    await show_menu(
        turn,
        turn.t(
            f"speak.{done.outcome.value}",
            title=dialogue.title,
            n=done.speaker.position,
            ahead=done.ahead,
        ),
    )
