"""The labelled petition sets and the pairwise measures every de-duplication benchmark uses.

- `data/petitions-dev.jsonl`: 437 petitions written after public petition reports by someone
  outside this project, with duplicate groups, hard negatives and resident-typed variants
  (`data/DEV.md`);
- `data/own.jsonl`: 356 petitions we wrote the same way, independently (`data/OWN.md`).

A pair of questions is a true pair when both rows carry the same `dup_group`; precision and
recall are over all pairs of a set.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SETS = {"dev": DATA / "petitions-dev.jsonl", "own": DATA / "own.jsonl"}

# The sets' category names → the product's default category keys.
CATEGORY_KEYS = {
    "dat_dai": "land",
    "chinh_sach_xa_hoi": "social_policy",
    "thu_tuc_hanh_chinh": "admin_procedures",
    "ha_tang": "infrastructure",
    "moi_truong": "environment",
    "an_ninh_trat_tu": "security",
    "kinh_te_viec_lam": "economy_jobs",
    "khac": "other",
}


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    category: str  # the product's key
    group: str


def load(name_or_path: str | Path) -> list[Row]:
    path = SETS.get(str(name_or_path), Path(name_or_path))
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                category = CATEGORY_KEYS.get(item["category"], item["category"])
                rows.append(Row(item["id"], item["text"], category, item["dup_group"]))
    return rows


@dataclass(frozen=True)
class Pairwise:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    wrong_pairs: int

    def __str__(self) -> str:
        return f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"


def pairwise(rows: Sequence[Row], cluster_of: Mapping[str, str]) -> Pairwise:
    """Pairwise precision, recall and F1 of an assignment row id → cluster."""
    truth = Counter(r.group for r in rows)
    predicted = Counter(cluster_of[r.id] for r in rows)
    both = Counter((r.group, cluster_of[r.id]) for r in rows)

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    tp = pairs(both)  # type: ignore[arg-type]
    said = pairs(predicted)  # type: ignore[arg-type]
    real = pairs(truth)  # type: ignore[arg-type]
    precision = tp / said if said else 1.0
    recall = tp / real if real else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Pairwise(precision, recall, f1, tp, said - tp)
