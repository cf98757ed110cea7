"""Speed of the clustering engine and of the similar-question lookup, next to all-pairs cdist.

Corpora of 1k, 10k and 100k questions are generated from templates of commune requests, with
many places (so that most pairs are *not* duplicates, as in a real dialogue) and the ways
residents type (no diacritics, teencode). For each size the script prints, measured in the
same run:

- clustering: the time to place every question with `Clusters.add`, the call the chat, the
  import and `cluster` make, from nothing (caches emptied), the best of `--repeat` runs with
  the slowest after it, its CPU time and the memory the process holds afterwards;
- lookup: `Clusters.similar` (what a resident sees before sending) on new questions, p50 and p95;
- the baseline: rapidfuzz's `process.cdist` of every question against every other on their
  folded text with `token_set_ratio` (the naive all-pairs comparison), on one core as cdist
  runs by default and as the clustering runs (both cores too, for reference), timed
  in full up to `--baseline-max` questions and estimated above from the pairs per second
  measured at the largest size timed (or on 1,000 rows against all, if none was);
- time per question at each size, to show how it grows.

Both sides run on one core, so their CPU times compare them even when other work shares the
machine (wall times then depend on what share each side got); the script prints both ratios.

Targets: clustering 10k ≤ 0.3 × the all-pairs cdist of the same run, near-linear growth to
100k; lookup p95 ≤ 10 ms at 10k.
Run: python benchmarks/dedupe_speed.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from domain.dedupe.clusters import Clusters
from domain.dedupe.text import analyse
from domain.normalize import fold, fold_word

# --- corpus generator ---------------------------------------------------------------------------

_SYLLABLE_TEXT = (
    "An Bình Đông Tây Nam Bắc Hòa Thạnh Phú Mỹ Tân Long Hưng Yên Thượng Hạ Trung Lộc Phước Xuân "
    "Thủy Sơn Lâm Cát Hải Quang Minh Thuận Nghĩa Khánh Vĩnh Gia Kim Ngọc Đức Thanh Lương Bản Nà "
    "Cốc Pác Khuổi Lũng Phiêng Tổng Chợ Giếng Cầu Đồng Bãi Rạch Vàm Kênh Mới Cũ Thái Hợp Quý"
)
_SYLLABLES = _SYLLABLE_TEXT.split()
_PLACE_KINDS = ("thôn", "xóm", "ấp", "bản", "tổ dân phố", "khu phố", "tổ")

_TEMPLATES: tuple[tuple[str, ...], ...] = (
    (
        "Đề nghị sửa chữa tuyến đường {p} đang xuống cấp, nhiều ổ gà.",
        "đường {p} hư quá khi nào sửa",
        "duong {p} nat het roi, bao gio sua vay",
    ),
    (
        "Đề nghị bê tông hóa đường nội đồng {p} phục vụ sản xuất.",
        "xin làm bê tông đường ra đồng {p}",
    ),
    (
        "Đề nghị lắp đặt đèn chiếu sáng công cộng cho {p}.",
        "{p} tối om, xin lắp đèn đường",
        "{p} ko co den duong, toi di nguy hiem",
    ),
    (
        "Mương thủy lợi {p} bị bồi lắng, đề nghị nạo vét trước vụ mùa.",
        "muong {p} bi lap, xin nao vet",
    ),
    ("Đề nghị xây mới nhà văn hóa {p}.", "{p} chua co nha van hoa de hop"),
    (
        "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ {p}.",
        "dan {p} chua dc cap so do",
        "bao giờ cấp sổ đỏ cho {p} ạ",
    ),
    (
        "Các hộ {p} hiến đất làm đường chưa được chỉnh lý sổ đỏ.",
        "hien dat lam duong o {p} roi ma so chua sua",
    ),
    ("Tình trạng lấn chiếm đất công tại {p} chưa được xử lý.", "o {p} co nguoi lan dat cong"),
    (
        "Đề nghị rà soát lại danh sách hộ nghèo, cận nghèo tại {p}.",
        "binh xet ho ngheo o {p} ko cong bang",
    ),
    ("Thẻ bảo hiểm y tế của hộ cận nghèo {p} cấp chậm.", "the bhyt ho can ngheo {p} chua co"),
    (
        "Đề nghị hỗ trợ sửa chữa nhà cho hộ người có công ở {p}.",
        "nha nguoi co cong o {p} dot nat, xin ho tro",
    ),
    (
        "Rác thải tại {p} không được thu gom thường xuyên, gây ô nhiễm.",
        "rac o {p} de thoi um ko ai gom",
        "{p} ko co xe thu gom rac",
    ),
    (
        "Trại chăn nuôi lợn ở {p} xả thải gây ô nhiễm môi trường.",
        "trai heo {p} hoi qua chiu ko noi",
    ),
    (
        "Tình trạng trộm cắp tài sản ban đêm ở {p} gia tăng, đề nghị tăng cường tuần tra.",
        "{p} mat trom hoai, cong an tuan tra giup",
        "trom o {p} nhieu qua",
    ),
    ("Thanh niên tụ tập đua xe, nẹt pô ở {p} vào buổi tối.", "toi nao cung dua xe o {p}"),
    ("Đề nghị lắp camera an ninh tại các ngã ba ở {p}.", "xin lap camera o nga ba {p}"),
    (
        "Đề nghị hỗ trợ giống cho các hộ {p} bị thiệt hại do sâu bệnh.",
        "lua {p} bi sau benh mat mua, xin ho tro giong",
    ),
    (
        "Đề nghị mở lớp đào tạo nghề cho lao động {p}.",
        "thanh nien {p} ko co viec lam, xin mo lop hoc nghe",
    ),
    (
        "Hướng dẫn thủ tục vay vốn ngân hàng chính sách cho hộ {p}.",
        "muon vay von chinh sach o {p} thi lam sao",
    ),
    (
        "Thủ tục xác nhận cư trú cho người dân {p} còn rườm rà.",
        "xin giay xac nhan cu tru lau qua, dan {p} phai di nhieu lan",
    ),
    (
        "Điện ở {p} thường xuyên mất, đề nghị nâng cấp trạm biến áp.",
        "{p} cup dien lien tuc",
        "dien o {p} chap chon qua",
    ),
    ("Đề nghị đầu tư công trình nước sạch cho {p}.", "{p} thieu nuoc sinh hoat mua kho"),
    (
        "Ngập úng kéo dài tại {p} mỗi khi mưa lớn, đề nghị làm cống thoát nước.",
        "mua la ngap o {p}, xin lam cong thoat nuoc",
    ),
    ("Đề nghị xây kè chống sạt lở bờ sông đoạn qua {p}.", "bo song o {p} lo nhieu, xin lam ke"),
    ("Chó thả rông ở {p} gây mất an toàn.", "cho tha rong o {p} can nguoi"),
    ("Đề nghị hỗ trợ tiêu thụ nông sản cho bà con {p}.", "nong san {p} ban ko duoc gia"),
)


def _place(rng: random.Random) -> str:
    kind = rng.choice(_PLACE_KINDS)
    if kind in ("tổ", "tổ dân phố", "khu phố") or rng.random() < 0.3:
        return f"{kind} {rng.randint(1, 40)}"
    return f"{kind} {' '.join(rng.sample(_SYLLABLES, rng.choice((1, 2))))}"


def generate(n: int, seed: int = 7) -> list[str]:
    """n questions; a few hundred places × requests, each phrased in several ways."""
    rng = random.Random(seed)
    places = [_place(rng) for _ in range(max(50, n // 40))]
    out = []
    for _ in range(n):
        variants = rng.choice(_TEMPLATES)
        text = rng.choice(variants).format(p=rng.choice(places))
        if rng.random() < 0.3:
            text = fold(text)
        out.append(text)
    return out


# --- measurements -------------------------------------------------------------------------------


def _percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _cold() -> None:
    """Forget every per-text result kept between calls, so no run profits from an earlier one."""
    analyse.cache_clear()
    fold_word.__globals__["_FOLDED"].clear()
    gc.collect()


def cluster_once(texts: Sequence[str]) -> tuple[Clusters, float, float]:
    _cold()
    start, cpu = time.perf_counter(), time.process_time()
    clusters = Clusters()
    for i, text in enumerate(texts):
        clusters.add(str(i), text)
    return clusters, time.perf_counter() - start, time.process_time() - cpu


def all_pairs(
    texts: Sequence[str], rows: int | None = None, workers: int = 1
) -> tuple[float, float]:
    """Seconds (wall, CPU of this process) for rapidfuzz's cdist of `rows` questions (all by
    default) against all; on one core by default, as cdist runs unless told otherwise and as
    the clustering runs."""
    keys = [fold(t) for t in texts]
    queries = keys if rows is None else keys[:rows]
    start, cpu = time.perf_counter(), time.process_time()
    cdist(queries, keys, scorer=fuzz.token_set_ratio, workers=workers, dtype="uint8")
    return time.perf_counter() - start, time.process_time() - cpu


def measure(n: int, queries: int, repeat: int, baseline_max: int, rate: list[float]) -> float:
    texts = generate(n)
    probes = generate(queries, seed=99)
    runs = [cluster_once(texts) for _ in range(repeat)]
    clusters = runs[-1][0]
    walls = [wall for _, wall, _ in runs]
    cpu = min(c for _, _, c in runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for text in probes:
        start = time.perf_counter()
        clusters.similar(text, limit=3)
        times.append(time.perf_counter() - start)
    p50, p95 = _percentiles(times)
    print(f"\n{n:,} câu hỏi ({len(clusters.clusters()):,} cụm)".replace(",", "."))
    print(
        f"  gom cụm (Clusters.add): {min(walls):.2f} s (chậm nhất {max(walls):.2f} s;"
        f" CPU {cpu:.2f} s; {min(walls) / n * 1000:.2f} ms một câu; bộ nhớ tối đa {rss:.0f} MB)"
    )
    print(f"  tra cứu câu tương tự: p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    pairs = n * n
    if n <= baseline_max:
        baseline, baseline_cpu = all_pairs(texts)
        rate[:] = [pairs / baseline, pairs / max(baseline_cpu, 1e-9)]
        how = "đo đủ"
    else:
        if not rate:  # nothing timed in full in this run: time 1,000 rows against all of them
            wall, used = all_pairs(texts, 1_000)
            rate[:] = [1_000 * n / wall, 1_000 * n / max(used, 1e-9)]
        baseline, baseline_cpu = pairs / rate[0], pairs / rate[1]
        how = "ước tính từ số cặp mỗi giây đã đo trong lần chạy này"
    # For reference, cdist on both cores, timed on 1,000 rows against all and scaled.
    both = all_pairs(texts, min(n, 1_000), workers=-1)[0] * n / min(n, 1_000)
    print(
        f"  cơ sở: cdist mọi cặp ({pairs:_} cặp, một nhân): {baseline:.1f} s, CPU"
        f" {baseline_cpu:.1f} s ({how})".replace("_", ".")
        + f"; gom cụm / cơ sở = {min(walls) / baseline:.3f} (thời gian),"
        + f" {cpu / baseline_cpu:.3f} (CPU, không phụ thuộc tải máy)"
        + f"; trên hai nhân ~{both:.1f} s (gom cụm / cơ sở = {min(walls) / both:.3f})"
    )
    return min(walls) / n


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo tốc độ gom cụm và tra cứu câu tương tự.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--repeat", type=int, default=2, help="số lần gom cụm mỗi cỡ (lấy lần nhanh nhất)"
    )
    parser.add_argument(
        "--baseline-max", type=int, default=10_000, help="đo đủ cơ sở cdist đến cỡ này"
    )
    args = parser.parse_args(argv)
    print(
        "Mục tiêu: gom cụm 10k ≤ 0,3 × cdist mọi cặp; tăng gần tuyến tính đến 100k;"
        " tra cứu p95 ≤ 10 ms ở 10k"
    )
    rate: list[float] = []
    per_question = {}
    for n in args.sizes:
        repeat = args.repeat if n <= 10_000 else 1
        per_question[n] = measure(n, args.queries, max(1, repeat), args.baseline_max, rate)
    if len(per_question) > 1:
        first = min(per_question)
        growth = ", ".join(
            f"{n:,}: ×{t / per_question[first]:.2f}".replace(",", ".")
            for n, t in per_question.items()
        )
        print(f"\nThời gian một câu so với cỡ nhỏ nhất: {growth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
