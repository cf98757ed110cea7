"""What a member of the secretariat or an official is doing at the meeting or after it, kept
between messages (under keys of its own: the step says which flow the draft belongs to)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from handlers.engine import Turn
from handlers.meeting_ops import Actor


@dataclass
class MeetingDraft:
    dialogue: str | None = None  # the dialogue's code
    question: int | None = None  # the question named in the command
    commitment: int | None = None  # the commitment's number in its dialogue
    text: str | None = None  # floor question, summary, commitment, note or reply
    village: str | None = None
    body: str | None = None  # who is responsible for a commitment
    due: str | None = None  # its due date, ISO

    @classmethod
    def load(cls, data: Mapping[str, object]) -> Self:
        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            dialogue=text("m_dialogue"),
            question=number("m_question"),
            commitment=number("m_commitment"),
            text=text("m_text"),
            village=text("m_village"),
            body=text("m_body"),
            due=text("m_due"),
        )

    def dump(self) -> dict[str, object]:
        return {f"m_{key}": value for key, value in vars(self).items() if value is not None}


def actor(turn: Turn) -> Actor:
    return Actor(turn.inbound.person, turn.role)
