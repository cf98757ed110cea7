"""`python -m bot cluster INPUT.jsonl [--threshold T]`: group questions into clusters offline.

Reads one JSON object per line, `{"id": ..., "text": ..., "category": ...}` (category optional),
and prints one line per input, in input order: `{"id": ..., "cluster": ..., "category": ...}`.
Questions are placed by the same engine as in the chat and the import, in input order, with the
given category as the resident's choice. `cluster` is the id of the first question of the group;
`category` is the one given or, when missing, the suggested one.

The output is written once every line is placed, since a later question may bring two earlier
clusters together. The input is read twice, line by line: once to check every line, so that a
bad line stops the run before anything is printed, and once to cluster. Reading from standard
input ("-") is a single pass, printing nothing if a line is bad.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from domain.category_suggestion import suggest_category
from domain.dedupe.clusters import Clusters
from domain.texts import load_texts

EXIT_BAD_INPUT = 2


class BadLine(Exception):
    def __init__(self, number: int, problem: str) -> None:
        super().__init__(load_texts()("cluster_cli.bad_line", number=number, problem=problem))
        self.number = number
        self.problem = problem


def register(subparsers: Any) -> None:
    """Add the `cluster` sub-command to an argparse sub-parsers object."""
    h = load_texts()
    parser = subparsers.add_parser(
        "cluster", help=h("cli_help.cluster"), description=h("cli_help.cluster_description")
    )
    parser.add_argument("input", metavar="INPUT.jsonl", help=h("cli_help.cluster_input"))
    parser.add_argument(
        "--threshold", type=float, default=None, help=h("cli_help.cluster_threshold")
    )


def _parse(number: int, line: str) -> tuple[Any, str, str | None] | None:
    """(id, text, category) of one line; None for a blank line."""
    if not line.strip():
        return None
    texts = load_texts()
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(
            number, texts("cluster_cli.bad_json", problem=exc.msg, column=exc.colno)
        ) from None
    if not isinstance(item, dict):
        raise BadLine(number, texts("cluster_cli.not_object"))
    qid = item.get("id")
    if isinstance(qid, bool) or not isinstance(qid, str | int) or qid == "":
        raise BadLine(number, texts("cluster_cli.bad_id"))
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadLine(number, texts("cluster_cli.bad_text"))
    category = item.get("category")
    if category is not None and not isinstance(category, str):
        raise BadLine(number, texts("cluster_cli.bad_category"))
    return qid, text, category or None


def _key(qid: Any) -> str:
    # 7 and "7" are different ids in JSON; keep them apart inside the clusters.
    return f"{type(qid).__name__}:{qid}"


def _rows(stream: TextIO) -> Iterator[tuple[int, tuple[Any, str, str | None]]]:
    seen: set[str] = set()
    for number, line in enumerate(stream, start=1):
        row = _parse(number, line)
        if row is None:
            continue
        key = _key(row[0])
        if key in seen:
            shown = json.dumps(row[0], ensure_ascii=False)
            raise BadLine(number, load_texts()("cluster_cli.duplicate_id", id=shown))
        seen.add(key)
        yield number, row


def _cluster(
    rows: Iterator[tuple[int, tuple[Any, str, str | None]]], threshold: float, out: TextIO
) -> None:
    # Written once every line is placed: a later question may merge two earlier clusters.
    clusters = Clusters(threshold)
    original: dict[str, Any] = {}  # key → the id as it was written
    placed: list[tuple[str, str]] = []  # (key, category) in input order
    for _, (qid, text, category) in rows:
        key = _key(qid)
        clusters.add(key, text, category)
        original[key] = qid
        placed.append((key, category or suggest_category(text)))
    for key, category in placed:
        record = {
            "id": original[key],
            "cluster": original[clusters.cluster_of(key)],
            "category": category,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(args: argparse.Namespace, threshold_default: float) -> int:
    """Run `cluster` with parsed arguments; returns the process exit code."""
    texts = load_texts()
    threshold = args.threshold if args.threshold is not None else threshold_default
    if not 0.0 <= threshold <= 100.0:
        print(texts("cluster_cli.bad_threshold", threshold=f"{threshold:g}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    source = str(args.input)
    try:
        if source == "-":
            _cluster(_rows(sys.stdin), threshold, sys.stdout)
        else:
            path = Path(source)
            with path.open(encoding="utf-8") as fh:
                for _ in _rows(fh):
                    pass
            with path.open(encoding="utf-8") as fh:
                _cluster(_rows(fh), threshold, sys.stdout)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit-time flush of
        # stdout from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except BadLine as exc:
        message = texts(
            "cluster_cli.error_line", number=exc.number, source=source, problem=exc.problem
        )
        print(message, file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError:
        print(texts("cluster_cli.error_not_utf8", source=source), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(texts("cluster_cli.error_open", source=source, problem=exc.strerror), file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
