"""Fit the word model of the category suggestion (`domain/category_model.json`).

The model is a softmax regression over the question's word grams (content tokens and pairs of
neighbours, TF-IDF weighted, as `domain.category_suggestion` computes them) and the lexicon's
score per category; it is fitted with an L2 penalty by gradient descent (numpy only). Grams seen
in fewer than two questions are left out, which keeps the file small and the model from
learning single petitions by heart.

The script prints the accuracy of a model fitted on one labelled set and measured on the other
(both ways), then fits on both sets and, with `--write`, writes the model the bot ships.

Run: python benchmarks/category_fit.py [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import Row, load

from domain.category_suggestion import (
    CATEGORIES,
    MODEL_PATH,
    WordModel,
    lexicon_features,
    suggest_category,
    word_features,
)
from domain.dedupe.text import analyse

MIN_DF = 2


def fit(rows: Sequence[Row], l2: float = 1e-3, steps: int = 3000, rate: float = 0.5) -> WordModel:
    docs = [analyse(r.text).tokens for r in rows]
    df: Counter[str] = Counter()
    for tokens in docs:
        df.update(set(word_features(tokens, None)))
    vocab = sorted(g for g, n in df.items() if n >= MIN_DF)
    idf = {g: float(np.log((1 + len(docs)) / (1 + df[g])) + 1.0) for g in vocab}
    column = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab) + len(CATEGORIES)))
    for i, (row, tokens) in enumerate(zip(rows, docs, strict=True)):
        for gram, value in word_features(tokens, idf).items():
            x[i, column[gram]] = value
        x[i, len(vocab) :] = lexicon_features(row.text)
    y = np.zeros((len(rows), len(CATEGORIES)))
    for i, row in enumerate(rows):
        y[i, CATEGORIES.index(row.category)] = 1.0
    w = np.zeros((x.shape[1], len(CATEGORIES)))
    b = np.zeros(len(CATEGORIES))
    m = v = np.zeros_like(w)
    mb = vb = np.zeros_like(b)
    for step in range(1, steps + 1):  # Adam
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        gw = x.T @ (p - y) / len(rows) + l2 * w
        gb = (p - y).mean(axis=0)
        m = 0.9 * m + 0.1 * gw
        v = 0.999 * v + 0.001 * gw * gw
        mb = 0.9 * mb + 0.1 * gb
        vb = 0.999 * vb + 0.001 * gb * gb
        scale = rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= scale * m / (np.sqrt(v) + 1e-8)
        b -= scale * mb / (np.sqrt(vb) + 1e-8)
    return WordModel(
        idf={g: round(idf[g], 4) for g in vocab},
        weights={g: [round(float(c), 4) for c in w[column[g]]] for g in vocab},
        lexicon=[[round(float(c), 4) for c in row] for row in w[len(vocab) :]],
        bias=[round(float(c), 4) for c in b],
    )


def accuracy(rows: Sequence[Row], model: WordModel | None) -> float:
    return sum(suggest_category(r.text, model=model) == r.category for r in rows) / len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    args = parser.parse_args(argv)
    sets = {name: load(name) for name in ("dev", "own")}
    print("category accuracy (lexicon only / lexicon and words):")
    for train, test in (("dev", "own"), ("own", "dev")):
        model = fit(sets[train])
        lexicon = accuracy(sets[test], WordModel.empty())
        print(
            f"  fitted on {train}, measured on {test}: {lexicon:.3f} / "
            f"{accuracy(sets[test], model):.3f}"
        )
    both = fit([*sets["dev"], *sets["own"]])
    for name, rows in sets.items():
        print(f"  fitted on both, measured on {name} (seen in fitting): {accuracy(rows, both):.3f}")
    if args.write:
        MODEL_PATH.write_text(json.dumps(both.to_json(), ensure_ascii=False), encoding="utf-8")
        print(f"written: {MODEL_PATH} ({len(both.weights)} grams)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
