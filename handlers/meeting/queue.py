"""The chair's side of the speaker list: open it, see who is waiting in order, call the next
one (who is told in their chat), mark the one speaking done, close it. Each command and each
button shows the list again, so the secretariat always has it in front of them."""

from __future__ import annotations

from domain.meeting import Speaker, SpeakerStatus
from domain.models import Dialogue
from handlers.common import snippet
from handlers.engine import Handler, Turn
from handlers.io import Choice
from handlers.meeting.draft import MeetingDraft, actor
from handlers.meeting_ops import (
    ListState,
    call_next,
    close_list,
    finish_current,
    list_state,
    meeting_dialogue,
    open_list,
)
from handlers.steps import MeetingStep

SHOWN_WAITING = 15


async def _dialogue(turn: Turn, argument: str) -> Dialogue | None:
    code = argument or turn.draft(MeetingDraft).dialogue or ""
    dialogue = await meeting_dialogue(turn.tx, turn.now, code)
    if dialogue is None:
        turn.finish(turn.t("floor.which_dialogue", command="hangdoi"))
    return dialogue


async def _who(turn: Turn, speaker: Speaker) -> str:
    name = speaker.name or turn.t("speakers.no_name")
    if speaker.question_id is not None:
        found = await turn.tx.questions_by_ids([speaker.question_id])
        text = snippet(found[0].text, 80) if found else ""
        about = turn.t("speakers.on_question", code=speaker.receipt_code, text=text)
    else:
        about = turn.t("speakers.on_topic", topic=snippet(speaker.topic or "", 80))
    return turn.t("speakers.line", n=speaker.position, name=name, about=about)


async def show(turn: Turn, dialogue: Dialogue, lead: str = "") -> None:
    speakers = await turn.tx.speakers(dialogue.id)
    state = await list_state(turn.tx, dialogue)
    called = [s for s in speakers if s.status is SpeakerStatus.CALLED]
    waiting = [s for s in speakers if s.status is SpeakerStatus.WAITING]
    done = sum(1 for s in speakers if s.status is SpeakerStatus.DONE)
    lines = [turn.t(f"speakers.head_{state.value}", title=dialogue.title, code=dialogue.code)]
    for speaker in called:
        lines.append(turn.t("speakers.speaking") + " " + await _who(turn, speaker))
    if waiting:
        lines.append(turn.t("speakers.waiting", count=len(waiting)))
        lines += [await _who(turn, s) for s in waiting[:SHOWN_WAITING]]
        if len(waiting) > SHOWN_WAITING:
            lines.append(turn.t("speakers.more", count=len(waiting) - SHOWN_WAITING))
    elif not called:
        lines.append(turn.t("speakers.empty"))
    lines.append(turn.t("speakers.heard", count=done))
    choices = []
    if waiting:
        choices.append(Choice("next", turn.t("speakers.call_next")))
    if called:
        choices.append(Choice("done", turn.t("speakers.mark_done")))
    if state is ListState.OPEN:
        choices.append(Choice("close", turn.t("speakers.close")))
    else:
        choices.append(Choice("open", turn.t("speakers.open")))
    choices.append(Choice("leave", turn.t("speakers.leave")))
    turn.start_draft(MeetingDraft(dialogue=dialogue.code))
    text = "\n".join(lines)
    turn.ask(MeetingStep.QUEUE, f"{lead}\n\n{text}" if lead else text, choices)


async def _act(turn: Turn, dialogue: Dialogue, key: str) -> str:
    """Do what `key` says; the line saying what happened."""
    who = actor(turn)
    if key == "open":
        await open_list(turn.tx, who, dialogue, turn.now)
        return turn.t("speakers.opened")
    if key == "close":
        closed = await close_list(turn.tx, who, dialogue, turn.now)
        return turn.t("speakers.closed" if closed else "speakers.not_open")
    if key == "done":
        finished = await finish_current(turn.tx, who, dialogue, turn.now)
        if finished is None:
            return turn.t("speakers.nobody_speaking")
        return turn.t("speakers.finished", n=finished.position)
    _, called = await call_next(turn.tx, turn.t, who, dialogue, turn.now)
    if called is None:
        return turn.t("speakers.none_left")
    turn.wake_outbox = True
    return turn.t("speakers.called", n=called.position, name=called.name or "")


async def queue_choice(turn: Turn, key: str) -> None:
    dialogue = await _dialogue(turn, "")
    if dialogue is None:
        return
    if key == "leave":
        turn.finish(turn.t("speakers.left"))
        return
    await show(turn, dialogue, await _act(turn, dialogue, key))


def _command(key: str | None) -> Handler:
    """A command that does what a button does, then shows the list."""

    async def run(turn: Turn, argument: str) -> None:
        dialogue = await _dialogue(turn, argument)
        if dialogue is None:
            return
        await show(turn, dialogue, await _act(turn, dialogue, key) if key else "")

    return run


show_list = _command(None)
open_registration = _command("open")
close_registration = _command("close")
next_speaker = _command("next")
speaker_done = _command("done")
