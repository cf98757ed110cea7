"""The office's questions page for a dialogue of 5,000 questions, while the bot answers residents.

    python benchmarks/web_speed.py [--questions 5000] [--requests 60] [--rate 20]

The bot runs as its own process (`python -m bot --config ... run`, with `[web] port` set), long
polling the fake Bot API served here (tests/fakes/telegram_api.py), as in production; the page
is served by that same process. The database is filled first with generated questions
(benchmarks/dedupe_speed.py's corpus), placed by the clustering engine as the chat would place
them, some of them assigned and answered. An official signs in through /web.

Measured, from the office's side (the time to the last byte of the page):
- baseline: the page with the bot otherwise idle;
- under load: the same requests while simulated residents go through the whole submission
  at `--rate` updates per second (benchmarks/resident_flow.py's open loop);
and the residents' reply latency with and without the office's requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from benchmarks.dedupe_speed import generate  # noqa: E402
from benchmarks.measure import Phase  # noqa: E402
from benchmarks.resident_flow import (  # noqa: E402
    HOST,
    RECEIPT_MARK,
    BenchApi,
    Resident,
    open_loop,
    resident_steps,
    start_process,
    stop_process,
    write_config,
)
from tests.fakes.telegram_api import Sent, serve_http  # noqa: E402
from tests.webdesk import csrf_of, link_path  # noqa: E402

OFFICIAL = 900
TARGET_P95_MS = 300.0
START_TIMEOUT = 60.0
CATEGORIES = ("land", "social_policy", "infrastructure", "other")
VILLAGES = ("Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư")
PAGES = {
    "the questions page": "/hoi-nghi/BL26",
    "searched without diacritics": "/hoi-nghi/BL26?q=duong+thon",
    "filtered: village, status": "/hoi-nghi/BL26?thon=B%E1%BA%A3n+N%C3%A0+Khum&tinh_trang=received",
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def configure(path: Path, base_url: str, db: Path, port: int) -> None:
    write_config(path, base_url, db)
    with path.open("a", encoding="utf-8") as out:
        out.write(
            f"\n[web]\nport = {port}\n\n"
            '[[departments]]\nkey = "kinh_te"\nname = "Phòng Kinh tế"\n'
            'categories = ["land", "infrastructure"]\n\n'
            '[[departments]]\nkey = "vh_xh"\nname = "Phòng Văn hóa - Xã hội"\n'
            'categories = ["social_policy", "other"]\n'
        )


async def fill(config: Path, count: int) -> tuple[int, int, float]:
    """`count` questions placed by the engine; every fifth cluster assigned, every tenth
    answered. Returns (questions, clusters, seconds)."""
    from bot.config import load_settings
    from bot.services import open_services
    from domain.models import NewQuestion
    from handlers.desk import Desk
    from handlers.intake import store_question

    settings = load_settings(config)
    services = await open_services(settings)
    rng = random.Random(15)
    started = time.perf_counter()
    at = datetime(2026, 11, 1, 3, tzinfo=UTC)
    try:
        texts = generate(count, seed=15)
        for start in range(0, count, 500):
            async with services.store.transaction() as tx:
                for n, text in enumerate(texts[start : start + 500], start):
                    await store_question(
                        tx,
                        services.engine.finder,
                        NewQuestion(
                            dialogue_id=1,
                            resident_id=None,
                            category=CATEGORIES[n % len(CATEGORIES)],
                            text=text,
                            village=rng.choice(VILLAGES),
                            author_name=None,
                            created_at=at + timedelta(minutes=n),
                            source="paper",
                            entered_by="benchmark",
                        ),
                    )
        async with services.store.transaction() as tx:
            clusters = sorted(await tx.clusters_of(1))
            desk = Desk(
                tx,
                services.engine.finder,
                services.engine.plan,
                services.texts,
                "telegram:900",
                at + timedelta(days=10),
            )
            for i, cid in enumerate(clusters):
                if i % 5 == 0:
                    await desk.assign(cid, "kinh_te" if i % 2 else "vh_xh")
                if i % 10 == 0:
                    await desk.answer(cid, "Xã đã tiếp nhận, sẽ trả lời tại hội nghị.")
        return count, len(clusters), time.perf_counter() - started
    finally:
        await services.close()


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    size: int = 0

    def pct(self, q: float) -> float:
        if not self.ms:
            return float("nan")
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def time_pages(
    session: aiohttp.ClientSession, home: str, path: str, requests: int, gap: float
) -> Timings:
    out = Timings()
    for _ in range(requests):
        started = time.perf_counter()
        async with session.get(home + path) as response:
            body = await response.read()
            assert response.status == 200, response.status
        out.ms.append((time.perf_counter() - started) * 1000)
        out.size = len(body)
        await asyncio.sleep(gap)
    return out


async def sign_in(api: BenchApi, home: str, session: aiohttp.ClientSession) -> None:
    future: asyncio.Future[Sent] = asyncio.get_running_loop().create_future()
    api.waiting[OFFICIAL] = future
    api.push(api.text_update(OFFICIAL, "/web"))
    await asyncio.wait_for(future, 30)
    path = link_path(api.last(OFFICIAL).text)
    async with session.get(home + path) as page:
        form = csrf_of(await page.text())
    async with session.post(home + path, data={"csrf": form}) as signed:
        assert signed.status == 200, await signed.text()


def residents(first: int, count: int) -> list[Resident]:
    return [
        Resident(chat, resident_steps(chat), lambda text: RECEIPT_MARK in text)
        for chat in range(first, first + count)
    ]


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="web-speed-") as folder:
        work = Path(folder)
        api = BenchApi()
        runner, base_url = await serve_http(api, HOST, 0)
        port = free_port()
        config = work / "config.toml"
        configure(config, base_url, work / "bot.sqlite3", port)
        print(f"Filling the database with {args.questions} questions …", flush=True)
        questions, clusters, seconds = await fill(config, args.questions)
        print(f"  {questions} questions in {clusters} clusters, placed in {seconds:.0f} s")
        proc = await start_process(
            [sys.executable, "-m", "bot", "--config", str(config), "run"], work / "bot.log"
        )
        home = f"http://{HOST}:{port}"
        try:
            await asyncio.wait_for(api.polled.wait(), START_TIMEOUT)
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, as a browser keeps
            async with aiohttp.ClientSession(cookie_jar=jar) as session:
                await sign_in(api, home, session)
                # The first load reads the whole dialogue into memory (bot/web/listing.py);
                # every later one reads only what changed since.
                first = await time_pages(session, home, PAGES["the questions page"], 1, 0)
                await time_pages(session, home, PAGES["the questions page"], 5, 0)  # warm up
                # The residents' side warms up too: the engine reads the dialogue at its first
                # question, not counted in the baseline below.
                await open_loop(api, residents(10_001, 5), args.rate, Phase())
                idle = {
                    name: await time_pages(session, home, path, args.requests, 0.05)
                    for name, path in PAGES.items()
                }
                alone = Phase()
                await open_loop(api, residents(20_001, args.residents), args.rate, alone)
                together = Phase()
                loaded: dict[str, Timings] = {}

                async def office() -> None:
                    for name, path in PAGES.items():
                        loaded[name] = await time_pages(session, home, path, args.requests, 0.05)

                await asyncio.gather(
                    open_loop(api, residents(40_001, args.residents * 3), args.rate, together),
                    office(),
                )
        finally:
            await stop_process(proc)
            api.wake_pollers()
            await runner.cleanup()
    report(args, questions, clusters, first, idle, loaded, alone, together)
    worst = max(t.pct(0.95) for t in loaded.values())
    return 0 if worst <= TARGET_P95_MS else 1


def report(
    args: argparse.Namespace,
    questions: int,
    clusters: int,
    first: Timings,
    idle: dict[str, Timings],
    loaded: dict[str, Timings],
    alone: Phase,
    together: Phase,
) -> None:
    print()
    print(
        f"Trang ý kiến của một hội nghị {questions} ý kiến ({clusters} nhóm), "
        f"{args.requests} lần mỗi trang; mục tiêu p95 ≤ {TARGET_P95_MS:.0f} ms khi bot đang "
        f"trả lời người dân ({args.rate:g} tin/giây)."
    )
    print(f"{'page':32} {'size':>8} {'idle p50/p95 ms':>18} {'under load p50/p95 ms':>24}  ok")
    for name, base in idle.items():
        load = loaded[name]
        ok = "OK" if load.pct(0.95) <= TARGET_P95_MS else "MISSED"
        print(
            f"{name:32} {base.size / 1024:6.0f}KB "
            f"{statistics.median(base.ms):8.0f} / {base.pct(0.95):6.0f}    "
            f"{statistics.median(load.ms):10.0f} / {load.pct(0.95):6.0f}      {ok}"
        )
    print(f"{'first load (all read once)':32} {first.size / 1024:6.0f}KB {first.ms[0]:8.0f}")
    load = os.getloadavg()[0]
    print(f"(load average at the end: {load:.1f} on {os.cpu_count()} cores)")
    print()
    print(f"{'residents':32} {'updates':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>7}")
    for name, phase in (("alone (baseline)", alone), ("with the office's requests", together)):
        print(
            f"{name:32} {phase.updates:8d} {phase.pct(50):8.1f} "
            f"{phase.pct(95):8.1f} {len(phase.failures):7d}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=60, help="page loads per page kind")
    parser.add_argument("--rate", type=float, default=20.0, help="residents' updates per second")
    parser.add_argument("--residents", type=int, default=60, help="residents in the baseline")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
