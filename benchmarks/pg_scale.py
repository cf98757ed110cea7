"""A province on one PostgreSQL server: many communes' schemas, one commune measured while
others write, next to the same commune alone in its SQLite file.

    python benchmarks/pg_scale.py [--communes 100] [--questions 5000] [--writers 20]
                                  [--rate 2] [--submissions 60] [--quick]

1. A throwaway PostgreSQL 15 server (tests/pgserver.py; fsync on, `synchronous_commit = off`:
   crash-safe, at most the last fraction of a second of commits lost at a power cut, as SQLite's
   `synchronous = NORMAL` in WAL mode, which the SQLite store uses).
2. `--communes` schemas, each with one dialogue of `--questions` questions (a third of them in
   clusters of two or more, answers and departments on some, supports, residents, redelivery
   marks, deliveries of a broadcast), loaded with COPY; the same rows into one SQLite file.
3. While `--writers` communes' bots write at once (separate processes, each commune a store of
   its own doing a resident's submission transaction `--rate` times a second), on commune 0:
   - the daily digest (a day's new questions, a twentieth of the dialogue) and the final digest
     (every question), read, grouped and formatted (handlers/reporting.build_digest and
     format_digest, as the digest job does), and the final digest's reading alone;
   - the report's data (build_report: every question with its cluster, department, answer);
   - a resident's submission through the real Application and fake Bot API (tests/harness.py):
     the confirming press that stores the question, its receipt and the reply.
   Then the same on SQLite, with the same number of communes writing to files of their own.

p50 / p95 are printed for each, and the targets: submission p95 ≤ 50 ms, digest ≤ 1 s. The
default `--rate 2` is a busy commune's last days before the deadline; `--rate 10` a stress.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.dedupe_speed import generate  # noqa: E402
from benchmarks.pg_scale_data import (  # noqa: E402
    CATEGORIES,
    NOW,
    load_postgres,
    load_sqlite,
    schema_of,
)
from domain.models import ConversationState, DeliveryStatus, NewQuestion  # noqa: E402
from domain.reports.digest import format_digest  # noqa: E402
from domain.texts import load_texts  # noqa: E402
from handlers.reporting import build_digest, build_report  # noqa: E402
from storage.base import Store  # noqa: E402
from storage.postgres import PostgresStore  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from tests.harness import Harness, PgTarget, base_config  # noqa: E402
from tests.pgserver import PgServer, find_bindir  # noqa: E402

SEND_ANYWAY = "Vẫn gửi ý kiến của tôi"


# --- the other communes writing ----------------------------------------------------------------


async def write_loop(stores: list[Store], rate: float, stop: asyncio.Event) -> int:
    """Each store, `rate` times a second: a resident's submission transaction."""
    done = 0

    async def one(store: Store, n: int) -> None:
        nonlocal done
        chat = str(900_000 + n)
        async with store.transaction() as tx:
            dialogue = await tx.dialogue_by_code("BL26")
            assert dialogue is not None
            await tx.first_delivery("telegram", f"w-{os.getpid()}-{n}", NOW)
            await tx.chat_context("telegram", chat, f"telegram:{chat}")
            q = await tx.add_question(
                NewQuestion(
                    dialogue.id, None, "land", f"Ý kiến {n} về đường Bản Nà Khum", None, None, NOW
                )
            )
            await tx.save_conversation(ConversationState("telegram", chat), NOW)
            await tx.add_delivery(
                "telegram", chat, "reply", q.receipt_code, "Mã tiếp nhận", DeliveryStatus.SENT, NOW
            )
        done += 1

    async def commune(store: Store, k: int) -> None:
        n = k * 10_000_000
        while not stop.is_set():
            started = time.perf_counter()
            n += 1
            await one(store, n)
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))

    await asyncio.gather(*(commune(s, k) for k, s in enumerate(stores)))
    return done


def writer_main(args: argparse.Namespace) -> int:
    async def go() -> int:
        stores: list[Store] = []
        for target in args.targets.split(","):
            store: Store = (
                SqliteStore(target)
                if target.endswith(".sqlite3")
                else PostgresStore(args.url, target)
            )
            await store.open()
            stores.append(store)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        started = time.perf_counter()
        done = await write_loop(stores, args.rate, stop)
        for store in stores:
            await store.close()
        print(json.dumps({"tx": done, "seconds": time.perf_counter() - started}), flush=True)
        return 0

    return asyncio.run(go())


class Writers:
    """`count` communes writing, split over two processes (the machine has two cores)."""

    def __init__(self, targets: Sequence[str], url: str, rate: float) -> None:
        halves = [list(targets[0::2]), list(targets[1::2])]
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--writer",
                    "--url",
                    url,
                    "--rate",
                    str(rate),
                    "--targets",
                    ",".join(h),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for h in halves
            if h
        ]
        for proc in self.procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"

    def stop(self) -> tuple[int, float]:
        total, seconds = 0, 0.0
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
            figures = json.loads(out.strip().splitlines()[-1])
            total += figures["tx"]
            seconds = max(seconds, figures["seconds"])
        return total, seconds


# --- measuring one commune ---------------------------------------------------------------------


def pct(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(n: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await work()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def measure(harness: Harness, submissions: int, reads: int) -> dict[str, list[float]]:
    await harness.start()
    services = harness.app.bot_data["services"]
    texts = load_texts("vi")
    try:
        async with services.store.reader() as rd:
            dialogue = await rd.dialogue_by_code("BL26")
        assert dialogue is not None

        async with services.store.reader() as rd:
            newest = max(q.id for q in await rd.dialogue_questions(dialogue.id))

        def digest(after_id: int, formatted: bool) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                async with services.store.reader() as rd:
                    data = await build_digest(
                        rd, services.settings, texts, dialogue, NOW, after_id=after_id
                    )
                if formatted:
                    format_digest(data, texts)

            return run

        async def report() -> None:
            async with services.store.reader() as rd:
                await build_report(rd, services.settings, texts, dialogue, NOW, public=False)

        # The daily digest: a day's new questions (a twentieth of the dialogue's).
        day = max(1, newest // 20)
        results = {
            "daily": await timed(reads, digest(newest - day, True)),
            "final_reads": await timed(reads, digest(0, False)),
            "final": await timed(reads, digest(0, True)),
            "report": await timed(reads, report),
        }
        steps: list[float] = []
        confirm: list[float] = []
        corpus = generate(submissions + 3, seed=99)
        for i in range(submissions + 3):
            chat = 700_000 + i
            before = len(steps)
            for label in ("/start", "Tôi đồng ý", "Gửi ý kiến", "Đất đai", corpus[i], "Bản Nà Khum",
                          "Bỏ qua", "Gửi"):  # fmt: skip
                if label == "Bản Nà Khum" and SEND_ANYWAY in harness.labels(chat):
                    # Similar questions were shown; the resident sends their own all the same.
                    steps += await timed(1, lambda c=chat: harness.press(c, SEND_ANYWAY))
                if label.startswith("/") or label == corpus[i]:
                    steps += await timed(1, lambda c=chat, t=label: harness.send(c, t))
                else:
                    steps += await timed(1, lambda c=chat, t=label: harness.press(c, t))
            if "Mã tiếp nhận" not in harness.last_text(chat):
                raise RuntimeError(f"no receipt: {harness.last_text(chat)!r}")
            if i >= 3:  # the first ones warm the engine's index of 5,000 questions
                confirm.append(steps[-1])
            else:
                del steps[before:]
        results["submission"] = confirm
        results["step"] = steps
        return results
    finally:
        await harness.stop()


def bench_config(db: Path) -> dict[str, Any]:
    config = base_config(db)
    config["dialogues"][0]["categories"] = list(CATEGORIES)
    config["departments"] = [
        {"key": "kinh_te", "name": "Phòng Kinh tế", "categories": ["land", "infrastructure"]},
        {"key": "vh_xh", "name": "Phòng Văn hóa - Xã hội", "categories": ["social_policy"]},
    ]
    return config


def show(label: str, pg: dict[str, list[float]], lite: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    print(f"{'figure':<34}{'PostgreSQL p50 / p95':>24}{'SQLite p50 / p95':>22}  target")
    targets = {"submission": "p95 ≤ 50 ms", "daily": "≤ 1,000 ms", "final": "≤ 1,000 ms"}
    names = {
        "submission": "resident's submission (confirm)",
        "step": "any conversation step",
        "daily": "daily digest (a day's questions)",
        "final": "final digest (all questions)",
        "final_reads": "  of which reading and grouping",
        "report": "report data (all questions)",
    }
    for key in names:
        a, b = pg[key], lite[key]
        print(
            f"{names[key]:<34}{pct(a, 0.5):>10.1f} / {pct(a, 0.95):>7.1f} ms"
            f"{pct(b, 0.5):>9.1f} / {pct(b, 0.95):>7.1f} ms  {targets.get(key, '')}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=20)
    # A busy commune in the last days before the deadline: two submissions a second, each.
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="10 communes × 1,000 questions")
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--targets", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        return writer_main(args)
    if args.quick:
        args.communes, args.questions, args.writers = 10, 1000, 5
        args.submissions, args.reads = 15, 5
    bindir = find_bindir()
    if bindir is None:
        print("no PostgreSQL binaries (apt-get install postgresql)", file=sys.stderr)
        return 1
    server = PgServer(bindir, durable=True)
    server.start()
    tmp = Path(tempfile.mkdtemp(prefix="pg-scale-"))
    try:
        url = server.url()
        started = time.perf_counter()
        print(f"loading {args.communes} schemas × {args.questions} questions ...", flush=True)
        asyncio.run(load_postgres(url, args.communes, args.questions))
        asyncio.run(load_sqlite(tmp / "xa_000.sqlite3", args.questions))
        for i in range(1, args.writers + 1):
            asyncio.run(load_sqlite(tmp / f"{schema_of(i)}.sqlite3", min(args.questions, 200)))
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)

        results: dict[str, dict[str, list[float]]] = {}
        rates: dict[str, float] = {}
        for kind in ("postgresql", "sqlite"):
            others = [schema_of(i) for i in range(1, args.writers + 1)]
            if kind == "sqlite":
                others = [str(tmp / f"{s}.sqlite3") for s in others]
            writers = Writers(others, url, args.rate) if args.writers else None
            harness = Harness(
                tmp / "xa_000.sqlite3",
                bench_config(tmp / "xa_000.sqlite3"),
                postgres=PgTarget(url, schema_of(0)) if kind == "postgresql" else None,
            )
            results[kind] = asyncio.run(measure(harness, args.submissions, args.reads))
            if writers is not None:
                tx, seconds = writers.stop()
                rates[kind] = tx / seconds
        print(
            f"\n{args.communes} communes × {args.questions} questions on one PostgreSQL server; "
            f"{args.writers} other communes writing {args.rate:g} submissions/s each "
            f"(achieved: {rates.get('postgresql', 0):.0f} tx/s on PostgreSQL, "
            f"{rates.get('sqlite', 0):.0f} tx/s on their SQLite files); {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end"
        )
        show("commune 0 while the others write", results["postgresql"], results["sqlite"])
        ok = (
            pct(results["postgresql"]["submission"], 0.95) <= 50
            and pct(results["postgresql"]["daily"], 0.95) <= 1000
        )
        print("\ntargets met" if ok else "\ntargets NOT met")
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
