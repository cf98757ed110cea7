"""A dialogue's questions and clusters as the office's page shows them, kept in memory.

The questions page must stay quick with thousands of questions while the same process answers
residents. Reading and building the whole dialogue on every request costs far more than
showing one page of it, so each dialogue's rows are kept here and brought up to date on each
request with the rows changed since (`Transaction.desk_changes`): triggers in the database move
a revision on every change to a question, its cluster's handling or its supports, whoever makes
it (the bot, an import in another process, this page), so nothing here goes stale. Only the
clusters the change touched are summarised again, by the report's own code
(handlers/reporting.py `summarize`), so the page and the report say the same; their rows as the
page lists them and their HTML are made again too, the others' are reused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from domain.models import ClusterRecord, DeskRow, Dialogue, Question
from domain.normalize import fold
from domain.plan import Plan
from domain.reports.data import ClusterSummary
from domain.texts import Texts
from domain.timefmt import fmt_date
from handlers.reporting import summarize
from storage.base import Store


@dataclass(frozen=True)
class Entry:
    row: DeskRow
    folded: str  # its text and receipt code, folded once, for the search
    day: str  # the day it came, in the commune's time (dd/mm/yyyy)

    @classmethod
    def of(cls, row: DeskRow, plan: Plan) -> Entry:
        q = row.question
        return cls(
            row, f"{fold(q.text)} {q.receipt_code.lower()}", fmt_date(q.created_at, plan.commune.tz)
        )


@dataclass(frozen=True)
class MemberRow:
    """A question as the questions page lists it under its cluster."""

    question: Question
    channel: str
    unchecked: bool  # put there by the engine, no official has looked
    day: str


@dataclass
class DialogueView:
    dialogue: Dialogue
    rev: int = -1
    entries: dict[int, Entry] = field(default_factory=dict)
    records: dict[int, ClusterRecord] = field(default_factory=dict)
    members: dict[int, list[Entry]] = field(default_factory=dict)  # cluster id -> by id
    summaries: dict[int, ClusterSummary] = field(default_factory=dict)
    folded_summary: dict[int, str] = field(default_factory=dict)  # the representative text
    ordered: list[ClusterSummary] = field(default_factory=list)  # the report's order
    rows: dict[int, list[MemberRow]] = field(default_factory=dict)  # cluster id -> all of them
    villages: set[str] = field(default_factory=set)  # those the questions name
    channels: set[str] = field(default_factory=set)  # those the questions came by
    # A cluster's HTML on the questions page when none of its members is filtered out, by the
    # page's variant (bot/web/questions.py); dropped with every change to the cluster.
    html: dict[int, dict[tuple[bool, bool], str]] = field(default_factory=dict)
    # A member's row there, with the MemberRow it was made from: good while that is the one
    # in `rows` (a change to the cluster makes new ones).
    items: dict[int, tuple[MemberRow, str]] = field(default_factory=dict)

    def reviewed(self, cluster_id: int) -> bool:
        record = self.records.get(cluster_id)
        return record is not None and record.reviewed_by is not None

    def department(self, cluster_id: int) -> str | None:
        record = self.records.get(cluster_id)
        return record.department if record else None


PAUSE_EVERY = 200  # rows or clusters between two turns of the event loop, in a first read


class Listings:
    """One view per dialogue, for the life of the process."""

    def __init__(self, plan: Plan, texts: Texts) -> None:
        self.plan = plan
        self.texts = texts
        self._views: dict[int, DialogueView] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def view(self, store: Store, dialogue: Dialogue) -> DialogueView:
        """The dialogue as it is now, read on the read connection; a first read is made after
        that connection is given back (the residents' inbox reads on it too)."""
        lock = self._locks.setdefault(dialogue.id, asyncio.Lock())
        async with lock:
            view = self._views.get(dialogue.id)
            async with store.reader() as rd:
                if view is not None:
                    view.dialogue = dialogue
                    rev, count, rows, records = await rd.desk_changes(dialogue.id, view.rev)
                    if rev == view.rev and count == len(view.entries):
                        return view
                    new = sum(r.question.id not in view.entries for r in rows)
                    if len(view.entries) + new == count:
                        # What changed, applied without a pause: a page being made from this
                        # view never sees it half brought up to date.
                        await self._apply(view, rows, records, pause=False)
                        view.rev = rev
                        return view
                    # Else rows went away without a trace (deleted by hand): read it all again.
                rev, _, rows, records = await rd.desk_changes(dialogue.id, -1)
            # The whole dialogue takes most of a second with thousands of questions: made
            # aside, letting the residents' replies through now and then, put in place whole.
            fresh = DialogueView(dialogue)
            await self._apply(fresh, rows, records, pause=True)
            fresh.rev = rev
            self._views[dialogue.id] = fresh
            return fresh

    async def _apply(
        self, view: DialogueView, rows: list[DeskRow], records: list[ClusterRecord], pause: bool
    ) -> None:
        """Bring `view` up to date with `rows` and `records`; `pause`: give the event loop a
        turn every PAUSE_EVERY rows or clusters (only for a view no one else sees yet)."""

        async def turn(n: int) -> None:
            if pause and n % PAUSE_EVERY == PAUSE_EVERY - 1:
                await asyncio.sleep(0)

        touched: set[int] = set()
        for n, row in enumerate(rows):
            await turn(n)
            old = view.entries.get(row.question.id)
            if old is not None:
                touched.add(old.row.question.cluster_id)
            touched.add(row.question.cluster_id)
            view.entries[row.question.id] = Entry.of(row, self.plan)
        for record in records:
            view.records[record.id] = record
            touched.add(record.id)
        for cid in touched:
            view.members.pop(cid, None)
            view.html.pop(cid, None)
        for entry in sorted(
            (e for e in view.entries.values() if e.row.question.cluster_id in touched),
            key=lambda e: e.row.question.id,
        ):
            view.members.setdefault(entry.row.question.cluster_id, []).append(entry)
        for n, cid in enumerate(touched):
            await turn(n)
            group = view.members.get(cid)
            if not group:
                view.summaries.pop(cid, None)
                view.folded_summary.pop(cid, None)
                view.rows.pop(cid, None)
                view.records.pop(cid, None)  # merged away
                continue
            reviewed = view.reviewed(cid)
            view.rows[cid] = [
                MemberRow(
                    e.row.question,
                    e.row.channel,
                    n > 0 and e.row.question.clustered_by is None and not reviewed,
                    e.day,
                )
                for n, e in enumerate(group)
            ]
            summary = summarize(
                self.plan,
                self.texts,
                view.dialogue,
                cid,
                [e.row.question for e in group],
                group[0].row.question,
                view.records.get(cid),
                sum(e.row.backers for e in group),
                False,
            )
            view.summaries[cid] = summary
            view.folded_summary[cid] = fold(summary.text)
        view.villages = {v for e in view.entries.values() if (v := e.row.question.village)}
        view.channels = {e.row.channel for e in view.entries.values()}
        order = {c.key: i for i, c in enumerate(self.plan.categories)}
        view.ordered = sorted(
            view.summaries.values(),
            key=lambda c: (order.get(c.category, 99), -c.people, c.cluster_id),
        )
