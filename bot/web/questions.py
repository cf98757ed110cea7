"""The questions of a dialogue, grouped by category and cluster, with search and filters; and
merging the clusters an official ticked.

This is the page officials live on, and the one that must stay quick with thousands of
questions while the bot answers residents in the same process: the dialogue is read in four
queries on the read connection (never the write lock), texts are folded once and remembered,
and one page of clusters is rendered at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlencode

from aiohttp import web

from bot.web.context import POST, context_of, redirect, visitor_of
from bot.web.pages import dialogue_by_code, no_dialogue
from bot.web.render import done_url, render
from domain.models import Question, QuestionStatus
from domain.normalize import fold
from domain.plan import Plan
from domain.reports.data import ClusterSummary
from handlers.reporting import cluster_summaries

PAGE_CLUSTERS = 200
MEMBERS_SHOWN = 30  # per cluster on this page; the cluster's own page shows them all
NO_DEPARTMENT = "-"
PAPER = "paper"


@lru_cache(maxsize=100_000)
def folded(text: str) -> str:
    """`fold` remembered: the same texts are searched on every request."""
    return fold(text)


def channel_of(question: Question, channels: dict[int, str]) -> str:
    if question.source == PAPER:
        return PAPER
    return channels.get(question.id, "unknown")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    village: str = ""
    status: str = ""
    department: str = ""
    channel: str = ""
    complaint: bool = False
    page: int = 1

    @classmethod
    def of(cls, query: dict[str, str]) -> Filters:
        page = query.get("trang", "1")
        return cls(
            q=" ".join(query.get("q", "").split())[:200],
            category=query.get("nhom", "")[:40],
            village=query.get("thon", "")[:200],
            status=query.get("tinh_trang", "")[:20],
            department=query.get("bo_phan", "")[:40],
            channel=query.get("kenh", "")[:20],
            complaint=query.get("khieu_nai", "") == "1",
            page=max(1, min(int(page), 10_000)) if page.isdigit() else 1,
        )

    def params(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "nhom": self.category,
            "thon": self.village,
            "tinh_trang": self.status,
            "bo_phan": self.department,
            "kenh": self.channel,
            "khieu_nai": "1" if self.complaint else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def any(self) -> bool:
        return bool(self.params())

    def page_query(self, page: int) -> str:
        return urlencode({**self.params(), "trang": str(page)})


@dataclass(frozen=True)
class MemberRow:
    question: Question
    channel: str
    unchecked: bool  # put there by the engine, no official has looked


@dataclass
class ClusterRow:
    summary: ClusterSummary
    first_code: str
    members: list[MemberRow] = field(default_factory=list)  # those matching the filters
    total: int = 0


@dataclass
class CategoryBlock:
    key: str
    label: str
    clusters: list[ClusterRow] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return sum(len(c.members) for c in self.clusters)


@dataclass
class Listing:
    blocks: list[CategoryBlock]
    clusters: int  # matching, all pages
    questions: int  # matching, all pages
    pages: int
    villages: list[str]
    channels: list[str]


def _matches_text(words: list[str], question: Question, represented: str) -> bool:
    haystack = f"{folded(question.text)} {question.receipt_code.lower()} {represented}"
    return all(word in haystack for word in words)


def build_listing(
    plan: Plan,
    summaries: list[ClusterSummary],
    questions: list[Question],
    channels: dict[int, str],
    reviewed: set[int],
    departments: dict[int, str | None],
    filters: Filters,
) -> Listing:
    """The clusters and members that match `filters`, one page of them, grouped by category in
    the plan's order (the order of the report)."""
    members: dict[int, list[Question]] = defaultdict(list)
    for q in questions:
        members[q.cluster_id].append(q)
    words = fold(filters.q).split()
    rows: list[ClusterRow] = []
    matched_questions = 0
    for summary in summaries:
        cid = summary.cluster_id
        if filters.category and summary.category != filters.category:
            continue
        if filters.department:
            key = departments.get(cid) or NO_DEPARTMENT
            if key != filters.department:
                continue
        group = members[cid]
        represented = folded(summary.text) if words else ""
        row = ClusterRow(summary, group[0].receipt_code, total=len(group))
        for number, q in enumerate(group):
            channel = channel_of(q, channels)
            if filters.village and q.village != filters.village:
                continue
            if filters.status and q.status.value != filters.status:
                continue
            if filters.channel and channel != filters.channel:
                continue
            if filters.complaint and q.flag != "complaint":
                continue
            if words and not _matches_text(words, q, represented):
                continue
            unchecked = number > 0 and q.clustered_by is None and cid not in reviewed
            row.members.append(MemberRow(q, channel, unchecked))
        if row.members:
            matched_questions += len(row.members)
            rows.append(row)
    pages = max(1, -(-len(rows) // PAGE_CLUSTERS))
    start = (min(filters.page, pages) - 1) * PAGE_CLUSTERS
    blocks: dict[str, CategoryBlock] = {}
    for row in rows[start : start + PAGE_CLUSTERS]:
        block = blocks.setdefault(
            row.summary.category,
            CategoryBlock(row.summary.category, row.summary.category_label),
        )
        block.clusters.append(row)
    villages = list(plan.commune.villages)
    villages += sorted({q.village for q in questions if q.village and q.village not in villages})
    return Listing(
        blocks=list(blocks.values()),
        clusters=len(rows),
        questions=matched_questions,
        pages=pages,
        villages=villages,
        channels=sorted({channel_of(q, channels) for q in questions}),
    )


async def questions_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    filters = Filters.of(dict(request.query))
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
        if dialogue is None:
            return no_dialogue(request)
        summaries, questions = await cluster_summaries(rd, ctx.plan, ctx.texts, dialogue)
        records = await rd.clusters_of(dialogue.id)
        channels = await rd.question_channels(dialogue.id)
    reviewed = {cid for cid, r in records.items() if r.reviewed_by is not None}
    departments = {cid: r.department for cid, r in records.items()}
    listing = build_listing(
        ctx.plan, summaries, questions, channels, reviewed, departments, filters
    )
    page = min(filters.page, listing.pages)
    return render(
        request,
        "questions.html",
        dialogue=dialogue,
        listing=listing,
        filters=replace(filters, page=page),
        total=len(questions),
        categories=[c for c in ctx.plan.categories if c.key in dialogue.categories],
        statuses=list(QuestionStatus),
        departments=ctx.plan.departments,
        no_department=NO_DEPARTMENT,
        members_shown=MEMBERS_SHOWN,
    )


async def merge_selected(request: web.Request) -> web.StreamResponse:
    """Merge every ticked cluster into the oldest of them, through the engine (Desk.merge)."""
    ctx = context_of(request)
    visitor = visitor_of(request)
    post = request[POST]
    chosen = sorted(
        {int(v) for v in post.getall("nhom_chon", []) if isinstance(v, str) and v.isdigit()}
    )
    async with ctx.services.store.transaction() as tx:
        dialogue = await dialogue_by_code(tx, request)
        if dialogue is None:
            return no_dialogue(request)
        firsts = [q for q in await tx.questions_by_ids(chosen) if q.dialogue_id == dialogue.id]
        clusters = sorted({q.cluster_id for q in firsts})
        if len(clusters) < 2:
            back = ctx.url(f"/hoi-nghi/{dialogue.code}")
            return render(
                request,
                "refused.html",
                status=400,
                title=ctx.texts("web.merge.title"),
                message=ctx.texts("web.merge.pick_two"),
                back=back,
            )
        desk = ctx.desk(tx, visitor.person, ctx.now())
        keep, moved = clusters[0], 0
        for other in clusters[1:]:
            moved += await desk.merge(keep, other) or 0
    return redirect(done_url(ctx.url(f"/nhom/{keep}"), "merged", moved))
