"""Quality of the de-duplication on the labelled petitions (benchmarks/data/petitions.jsonl).

Prints pairwise precision, recall and F1 of the clustering (a pair of questions is a true pair
when both belong to the same labelled group) and the accuracy of `suggest_category`.

Clustering is incremental, so the order of arrival matters; besides the file order the script
averages over a few shuffled orders.

Run: python benchmarks/dedupe_quality.py [--threshold 72] [--errors]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.dedupe import DEFAULT_THRESHOLD, Clusters, suggest_category

DATA = Path(__file__).resolve().parent / "data" / "petitions.jsonl"
TARGETS = {"precision": 0.95, "recall": 0.85, "category": 0.85}


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    category: str
    group: str


def load(path: Path = DATA) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                rows.append(Row(d["id"], d["text"], d["category"], d["group"]))
    return rows


Assign = Callable[[Sequence[Row], float], dict[str, str]]


def cluster_incremental(rows: Sequence[Row], threshold: float) -> dict[str, str]:
    clusters = Clusters(threshold)
    return {r.id: clusters.add(r.id, r.text) for r in rows}


def pairwise(rows: Sequence[Row], assigned: dict[str, str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in combinations(rows, 2):
        same_truth = a.group == b.group
        same_pred = assigned[a.id] == assigned[b.id]
        tp += same_truth and same_pred
        fp += same_pred and not same_truth
        fn += same_truth and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(
    rows: Sequence[Row], threshold: float, assign: Assign = cluster_incremental, orders: int = 5
) -> tuple[float, float, float]:
    """Mean pairwise P, R, F1 over the file order and `orders - 1` shuffled orders."""
    results = []
    for seed in range(orders):
        ordered = list(rows)
        if seed:
            random.Random(seed).shuffle(ordered)
        results.append(pairwise(rows, assign(ordered, threshold)))
    return tuple(sum(r[i] for r in results) / len(results) for i in range(3))  # type: ignore[return-value]


def category_accuracy(rows: Sequence[Row]) -> tuple[float, list[tuple[Row, str]]]:
    wrong = [(r, got) for r in rows if (got := suggest_category(r.text)) != r.category]
    return 1 - len(wrong) / len(rows), wrong


def show_errors(rows: Sequence[Row], threshold: float) -> None:
    assigned = cluster_incremental(rows, threshold)
    by_cluster: dict[str, list[Row]] = {}
    for r in rows:
        by_cluster.setdefault(assigned[r.id], []).append(r)
    print("\nCụm gộp nhầm (khác nhóm gán nhãn):")
    for members in by_cluster.values():
        if len({m.group for m in members}) > 1:
            for m in members:
                print(f"  [{m.group}] {m.text[:90]}")
            print()
    print("Nhóm bị tách (cùng nhóm, khác cụm):")
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.group, []).append(r)
    for group, members in groups.items():
        if len({assigned[m.id] for m in members}) > 1:
            print(f"  {group}:")
            for m in members:
                print(f"    ({assigned[m.id]}) {m.text[:90]}")


def halves(rows: Sequence[Row], seed: int = 1) -> tuple[list[Row], list[Row]]:
    """Two halves of the set by topic (the group name's first word), so that a group and its
    hard negatives ("road_huonglo8", "road_huonglo12") stay on the same side."""
    topics = sorted({r.group.split("_")[0] for r in rows})
    random.Random(seed).shuffle(topics)
    first = set(topics[::2])
    return (
        [r for r in rows if r.group.split("_")[0] in first],
        [r for r in rows if r.group.split("_")[0] not in first],
    )


def tune(rows: Sequence[Row], floor: float = TARGETS["precision"]) -> float:
    """The threshold with the best F1 among those keeping precision ≥ `floor` on `rows`."""
    best = (-1.0, 100.0)
    for threshold in range(40, 81, 2):
        precision, _, f1 = evaluate(rows, float(threshold), orders=3)
        if precision >= floor and f1 > best[0]:
            best = (f1, float(threshold))
    return best[1]


def cross_validate(rows: Sequence[Row]) -> None:
    """Tune the threshold on one half of the groups, report on the other, and the other way."""
    first, second = halves(rows)
    print("\nKiểm tra chéo (chọn ngưỡng trên một nửa số nhóm, đo trên nửa còn lại):")
    for name, tune_on, test_on in (("A→B", first, second), ("B→A", second, first)):
        threshold = tune(tune_on)
        p, r, f1 = evaluate(test_on, threshold)
        dp, dr, _ = evaluate(test_on, DEFAULT_THRESHOLD)
        print(
            f"  {name}: ngưỡng chọn {threshold:g} → precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}"
            f"  ({len(test_on)} câu; với ngưỡng mặc định {DEFAULT_THRESHOLD:g}: "
            f"precision {dp:.3f}, recall {dr:.3f})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="in ra các cặp sai")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cv", action="store_true", help="kiểm tra chéo trên hai nửa số nhóm")
    args = parser.parse_args(argv)
    rows = load(args.data)
    groups = len({r.group for r in rows})
    print(f"Tập gán nhãn: {len(rows)} câu hỏi, {groups} nhóm; ngưỡng {args.threshold:g}")
    precision, recall, f1 = evaluate(rows, args.threshold)
    accuracy, wrong = category_accuracy(rows)
    print(f"{'chỉ số':<22}{'đạt được':>10}{'mục tiêu':>10}")
    print(f"{'precision (cặp)':<22}{precision:>10.3f}{'≥ 0.95':>10}")
    print(f"{'recall (cặp)':<22}{recall:>10.3f}{'≥ 0.85':>10}")
    print(f"{'F1 (cặp)':<22}{f1:>10.3f}{'':>10}")
    print(f"{'đúng nhóm vấn đề':<22}{accuracy:>10.3f}{'≥ 0.85':>10}")
    if args.cv:
        cross_validate(rows)
    if args.errors:
        show_errors(rows, args.threshold)
        print("\nGợi ý nhóm vấn đề sai:")
        for row, got in wrong:
            print(f"  {row.category} → {got}: {row.text[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
