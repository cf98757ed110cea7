"""Both stores: migrations, receipts under concurrency, transactions that roll back.

Each test runs on the SQLite file and on a PostgreSQL schema (the `backend` fixture)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.models import Consent, DialogueSpec, NewQuestion
from storage.base import Store
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.harness import RESIDENT, Harness, PgTarget

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SPEC = DialogueSpec(
    code="BL26",
    title="Hội nghị",
    host="",
    audience="",
    deadline=datetime(2026, 12, 15, 10, 0, tzinfo=UTC),
    meeting_at=None,
    meeting_note="",
    location="",
    timezone="Asia/Ho_Chi_Minh",
    categories=("land", "other"),
)


async def open_store(path: Path, backend: PgTarget | None = None) -> Store:
    store: Store = (
        SqliteStore(path) if backend is None else PostgresStore(backend.url, backend.schema)
    )
    await store.open()
    return store


async def test_migrations_set_user_version_and_pragmas(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.sqlite3")
    await store.close()
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    # Opening again applies nothing twice.
    store = await open_store(tmp_path / "s.sqlite3")
    await store.close()


async def test_config_sync_never_touches_questions(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    store = await open_store(tmp_path / "s.sqlite3", backend)
    async with store.transaction() as tx:
        dialogue = await tx.upsert_dialogue(SPEC, NOW)
        q = await tx.add_question(
            NewQuestion(dialogue.id, None, "land", "Nội dung", None, None, NOW)
        )
    changed = DialogueSpec(**{**SPEC.__dict__, "title": "Tên mới", "location": "Hội trường"})
    async with store.transaction() as tx:
        again = await tx.upsert_dialogue(changed, NOW)
        kept = await tx.question_by_code(q.receipt_code)
        assert again.id == dialogue.id and again.title == "Tên mới"
        assert kept == q
        nxt = await tx.add_question(NewQuestion(dialogue.id, None, "land", "Khác", None, None, NOW))
    assert nxt.receipt_code == "BL26-0002"
    await store.close()


async def test_failed_transaction_rolls_back_everything(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    store = await open_store(tmp_path / "s.sqlite3", backend)
    async with store.transaction() as tx:
        dialogue = await tx.upsert_dialogue(SPEC, NOW)
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.add_question(NewQuestion(dialogue.id, None, "land", "Một", None, None, NOW))
            raise RuntimeError("boom")
    async with store.reader() as rd:
        assert await rd.question_by_code("BL26-0001") is None
    async with store.transaction() as tx:
        q = await tx.add_question(NewQuestion(dialogue.id, None, "land", "Hai", None, None, NOW))
    assert q.receipt_code == "BL26-0001"
    await store.close()


async def test_receipts_unique_across_two_processes_writing_one_file(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    """Two stores on one file stand for the bot and a CLI command writing at once."""
    path = tmp_path / "s.sqlite3"
    first, second = await open_store(path, backend), await open_store(path, backend)
    async with first.transaction() as tx:
        dialogue = await tx.upsert_dialogue(SPEC, NOW)

    async def add(store: Store, i: int) -> str:
        async with store.transaction() as tx:
            q = await tx.add_question(
                NewQuestion(dialogue.id, None, "land", f"Ý kiến {i}", None, None, NOW)
            )
            return q.receipt_code

    codes = await asyncio.gather(*(add(first if i % 2 else second, i) for i in range(60)))
    assert sorted(codes) == [f"BL26-{n:04d}" for n in range(1, 61)]
    await first.close()
    await second.close()


async def test_concurrent_submissions_through_the_bot_get_distinct_codes(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    bot = Harness(tmp_path / "bot.sqlite3", postgres=backend)
    await bot.start()
    try:
        await _concurrent_submissions(bot)
    finally:
        await bot.stop()


async def _concurrent_submissions(bot: Harness) -> None:
    residents = list(range(2000, 2030))
    for chat in residents:
        await bot.consent(chat)
        await bot.press(chat, "Gửi ý kiến")
        await bot.press(chat, "Đất đai")
        await bot.send(chat, f"Đề nghị đo đạc lại thửa đất số {chat} tại Bản Nà Khum")
        await bot.press(chat, "Bản Nà Khum")
        await bot.press(chat, "Bỏ qua")
    confirms = [bot.api.press_update(chat, "Gửi") for chat in residents]
    from telegram import Update

    await asyncio.gather(
        *(bot.app.process_update(Update.de_json(u, bot.app.bot)) for u in confirms)
    )
    codes = [code for (code,) in bot.rows("SELECT receipt_code FROM questions")]
    assert sorted(codes) == [f"BL26-{n:04d}" for n in range(1, 31)]
    receipts = {bot.last_text(chat).split("Mã tiếp nhận: ")[1][:9] for chat in residents}
    assert receipts == set(codes)


async def test_forget_resident_anonymises_questions(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    store = await open_store(tmp_path / "s.sqlite3", backend)
    async with store.transaction() as tx:
        dialogue = await tx.upsert_dialogue(SPEC, NOW)
        who = await tx.record_consent("telegram", "5", "5", Consent.GRANTED, NOW)
        await tx.update_profile(who.id, "Bản Nà Khum", "Lò Văn Minh")
        await tx.add_question(
            NewQuestion(dialogue.id, who.id, "land", "Một", "Bản Nà Khum", "Lò Văn Minh", NOW)
        )
        assert await tx.forget_resident(who.id, {1: "Một (đã ẩn)"}) == 1
        assert await tx.resident("telegram", "5") is None
        q = await tx.question_by_code("BL26-0001")
        assert q is not None and q.resident_id is None and q.author_name is None
        assert q.village is None and q.text == "Một (đã ẩn)"
    await store.close()


async def test_inbox_keeps_an_update_until_the_transaction_that_handles_it(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    store = await open_store(tmp_path / "s.sqlite3", backend)
    try:
        async with store.transaction() as tx:
            assert await tx.inbox_add("telegram", "7", "5", "{}", NOW)
            assert not await tx.inbox_add("telegram", "7", "5", "{}", NOW)  # kept once
        async with store.reader() as rd:
            assert [i.update_key for i in await rd.inbox_due("telegram", NOW, 10)] == ["7"]
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                assert await tx.first_delivery("telegram", "7", NOW)
                raise RuntimeError("the handling failed")
        async with store.reader() as rd:
            assert await rd.inbox_size("telegram") == 1  # still there: nothing was handled
        async with store.transaction() as tx:
            assert await tx.first_delivery("telegram", "7", NOW)
        async with store.transaction() as tx:
            assert await tx.inbox_size("telegram") == 0
            assert not await tx.first_delivery("telegram", "7", NOW)  # a redelivery
            assert not await tx.inbox_add("telegram", "7", "5", "{}", NOW)  # already handled
    finally:
        await store.close()


async def test_a_redelivered_update_stores_nothing_twice(
    tmp_path: Path, backend: PgTarget | None
) -> None:
    bot = Harness(tmp_path / "bot.sqlite3", postgres=backend)
    await bot.start()
    try:
        await bot.consent(RESIDENT)
        for label in ("Gửi ý kiến", "Đất đai"):
            await bot.press(RESIDENT, label)
        await bot.send(RESIDENT, "Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún")
        await bot.press(RESIDENT, "Bản Nà Khum")
        await bot.press(RESIDENT, "Bỏ qua")
        confirm = bot.api.press_update(RESIDENT, "Gửi")
        assert "Mã tiếp nhận" in (await bot.deliver(confirm))[-1].text
        # The channel sends it again: not handled again (an old button would be answered).
        assert await bot.deliver(confirm) == []
        assert bot.rows("SELECT receipt_code FROM questions") == [("BL26-0001",)]
    finally:
        await bot.stop()
