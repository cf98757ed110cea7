"""Residents' replies while `python -m bot import` stores a big file of paper forms.

    python benchmarks/import_load.py [--rows 20000] [--residents 40]

The fake Bot API is served over HTTP in this process; the bot runs as `python -m bot run`, and
the import as `python -m bot import` on the same SQLite file, both as their own processes, as in
a commune office. Residents (each in their own chat) look up their questions (`/cuatoi`, a
turn that takes the write lock like any other) every 1 to 3 seconds; the latency of a reply is
from the update being available in getUpdates to the reply reaching the fake.

Figures: reply latency p50 / p95 / max during the import, next to the baseline: the same
residents for 30 seconds with no import, measured first in the same run; the import's duration
and rows stored; replies that never came or that were the apology for a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import TOKEN, FakeBotApi, serve_http  # noqa: E402
from tests.processes import Bot, paper_forms_csv, poll_until, query, write_config  # noqa: E402

P95_TARGET = 1.0
BASELINE_SECONDS = 30.0
REPLY_TIMEOUT = 30.0


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    missing: int = 0
    apologies: int = 0

    def quantile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[int(q * 100) - 1]


async def ask(api: FakeBotApi, chat: int, text: str, phase: Phase) -> None:
    before = len(api.by_chat[chat])
    update = api.push_text(chat, text)
    deadline = time.monotonic() + REPLY_TIMEOUT
    while len(api.by_chat[chat]) == before:
        if time.monotonic() > deadline:
            phase.missing += 1
            return
        await asyncio.sleep(0.01)
    reply = api.by_chat[chat][before]
    phase.latencies.append(reply.at - api.pushed_at[update["update_id"]])
    phase.apologies += "sự cố" in reply.text


async def residents(
    api: FakeBotApi,
    chats: list[int],
    until: asyncio.Future[object],
    phase: Phase,
    rng: random.Random,
) -> None:
    async def one(chat: int) -> None:
        while not until.done():
            await ask(api, chat, "/cuatoi", phase)
            await asyncio.sleep(rng.uniform(1.0, 3.0))

    await asyncio.gather(*(one(c) for c in chats))


async def main_async(args: argparse.Namespace) -> int:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        api = FakeBotApi()
        runner, base_url = await serve_http(api)
        db = folder / "bot.sqlite3"
        config = write_config(folder, TOKEN, base_url, db)
        forms = paper_forms_csv(folder / "phieu.csv", args.rows)
        bot = Bot(config, folder / "bot.log")
        importer = Bot(config, folder / "import.log")
        chats = [790_001 + i for i in range(args.residents)]
        try:
            await bot.start()
            await poll_until(lambda: "Bot đang chạy" in bot.tail(), "the bot", bot)
            consent = Phase()
            await asyncio.gather(*(ask(api, c, "/start", consent) for c in chats))
            await asyncio.gather(*(ask(api, c, "Tôi đồng ý", consent) for c in chats))
            print(f"  baseline: {args.residents} residents, {BASELINE_SECONDS:.0f} s", flush=True)
            base = Phase()
            stop = asyncio.ensure_future(asyncio.sleep(BASELINE_SECONDS))
            await residents(api, chats, stop, base, rng)
            print(f"  import of {args.rows} rows", flush=True)
            began = time.monotonic()
            await importer.start("import", "--dialogue", "BL27", str(forms))
            finished = asyncio.ensure_future(importer.wait(3600))
            during = Phase()
            await residents(api, chats, finished, during, rng)
            code = finished.result()
            took = time.monotonic() - began
            stored = query(db, "SELECT COUNT(*) FROM questions")[0][0]
            await bot.stop()
        finally:
            for p in (bot, importer):
                if p.proc is not None:
                    p.kill()
                    await p.wait()
            await runner.cleanup()
    print()
    print(f"{args.residents} residents using the bot while `import` stores {args.rows} rows")
    print(f"{'figure':40} {'no import':>12} {'import':>12}  target")
    for name, a, b, target in (
        ("replies", len(base.latencies), len(during.latencies), ""),
        ("reply latency p50, s", f"{base.quantile(0.5):.3f}", f"{during.quantile(0.5):.3f}", ""),
        (
            "reply latency p95, s",
            f"{base.quantile(0.95):.3f}",
            f"{during.quantile(0.95):.3f}",
            f"≤ {P95_TARGET:.0f}",
        ),
        ("reply latency max, s", f"{max(base.latencies):.3f}", f"{max(during.latencies):.3f}", ""),
        (
            "replies missing / apologies",
            f"{base.missing} / {base.apologies}",
            f"{during.missing} / {during.apologies}",
            "0 / 0",
        ),
        ("import: seconds, exit code", "", f"{took:.0f}, {code}", ""),
        ("import: questions stored", "", f"{stored}", f"{args.rows}"),
    ):
        print(f"{name:40} {a!s:>12} {b!s:>12}  {target}")
    ok = during.quantile(0.95) <= P95_TARGET and during.missing == during.apologies == 0
    return 0 if ok and stored == args.rows and code == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--residents", type=int, default=40)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
