"""The nouns of the conference day and after it: speakers, answers given on the spot,
commitments with their progress, residents' ratings, and links to earlier dialogues.

A commitment, an on-the-spot answer and a rating name the question they were made on, never a
cluster id: clusters are merged and split, and a question's cluster is looked up when read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class SpeakerStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"  # the chair has invited them to speak
    DONE = "done"


@dataclass(frozen=True)
class SpeakerList:
    """Registration to speak at one dialogue's meeting, opened and closed by the secretariat."""

    dialogue_id: int
    opened_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Speaker:
    id: int
    dialogue_id: int
    position: int  # the number the resident is called by, from 1 in each dialogue
    resident_id: int | None  # None once the resident deleted their data
    question_id: int | None  # the question they want to speak on; None: a new matter
    receipt_code: str | None
    topic: str | None  # the new matter, in their words
    status: SpeakerStatus
    created_at: datetime
    name: str | None = None  # as the resident gave it with a question, for the chair
    channel: str | None = None  # where to tell them it is their turn
    chat_id: str | None = None


@dataclass(frozen=True)
class OnSpotAnswer:
    """A cluster answered at the meeting; its askers are told at `notify_at` (that evening)."""

    question_id: int
    dialogue_id: int
    receipt_code: str
    summary: str
    answered_by: str
    answered_at: datetime
    notify_at: datetime
    released_at: datetime | None


class CommitmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    # Never stored: a commitment not done after its due date is shown as overdue.
    OVERDUE = "overdue"


_COMMITMENT_RE = re.compile(r"^\s*([A-Za-z0-9]{2,10})\s*-\s*CK\s*(\d{1,4})\s*$", re.IGNORECASE)


def commitment_code(dialogue_code: str, seq: int) -> str:
    return f"{dialogue_code}-CK{seq:02d}"


def parse_commitment_code(text: str) -> tuple[str, int] | None:
    """'bl26-ck1' -> ('BL26', 1)."""
    found = _COMMITMENT_RE.match(text)
    return None if found is None else (found.group(1).upper(), int(found.group(2)))


@dataclass(frozen=True)
class Commitment:
    """A matter of the conclusion that needs action: who does what, by when."""

    id: int
    dialogue_id: int
    dialogue_code: str
    seq: int
    question_id: int  # the question it was made on
    cluster_id: int  # that question's cluster now
    receipt_code: str
    body: str  # a department's key from the config, or the name of another body
    text: str
    due: date
    status: CommitmentStatus  # as stored: not started, in progress or done
    created_by: str
    created_at: datetime
    done_at: datetime | None
    last_note: str | None = None
    last_note_at: datetime | None = None

    @property
    def code(self) -> str:
        return commitment_code(self.dialogue_code, self.seq)

    @property
    def closed(self) -> bool:
        return self.status is CommitmentStatus.DONE

    def shown_status(self, today: date) -> CommitmentStatus:
        """What people are told: overdue once the due date has passed and it is not done."""
        if not self.closed and today > self.due:
            return CommitmentStatus.OVERDUE
        return self.status


@dataclass(frozen=True)
class CommitmentNote:
    commitment_id: int
    at: datetime
    by: str
    text: str
    status: CommitmentStatus  # the status the note left it in


class RatingSubject(StrEnum):
    ANSWER = "answer"  # the answer (written, or given at the meeting)
    COMMITMENT = "commitment"  # the commitment, once done


@dataclass(frozen=True)
class Rating:
    id: int
    question_id: int
    receipt_code: str
    dialogue_id: int
    resident_id: int | None
    subject: RatingSubject
    satisfied: bool
    department: str | None  # who answered or carried it out, when rated
    followup: str | None  # the one message the resident added
    created_at: datetime
    replied_at: datetime | None = None
    channel: str | None = None  # where to reach the resident (None once they deleted it)
    chat_id: str | None = None


@dataclass(frozen=True)
class EarlierLink:
    """A question that resembles one answered in an earlier dialogue."""

    question_id: int
    earlier_id: int
    earlier_code: str
    confidence: float
