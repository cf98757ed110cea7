"""The office's operations on a cluster, in one place for the chat and the web page.

`/phancong`, `/traloi`, `/chuyen`, `/gop`, `/tach`, `/goiy` (handlers/office.py,
handlers/suggestions.py) and the office's web page (bot/web/) do the same things: give a cluster
to a department, record its answer and tell everyone behind it, forward it, merge two clusters,
take a question out, decide a suggested pair, and set the text that represents the cluster in
the report. Each is written once here, taking the caller's transaction, the clustering engine
(`DuplicateFinder`: the same one the bot's Engine keeps, so the engine stays right), who acts and
when; each writes its line in the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from domain.models import DeliveryStatus, Question, SuggestedPair
from domain.plan import Plan
from domain.texts import Texts
from domain.timefmt import fmt_day
from handlers.common import snippet
from handlers.duplicates import DuplicateFinder
from handlers.engine import Turn
from handlers.reporting import default_due
from storage.base import Transaction

ANSWER_MIN_CHARS = 5
ANSWER_MAX_CHARS = 3000
AUTHORITY_MIN_CHARS = 3
AUTHORITY_MAX_CHARS = 200
# The text that stands for a cluster in the signed report: a sentence or a short paragraph.
REPORT_TEXT_MIN_CHARS = 10
REPORT_TEXT_MAX_CHARS = 3500


def answer_fits(text: str) -> bool:
    return ANSWER_MIN_CHARS <= len(text.strip()) <= ANSWER_MAX_CHARS


def authority_name(text: str) -> str | None:
    """The authority's name with its spaces collapsed, or None when its length does not fit."""
    name = " ".join(text.split())
    return name if AUTHORITY_MIN_CHARS <= len(name) <= AUTHORITY_MAX_CHARS else None


@dataclass(frozen=True)
class Assigned:
    code: str  # the cluster's first receipt code
    department: str  # its name
    due: date


@dataclass
class Desk:
    """One official's work in one transaction."""

    tx: Transaction
    finder: DuplicateFinder
    plan: Plan
    texts: Texts
    person: str
    now: datetime
    # Deliveries were queued to go now: the caller wakes the outbox after the commit.
    wake_outbox: bool = False

    @classmethod
    def of(cls, turn: Turn) -> Desk:
        """The desk of the official whose message this turn answers."""
        return cls(turn.tx, turn.finder, turn.plan, turn.t, turn.inbound.person, turn.now)

    async def first(self, cluster_id: int) -> Question | None:
        """The question a cluster is named after (what represents it unless the office wrote
        a text for the report)."""
        found = await self.tx.questions_by_ids([cluster_id])
        return found[0] if found else None

    async def _first(self, cluster_id: int) -> Question:
        first = await self.first(cluster_id)
        if first is None:
            raise LookupError(f"no cluster {cluster_id}")
        return first

    async def _audit(self, action: str, detail: str) -> None:
        await self.tx.audit(self.now, self.person, action, detail)

    # --- assignment --------------------------------------------------------------------------

    async def assign(self, cluster_id: int, department: str, due: date | None = None) -> Assigned:
        """Give the cluster to a department with its answer deadline: `due`, else the one it
        had, else the default after the collection deadline."""
        first = await self._first(cluster_id)
        if due is None:
            record = await self.tx.cluster(first.id)
            due = record.answer_due if record and record.answer_due else None
        if due is None:
            dialogue = await self.tx.dialogue_by_code(first.dialogue_code)
            assert dialogue is not None
            due = default_due(self.plan, dialogue)
        await self.tx.assign(first.id, department, due, self.now)
        dept = self.plan.department(department)
        name = dept.name if dept else department
        await self._audit("assign", f"{first.receipt_code} → {name}, hạn {fmt_day(due)}")
        return Assigned(first.receipt_code, name, due)

    async def set_due(self, cluster_id: int, due: date, code: str | None = None) -> None:
        """Change the answer deadline; `code`: the receipt code the official named."""
        if code is None:
            code = (await self._first(cluster_id)).receipt_code
        await self.tx.set_due(cluster_id, due, self.now)
        await self._audit("due", f"{code}: {fmt_day(due)}")

    # --- answers and forwarding --------------------------------------------------------------

    async def answer(self, cluster_id: int, text: str) -> int:
        """Record the cluster's answer and queue it for everyone who asked or backed; how many
        people it was queued for."""
        first = await self._first(cluster_id)
        answer = text.strip()
        # The official saw the members (the preview) and answered all of them.
        await self.finder.review(self.tx, first.id, first.dialogue_id, self.person, self.now)
        await self.tx.record_answer(first.id, answer, self.person, self.now)
        record = await self.tx.cluster(first.id)
        dept = self.plan.department(record.department if record else None)
        department = dept.name if dept else self.texts("notify.the_commune")
        queued = await self._notify(
            first,
            lambda code: self.texts(
                "notify.answer", code=code, department=department, answer=answer
            ),
        )
        await self._audit("answer", f"{first.receipt_code}: {snippet(answer, 120)}")
        return queued

    async def forward(self, cluster_id: int, authority: str) -> int:
        """Record that the cluster went to a higher authority and tell everyone behind it."""
        first = await self._first(cluster_id)
        await self.tx.record_forward(first.id, authority, self.person, self.now)
        queued = await self._notify(
            first, lambda code: self.texts("notify.forwarded", code=code, authority=authority)
        )
        await self._audit("forward", f"{first.receipt_code} → {authority}")
        return queued

    async def _notify(self, first: Question, text_for: Callable[[str], str]) -> int:
        """Queue one message per asker and backer, written before anything is sent."""
        held = self.plan.answers.notify == "at_conclusion"
        status = DeliveryStatus.HELD if held else DeliveryStatus.PENDING
        ref = f"{first.dialogue_code}/{first.id}/{self.now.isoformat()}"
        queued = 0
        for who in await self.tx.recipients(first.id):
            if await self.tx.add_delivery(
                who.channel,
                who.chat_id,
                "answer",
                ref,
                text_for(who.receipt_code),
                status,
                self.now,
            ):
                queued += 1
        self.wake_outbox = self.wake_outbox or not held
        return queued

    # --- clusters ----------------------------------------------------------------------------

    async def merge(self, keep: int, absorb: int, codes: str | None = None) -> int | None:
        """Merge cluster `absorb` into `keep` (same dialogue); how many questions moved, or
        None if either is no cluster any more. `codes`: the receipt codes the official named."""
        first = await self._first(keep)
        if codes is None:
            other = await self._first(absorb)
            codes = f"{first.receipt_code} + {other.receipt_code}"
        moved = await self.finder.merge(
            self.tx, first.dialogue_id, keep, absorb, self.person, self.now
        )
        if moved is not None:
            await self._audit("merge", f"{codes} ({moved} ý kiến)")
        return moved

    async def split(self, question: Question) -> bool:
        """Take a question out of its cluster into one of its own; False if it was alone."""
        if not await self.finder.split(self.tx, question, self.person, self.now):
            return False
        await self._audit("split", question.receipt_code)
        return True

    async def decide(self, pair: SuggestedPair, merge: bool) -> int | None:
        """An official's decision on a suggested pair: merge the two clusters (how many
        questions moved; None if that is no longer possible) or keep them apart for good (0)."""
        first, second = await self._first(pair.cluster), await self._first(pair.other_cluster)
        codes = f"{first.receipt_code} + {second.receipt_code}"
        if merge:
            keep, other = sorted((pair.cluster, pair.other_cluster))
            moved = await self.finder.merge(
                self.tx, pair.dialogue_id, keep, other, self.person, self.now
            )
            if moved is None:
                return None
            await self.tx.decide_suggestion(pair.id, "merged", self.person, self.now)
            await self._audit("merge", f"{codes} ({moved} ý kiến)")
            return moved
        await self.finder.dismiss(
            self.tx, pair.dialogue_id, first.id, second.id, self.person, self.now
        )
        await self.tx.decide_suggestion(pair.id, "dismissed", self.person, self.now)
        await self._audit("dismiss", codes)
        return 0

    async def set_report_text(self, cluster_id: int, text: str | None) -> None:
        """The text that represents the cluster in the report and digests, kept apart from the
        residents' own texts (which stay as they wrote them); None: the first question's again."""
        first = await self._first(cluster_id)
        clean = " ".join(text.split()) if text is not None else None
        await self.tx.set_report_text(first.id, clean or None, self.person, self.now)
        await self._audit("report_text", f"{first.receipt_code}: {snippet(clean or '-', 120)}")
