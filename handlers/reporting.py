"""Assemble digests and reports from the store into the plain data the renderers format."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.categories import category_sort_key
from domain.models import ClusterRecord, Dialogue, Question
from domain.plan import Plan
from domain.privacy import hide_personal, public_text
from domain.reports.data import (
    ClusterSummary,
    CommitmentLine,
    DigestData,
    PairLine,
    QuestionRow,
    ReportData,
)
from domain.texts import Texts
from domain.workdays import next_working_day
from handlers.commitment_ops import body_name, status_label
from handlers.memory import previous_commitments
from storage.base import Transaction


def default_due(plan: Plan, dialogue: Dialogue) -> date:
    """The seeds give departments a fixed date a few days after the collection deadline; one
    that falls on a day off moves to the next working day, as the law counts periods."""
    local = dialogue.deadline.astimezone(dialogue.tz).date()
    return next_working_day(local + timedelta(days=plan.answers.due_days))


def summarize(
    plan: Plan,
    texts: Texts,
    dialogue: Dialogue,
    cluster_id: int,
    members: list[Question],
    first: Question,
    record: ClusterRecord | None,
    backers: int,
    public: bool,
    earlier: tuple[str, ...] = (),
) -> ClusterSummary:
    villages: list[str] = []
    for q in members:
        if q.village and q.village not in villages:
            villages.append(q.village)
    department = None
    if record is not None and record.department:
        dept = plan.department(record.department)
        department = dept.name if dept else record.department
    return ClusterSummary(
        cluster_id=cluster_id,
        dialogue_code=dialogue.code,
        category=first.category,
        category_label=plan.category_label(first.category),
        text=representative_text(first, record, texts, public),
        receipt_codes=tuple(q.receipt_code for q in members),
        askers=len(members),
        backers=backers,
        villages=tuple(villages),
        department=department,
        answer_due=record.answer_due if record else None,
        answer=record.answer if record else None,
        status_label=texts(f"status.{first.status.value}"),
        forwarded_to=record.forwarded_to if record else None,
        complaint=any(q.flag == "complaint" for q in members),
        earlier=earlier,
        answered_at=record.answered_at.astimezone(dialogue.tz)
        if record and record.answered_at
        else None,
    )


def representative_text(
    first: Question, record: ClusterRecord | None, texts: Texts, public: bool
) -> str:
    """What stands for a cluster in the report and the digests: the text an official wrote for
    it (the residents' own texts stay as they wrote them), else its first question's; `public`:
    with personal details hidden, the office's wording too."""
    written = record.report_text if record is not None else None
    if written:
        return hide_personal(written, texts, (first.author_name,)) if public else written
    return public_text(first, texts) if public else first.text


async def cluster_summaries(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    dialogue: Dialogue,
    after_id: int = 0,
    public: bool = False,
) -> tuple[list[ClusterSummary], list[Question]]:
    """Clusters that have questions newer than `after_id` (all with 0), largest first per category;
    categories as the dialogue lists them, "Khác" last;
    `public`: with what the askers wrote about themselves hidden (domain/privacy.py).

    Returns the summaries and every question of the dialogue.
    """
    questions = await tx.dialogue_questions(dialogue.id)
    supports = await tx.support_counts(dialogue.id)
    records = await tx.clusters_of(dialogue.id)
    by_cluster: dict[int, list[Question]] = defaultdict(list)
    for q in questions:
        by_cluster[q.cluster_id].append(q)
    # Which earlier dialogues' questions each cluster's members resemble (handlers/memory.py).
    cluster_of = {q.id: q.cluster_id for q in questions}
    earlier: dict[int, list[str]] = defaultdict(list)
    for link in await tx.earlier_links(dialogue.id):
        codes = earlier[cluster_of.get(link.question_id, link.question_id)]
        if link.earlier_code not in codes:
            codes.append(link.earlier_code)
    out: list[ClusterSummary] = []
    for cluster_id, members in by_cluster.items():
        fresh = [q for q in members if q.id > after_id]
        if not fresh:
            continue
        backers = sum(supports.get(q.id, 0) for q in members)
        out.append(
            summarize(
                plan,
                texts,
                dialogue,
                cluster_id,
                fresh,
                members[0],
                records.get(cluster_id),
                backers,
                public,
                tuple(earlier.get(cluster_id, ())),
            )
        )
    # The order the dialogue was configured with stays the same from one digest to the next
    # (counts would reshuffle it daily); the catch-all "Khác" closes every list.
    category = category_sort_key([*dialogue.categories, *(c.key for c in plan.categories)])
    out.sort(key=lambda c: (category(c.category), -c.people, c.cluster_id))
    return out, questions


async def build_digest(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    dialogue: Dialogue,
    now: datetime,
    after_id: int = 0,
    since: datetime | None = None,
    final: bool = False,
) -> DigestData:
    clusters, questions = await cluster_summaries(tx, plan, texts, dialogue, after_id)
    codes = {q.id: q.receipt_code for q in questions}
    pairs = tuple(
        PairLine(codes[p.cluster], codes[p.other_cluster], p.confidence)
        for p in await tx.open_suggestions(dialogue.id)
    )
    tz = dialogue.tz
    return DigestData(
        commune=plan.commune.name,
        dialogue_code=dialogue.code,
        dialogue_title=dialogue.title,
        deadline=dialogue.deadline.astimezone(tz),
        since=since.astimezone(tz) if since else None,
        generated_at=now.astimezone(tz),
        clusters=tuple(clusters),
        total_questions=len(questions),
        final=final,
        pairs=pairs,
    )


async def build_report(
    tx: Transaction,
    plan: Plan,
    texts: Texts,
    dialogue: Dialogue,
    now: datetime,
    public: bool,
) -> ReportData:
    clusters, questions = await cluster_summaries(tx, plan, texts, dialogue, public=public)
    supports = await tx.support_counts(dialogue.id)
    records = await tx.clusters_of(dialogue.id)
    first_code: dict[int, str] = {}
    for q in questions:
        first_code.setdefault(q.cluster_id, q.receipt_code)
    tz = dialogue.tz
    rows = []
    for q in questions:
        record = records.get(q.cluster_id)
        dept = plan.department(record.department) if record and record.department else None
        rows.append(
            QuestionRow(
                receipt_code=q.receipt_code,
                dialogue_code=dialogue.code,
                category_label=plan.category_label(q.category),
                cluster_code=first_code[q.cluster_id],
                text=public_text(q, texts) if public else q.text,
                village=q.village,
                created_at=q.created_at.astimezone(tz).replace(tzinfo=None),
                status_label=texts(f"status.{q.status.value}"),
                department=dept.name if dept else (record.department if record else None),
                answer=record.answer if record else None,
                supporters=supports.get(q.id, 0),
                author_name=None if public else q.author_name,
                source=q.source,
            )
        )
    rp = plan.report
    today = now.astimezone(tz).date()
    commitments = tuple(
        CommitmentLine(
            code=c.code,
            receipt_code=c.receipt_code,
            body=body_name(plan, texts, c.body),
            text=c.text,
            due=c.due,
            status_label=status_label(texts, c, today),
            done_on=c.done_at.astimezone(tz).date() if c.done_at else None,
            last_note=c.last_note,
        )
        for c in await previous_commitments(tx, dialogue.id)
    )
    return ReportData(
        commune=plan.commune.name,
        issuing_body=rp.issuing_body,
        parent_body=rp.parent_body or None,
        place=rp.place,
        dialogue_code=dialogue.code,
        dialogue_title=dialogue.title,
        deadline=dialogue.deadline.astimezone(tz),
        generated_at=now.astimezone(tz),
        signer_title=rp.signer_title,
        signer_name=rp.signer_name or None,
        clusters=tuple(clusters),
        questions=tuple(rows),
        public=public,
        commitments=commitments,
    )


def report_files(
    data: ReportData, texts: Texts, kinds: tuple[str, ...] = ("docx", "xlsx")
) -> list[tuple[str, bytes]]:
    """The report as the office signs it ("docx") and its table ("xlsx"), with their file
    names; slow (seconds for a large dialogue): callers run it off the event loop."""
    # Imported when used: python-docx and openpyxl take a while to import.
    from domain.reports.docx_report import render_docx
    from domain.reports.xlsx_report import render_xlsx

    suffix = "-cong-khai" if data.public else ""
    stamp = data.generated_at.strftime("%Y%m%d")
    code = data.dialogue_code
    files = []
    if "docx" in kinds:
        files.append((f"bao-cao-{code}{suffix}-{stamp}.docx", render_docx(data, texts)))
    if "xlsx" in kinds:
        files.append((f"tong-hop-{code}{suffix}-{stamp}.xlsx", render_xlsx(data, texts)))
    return files


def audit_label(texts: Texts, action: str) -> str:
    """How the audit log names an action; an action this version has no words for (written by
    a newer one) is shown as stored."""
    key = f"audit.{action}"
    return texts(key) if key in texts else action


@dataclass(frozen=True)
class Overdue:
    """A cluster whose answer is past its due date, neither answered nor forwarded."""

    dialogue: Dialogue
    first: Question
    department: str | None  # its name
    due: date


async def overdue_clusters(
    tx: Transaction, plan: Plan, dialogues: list[Dialogue], today: date
) -> list[Overdue]:
    found: list[Overdue] = []
    for d in dialogues:
        clusters = await tx.clusters_of(d.id)
        questions = {q.id: q for q in await tx.dialogue_questions(d.id)}
        for cid, record in sorted(clusters.items()):
            due = record.answer_due or (default_due(plan, d) if record.department else None)
            if due is None or due >= today or record.answer or record.forwarded_to:
                continue
            first = questions.get(cid)
            if first is None:
                continue
            dept = plan.department(record.department)
            found.append(Overdue(d, first, dept.name if dept else record.department, due))
    return found
