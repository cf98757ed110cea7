"""The questions of a dialogue, grouped by category and cluster, with search and filters; and
merging the clusters an official ticked.

This is the page officials live on, and the one that must stay quick with thousands of
questions while the bot answers residents in the same process: the dialogue is kept in memory
and brought up to date with what changed (bot/web/listing.py), on the read connection (never
the write lock), and one page of clusters is rendered at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.web.context import POST, context_of, redirect, visitor_of
from bot.web.listing import DialogueView, MemberRow
from bot.web.pages import dialogue_by_code, no_dialogue
from bot.web.render import done_url, fragments, render
from domain.models import QuestionStatus
from domain.normalize import fold
from domain.plan import Plan
from domain.reports.data import ClusterSummary

PAGE_CLUSTERS = 100
MEMBERS_SHOWN = 30  # per cluster on this page; the cluster's own page shows them all
NO_DEPARTMENT = "-"
PAPER = "paper"


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


@dataclass
class ClusterRow:
    summary: ClusterSummary
    first_code: str
    members: list[MemberRow] = field(default_factory=list)  # those matching the filters
    total: int = 0
    whole: bool = False  # no member filtered out: its HTML can be the one kept (listing.py)


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


def build_listing(plan: Plan, view: DialogueView, filters: Filters) -> Listing:
    """The clusters and members that match `filters`, one page of them, grouped by category in
    the report's order."""
    words = fold(filters.q).split()
    # Without these every member of a cluster is listed: its rows are the ones kept.
    per_member = bool(
        words or filters.village or filters.status or filters.channel or filters.complaint
    )
    rows: list[ClusterRow] = []
    matched_questions = 0
    for summary in view.ordered:
        cid = summary.cluster_id
        if filters.category and summary.category != filters.category:
            continue
        if filters.department and (view.department(cid) or NO_DEPARTMENT) != filters.department:
            continue
        group = view.rows[cid]
        row = ClusterRow(summary, group[0].question.receipt_code, total=len(group))
        if not per_member:
            row.members, row.whole = group, True
        else:
            represented = view.folded_summary.get(cid, "") if words else ""
            for member, entry in zip(group, view.members[cid], strict=True):
                q = member.question
                if filters.village and q.village != filters.village:
                    continue
                if filters.status and q.status.value != filters.status:
                    continue
                if filters.channel and member.channel != filters.channel:
                    continue
                if filters.complaint and q.flag != "complaint":
                    continue
                if words and not all(w in entry.folded or w in represented for w in words):
                    continue
                row.members.append(member)
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
    villages += sorted(view.villages - set(villages))
    return Listing(
        blocks=list(blocks.values()),
        clusters=len(rows),
        questions=matched_questions,
        pages=pages,
        villages=villages,
        channels=sorted(view.channels),
    )


async def questions_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    filters = Filters.of(dict(request.query))
    async with ctx.services.store.reader() as rd:
        dialogue = await dialogue_by_code(rd, request)
    if dialogue is None:
        return no_dialogue(request)
    view = await ctx.listings.view(ctx.services.store, dialogue)
    total = len(view.entries)
    listing = build_listing(ctx.plan, view, filters)
    page = min(filters.page, listing.pages)
    make = fragments(request)
    variant = (filters.any, bool(filters.q))  # what else a cluster's HTML depends on

    # Nothing is awaited from here to the response: the view cannot change meanwhile.
    def member_html(member: MemberRow) -> str:
        kept = view.items.get(member.question.id)
        if kept is None or kept[0] is not member:
            kept = view.items[member.question.id] = (member, make("member_row.html", m=member))
        return kept[1]

    def made(row: ClusterRow) -> Markup:
        shown = row.members[:MEMBERS_SHOWN] if row.total > 1 or filters.any else []
        return make(
            "cluster_row.html",
            row=row,
            filters=filters,
            members_shown=MEMBERS_SHOWN,
            items=[Markup(member_html(m)) for m in shown],  # escaped when made
        )

    def cluster_html(row: ClusterRow) -> Markup:
        if not row.whole:
            return made(row)
        kept = view.html.setdefault(row.summary.cluster_id, {})
        if variant not in kept:
            kept[variant] = made(row)
        return Markup(kept[variant])  # escaped when made

    return render(
        request,
        "questions.html",
        dialogue=dialogue,
        listing=listing,
        filters=replace(filters, page=page),
        total=total,
        categories=[c for c in ctx.plan.categories if c.key in dialogue.categories],
        statuses=list(QuestionStatus),
        departments=ctx.plan.departments,
        no_department=NO_DEPARTMENT,
        cluster_html=cluster_html,
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
