"""The questions page keeps each dialogue in memory and reads only what changed
(bot/web/listing.py). Whoever changes the database — a resident in the chat, the page itself,
another process on the same file, a hand-made DELETE — the page must show what the report,
read afresh from the database, shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.web.context import CONTEXT
from bot.web.listing import DialogueView, Listings
from handlers.reporting import cluster_summaries
from storage.base import Store
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.harness import Harness, PgTarget
from tests.webdesk import (
    LAND,
    POOR,
    ROAD,
    ROAD_AGAIN,
    desk_config,
    services_of,
    sign_in,
    submit,
    web_client,
)

Client = TestClient[Any, Any]
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)


def by_hand(office: Harness, *statements: str) -> None:
    """Statements typed into the database's own shell, past the store."""
    if office.postgres is None:
        with office.db() as conn:
            for sql in statements:
                conn.execute(sql)
    else:
        for sql in statements:
            office.rows(sql)


@pytest.fixture
async def office(tmp_path: Path, backend: PgTarget | None) -> AsyncIterator[Harness]:
    # The office's desk on the SQLite file and on a PostgreSQL schema (its revision triggers).
    bot = Harness(
        tmp_path / "desk.sqlite3", desk_config(tmp_path / "desk.sqlite3"), postgres=backend
    )
    await bot.start()
    try:
        await submit(bot, 7780001, ROAD, "Hạ tầng", "Bản Nà Khum")
        await submit(bot, 7780002, LAND, "Đất đai", "Bản Nà Khum")
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def client(office: Harness) -> AsyncIterator[Client]:
    web = await web_client(office)
    try:
        yield web
    finally:
        await web.close()


def kept_listings(client: Client) -> Listings:
    """The views the running page keeps."""
    assert client.app is not None
    return client.app[CONTEXT].listings


async def agrees_with_a_fresh_read(office: Harness, client: Client) -> DialogueView:
    """The page's view after a page load, checked against the report's summaries and the rows
    read from scratch; returns the view."""
    page = await client.get("/hoi-nghi/BL26")
    assert page.status == 200
    services = services_of(office)
    async with services.store.reader() as rd:
        dialogue = await rd.dialogue_by_code("BL26")
    assert dialogue is not None
    kept = await kept_listings(client).view(services.store, dialogue)
    fresh = await Listings(services.engine.plan, services.texts).view(services.store, dialogue)
    async with services.store.reader() as rd:
        report, questions = await cluster_summaries(
            rd, services.engine.plan, services.texts, dialogue
        )
    assert kept.ordered == report == fresh.ordered
    assert sorted(kept.entries) == sorted(q.id for q in questions)
    assert {c: [e.row for e in m] for c, m in kept.members.items()} == {
        c: [e.row for e in m] for c, m in fresh.members.items()
    }
    assert {c: r for c, r in kept.records.items() if c in kept.members} == {
        c: r for c, r in fresh.records.items() if c in fresh.members
    }
    return kept


async def test_the_kept_dialogue_follows_every_change(office: Harness, client: Client) -> None:
    csrf = await sign_in(client, office)
    await agrees_with_a_fresh_read(office, client)

    # A resident in the chat: a new question, one that joins an existing cluster.
    await submit(office, 7780003, POOR, "Chính sách xã hội", "Bản Vàng Bó")
    await submit(office, 7780004, ROAD_AGAIN, "Hạ tầng", "Bản Vàng Bó")
    view = await agrees_with_a_fresh_read(office, client)
    assert len(view.entries) == 4
    listed = await (await client.get("/hoi-nghi/BL26", params={"q": "ho ngheo"})).text()
    assert "BL26-0003" in listed

    # The page itself: split, merge back, assign, the report's text.
    await client.post("/nhom/1/tach", data={"csrf": csrf, "cau_hoi": "4"})
    await agrees_with_a_fresh_read(office, client)
    await client.post("/hoi-nghi/BL26/gop", data={"csrf": csrf, "nhom_chon": ["4", "1", "3"]})
    view = await agrees_with_a_fresh_read(office, client)
    assert [e.row.question.id for e in view.members[1]] == [1, 3, 4]
    await client.post("/nhom/1/phan-cong", data={"csrf": csrf, "bo_phan": "kinh_te"})
    clean = "Đề nghị sửa chữa đường liên thôn Bản Nà Khum và hỗ trợ hộ nghèo sửa nhà"
    await client.post("/nhom/1/noi-dung", data={"csrf": csrf, "noi_dung": clean})
    view = await agrees_with_a_fresh_read(office, client)
    assert view.summaries[1].text == clean and view.summaries[1].department == "Phòng Kinh tế"
    # The cluster's HTML kept from the earlier loads is made again, the others' reused.
    listed = await (await client.get("/hoi-nghi/BL26")).text()
    assert clean in listed and "Phòng Kinh tế" in listed and LAND in listed

    # Another process on the same file or schema: a backer, an answer; then a deletion.
    other: Store = (
        SqliteStore(office.db_path)
        if office.postgres is None
        else PostgresStore(office.postgres.url, office.postgres.schema)
    )
    await other.open()
    try:
        async with other.transaction() as tx:
            resident = await tx.resident("telegram", "7780001")
            assert resident is not None
            assert await tx.add_support(2, resident.id, NOW)
        view = await agrees_with_a_fresh_read(office, client)
        assert view.summaries[2].backers == 1
        async with other.transaction() as tx:
            await tx.forget_resident(resident.id, {})
        view = await agrees_with_a_fresh_read(office, client)
        assert view.entries[1].row.channel == "unknown"
    finally:
        await other.close()

    # By hand, without the store: a row updated, a row deleted.
    by_hand(office, "UPDATE questions SET village = 'Khu dân cư Bình Lư' WHERE id = 3")
    view = await agrees_with_a_fresh_read(office, client)
    assert view.entries[3].row.question.village == "Khu dân cư Bình Lư"
    found = await client.get("/hoi-nghi/BL26", params={"thon": "Khu dân cư Bình Lư"})
    assert "BL26-0003" in await found.text()
    deletions = ["DELETE FROM supports WHERE question_id = 2", "DELETE FROM questions WHERE id = 2"]
    if office.postgres is not None:
        # PostgreSQL keeps its foreign keys for a hand-typed DELETE too: the cluster goes first.
        deletions.insert(1, "DELETE FROM clusters WHERE id = 2")
    by_hand(office, *deletions)
    view = await agrees_with_a_fresh_read(office, client)
    assert 2 not in view.entries and 2 not in view.summaries
