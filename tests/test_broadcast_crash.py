"""A broadcast survives a crash: SIGKILL in the middle, restart, and everyone gets the notice.

The bot runs as `python -m bot --config ... run` against the fake Bot API over HTTP. The kill
comes at the worst moment: inside the fake server, right after it accepted a notice and before
it answers, so the bot cannot know that this one went out. On restart it must resume from the
deliveries table, skip no one, and repeat at most the notices that were in flight (claimed,
`sending`), at most IN_FLIGHT of them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.outbox import IN_FLIGHT
from domain.models import Audience, Consent
from handlers.admin import start_broadcast
from storage.sqlite import SqliteStore
from tests.fakes.telegram_api import TOKEN, KillingBotApi, serve_http

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 100
BLOCKED_AT = (5, 50, 95)  # indexes of chats that blocked the bot: before and after the kill
KILL_AFTER = 35  # notices accepted by the server
FIRST_CHAT = 880_000_001
NOTICE = "Thông báo: Hội nghị đối thoại năm 2027 họp lúc 8 giờ ngày 15/06/2027 tại Hội trường xã."
WAIT = 60.0  # generous: a loaded 2-core CI machine can take seconds to start the bot

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
per_second = 30
[[dialogues]]
code = "BL27"
title = "Hội nghị đối thoại năm 2027"
deadline = 2099-06-15T17:00:00+07:00
location = "Hội trường xã"
"""


async def seed(db: Path, chats: list[int]) -> None:
    store = SqliteStore(db)
    await store.open()
    now = datetime.now(UTC)
    try:
        async with store.transaction() as tx:
            for chat in chats:
                await tx.record_consent("telegram", str(chat), str(chat), Consent.GRANTED, now)
            bid = await tx.create_broadcast(
                NOTICE, Audience("all"), now, "telegram:1", now, progress_chat=None
            )
            assert await start_broadcast(tx, bid, now) == len(chats)
    finally:
        await store.close()


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def statuses(db: Path) -> dict[str, int]:
    rows = query(db, "SELECT status, COUNT(*) FROM deliveries GROUP BY status")
    return {str(status): int(n) for status, n in rows}


async def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            "run",
            cwd=ROOT,
            env={**os.environ, "BOT_TELEGRAM_TOKEN": ""},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )


def tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


async def poll_until(check: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n--- bot log ---\n{tail(log)}")
        await asyncio.sleep(0.1)


async def test_broadcast_resumes_after_sigkill_without_skipping_anyone(tmp_path: Path) -> None:
    chats = [FIRST_CHAT + i for i in range(SUBSCRIBERS)]
    blocked = {chats[i] for i in BLOCKED_AT}
    api = KillingBotApi([KILL_AFTER], blocked=set(blocked))
    runner, base_url = await serve_http(api)
    db = tmp_path / "bot.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(
        CONFIG.format(token=TOKEN, base_url=base_url, db=db.as_posix()), encoding="utf-8"
    )
    log = tmp_path / "bot.log"
    await seed(db, chats)
    proc: asyncio.subprocess.Process | None = None
    try:
        proc = await start_bot(config, log)
        api.victim = proc.pid
        await poll_until(api.killed.is_set, f"notice {KILL_AFTER} and the kill", log)
        assert await asyncio.wait_for(proc.wait(), WAIT) == -signal.SIGKILL
        proc = None
        # Killed in the middle: some delivered, some still pending in the database.
        middle = statuses(db)
        assert 0 < middle.get("sent", 0) < KILL_AFTER, middle
        assert middle.get("pending", 0) > 0, middle

        proc = await start_bot(config, log)
        await poll_until(lambda: statuses(db).get("pending", 0) == 0, "all deliveries", log)

        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), WAIT)
        proc = None
        assert code == 0, tail(log)
    finally:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        await runner.cleanup()

    received = Counter(s.chat_id for s in api.sent if s.text == NOTICE)
    reachable = [c for c in chats if c not in blocked]
    assert [c for c in reachable if received[c] == 0] == []
    twice = [c for c in reachable if received[c] >= 2]
    # Only the notices in flight at the kill may repeat, and only once.
    assert len(twice) <= IN_FLIGHT, twice
    assert all(received[c] <= 2 for c in reachable)
    around_kill = {s.chat_id for s in api.sent[: KILL_AFTER + IN_FLIGHT]}
    assert set(twice) <= around_kill
    assert all(received[c] == 0 for c in blocked)

    assert statuses(db) == {"sent": len(reachable), "blocked": len(blocked)}
    rows = query(db, "SELECT chat_id, status FROM deliveries WHERE status = 'blocked'")
    assert {int(chat) for chat, _ in rows} == blocked
    active = dict(query(db, "SELECT chat_id, active FROM residents"))
    assert {int(chat) for chat, on in active.items() if on == 0} == blocked
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
