"""Residents' submission flow under load, next to a bare python-telegram-bot echo bot.

    python benchmarks/resident_flow.py [--residents 300] [--rate 100] [--open-residents 150]

The fake Bot API (tests/fakes/telegram_api.py) is served over HTTP on 127.0.0.1 inside this
process; each bot runs as its own process (`python -m bot --config ... run`, then
`benchmarks/echo_bot.py`) and long-polls getUpdates from it, as in production. Simulated
residents then go through the whole submission (/start, consent, "Gửi ý kiến", category, text,
village, name, "Gửi"); the echo bot gets the same number of plain text messages.

Figures, per bot:
- closed loop: every resident at once, each sending its next step as soon as the reply to the
  previous one arrived; updates handled per second is the bot's maximum throughput;
- open loop: updates offered at a fixed rate (100/s), whatever the bot does;
- latency: from the moment an update is available in getUpdates to the moment the bot's reply
  (the sendMessage for that chat) reaches the fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import Meter, Phase  # noqa: E402
from bot.app import MAX_CONCURRENT_UPDATES  # noqa: E402
from domain.texts import load_texts  # noqa: E402
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Sent, serve_http  # noqa: E402

HOST = "127.0.0.1"
STEP_TIMEOUT = 30.0  # seconds one resident waits for one reply before giving up
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
PHASE_TIMEOUT = 120.0
WARMUP_RESIDENTS = 10
LATE = 0.01  # an open-loop send this far behind its schedule counts as late
THROUGHPUT_TARGET = 0.5  # of the echo bot's
P95_TARGET_MS = 200.0

RECEIPT_MARK = "Mã tiếp nhận"
VILLAGES = ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"]
CATEGORIES = ["Đất đai", "Chính sách xã hội", "Hạ tầng", "Khác"]

# Buttons the bot may or may not show after the text, depending on what it holds: a notice that
# the text reads like a complaint, and questions similar to it sent by others. The residents
# here always go on with their own question.
COMPLAINT_GO = load_texts()("send.complaint_go")
SEND_OWN = load_texts()("send.own")

SUBJECTS = (
    "Đường liên thôn qua {place} bị sụt lún sau mưa lũ",
    "Nước sinh hoạt ở {place} thường xuyên bị mất vào mùa khô",
    "Đèn chiếu sáng công cộng tại {place} hỏng đã mấy tháng",
    "Việc cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở {place} còn chậm",
    "Tiền hỗ trợ hộ cận nghèo năm nay ở {place} chưa được chi trả",
    "Rác thải dọc suối ở {place} chưa có ai thu gom",
    "Trường mầm non ở {place} thiếu phòng học cho các cháu",
    "Giá thu mua chè búp tươi ở {place} xuống thấp",
)
ASKS = (
    "đề nghị xã sớm xem xét giải quyết.",
    "xin lãnh đạo xã cho biết bao giờ được khắc phục?",
    "mong xã quan tâm hỗ trợ bà con.",
)

# ("text", text to type), ("press", label of a button on the chat's last keyboard) or
# ("press?", label): press it if the bot's last message shows it, otherwise skip the step.
Step = tuple[str, str]


def resident_steps(chat_id: int) -> list[Step]:
    village = VILLAGES[chat_id % len(VILLAGES)]
    subject = SUBJECTS[chat_id % len(SUBJECTS)].format(place=village)
    ask = ASKS[(chat_id // len(SUBJECTS)) % len(ASKS)]
    return [
        ("text", "/start"),
        ("press", "Tôi đồng ý"),
        ("press", "Gửi ý kiến"),
        ("press", CATEGORIES[chat_id % len(CATEGORIES)]),
        ("text", f"{subject} (hộ số {chat_id % 1000}), {ask}"),
        ("press?", COMPLAINT_GO),
        ("press?", SEND_OWN),
        ("press", village),
        ("text", "Lò Văn Minh"),
        ("press", "Gửi"),
    ]


def echo_steps(chat_id: int) -> list[Step]:
    return [("text", f"Xin chào, tin nhắn số {i} của hộ {chat_id}") for i in range(8)]


# --- the fake Bot API, with a wake-up per chat -------------------------------------------------


class BenchApi(FakeBotApi):
    """FakeBotApi that wakes the resident waiting for a reply in a chat, and notes first poll."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.waiting: dict[int, asyncio.Future[Sent]] = {}
        self.polled = asyncio.Event()

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        self.polled.set()
        return await super()._m_getUpdates(params)

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        result = await super()._m_sendMessage(params)
        if not isinstance(result, tuple):
            chat_id = int(params["chat_id"])
            future = self.waiting.pop(chat_id, None)
            if future is not None and not future.done():
                future.set_result(self.by_chat[chat_id][-1])
        return result

    def wake_pollers(self) -> None:
        """Let a pending long poll return now, so the HTTP server can stop without waiting."""
        self._new_update.set()


class StepFailed(Exception):
    pass


@dataclass
class Resident:
    chat_id: int
    steps: list[Step]
    last_check: Callable[[str], bool]
    done: int = 0
    finished: bool = False
    failed: str | None = None


async def take_step(api: BenchApi, resident: Resident) -> float:
    """Send the resident's next update, wait for the reply; returns the latency in seconds."""
    chat = resident.chat_id
    kind, value = resident.steps[resident.done]
    while kind == "press?":
        shown = api.by_chat[chat][-1].buttons if api.by_chat[chat] else []
        if any(label == value for label, _ in shown):
            break
        resident.done += 1
        kind, value = resident.steps[resident.done]
    if kind == "text":
        update = api.text_update(chat, value)
    else:
        try:
            update = api.press_update(chat, value)
        except (AssertionError, IndexError) as exc:
            raise StepFailed(f"step {resident.done}: {exc}") from exc
    reply: asyncio.Future[Sent] = asyncio.get_running_loop().create_future()
    api.waiting[chat] = reply
    api.push(update)
    try:
        sent = await asyncio.wait_for(reply, STEP_TIMEOUT)
    except TimeoutError as exc:
        api.waiting.pop(chat, None)
        raise StepFailed(f"step {resident.done}: no reply in {STEP_TIMEOUT:.0f} s") from exc
    latency = sent.at - api.pushed_at[update["update_id"]]
    resident.done += 1
    if resident.done == len(resident.steps):
        if not resident.last_check(sent.text):
            raise StepFailed(f"unexpected last reply: {sent.text[:80]!r}")
        resident.finished = True
    return latency


async def closed_loop(api: BenchApi, residents: Sequence[Resident], phase: Phase) -> None:
    async def one(resident: Resident) -> None:
        while not resident.finished:
            try:
                phase.latencies.append(await take_step(api, resident))
            except StepFailed as exc:
                resident.failed = str(exc)
                phase.failures.append(f"chat {resident.chat_id}: {exc}")
                return
            phase.updates += 1
        phase.finished += 1

    await asyncio.gather(*(one(r) for r in residents))


async def open_loop(
    api: BenchApi, residents: Sequence[Resident], rate: float, phase: Phase
) -> None:
    """Offer `rate` updates per second on a fixed schedule, each from a resident not waiting."""
    ready: deque[Resident] = deque(residents)
    most = sum(len(r.steps) for r in residents)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def one(resident: Resident) -> None:
        try:
            phase.latencies.append(await take_step(api, resident))
        except StepFailed as exc:
            resident.failed = str(exc)
            phase.failures.append(f"chat {resident.chat_id}: {exc}")
            return
        phase.updates += 1
        if resident.finished:
            phase.finished += 1
        else:
            ready.append(resident)

    start = loop.time()
    sent = 0
    deadline = start + most / rate + STEP_TIMEOUT
    while (ready or tasks) and loop.time() < deadline:
        due = start + sent / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if not ready:
            # Everyone is waiting for the bot: the offered load cannot be kept right now.
            await asyncio.sleep(0.001)
            continue
        if loop.time() - due > LATE:
            phase.late_ticks += 1
        task = asyncio.create_task(one(ready.popleft()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
    if sent > 1:
        phase.offered = (sent - 1) / (loop.time() - start)
    if tasks:
        await asyncio.gather(*tasks)


# --- the bots under test -----------------------------------------------------------------------


def toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path: Path, base_url: str, db_path: Path) -> None:
    """The tests' base config (tests/harness.py), with a deadline far in the future."""
    villages = ", ".join(toml_str(v) for v in VILLAGES)
    path.write_text(
        f"""[telegram]
token = {toml_str(TOKEN)}
base_url = {toml_str(base_url)}

[storage]
path = {toml_str(str(db_path))}

[commune]
name = "xã Bình Lư"
timezone = "Asia/Ho_Chi_Minh"
villages = [{villages}]

[roles]
admins = [901]
officials = [900]

[[dialogues]]
code = "BL26"
title = "Hội nghị đối thoại với đoàn viên, hội viên năm 2026"
host = "Chủ tịch UBND xã Bình Lư"
audience = "Đoàn viên, hội viên"
deadline = 2099-12-15T17:00:00+07:00
meeting_note = "Dự kiến cuối tháng 12"
location = "Hội trường lớn, Trung tâm Hội nghị - Văn hóa xã"
categories = ["land", "social_policy", "infrastructure", "other"]
""",
        encoding="utf-8",
    )


@dataclass
class BotResult:
    name: str
    closed: Phase
    open: Phase
    exit_code: int | None = None
    finished_total: int = 0
    failures: list[str] = field(default_factory=list)
    log: Path | None = None


async def start_process(argv: list[str], log: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.pop("BOT_TELEGRAM_TOKEN", None)  # it would override the config's token
    env["NO_PROXY"] = env["no_proxy"] = HOST  # only 127.0.0.1, never through a proxy
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )


async def stop_process(proc: asyncio.subprocess.Process) -> int | None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None


async def bench_bot(
    name: str,
    argv_for: Callable[[str], list[str]],
    steps_for: Callable[[int], list[Step]],
    last_check: Callable[[str], bool],
    args: argparse.Namespace,
    workdir: Path,
) -> BotResult:
    api = BenchApi()
    runner, base_url = await serve_http(api, HOST, 0)
    log = workdir / f"{name}.log"
    result = BotResult(name, Phase(), Phase(), log=log)
    proc = await start_process(argv_for(base_url), log)
    chat_ids = iter(range(10_001, 10_000_000))

    def population(count: int) -> list[Resident]:
        out = []
        for _ in range(count):
            chat = next(chat_ids)
            out.append(Resident(chat, steps_for(chat), last_check))
        return out

    everyone: list[Resident] = []
    try:
        waiter = asyncio.create_task(api.polled.wait())
        exited = asyncio.create_task(proc.wait())
        await asyncio.wait({waiter, exited}, timeout=START_TIMEOUT, return_when="FIRST_COMPLETED")
        waiter.cancel()
        exited.cancel()
        if not api.polled.is_set():
            raise RuntimeError(f"{name} did not start polling; see {log}")

        meter = Meter(proc.pid, PHASE_TIMEOUT)
        warmup = population(WARMUP_RESIDENTS)
        everyone += warmup
        await closed_loop(api, warmup, Phase())

        closed = population(args.residents)
        everyone += closed
        await meter.run(result.closed, closed_loop(api, closed, result.closed))

        opened = population(args.open_residents)
        everyone += opened
        await meter.run(result.open, open_loop(api, opened, args.rate, result.open))
    finally:
        result.exit_code = await stop_process(proc)
        api.wake_pollers()
        await runner.cleanup()
    result.finished_total = sum(r.finished for r in everyone)
    result.failures = [f"chat {r.chat_id}: {r.failed}" for r in everyone if r.failed]
    return result


# --- report --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def cpu_share(seconds: float, phase: Phase) -> str:
    return f"{100 * seconds / phase.seconds:.0f}" if phase.seconds else "-"


def print_report(ours: BotResult, echo: BotResult, args: argparse.Namespace) -> None:
    share = ours.closed.rate / echo.closed.rate if echo.closed.rate else 0.0
    p95 = ours.open.pct(95)
    rows: list[tuple[str, str, str, str]] = [
        (
            "closed loop: updates handled / s",
            f"{ours.closed.rate:.0f}",
            f"{echo.closed.rate:.0f}",
            f"≥ 50% of echo: {share:.0%} {verdict(share >= THROUGHPUT_TARGET)}",
        ),
        (
            "closed loop: p50 / p95 latency, ms",
            f"{ours.closed.pct(50):.0f} / {ours.closed.pct(95):.0f}",
            f"{echo.closed.pct(50):.0f} / {echo.closed.pct(95):.0f}",
            "",
        ),
        (
            f"open loop {args.rate:.0f}/s: updates sent / s",
            f"{ours.open.offered:.1f}",
            f"{echo.open.offered:.1f}",
            "",
        ),
        (
            f"open loop {args.rate:.0f}/s: p50 latency, ms",
            f"{ours.open.pct(50):.1f}",
            f"{echo.open.pct(50):.1f}",
            "",
        ),
        (
            f"open loop {args.rate:.0f}/s: p95 latency, ms",
            f"{p95:.1f}",
            f"{echo.open.pct(95):.1f}",
            f"≤ {P95_TARGET_MS:.0f} ms: {verdict(p95 <= P95_TARGET_MS)}",
        ),
        (
            f"open loop {args.rate:.0f}/s: max latency, ms",
            f"{ours.open.pct(100):.1f}",
            f"{echo.open.pct(100):.1f}",
            "",
        ),
    ]
    for label, attr in (("closed", "closed"), (f"open {args.rate:.0f}/s", "open")):
        a: Phase = getattr(ours, attr)
        b: Phase = getattr(echo, attr)
        rows.append(
            (
                f"{label}: CPU bot / harness / rest, % of a core",
                f"{cpu_share(a.bot_cpu, a)} / {cpu_share(a.harness_cpu, a)}"
                f" / {cpu_share(a.others_cpu, a)}",
                f"{cpu_share(b.bot_cpu, b)} / {cpu_share(b.harness_cpu, b)}"
                f" / {cpu_share(b.others_cpu, b)}",
                "rest ≈ 0 for clean figures",
            )
        )
    rows.append(
        (
            "updates measured (closed + open)",
            f"{ours.closed.updates} + {ours.open.updates}",
            f"{echo.closed.updates} + {echo.open.updates}",
            "",
        )
    )
    rows.append(
        (
            "open loop: late or skipped sends",
            str(ours.open.late_ticks),
            str(echo.open.late_ticks),
            "",
        )
    )
    rows.append(("exit code after SIGTERM", str(ours.exit_code), str(echo.exit_code), "0"))
    head = ("", "our bot", "echo bot", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print()
    print(
        f"Resident flow benchmark — {args.residents} residents at once (closed loop), "
        f"{args.open_residents} at {args.rate:.0f} updates/s (open loop), {os.cpu_count()} CPUs"
    )
    print(line)
    for row in [head, *rows]:
        print(
            f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  "
            f"{row[3]:<{widths[3]}}".rstrip()
        )
    print(line)
    busy = max(x.others_cpu / x.seconds for x in (ours.closed, ours.open, echo.closed, echo.open))
    if busy > 0.15:
        print(
            f"warning: other processes or the host took up to {busy:.0%} of a core during a "
            "phase; the figures are disturbed, run again on a quiet machine"
        )


def stored_questions(db_path: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        sql = "SELECT COUNT(*), COUNT(DISTINCT receipt_code) FROM questions"
        row = conn.execute(sql).fetchone()
    return int(row[0]), int(row[1])


async def main_async(args: argparse.Namespace) -> int:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="resident-flow-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.sqlite3"
        config = workdir / "config.toml"
        began = time.perf_counter()

        def echo_argv(base_url: str) -> list[str]:
            script = str(ROOT / "benchmarks" / "echo_bot.py")
            return [python, script, base_url, TOKEN, "--concurrency", str(MAX_CONCURRENT_UPDATES)]

        def bot_argv(base_url: str) -> list[str]:
            write_config(config, base_url, db_path)
            return [python, "-m", "bot", "--config", str(config), "run"]

        print(f"echo bot: {args.residents} + {args.open_residents} chats ...", flush=True)
        echo = await bench_bot(
            "echo-bot", echo_argv, echo_steps, lambda text: "tin nhắn số 7" in text, args, workdir
        )
        print(f"our bot: {args.residents} + {args.open_residents} residents ...", flush=True)
        ours = await bench_bot(
            "our-bot", bot_argv, resident_steps, lambda text: RECEIPT_MARK in text, args, workdir
        )
        print_report(ours, echo, args)

        stored, distinct = stored_questions(db_path)
        same = stored == ours.finished_total
        print(
            f"questions stored in SQLite: {stored} ({distinct} distinct receipt codes); residents "
            f"who got a receipt: {ours.finished_total} (incl. {WARMUP_RESIDENTS} warm-up) — "
            f"{'equal' if same else 'NOT EQUAL'}"
        )
        problems = 0
        for result in (echo, ours):
            for failure in result.failures[:5]:
                print(f"  {result.name} failure: {failure}")
            if result.failures:
                problems += 1
                print(f"  {result.name}: {len(result.failures)} residents failed")
            if result.exit_code != 0:
                problems += 1
                log_tail = result.log.read_text(errors="replace")[-2000:] if result.log else ""
                print(f"  {result.name} exit code {result.exit_code}; log tail:\n{log_tail}")
        if not same or distinct != stored:
            problems += 1
        print(f"finished in {time.perf_counter() - began:.0f} s at {datetime.now():%H:%M:%S}")
        return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=300, help="closed loop, all at once")
    parser.add_argument("--open-residents", type=int, default=200, help="open loop population")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop updates per second")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
