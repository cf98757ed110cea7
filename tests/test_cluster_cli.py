"""`cluster` sub-command, called through `bot.cluster_cli` without bot/cli.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot import cluster_cli


def run(path: Path, threshold: float | None = None) -> int:
    return cluster_cli.run(argparse.Namespace(input=str(path), threshold=threshold), 60.0)


def write(tmp_path: Path, rows: list[object] | str) -> Path:
    path = tmp_path / "in.jsonl"
    if isinstance(rows, str):
        path.write_text(rows, encoding="utf-8")
    else:
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return path


def test_register_adds_cluster_subcommand() -> None:
    parser = argparse.ArgumentParser()
    cluster_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["cluster", "x.jsonl", "--threshold", "70"])
    assert (args.command, args.input, args.threshold) == ("cluster", "x.jsonl", 70.0)


def test_clusters_and_categories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        [
            {"id": 10, "text": "Đề nghị cấp sổ đỏ cho hộ hiến đất làm đường thôn 3"},
            {"id": "b", "text": "Sửa đường thôn Tây bị ổ gà", "category": "other"},
            {"id": 12, "text": "hien dat lam duong thon 3 ma chua dc cap so do", "category": None},
        ],
    )
    assert run(path) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out == [
        {"id": 10, "cluster": 10, "category": "land"},
        {"id": "b", "cluster": "b", "category": "other"},  # the given category is kept
        {"id": 12, "cluster": 10, "category": "land"},
    ]


def test_threshold_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [{"id": 1, "text": "sửa đường thôn 3"}, {"id": 2, "text": "sửa đường"}])
    assert run(path, threshold=100.0) == 0
    clusters = [json.loads(line)["cluster"] for line in capsys.readouterr().out.splitlines()]
    assert clusters == [1, 2]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"id": 1, "text": "a"}\nnot json\n', 2),
        ('{"id": 1, "text": "a"}\n\n{"text": "b"}\n', 3),
        ('{"id": 1, "text": ""}\n', 1),
        ("[1, 2]\n", 1),
        ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', 2),
        ('{"id": 1, "text": "a", "category": 5}\n', 1),
    ],
)
def test_bad_line_is_reported_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, line: int
) -> None:
    assert run(write(tmp_path, content)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing printed before the whole file was checked
    assert f"Lỗi ở dòng {line} " in captured.err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path / "missing.jsonl") == 2
    assert "không mở được tệp" in capsys.readouterr().err
