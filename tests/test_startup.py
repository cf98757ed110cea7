"""A start that cannot work stops within seconds with one line and a non-zero exit (so that
systemd's Restart=on-failure acts), and a second process on the same token or file neither
polls nor sends twice."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from domain.models import Audience, Consent
from handlers.admin import start_broadcast
from storage.sqlite import SqliteStore
from tests.fakes.telegram_api import TOKEN, FakeBotApi, serve_http
from tests.processes import Bot, paper_forms_csv, poll_until, query, write_config

FAST = 20.0  # seconds a failed start may take, a busy_timeout of 5 s included
OTHER_TOKEN = "987654321:OTHER-token-abcdefghijklmnopqrstuvwxyz"


async def failed_start(tmp_path: Path, db: Path, *args: str) -> tuple[int | None, list[str]]:
    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    bot = Bot(write_config(tmp_path, TOKEN, base_url, db), tmp_path / "bot.log")
    try:
        started = time.monotonic()
        await bot.start(*args)
        code = await bot.wait(FAST)
        assert time.monotonic() - started < FAST
    finally:
        if bot.proc is not None:
            bot.kill()
            await bot.wait()
        await runner.cleanup()
    lines = bot.log.read_text(encoding="utf-8").splitlines()
    assert "Traceback" not in "\n".join(lines)
    return code, lines


async def test_a_corrupt_database_stops_the_start_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"this is not a database, just some bytes " * 200)
    code, lines = await failed_start(tmp_path, db)
    assert code == 1
    assert lines[-1] == (
        f"Không mở được cơ sở dữ liệu {db}: tệp không phải cơ sở dữ liệu SQLite, hoặc đã hỏng; "
        "hãy khôi phục từ bản sao lưu"
    )


async def test_a_locked_database_stops_the_start_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")  # someone holds the file and does not let go
        code, lines = await failed_start(tmp_path, db)
    finally:
        holder.close()
    assert code == 1
    assert lines[-1].startswith(f"Không mở được cơ sở dữ liệu {db}: tệp đang bị")


async def test_a_database_from_a_newer_build_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = SqliteStore(db)
    await store.open()
    await store.close()
    conn = sqlite3.connect(db)
    known = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA user_version = {known + 1}")
    conn.close()
    for args in (("run",), ("import", "--dialogue", "BL27", str(tmp_path / "none.csv"))):
        if args[0] == "import":
            paper_forms_csv(tmp_path / "none.csv", 1)
        code, lines = await failed_start(tmp_path, db, *args)
        assert code == 1, lines
        assert lines[-1] == (
            f"Không mở được cơ sở dữ liệu {db}: tệp đã được một phiên bản mới hơn của bot nâng "
            f"cấp (phiên bản {known + 1}, bản này chỉ biết đến {known}); hãy cài phiên bản mới hơn."
        )
    # Nothing was changed by the older build.
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == known + 1
    conn.close()


async def test_a_second_poller_on_the_same_token_is_refused(tmp_path: Path) -> None:
    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    first = Bot(write_config(tmp_path, TOKEN, base_url, tmp_path / "a.sqlite3"), tmp_path / "a.log")
    (tmp_path / "b").mkdir()
    second = Bot(
        write_config(tmp_path / "b", TOKEN, base_url, tmp_path / "b.sqlite3"), tmp_path / "b.log"
    )
    try:
        await first.start()
        await poll_until(lambda: "Bot đang chạy" in first.tail(), "the first bot", first)
        started = time.monotonic()
        await second.start()
        assert await second.wait(FAST) == 3
        assert time.monotonic() - started < FAST
        assert second.tail(1).startswith("Không khởi động: một tiến trình khác đang nhận tin")
        # The first one goes on answering.
        api.push_text(4242, "/start")
        await api.wait_for_reply(4242, 1, within=20)
        assert await first.stop() == 0, first.tail()
    finally:
        for bot in (first, second):
            if bot.proc is not None:
                bot.kill()
                await bot.wait()
        await runner.cleanup()


async def test_two_processes_on_one_file_send_each_notice_once(tmp_path: Path) -> None:
    notice = "Thông báo: hội nghị đối thoại họp lúc 8 giờ ngày 15/06/2027 tại Hội trường xã."
    db = tmp_path / "bot.sqlite3"
    chats = [850_001 + i for i in range(300)]
    store = SqliteStore(db)
    await store.open()
    now = datetime.now(UTC)
    try:
        async with store.transaction() as tx:
            for chat in chats:
                await tx.record_consent("telegram", str(chat), str(chat), Consent.GRANTED, now)
            bid = await tx.create_broadcast(notice, Audience("all"), now, "telegram:1", now, None)
            await start_broadcast(tx, bid, now)
    finally:
        await store.close()
    # Two bots (two tokens, so both may poll) on one database: both outboxes see every row.
    api = FakeBotApi(other_tokens={OTHER_TOKEN}, latency=0.02)
    runner, base_url = await serve_http(api)
    (tmp_path / "b").mkdir()
    bots = [
        Bot(write_config(tmp_path, TOKEN, base_url, db), tmp_path / "a.log"),
        Bot(write_config(tmp_path / "b", OTHER_TOKEN, base_url, db), tmp_path / "b.log"),
    ]
    try:
        await asyncio.gather(*(b.start() for b in bots))
        left = "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')"
        await poll_until(lambda: query(db, left) == [(0,)], "the broadcast", bots[0], 90)
        for b in bots:
            assert await b.stop() == 0, b.tail()
    finally:
        for b in bots:
            if b.proc is not None:
                b.kill()
                await b.wait()
        await runner.cleanup()
    received = Counter(s.chat_id for s in api.sent if s.text == notice)
    assert sorted(set(received.values())) == [1] and len(received) == len(chats)
