"""A PNG chart for the office chat: how many people per category, and per village.

Built on `matplotlib.figure.Figure` directly rather than pyplot: no global figure registry, no
display backend, nothing to close, and safe to call from a worker thread of the bot.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from collections import Counter
from typing import Any

from matplotlib.figure import Figure

from domain.reports.data import DigestData, ReportData
from domain.reports.digest import group_by_category
from domain.texts import Texts
from domain.timefmt import fmt_day

# Ships with matplotlib and covers every precomposed Vietnamese letter, so the chart renders the
# same on a bare server as on a desktop; named per text so global rcParams stay untouched.
FONT = "DejaVu Sans"
MAX_VILLAGES = 15

_ASKERS_COLOR = "#1f5f99"
_BACKERS_COLOR = "#8fb8de"
_VILLAGE_COLOR = "#2e7d4f"
_WIDTH_IN = 8.0
_BAR_IN = 0.38
_DPI = 110


def _natural(name: str) -> list[str | int]:
    # "Tổ 2" before "Tổ 10"; re.split keeps text and numbers alternating, so lists compare.
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def _label(text: str, width: int = 24) -> str:
    # NFC because text typed as base letter + combining marks stacks badly in the glyph layout.
    return "\n".join(textwrap.wrap(unicodedata.normalize("NFC", text), width)) or text


def _village_counts(
    data: DigestData | ReportData, texts: Texts
) -> tuple[str, list[tuple[str, int]]]:
    """Per-village counts and the title naming what was counted.

    A report carries one row per question, so questions are counted exactly. A digest only
    knows which villages each cluster touches, so it counts requests per village instead, and
    the title says so rather than passing one number off as the other.
    """
    counts: Counter[str] = Counter()
    if isinstance(data, ReportData) and data.questions:
        for row in data.questions:
            counts[row.village or texts("chart.no_village")] += 1
        title = texts("chart.by_village_questions")
    else:
        for cluster in data.clusters:
            for village in cluster.villages or (texts("chart.no_village"),):
                counts[village] += 1
        title = texts("chart.by_village_requests")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], _natural(item[0])))
    if len(ranked) > MAX_VILLAGES:
        rest = ranked[MAX_VILLAGES - 1 :]
        other = texts("chart.other_villages", count=len(rest))
        ranked = [*ranked[: MAX_VILLAGES - 1], (other, sum(n for _, n in rest))]
    return title, ranked


def _empty_panel(ax: Any, title: str, texts: Texts) -> None:
    ax.set_title(title, fontfamily=FONT, fontsize=11, loc="left")
    ax.text(0.5, 0.5, texts("chart.empty"), ha="center", va="center", fontfamily=FONT, color="gray")
    ax.set_axis_off()


def render_chart(data: DigestData | ReportData, texts: Texts) -> bytes:
    """Two horizontal bar charts (people by category, by village) as PNG bytes."""
    groups = group_by_category(data.clusters)
    village_title, villages = _village_counts(data, texts)
    category_rows = max(len(groups), 1)
    village_rows = max(len(villages), 1)
    height = 1.6 + _BAR_IN * (category_rows + village_rows) + 1.2
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=_DPI, layout="constrained")
    ax_cat, ax_vil = fig.subplots(
        2, 1, gridspec_kw={"height_ratios": [category_rows + 1, village_rows + 1]}
    )

    title = texts("chart.title", title=data.dialogue_title, code=data.dialogue_code)
    moment = texts(
        "chart.moment",
        time=f"{data.generated_at:%H:%M}",
        date=fmt_day(data.generated_at),
    )
    subtitle = texts("chart.subtitle", moment=moment)
    fig.suptitle(
        _label(title, 70) + "\n" + subtitle, fontfamily=FONT, fontsize=12, fontweight="bold"
    )

    by_category = texts("chart.by_category")
    if groups:
        # Reversed so the first category reads at the top, as in the digest and the report.
        ordered = list(reversed(groups))
        labels = [_label(g.total.label) for g in ordered]
        askers = [g.total.questions for g in ordered]
        backers = [g.total.backers for g in ordered]
        positions = list(range(len(ordered)))
        ax_cat.barh(positions, askers, color=_ASKERS_COLOR, label=texts("chart.askers"))
        bars = ax_cat.barh(
            positions, backers, left=askers, color=_BACKERS_COLOR, label=texts("chart.backers")
        )
        totals = [a + b for a, b in zip(askers, backers, strict=True)]
        ax_cat.bar_label(bars, labels=[str(n) for n in totals], padding=3, fontfamily=FONT)
        ax_cat.set_yticks(positions, labels, fontfamily=FONT)
        ax_cat.set_title(by_category, fontfamily=FONT, fontsize=11, loc="left")
        # Above the plot, beside the left-aligned title, where no bar can ever run under it.
        ax_cat.legend(
            prop={"family": FONT},
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=2,
            frameon=False,
        )
        ax_cat.set_xlim(0, max(totals) * 1.15 + 1)
        ax_cat.xaxis.get_major_locator().set_params(integer=True)
        ax_cat.spines[["top", "right"]].set_visible(False)
    else:
        _empty_panel(ax_cat, by_category, texts)

    if villages:
        ordered_villages = list(reversed(villages))
        positions = list(range(len(ordered_villages)))
        counts = [n for _, n in ordered_villages]
        bars = ax_vil.barh(positions, counts, color=_VILLAGE_COLOR)
        ax_vil.bar_label(bars, padding=3, fontfamily=FONT)
        ax_vil.set_yticks(positions, [_label(v) for v, _ in ordered_villages], fontfamily=FONT)
        ax_vil.set_title(village_title, fontfamily=FONT, fontsize=11, loc="left")
        ax_vil.set_xlim(0, max(counts) * 1.15 + 1)
        ax_vil.xaxis.get_major_locator().set_params(integer=True)
        ax_vil.spines[["top", "right"]].set_visible(False)
    else:
        _empty_panel(ax_vil, village_title, texts)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
