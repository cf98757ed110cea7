"""The digest the commune office reads in its group chat, as plain text messages.

Plain text on purpose: no parse mode means no escaping bugs, and the same strings work on
Telegram, Zalo (2000 characters a message) and the terminal demo.

This module also holds the per-category totals every renderer needs, because it is the one
renderer with no heavy dependency: the chart, DOCX and XLSX modules import it cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.reports.data import ClusterSummary, DigestData, PairLine
from domain.texts import Texts
from domain.timefmt import fmt_day

TELEGRAM_LIMIT = 4096
# Below this a header plus one shortened item no longer fits; such a limit is a caller's bug.
MIN_LIMIT = 300

_SEP = "\n\n"
_INDENT = "   "
_SPACES = re.compile(r"\s+")

# Progressively tighter (text, receipt codes, villages) caps, tried in order until an item fits.
# The first rung is the everyday form: a very long question is cut to a readable length anyway.
# The text gives way before the codes, because the codes are how the office finds the questions.
_ITEM_RUNGS: tuple[tuple[int, int | None, int | None], ...] = (
    (400, 30, 15),
    (250, 30, 15),
    (150, 30, 15),
    (150, 10, 8),
    (80, 3, 3),
    (60, 1, 1),
)


@dataclass(frozen=True)
class CategoryTotal:
    """Counts for one category, computed once so every document reports the same numbers."""

    category: str
    label: str
    requests: int  # distinct requests (clusters)
    questions: int  # questions sent (askers)
    backers: int
    answered: int
    forwarded: int

    @property
    def people(self) -> int:
        return self.questions + self.backers

    @property
    def pending(self) -> int:
        return self.requests - self.answered - self.forwarded


@dataclass(frozen=True)
class CategoryGroup:
    total: CategoryTotal
    clusters: tuple[ClusterSummary, ...]


def group_by_category(clusters: Iterable[ClusterSummary]) -> list[CategoryGroup]:
    """Clusters per category, categories and clusters kept in the order storage chose."""
    order: dict[str, list[ClusterSummary]] = {}
    for cluster in clusters:
        order.setdefault(cluster.category, []).append(cluster)
    groups: list[CategoryGroup] = []
    for key, members in order.items():
        forwarded = sum(1 for c in members if c.forwarded_to)
        answered = sum(1 for c in members if c.answer and not c.forwarded_to)
        total = CategoryTotal(
            category=key,
            label=members[0].category_label,
            requests=len(members),
            questions=sum(c.askers for c in members),
            backers=sum(c.backers for c in members),
            answered=answered,
            forwarded=forwarded,
        )
        groups.append(CategoryGroup(total, tuple(members)))
    return groups


def shorten(text: str, max_len: int) -> str:
    """Cut at a word boundary when one is near, so a shortened question still reads as words."""
    if len(text) <= max_len:
        return text
    if max_len <= 1:
        return "…"[:max_len]
    cut = text[: max_len - 1]
    space = cut.rfind(" ")
    if space >= max_len * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–") + "…"


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def join_limited(
    items: Sequence[str], limit: int | None, texts: Texts, more_key: str, field: str
) -> str:
    """Join items, replacing the tail by "and N more" when there are more than `limit`."""
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    shown = ", ".join(items[:limit])
    return texts(more_key, **{field: shown, "more": len(items) - limit})


def _moment(moment: datetime, texts: Texts) -> str:
    # The data is already in the commune's local time; converting again would shift it.
    return texts("digest.moment", time=f"{moment:%H:%M}", date=fmt_day(moment))


def _header(data: DigestData, texts: Texts) -> str:
    key = "digest.title_final" if data.final else "digest.title"
    lines = [texts(key, title=data.dialogue_title, code=data.dialogue_code)]
    until = _moment(data.generated_at, texts)
    if data.since is None:
        lines.append(texts("digest.period_all", until=until))
    else:
        lines.append(texts("digest.period", since=_moment(data.since, texts), until=until))
    lines.append(
        texts(
            "digest.totals",
            requests=len(data.clusters),
            questions=sum(c.askers for c in data.clusters),
            backers=sum(c.backers for c in data.clusters),
            total=data.total_questions,
        )
    )
    lines.append(texts("digest.deadline", deadline=_moment(data.deadline, texts)))
    return "\n".join(lines)


def _status_line(cluster: ClusterSummary, texts: Texts) -> str:
    if cluster.forwarded_to:
        return texts("digest.forwarded", authority=cluster.forwarded_to)
    if cluster.department and cluster.answer_due:
        return texts(
            "digest.department_due",
            department=cluster.department,
            due=fmt_day(cluster.answer_due),
            status=cluster.status_label,
        )
    if cluster.department:
        return texts(
            "digest.department", department=cluster.department, status=cluster.status_label
        )
    return texts("digest.status", status=cluster.status_label)


def _item(
    number: int,
    cluster: ClusterSummary,
    texts: Texts,
    text_max: int,
    codes_max: int | None,
    villages_max: int | None,
) -> str:
    first = texts("digest.item_text", number=number, text=shorten(one_line(cluster.text), text_max))
    details: list[str] = []
    if cluster.complaint:
        details.append(texts("digest.complaint"))
    people = texts(
        "digest.people", people=cluster.people, askers=cluster.askers, backers=cluster.backers
    )
    details.append(people)
    if cluster.villages:
        villages = join_limited(
            cluster.villages, villages_max, texts, "digest.more_villages", "villages"
        )
        details.append(texts("digest.villages", villages=villages))
    else:
        details.append(texts("digest.villages_unknown"))
    codes = join_limited(cluster.receipt_codes, codes_max, texts, "digest.more_codes", "codes")
    details.append(texts("digest.codes", codes=codes))
    details.append(_status_line(cluster, texts))
    if cluster.earlier:
        details.append(texts("memory.digest_line", codes=", ".join(cluster.earlier)))
    return "\n".join([first, *(_INDENT + line for line in details)])


def size(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units: an emoji a resident typed counts 2."""
    return len(text.encode("utf-16-le")) // 2


def _cut_to(text: str, budget: int) -> str:
    while size(text) > budget:
        text = shorten(text, len(text) - max(1, (size(text) - budget) // 2))
    return text


def _fit_item(number: int, cluster: ClusterSummary, texts: Texts, budget: int) -> str:
    item = ""
    for text_max, codes_max, villages_max in _ITEM_RUNGS:
        item = _item(number, cluster, texts, text_max, codes_max, villages_max)
        if size(item) <= budget:
            return item
    # Only an item that cannot fit a message on its own is ever cut; the number and the start
    # of the text come first, so the office can still find it.
    return _cut_to(item, budget)


def _pack(data: DigestData, texts: Texts, budget: int) -> list[str]:
    chunks: list[list[str]] = []
    current: list[str] = [_cut_to(_header(data, texts), budget)]
    number = 0
    for group in group_by_category(data.clusters):
        total = group.total
        heading = texts(
            "digest.category", label=total.label, requests=total.requests, people=total.people
        )
        continued = texts("digest.category_continued", label=total.label)
        heading = _cut_to(heading, budget // 3)
        continued = _cut_to(continued, budget // 3)
        for index, cluster in enumerate(group.clusters):
            number += 1
            lead = heading if index == 0 else continued
            item = _fit_item(number, cluster, texts, budget - size(lead) - size(_SEP))
            parts = [lead, item] if index == 0 else [item]
            if size(_SEP.join(current + parts)) > budget:
                chunks.append(current)
                # A chunk that opens mid-category repeats its name, so no item is unlabelled.
                current = [lead, item]
            else:
                current.extend(parts)
    if data.pairs:
        block = _cut_to(_pairs_block(data.pairs, texts), budget)
        if size(_SEP.join([*current, block])) > budget:
            chunks.append(current)
            current = [block]
        else:
            current.append(block)
    chunks.append(current)
    return [_SEP.join(chunk) for chunk in chunks]


PAIRS_SHOWN = 5


def _pairs_block(pairs: Sequence[PairLine], texts: Texts) -> str:
    """The "may be duplicates" section: the likeliest pairs, and how many more there are."""
    lines = [texts("suggest.digest_head", count=len(pairs))]
    for pair in pairs[:PAIRS_SHOWN]:
        lines.append(
            texts(
                "suggest.digest_line",
                code1=pair.code,
                code2=pair.other_code,
                confidence=round(pair.confidence),
            )
        )
    if len(pairs) > PAIRS_SHOWN:
        lines.append(texts("suggest.digest_more", count=len(pairs) - PAIRS_SHOWN))
    return "\n".join(lines)


def format_digest(data: DigestData, texts: Texts, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The digest as messages of at most `limit` characters, never splitting an item.

    Characters are counted in UTF-16 code units, as Telegram does, so emoji cannot push a
    message over the limit.

    With nothing new it is the one-line empty digest; callers that would rather send nothing
    check `data.clusters` first.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"digest limit {limit} is below {MIN_LIMIT} characters")
    if not data.clusters:
        return [format_empty_digest(data, texts)]
    reserve = 0
    while True:
        chunks = _pack(data, texts, limit - reserve)
        if len(chunks) == 1:
            return chunks
        # Every part gets "(Phần i/n)" on top; the room for it is reserved up front and the
        # packing redone if the count of parts (and so the marker's width) grew.
        needed = size(texts("digest.part", index=len(chunks), total=len(chunks))) + 1
        if needed <= reserve:
            break
        reserve = needed
    total = len(chunks)
    return [
        texts("digest.part", index=index, total=total) + "\n" + chunk
        for index, chunk in enumerate(chunks, start=1)
    ]


def format_empty_digest(data: DigestData, texts: Texts) -> str:
    """One short line for a digest with nothing new."""
    fields = {"title": data.dialogue_title, "code": data.dialogue_code}
    if data.since is None:
        return texts("digest.empty_all", **fields)
    since = _moment(data.since, texts)
    key = "digest.empty_final" if data.final else "digest.empty"
    return texts(key, since=since, total=data.total_questions, **fields)
