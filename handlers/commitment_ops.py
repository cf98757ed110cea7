"""After the meeting, as operations a chat step or (later) the office's web page calls with a
transaction: commitments and their progress, residents' ratings and the office's reply to
those not satisfied, what a resident sees of their matter, and the supervisors' read-only view.

Like handlers/meeting_ops.py, each staff operation checks the actor's role itself and says
what happened as a value, changing nothing when it refuses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.meeting import (
    Commitment,
    CommitmentStatus,
    OnSpotAnswer,
    Rating,
    RatingSubject,
    parse_commitment_code,
)
from domain.models import ClusterRecord, DeliveryStatus, Dialogue, Question
from domain.normalize import fold
from domain.plan import Plan, Role
from domain.texts import Texts
from domain.timefmt import fmt_day
from handlers.common import parse_code, snippet
from handlers.meeting_ops import FLOOR, Actor, require
from storage.base import Transaction


def body_name(plan: Plan, texts: Texts, body: str | None) -> str:
    """A department's name from its key; another body's name as written; none: the commune."""
    if not body:
        return texts("notify.the_commune")
    department = plan.department(body)
    return department.name if department else body


def local_today(plan: Plan, now: datetime) -> date:
    return now.astimezone(plan.commune.tz).date()


def status_label(texts: Texts, commitment: Commitment, today: date) -> str:
    return texts(f"commitments.status_{commitment.shown_status(today).value}")


def describe(plan: Plan, texts: Texts, commitment: Commitment, today: date) -> str:
    """One commitment as the office, the supervisors and the reminders show it."""
    return texts(
        "commitments.line",
        code=commitment.code,
        status=status_label(texts, commitment, today),
        body=body_name(plan, texts, commitment.body),
        due=fmt_day(commitment.due),
        receipt=commitment.receipt_code,
        text=snippet(commitment.text, 120),
    )


async def find_commitment(tx: Transaction, argument: str) -> Commitment | None:
    """A commitment by its code (BL26-CK01), or by the receipt code of a question in its
    cluster."""
    text = argument.strip().split(" ")[0] if argument.strip() else ""
    named = parse_commitment_code(text)
    if named is not None:
        return await tx.commitment_by_code(*named)
    code = parse_code(text)
    question = await tx.question_by_code(code) if code else None
    return await tx.commitment_for_cluster(question.cluster_id) if question else None


# --- commitments -------------------------------------------------------------------------


async def add_commitment(
    tx: Transaction,
    actor: Actor,
    question: Question,
    body: str,
    text: str,
    due: date,
    at: datetime,
) -> tuple[Commitment, bool]:
    """The commitment made on the question's cluster, and whether it is new (a cluster has
    one; asking again returns the one it has, unchanged)."""
    require(actor, Role.OFFICIAL)
    existing = await tx.commitment_for_cluster(question.cluster_id)
    if existing is not None:
        return existing, False
    made = await tx.add_commitment(
        question.dialogue_id, question.cluster_id, body, text, due, actor.person, at
    )
    await tx.audit(at, actor.person, "commitment", f"{made.code} ({made.receipt_code})")
    return made, True


class Noted(StrEnum):
    ADDED = "added"
    DONE = "done"  # the note closed it: askers are told
    CLOSED = "closed"  # it was done already: refused, nothing changed


async def add_note(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    actor: Actor,
    commitment: Commitment,
    text: str,
    status: CommitmentStatus,
    at: datetime,
) -> tuple[Noted, int]:
    """A dated progress note, leaving the commitment in `status`; (what happened, how many
    askers are told it is done)."""
    require(actor, Role.OFFICIAL)
    current = await tx.commitment_by_code(commitment.dialogue_code, commitment.seq)
    if current is None or current.closed:
        return Noted.CLOSED, 0
    await tx.add_commitment_note(current.id, text, status, actor.person, at)
    await tx.audit(at, actor.person, "progress", f"{current.code}: {text[:120]}")
    if status is not CommitmentStatus.DONE:
        return Noted.ADDED, 0
    told = 0
    texts = await _addressed(tx, texts, current.dialogue_code)
    for who in await tx.recipients(current.cluster_id):
        message = texts(
            "commitments.done_notice",
            code=who.receipt_code,
            commitment=current.code,
            body=body_name(plan, texts, current.body),
            note=text,
        )
        if await tx.add_delivery(
            who.channel,
            who.chat_id,
            "commitment_done",
            f"{current.code}/done",
            message,
            DeliveryStatus.PENDING,
            at,
        ):
            told += 1
    return Noted.DONE, told


# --- what an asker sees of their matter ---------------------------------------------------


@dataclass(frozen=True)
class Follow:
    """What became of one question's cluster, for the people who asked or backed it."""

    record: ClusterRecord | None
    onspot: OnSpotAnswer | None
    commitment: Commitment | None
    ratings: tuple[Rating, ...] = field(default=())  # this resident's, in the cluster

    @property
    def answer(self) -> str | None:
        return self.record.answer if self.record else None

    def subject(self) -> RatingSubject | None:
        """What can be rated now: a finished commitment, else an answer, else nothing."""
        if self.commitment is not None and self.commitment.closed:
            return RatingSubject.COMMITMENT
        if self.answer or self.onspot is not None:
            return RatingSubject.ANSWER
        return None

    def rated(self, subject: RatingSubject) -> Rating | None:
        return next((r for r in self.ratings if r.subject is subject), None)


async def follow_of(tx: Transaction, question: Question, resident_id: int | None) -> Follow:
    cluster = question.cluster_id
    ratings = await tx.ratings_in_cluster(resident_id, cluster) if resident_id else []
    return Follow(
        await tx.cluster(cluster),
        await tx.onspot_for_cluster(cluster),
        await tx.commitment_for_cluster(cluster),
        tuple(ratings),
    )


async def is_theirs(tx: Transaction, question: Question, resident_id: int) -> bool:
    """Asked it or backed it: the only people who may follow or rate a question."""
    if question.resident_id == resident_id:
        return True
    return question.id in {q.id for q in await tx.supported_by(resident_id)}


def matches_form(question: Question, typed_village: str) -> bool:
    """A paper form's (or a speaker's) code is looked up with the village written on it; a
    question sent in the chat is only ever shown to its asker and backers."""
    if question.resident_id is not None or question.source not in ("paper", FLOOR):
        return False
    if not question.village:
        return False
    typed, village = fold(typed_village).strip(), fold(question.village)
    return len(typed) >= 3 and (typed == village or village.endswith(" " + typed))


# --- ratings ------------------------------------------------------------------------------


class Rated(StrEnum):
    READY = "ready"  # may be rated now (the verdict is asked)
    RATED = "rated"
    NOT_THEIRS = "not_theirs"  # answered like an unknown code: nothing about it leaks
    ALREADY = "already"
    NOT_YET = "not_yet"  # no answer, no finished commitment yet


async def can_rate(
    tx: Transaction, question: Question, resident_id: int
) -> tuple[Rated, Follow, RatingSubject | None]:
    if not await is_theirs(tx, question, resident_id):
        return Rated.NOT_THEIRS, Follow(None, None, None), None
    follow = await follow_of(tx, question, resident_id)
    subject = follow.subject()
    if subject is None:
        return Rated.NOT_YET, follow, None
    if follow.rated(subject) is not None:
        return Rated.ALREADY, follow, subject
    return Rated.READY, follow, subject


def answering_body(plan: Plan, question: Question, follow: Follow) -> str | None:
    """Who a verdict is counted against: the commitment's body, else the department the
    cluster was given to, else the one that answers its category by default."""
    if follow.commitment is not None:
        return follow.commitment.body
    if follow.record is not None and follow.record.department:
        return follow.record.department
    default = plan.department_for(question.category)
    return default.key if default else None


async def rate(
    tx: Transaction,
    plan: Plan,
    question: Question,
    resident_id: int,
    satisfied: bool,
    at: datetime,
) -> tuple[Rated, int | None]:
    """A resident's verdict on the answer (or the finished commitment) to their question."""
    outcome, follow, subject = await can_rate(tx, question, resident_id)
    if outcome is not Rated.READY or subject is None:
        return outcome, None
    department = answering_body(plan, question, follow)
    rating = await tx.add_rating(question.id, resident_id, subject, satisfied, department, at)
    return (Rated.RATED, rating) if rating is not None else (Rated.ALREADY, None)


async def reply_unsatisfied(
    tx: Transaction,
    texts: Texts,
    actor: Actor,
    question: Question,
    reply: str,
    at: datetime,
) -> int:
    """The office answers the residents not satisfied in the question's cluster; each is told,
    and their rating is marked replied (it stays counted as not satisfied)."""
    require(actor, Role.OFFICIAL)
    open_ones = await tx.unsatisfied_in_cluster(question.cluster_id)
    told = 0
    texts = await _addressed(tx, texts, question.dialogue_code)
    for rating in open_ones:
        if rating.channel is None or rating.chat_id is None:
            continue
        message = texts("unsatisfied.reply_notice", code=rating.receipt_code, reply=reply)
        if await tx.add_delivery(
            rating.channel,
            rating.chat_id,
            "rating_reply",
            f"rating/{rating.id}",
            message,
            DeliveryStatus.PENDING,
            at,
        ):
            told += 1
    await tx.mark_replied([r.id for r in open_ones], reply, actor.person, at)
    await tx.audit(at, actor.person, "rating_reply", f"{question.receipt_code}: {reply[:120]}")
    return told


@dataclass(frozen=True)
class Satisfaction:
    body: str  # the department's (or body's) name
    satisfied: int
    unsatisfied: int


def satisfaction(plan: Plan, texts: Texts, ratings: list[Rating]) -> list[Satisfaction]:
    """Verdicts counted per department, most unsatisfied first."""
    good: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    for r in ratings:
        (good if r.satisfied else bad)[body_name(plan, texts, r.department)] += 1
    bodies = sorted(set(good) | set(bad), key=lambda b: (-bad[b], b))
    return [Satisfaction(b, good[b], bad[b]) for b in bodies]


# --- the supervisors' view ----------------------------------------------------------------


@dataclass(frozen=True)
class Supervision:
    """What the Fatherland Front and the People's Council follow: no personal data in it
    (no names, villages, chats, or residents' own words)."""

    dialogue: Dialogue
    commitments: tuple[Commitment, ...]
    satisfaction: tuple[Satisfaction, ...]
    onspot: int  # clusters answered at the meeting
    floor: int  # questions raised from the floor


async def supervision(
    tx: Transaction, plan: Plan, texts: Texts, actor: Actor, dialogue: Dialogue
) -> Supervision:
    require(actor, Role.SUPERVISOR)
    questions = await tx.dialogue_questions(dialogue.id)
    return Supervision(
        dialogue,
        tuple(await tx.commitments(dialogue.id)),
        tuple(satisfaction(plan, texts, await tx.ratings(dialogue.id))),
        len(await tx.onspot_answers(dialogue.id)),
        sum(1 for q in questions if q.source == FLOOR),
    )


async def _addressed(tx: Transaction, texts: Texts, code: str) -> Texts:
    """What residents are sent about a dialogue speaks to them as that dialogue does."""
    dialogue = await tx.dialogue_by_code(code)
    return texts.addressed(dialogue.address) if dialogue is not None else texts
