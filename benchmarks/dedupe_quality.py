"""Quality of the de-duplication on the path that ships: `import`, then the report.

For each labelled set (`labelled.py`: the dev set written outside this project, and our own),
the script does what an office does with a pile of paper forms: it writes them into a
spreadsheet in the template's columns, runs `python -m bot import` on a fresh database, runs
`python -m bot report`, and reads the "Nhóm trùng" (cluster) column of the Excel file back. The
pairwise precision, recall and F1 of those clusters are the figures; the hidden set of real
petitions is read the same way.

Printed next to them, in the same run:
- the same forms with their category left blank (every one "Khác"), in case an office types none;
- the baseline: each form joins the cluster of its best match by accent-stripped
  `token_set_ratio` above a threshold tuned for precision on the same set;
- category accuracy of the suggestion (`domain.category_suggestion`) on each set, and the
  figure of a word model fitted on the *other* set (as `benchmarks/category_fit.py` prints).

Targets: pairwise precision ≥ 0.95 on both sets, with recall as high as that allows; category
accuracy ≥ 0.85 on the dev set. Cross-checks of the fitted weights: benchmarks/dedupe_fit.py.

Run: python benchmarks/dedupe_quality.py [--sets dev own] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import Pairwise, Row, load, pairwise
from rapidfuzz import fuzz

from domain.categories import DEFAULT_CATEGORIES
from domain.category_suggestion import suggest_category
from domain.normalize import fold
from domain.texts import load_texts

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"precision": 0.95, "category": 0.85}
LABELS = {c.key: c.label for c in DEFAULT_CATEGORIES}
texts = load_texts()


def _config(folder: Path) -> Path:
    keys = ", ".join(f'"{c.key}"' for c in DEFAULT_CATEGORIES)
    path = folder / "config.toml"
    path.write_text(
        f'[storage]\npath = "{(folder / "db.sqlite3").as_posix()}"\n'
        '[commune]\nname = "xã Thử Nghiệm"\n'
        '[[dialogues]]\ncode = "TN27"\ntitle = "Hội nghị đối thoại năm 2027"\n'
        f"deadline = 2027-06-15T17:00:00+07:00\ncategories = [{keys}]\n",
        encoding="utf-8",
    )
    return path


def _forms(rows: Sequence[Row], path: Path, with_categories: bool) -> None:
    today = date.today().strftime("%d/%m/%Y")
    headers = [
        texts("paper.col_form"),
        texts("paper.col_date"),
        texts("paper.col_village"),
        texts("paper.col_name"),
        texts("paper.col_category"),
        texts("paper.col_text"),
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for number, row in enumerate(rows, start=1):
            category = LABELS[row.category] if with_categories else ""
            writer.writerow([number, today, "", "", category, row.text])


def _bot(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m bot {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def shipped(rows: Sequence[Row], with_categories: bool = True) -> dict[str, str]:
    """Row id → cluster, as the office's Excel report shows it after `import`."""
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        config = _config(where)
        forms = where / "phieu.csv"
        _forms(rows, forms, with_categories)
        _bot(config, "import", "--dialogue", "TN27", str(forms))
        _bot(config, "report", "--dialogue", "TN27", "--out", str(where / "out"))
        [book] = (where / "out").glob("*.xlsx")
        sheet = load_workbook(book, read_only=True).worksheets[0]
        table = list(sheet.iter_rows(values_only=True))
    header_row = next(i for i, r in enumerate(table) if texts("xlsx.col_cluster") in r)
    header = list(table[header_row])
    code_at = header.index(texts("xlsx.col_code"))
    cluster_at = header.index(texts("xlsx.col_cluster"))
    cluster_of_code = {
        str(r[code_at]): str(r[cluster_at]) for r in table[header_row + 1 :] if r[code_at]
    }
    # Receipt codes are handed out in file order: TN27-0001 is the first row, and so on.
    return {row.id: cluster_of_code[f"TN27-{n:04d}"] for n, row in enumerate(rows, start=1)}


def baseline(rows: Sequence[Row], threshold: float) -> dict[str, str]:
    """Best match above `threshold` by accent-stripped token_set_ratio (no blocking)."""
    keys = [" ".join(fold(r.text).split()) for r in rows]
    cluster: dict[str, str] = {}
    for i, row in enumerate(rows):
        best, best_score = None, threshold
        for j in range(i):
            score = fuzz.token_set_ratio(keys[i], keys[j])
            if score >= best_score:
                best, best_score = j, score
        cluster[row.id] = row.id if best is None else cluster[rows[best].id]
    return cluster


def tuned_baseline(rows: Sequence[Row]) -> tuple[float, Pairwise]:
    best: tuple[float, Pairwise] | None = None
    for threshold in range(60, 100, 2):
        measured = pairwise(rows, baseline(rows, threshold))
        good = measured.precision >= TARGETS["precision"]
        if good and (best is None or measured.f1 > best[1].f1):
            best = (float(threshold), measured)
    return best if best is not None else (100.0, pairwise(rows, baseline(rows, 100.0)))


def category_accuracy(rows: Sequence[Row]) -> float:
    return sum(suggest_category(r.text) == r.category for r in rows) / len(rows)


def show_errors(name: str, rows: Sequence[Row], cluster_of: dict[str, str]) -> None:
    by_cluster: dict[str, list[Row]] = {}
    for row in rows:
        by_cluster.setdefault(cluster_of[row.id], []).append(row)
    print(f"\n{name}: cụm gộp nhầm (khác nhóm gán nhãn)")
    for members in by_cluster.values():
        if len({m.group for m in members}) > 1:
            for m in members:
                print(f"  [{m.group}] {m.text[:100]}")
            print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sets", nargs="+", default=["dev", "own"])
    parser.add_argument("--errors", action="store_true", help="in ra các cụm gộp nhầm")
    args = parser.parse_args(argv)
    print("Đường đi thật: python -m bot import, rồi report; đọc cột “Nhóm trùng” của file Excel")
    print(f"{'tập':<6}{'cách':<34}{'P':>7}{'R':>7}{'F1':>7}{'cặp sai':>9}")
    for name in args.sets:
        rows = load(name)
        found = shipped(rows)
        for label, measured in (
            ("import → báo cáo (có nhóm vấn đề)", pairwise(rows, found)),
            ("import → báo cáo (nhóm để trống)", pairwise(rows, shipped(rows, False))),
        ):
            print(
                f"{name:<6}{label:<34}{measured.precision:>7.3f}{measured.recall:>7.3f}"
                f"{measured.f1:>7.3f}{measured.wrong_pairs:>9}"
            )
        threshold, base = tuned_baseline(rows)
        print(
            f"{name:<6}{f'cơ sở: token_set_ratio ≥ {threshold:g}':<34}{base.precision:>7.3f}"
            f"{base.recall:>7.3f}{base.f1:>7.3f}{base.wrong_pairs:>9}"
        )
        print(f"{name:<6}{'đúng nhóm vấn đề (gợi ý)':<34}{category_accuracy(rows):>7.3f}")
        if args.errors:
            show_errors(name, rows, found)
    print(
        f"Mục tiêu: precision ≥ {TARGETS['precision']}; đúng nhóm vấn đề ≥ {TARGETS['category']}"
        " trên tập dev. Mô hình nhóm vấn đề đã học trên cả hai tập; con số khách quan (học trên"
        " tập này, đo trên tập kia): python benchmarks/category_fit.py"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
