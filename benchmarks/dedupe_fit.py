"""Fit the weights of the duplicate score (`domain.dedupe.score`) on the labelled sets.

Every pair of a set is scored by the engine's own index (`SimilarityIndex.features`, the
function the bot uses), and a logistic regression with a small L2 penalty is fitted on those
rows by Newton's method (numpy only). The script prints:

- the weights fitted on each set and on both (the ones to write into score.py);
- cross-checks: weights fitted on one set, the join threshold chosen on that set (best F1 with
  precision ≥ the target), then both applied to the other set through `Clusters`, the shipped
  clustering;
- the same within each set, over halves of its duplicate groups (fitted on one half, measured
  on the other), averaged over a few random splits.

Run: python benchmarks/dedupe_fit.py [--target 0.97]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import Pairwise, Row, load, pairwise

from domain.dedupe.clusters import Clusters
from domain.dedupe.index import SimilarityIndex, prepare
from domain.dedupe.score import FEATURES, Model

THRESHOLDS = [float(t) for t in range(40, 91, 5)]


def pair_rows(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    """Evidence of every pair of `rows` (the index over the whole set), and the labels."""
    index = SimilarityIndex(exhaustive_up_to=len(rows) + 1)
    for row in rows:
        index.add(row.id, prepare(row.text, row.category))
    blocks, labels = [], []
    for i, row in enumerate(rows[:-1]):
        later = np.arange(i + 1, len(rows), dtype=np.intp)
        blocks.append(index.features(index.query_at(i), later))
        labels.append(np.array([row.group == other.group for other in rows[i + 1 :]]))
    return np.vstack(blocks), np.concatenate(labels).astype(np.float64)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> Model:
    """Logistic regression (intercept unpenalised) by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Model(
        {name: round(float(v), 2) for name, v in zip(FEATURES, w[:-1], strict=True)},
        round(float(w[-1]), 2),
    )


def cluster(rows: Sequence[Row], model: Model, join: float) -> Pairwise:
    clusters = Clusters(join=join, index=SimilarityIndex(weights=model))
    for row in rows:
        clusters.add(row.id, row.text, row.category)
    return pairwise(rows, {r.id: clusters.cluster_of(r.id) for r in rows})


def choose(rows: Sequence[Row], model: Model, target: float) -> tuple[float, Pairwise]:
    """The join threshold with the best F1 among those reaching `target` precision."""
    best: tuple[float, Pairwise] | None = None
    for join in THRESHOLDS:
        measured = cluster(rows, model, join)
        if measured.precision >= target and (best is None or measured.f1 > best[1].f1):
            best = (join, measured)
    return best if best is not None else (THRESHOLDS[-1], cluster(rows, model, THRESHOLDS[-1]))


def halves(rows: Sequence[Row], seed: int) -> tuple[list[Row], list[Row]]:
    groups = sorted({r.group for r in rows})
    random.Random(seed).shuffle(groups)
    first = set(groups[::2])
    return [r for r in rows if r.group in first], [r for r in rows if r.group not in first]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", type=float, default=0.97, help="precision to aim for")
    parser.add_argument("--splits", type=int, default=3)
    args = parser.parse_args(argv)
    sets = {name: load(name) for name in ("dev", "own")}
    evidence = {name: pair_rows(rows) for name, rows in sets.items()}
    models = {name: fit(*evidence[name]) for name in sets}
    models["both"] = fit(
        np.vstack([evidence[n][0] for n in sets]), np.concatenate([evidence[n][1] for n in sets])
    )
    for name, model in models.items():
        print(f"weights fitted on {name}: intercept {model.intercept}")
        print("  " + ", ".join(f"{k} {v}" for k, v in model.weights.items()))
    print(f"\nfitted on one set, threshold chosen there (precision ≥ {args.target}), other set:")
    for train, test in (("dev", "own"), ("own", "dev")):
        join, there = choose(sets[train], models[train], args.target)
        here = cluster(sets[test], models[train], join)
        print(f"  {train} → {test}: join {join:g} ({train}: {there}) → {test}: {here}")
    print("\nwithin each set, fitted on half of its groups, measured on the other half:")
    for name, rows in sets.items():
        results = []
        for seed in range(1, args.splits + 1):
            for fit_on, test_on in (halves(rows, seed), halves(rows, seed)[::-1]):
                model = fit(*pair_rows(fit_on))
                join, _ = choose(fit_on, model, args.target)
                results.append(cluster(test_on, model, join))
        p = np.mean([r.precision for r in results])
        r = np.mean([r.recall for r in results])
        worst = min(r.precision for r in results)
        print(f"  {name}: mean P {p:.3f} R {r:.3f} (worst half P {worst:.3f})")
    print("\nweights fitted on both sets, by join threshold:")
    for join in THRESHOLDS:
        line = "   ".join(f"{n}: {cluster(rows, models['both'], join)}" for n, rows in sets.items())
        print(f"  {join:g}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
