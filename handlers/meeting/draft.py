"""What a member of the secretariat or an official is doing at the meeting or after it, kept
between messages (under keys of its own: the step says which flow the draft belongs to)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.drafts import StoredDraft
from handlers.engine import Turn
from handlers.meeting_ops import Actor


@dataclass
class MeetingDraft(StoredDraft):
    PREFIX = "m_"

    dialogue: str | None = None  # the dialogue's code
    question: int | None = None  # the question named in the command
    commitment: int | None = None  # the commitment's number in its dialogue
    text: str | None = None  # floor question, summary, commitment, note or reply
    village: str | None = None
    body: str | None = None  # who is responsible for a commitment
    due: str | None = None  # its due date, ISO


def actor(turn: Turn) -> Actor:
    return Actor(turn.inbound.person, turn.role)
