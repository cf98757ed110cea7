"""A notice to every subscriber, through a fake Bot API that answers like Telegram.

    python benchmarks/broadcast.py [--subscribers 10000] [--crash-subscribers 2000]
                                   [--kills 3] [--per-second 28] [--latency 0.1]

Every call to the fake takes `--latency` seconds more (100 ms: Telegram seen from a commune
office), so the bot needs several sends in flight (bot/outbox.py IN_FLIGHT) to keep its pace.
The baseline, measured first in the same run: the same outbox and fake with one send in flight,
as the bot sent before.

The fake Bot API (tests/fakes/telegram_api.py) is served over HTTP on 127.0.0.1 inside this
process with `rate_limit = 30`: past 30 messages in the last second it answers 429 with
retry_after, and it answers 403 for the chats in its `blocked` set (1% of the subscribers). The
bot runs as its own process (`python -m bot --config ... run`), as in production. The SQLite
file is seeded through the store API with consenting subscribers and one broadcast to
Audience("all"), started (deliveries materialized) before the bot starts; the bot's outbox job
picks the deliveries up 2 s after startup.

Two scenarios, one after the other:
- throughput: the whole broadcast to `--subscribers` residents without interruption; messages
  per second sustained (counted at the fake server) and 429 answers received;
- crash: a broadcast to `--crash-subscribers` residents (smaller, to keep the run under about
  ten minutes), during which the bot is killed with SIGKILL `--kills` times and restarted each
  time. Each kill happens at the worst moment: inside the fake server, right after it accepted a
  message and before it answers, so the bot can never learn that this message went out. Then
  the notices each resident received are counted at the fake server, per chat.

`[reminders] per_second` is 28, the shipped default: 2 messages/second of headroom below
Telegram's limit of 30 in any one-second window, so the pacing alone keeps the bot clear of
429s. (At 30 the fake's window sees a 31st message now and then, and each 429 costs a
one-second pause: measured 43 × 429 and 16 messages/second.) `--per-second N` tries another.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_application  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.outbox import IN_FLIGHT  # noqa: E402
from domain.models import Audience, Consent  # noqa: E402
from handlers.admin import start_broadcast  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from tests.fakes.telegram_api import TOKEN, FakeBotApi, KillingBotApi, serve_http  # noqa: E402

HOST = "127.0.0.1"
LATENCY = 0.1  # seconds added to every call to the fake (--latency)
RATE_LIMIT = 30  # what the fake server allows per second, as Telegram does
BLOCKED_EVERY = 100  # 1% of the subscribers blocked the bot
FIRST_CHAT = 700_000_001
NOTICE = (
    "Thông báo: Hội nghị đối thoại giữa Chủ tịch UBND xã với Nhân dân năm 2027 sẽ tổ chức lúc "
    "8 giờ ngày 15/06/2027 tại Hội trường xã. Mời bà con tham dự."
)
START_TIMEOUT = 60.0  # seconds until the first notice after a (re)start
STALL_TIMEOUT = 60.0  # seconds without any progress before the run is given up
STOP_TIMEOUT = 30.0
POLL = 0.25
RATE_WINDOW = 10.0  # seconds per window when looking at the rate over time

THROUGHPUT_TARGET = 25.0
MAX_DUPLICATES_PER_CRASH = IN_FLIGHT  # what was in flight at the kill may go twice
BASELINE_MESSAGES = 300

CONFIG = """
[telegram]
token = "{token}"
base_url = "{base_url}"
[storage]
path = "{db}"
[commune]
name = "xã Bình Lư"
villages = ["Bản Nà Khum"]
[reminders]
per_second = {per_second}
[[dialogues]]
code = "BL27"
title = "Hội nghị đối thoại năm 2027"
deadline = 2099-06-15T17:00:00+07:00
location = "Hội trường xã"
"""


# --- the fake server, able to kill the bot at the worst moment --------------------------------
# --- the bot's files and process ----------------------------------------------------------
def chat_ids(count: int) -> list[int]:
    return [FIRST_CHAT + i for i in range(count)]


def blocked_chats(chats: list[int]) -> set[int]:
    return {c for i, c in enumerate(chats) if i % BLOCKED_EVERY == BLOCKED_EVERY // 2}


async def seed(db: Path, chats: list[int]) -> int:
    """Consenting subscribers and one broadcast to all of them, started now."""
    store = SqliteStore(db)
    await store.open()
    now = datetime.now(UTC)
    try:
        async with store.transaction() as tx:
            for chat in chats:
                await tx.record_consent("telegram", str(chat), str(chat), Consent.GRANTED, now)
        async with store.transaction() as tx:
            bid = await tx.create_broadcast(
                NOTICE, Audience("all"), now, "telegram:1", now, progress_chat=None
            )
            count = await start_broadcast(tx, bid, now)
    finally:
        await store.close()
    assert count == len(chats), (count, len(chats))
    return bid


def write_config(folder: Path, base_url: str, per_second: int) -> Path:
    path = folder / "config.toml"
    body = CONFIG.format(
        token=TOKEN,
        base_url=base_url,
        db=(folder / "bot.sqlite3").as_posix(),
        per_second=per_second,
    )
    path.write_text(body, encoding="utf-8")
    return path


def delivery_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'notice' GROUP BY status"
        ).fetchall()
    finally:
        conn.close()
    return {str(status): int(n) for status, n in rows}


def resident_states(db: Path, chats: set[int]) -> dict[int, int]:
    """chat id -> residents.active, for the given chats."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute("SELECT chat_id, active FROM residents").fetchall()
    finally:
        conn.close()
    return {int(chat): int(active) for chat, active in rows if int(chat) in chats}


@dataclass
class BotProcess:
    config: Path
    log: Path
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0

    async def start(self) -> int:
        env = {**os.environ, "BOT_TELEGRAM_TOKEN": ""}
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                "run",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        return self.proc.pid

    async def reap(self) -> int | None:
        """Wait for a process that was killed (or died)."""
        if self.proc is None:
            return None
        code = await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        self.proc = None
        return code

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            return None

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


async def wait_until_done(
    db: Path,
    bot: BotProcess,
    api: FakeBotApi,
    on_poll: Callable[[], Awaitable[None]] | None = None,
    kills_expected: bool = False,
) -> dict[str, int]:
    """Poll the deliveries table until nothing is pending; give up if nothing moves."""
    last_progress = time.monotonic()
    last_seen = (-1, -1)
    while True:
        counts = await asyncio.to_thread(delivery_counts, db)
        if counts.get("pending", 0) + counts.get("sending", 0) == 0:
            return counts
        if on_poll is not None:
            await on_poll()
        seen = (len(api.sent), counts.get("pending", 0))
        if seen != last_seen:
            last_seen, last_progress = seen, time.monotonic()
        elif time.monotonic() - last_progress > STALL_TIMEOUT:
            raise RuntimeError(
                f"no progress for {STALL_TIMEOUT:.0f} s: {counts}\n--- bot log ---\n{bot.tail()}"
            )
        code = bot.proc.returncode if bot.proc is not None else None
        if code is not None and not kills_expected:
            raise RuntimeError(f"bot exited with {code}\n{bot.tail()}")
        await asyncio.sleep(POLL)


def notice_times(api: FakeBotApi) -> list[float]:
    return [s.at for s in api.sent if s.text == NOTICE]


def per_chat(api: FakeBotApi, chats: list[int]) -> dict[int, int]:
    return {c: sum(1 for s in api.by_chat.get(c, []) if s.text == NOTICE) for c in chats}


# --- scenarios ------------------------------------------------------------------------------
@dataclass
class Throughput:
    subscribers: int
    blocked: int
    sent: int
    overall: float  # first to last notice
    sustained: float  # between the 5th and the 95th percentile of the notices
    slowest_window: float
    too_many: int
    counts: dict[str, int]
    first_after: float  # seconds from the bot's start to its first notice
    exit_code: int | None


async def throughput(folder: Path, subscribers: int, per_second: int) -> Throughput:
    chats = chat_ids(subscribers)
    api = FakeBotApi(
        rate_limit=RATE_LIMIT, chat_burst=4, latency=LATENCY, blocked=blocked_chats(chats)
    )
    runner, base_url = await serve_http(api, HOST)
    db = folder / "bot.sqlite3"
    bot = BotProcess(write_config(folder, base_url, per_second), folder / "bot.log")
    try:
        await seed(db, chats)
        started = time.perf_counter()
        await bot.start()
        print(f"  throughput: {subscribers} subscribers seeded, bot started", flush=True)
        last_report = time.monotonic()

        async def report() -> None:
            nonlocal last_report
            if time.monotonic() - last_report >= 30:
                last_report = time.monotonic()
                print(f"    {len(api.sent)} sent, {api.too_many} × 429", flush=True)

        counts = await wait_until_done(db, bot, api, report)
        exit_code = await bot.stop()
    finally:
        await bot.stop()
        await runner.cleanup()
    times = notice_times(api)
    n = len(times)
    overall = (n - 1) / (times[-1] - times[0]) if n > 1 else 0.0
    lo, hi = int(n * 0.05), int(n * 0.95) - 1
    sustained = (hi - lo) / (times[hi] - times[lo]) if hi > lo else overall
    windows: Counter[int] = Counter(int((t - times[0]) // RATE_WINDOW) for t in times)
    full = [windows[w] / RATE_WINDOW for w in sorted(windows)[:-1]]  # the last one is partial
    return Throughput(
        subscribers=subscribers,
        blocked=len(api.blocked),
        sent=n,
        overall=overall,
        sustained=sustained,
        slowest_window=min(full) if full else overall,
        too_many=api.too_many,
        counts=counts,
        first_after=times[0] - started if times else float("nan"),
        exit_code=exit_code,
    )


@dataclass
class Crash:
    subscribers: int
    blocked: int
    kills: int
    histogram: Counter[int]  # notices received -> residents (blocked excluded)
    blocked_received: int
    blocked_marked: int
    blocked_inactive: int
    resume_gaps: list[float]  # seconds from a kill to the next notice
    too_many: int
    exit_code: int | None


async def crash(folder: Path, subscribers: int, kills: int, per_second: int) -> Crash:
    chats = chat_ids(subscribers)
    blocked = blocked_chats(chats)
    api = KillingBotApi(rate_limit=RATE_LIMIT, chat_burst=4, latency=LATENCY, blocked=blocked)
    # Kills spread evenly over the broadcast, each right after the fake accepted message N.
    reachable = subscribers - len(blocked)
    api.kill_at = [reachable * (k + 1) // (kills + 1) for k in range(kills)]
    runner, base_url = await serve_http(api, HOST)
    db = folder / "bot.sqlite3"
    bot = BotProcess(write_config(folder, base_url, per_second), folder / "bot.log")
    try:
        await seed(db, chats)
        api.victim = await bot.start()
        print(
            f"  crash: {subscribers} subscribers seeded, kills after notices {api.kill_at}",
            flush=True,
        )

        async def restart_if_killed() -> None:
            if api.victim is None and bot.proc is not None:
                code = await bot.reap()
                print(
                    f"    killed after {len(api.sent)} sent (exit {code}), restarting", flush=True
                )
                api.victim = await bot.start()

        counts = await wait_until_done(db, bot, api, restart_if_killed, kills_expected=True)
        if api.kill_at:
            raise RuntimeError(f"broadcast finished before the kills at {api.kill_at}")
        exit_code = await bot.stop()
    finally:
        await bot.stop()
        await runner.cleanup()
    got = per_chat(api, chats)
    times = notice_times(api)
    gaps = []
    for killed_at in api.kills:
        later = [t for t in times if t > killed_at]
        gaps.append(later[0] - killed_at if later else float("nan"))
    states = resident_states(db, blocked)
    return Crash(
        subscribers=subscribers,
        blocked=len(blocked),
        kills=len(api.kills),
        histogram=Counter(got[c] for c in chats if c not in blocked),
        blocked_received=sum(got[c] for c in blocked),
        blocked_marked=counts.get("blocked", 0),
        blocked_inactive=sum(1 for a in states.values() if a == 0),
        resume_gaps=gaps,
        too_many=api.too_many,
        exit_code=exit_code,
    )


async def one_in_flight(folder: Path, per_second: int) -> float:
    """The baseline: the bot's own Application and outbox in this process, one send in flight,
    against the same fake with the same latency; messages per second."""
    chats = chat_ids(BASELINE_MESSAGES)
    api = FakeBotApi(rate_limit=RATE_LIMIT, chat_burst=4, latency=LATENCY)
    runner, base_url = await serve_http(api, HOST)
    db = folder / "bot.sqlite3"
    await seed(db, chats)
    app = build_application(load_settings(write_config(folder, base_url, per_second)))
    try:
        await app.initialize()
        await app.post_init(app)
        outbox = app.bot_data["outbox"]
        outbox.in_flight = 1
        await outbox.flush()
    finally:
        await app.shutdown()
        await app.post_shutdown(app)
        await runner.cleanup()
    times = notice_times(api)
    return (len(times) - 1) / (times[-1] - times[0])


# --- the table ------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def print_table(per_second: int, base: float, t: Throughput, c: Crash) -> None:
    twice = sum(n for times, n in c.histogram.items() if times >= 2)
    rows: list[tuple[str, str, str, str]] = [
        (
            f"baseline: one send in flight, {BASELINE_MESSAGES} notices, messages/second",
            f"{base:.2f}",
            "",
            "",
        ),
        (
            f"throughput: {t.subscribers} subscribers ({t.blocked} blocked), notices sent",
            f"{t.sent}",
            f"{t.subscribers - t.blocked}",
            verdict(t.sent == t.subscribers - t.blocked),
        ),
        (
            f"  messages/second sustained (5th-95th percentile), {IN_FLIGHT} in flight",
            f"{t.sustained:.2f}",
            f"≥ {THROUGHPUT_TARGET:.0f}",
            verdict(t.sustained >= THROUGHPUT_TARGET),
        ),
        ("  messages/second first to last", f"{t.overall:.2f}", "", ""),
        (
            f"  slowest {RATE_WINDOW:.0f} s window, messages/second",
            f"{t.slowest_window:.1f}",
            "",
            "",
        ),
        ("  429 answers received", f"{t.too_many}", "", ""),
        ("  seconds from start to first notice", f"{t.first_after:.1f}", "", ""),
        ("  exit code on SIGTERM", f"{t.exit_code}", "0", verdict(t.exit_code == 0)),
        (
            f"crash: {c.subscribers} subscribers ({c.blocked} blocked), SIGKILLs",
            f"{c.kills}",
            "",
            "",
        ),
        (
            "  residents with 0 notices",
            f"{c.histogram.get(0, 0)}",
            "0",
            verdict(0 not in c.histogram),
        ),
        ("  residents with 1 notice", f"{c.histogram.get(1, 0)}", "", ""),
        (
            "  residents with 2+ notices",
            f"{twice}",
            f"≤ {MAX_DUPLICATES_PER_CRASH * c.kills}",
            verdict(twice <= MAX_DUPLICATES_PER_CRASH * c.kills),
        ),
        (
            "  blocked: marked blocked / resident inactive",
            f"{c.blocked_marked} / {c.blocked_inactive}",
            f"{c.blocked} / {c.blocked}",
            verdict(c.blocked_marked == c.blocked_inactive == c.blocked),
        ),
        (
            "  seconds from a kill to the next notice (median)",
            f"{statistics.median(c.resume_gaps):.1f}" if c.resume_gaps else "-",
            "",
            "",
        ),
        ("  429 answers received", f"{c.too_many}", "", ""),
        ("  exit code on SIGTERM", f"{c.exit_code}", "0", verdict(c.exit_code == 0)),
    ]
    print()
    print(
        f"Broadcast through a fake Bot API on {HOST} (+{LATENCY * 1000:.0f} ms a call, 429 past "
        f"{RATE_LIMIT} messages/second, 403 for blocked chats); per_second = {per_second}"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("figure", "measured", "target", "met")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


async def main_async(args: argparse.Namespace) -> int:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        root = Path(tmp)
        (root / "baseline").mkdir()
        (root / "throughput").mkdir()
        (root / "crash").mkdir()
        base = await one_in_flight(root / "baseline", args.per_second)
        print(f"  baseline: {base:.2f} messages/second with one send in flight", flush=True)
        t = await throughput(root / "throughput", args.subscribers, args.per_second)
        c = await crash(root / "crash", args.crash_subscribers, args.kills, args.per_second)
    print_table(args.per_second, base, t, c)
    print(f"\nwhole run: {time.monotonic() - began:.0f} s")
    twice = sum(n for times, n in c.histogram.items() if times >= 2)
    ok = (
        t.sustained >= THROUGHPUT_TARGET
        and 0 not in c.histogram
        and twice <= MAX_DUPLICATES_PER_CRASH * c.kills
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--crash-subscribers", type=int, default=2_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--per-second", type=int, default=28, choices=range(1, 31))
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    global LATENCY
    LATENCY = args.latency
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main_async(args))
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
