"""What only the PostgreSQL store adds: one schema per commune on one server, the same tables
as SQLite's, claims that skip each other, and the newer-schema guard."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from docx import Document

from domain.models import DeliveryStatus
from storage.migrate import NewerDatabase, migrations
from storage.postgres import PostgresStore, connect
from storage.sqlite import SqliteStore
from tests.harness import OFFICIAL, RESIDENT, Harness, PgTarget
from tests.pgserver import unique_schema
from tests.test_admin import EVERYONE, flush, notice, subscribers
from tests.test_office import POOR, ROAD, office_config

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
BOOKKEEPING = {"schema_version"}  # PostgreSQL's own migration counter, not a store table


async def _pg_columns(target: PgTarget) -> dict[str, list[tuple[str, bool]]]:
    conn = await connect(target.url, target.schema)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name, is_nullable = 'YES' FROM information_schema.columns "
            "WHERE table_schema = $1 ORDER BY table_name, ordinal_position",
            target.schema,
        )
    finally:
        await conn.close()
    tables: dict[str, list[tuple[str, bool]]] = {}
    for table, column, nullable in rows:
        if table not in BOOKKEEPING:
            tables.setdefault(table, []).append((column, nullable))
    return tables


def _sqlite_columns(path: Path) -> dict[str, list[tuple[str, bool]]]:
    with sqlite3.connect(path) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # pragma table_info: (cid, name, type, notnull, default, pk); an INTEGER PRIMARY KEY
        # is never NULL though SQLite does not say so.
        return {
            name: [(r[1], not (r[3] or r[5])) for r in conn.execute(f"PRAGMA table_info({name})")]
            for name in names
        }


async def test_both_stores_end_with_the_same_tables_and_columns(
    tmp_path: Path, pg_schema: PgTarget
) -> None:
    assert [n for n, _ in migrations()] == [n for n, _ in migrations("migrations_pg")]
    lite = SqliteStore(tmp_path / "s.sqlite3")
    await lite.open()
    await lite.close()
    pg = PostgresStore(pg_schema.url, pg_schema.schema)
    await pg.open()
    await pg.close()
    expected = _sqlite_columns(tmp_path / "s.sqlite3")
    assert await _pg_columns(pg_schema) == dict(sorted(expected.items()))


async def test_a_schema_migrated_by_a_newer_build_is_refused(pg_schema: PgTarget) -> None:
    store = PostgresStore(pg_schema.url, pg_schema.schema)
    await store.open()
    await store.close()
    newest = migrations("migrations_pg")[-1][0]
    pg_schema.rows("UPDATE schema_version SET version = ?", newest + 1)
    with pytest.raises(NewerDatabase) as caught:
        await PostgresStore(pg_schema.url, pg_schema.schema).open()
    assert (caught.value.found, caught.value.known) == (newest + 1, newest)
    # Nothing was changed by the refusal.
    assert pg_schema.rows("SELECT version FROM schema_version") == [(newest + 1,)]


async def test_each_connection_sees_its_own_schema_only(pg_url: str) -> None:
    a, b = PgTarget(pg_url, unique_schema("a")), PgTarget(pg_url, unique_schema("b"))
    for target in (a, b):
        store = PostgresStore(target.url, target.schema)
        await store.open()
        await store.close()
    a.rows("INSERT INTO kv (key, value) VALUES ('who', 'A')")
    b.rows("INSERT INTO kv (key, value) VALUES ('who', 'B')")
    assert a.rows("SHOW search_path") == [(a.schema,)]
    assert a.rows("SELECT value FROM kv") == [("A",)]
    assert b.rows("SELECT value FROM kv") == [("B",)]


async def test_commune_a_never_sees_commune_b(tmp_path: Path, pg_url: str) -> None:
    """Two communes on one server with the same chat ids and the same dialogue code: A's
    officials' digest and report, and A's broadcast, hold A's rows only."""
    a_target, b_target = PgTarget(pg_url, unique_schema("a")), PgTarget(pg_url, unique_schema("b"))
    a = Harness(tmp_path / "a", office_config(tmp_path / "a"), postgres=a_target)
    b = Harness(tmp_path / "b", office_config(tmp_path / "b"), postgres=b_target)
    b_text = "Đề nghị lắp đèn chiếu sáng đường vào chợ phường bên cạnh"
    await a.start()
    await b.start()
    try:
        await subscribers(a)  # ROAD and POOR; three residents take notices
        for chat in (RESIDENT, 4001, 4002, 4003, 4004):
            await b.consent(chat)
        await b.submit(RESIDENT, text=b_text, category="Hạ tầng", name="Người xã B")

        digest = "\n".join(s.text for s in await a.send(OFFICIAL, "/tonghop"))
        assert ROAD in digest and POOR in digest and b_text not in digest

        await a.send(OFFICIAL, "/baocao")
        report = Document(io.BytesIO(next(f for f in a.api.files if f[1] == "document")[3]))
        body = "\n".join(c.text for t in report.tables for r in t.rows for c in r.cells)
        assert ROAD in body and b_text not in body and "Người xã B" not in body

        await notice(a, "Mời bà con xã A dự hội nghị", EVERYONE)
        await flush(a)
        # A's three subscribers, not B's five residents.
        assert a.rows("SELECT COUNT(*) FROM deliveries WHERE kind = 'notice'") == [(3,)]
        assert b.rows("SELECT COUNT(*) FROM deliveries WHERE kind = 'notice'") == [(0,)]
        assert not any("xã A" in text for text in b.api.texts(4001))
        assert b.rows("SELECT text FROM questions") == [(b_text,)]
    finally:
        await a.stop()
        await b.stop()


async def test_claims_skip_rows_another_process_is_claiming(pg_schema: PgTarget) -> None:
    store = PostgresStore(pg_schema.url, pg_schema.schema)
    await store.open()
    try:
        async with store.transaction() as tx:
            for i in range(6):
                await tx.add_delivery(
                    "telegram", str(i), "notice", "n1", "x", DeliveryStatus.PENDING, NOW
                )
        # Another process is midway through claiming the first three rows.
        other = await connect(pg_schema.url, pg_schema.schema)
        async with other.transaction():
            await other.execute(
                "SELECT id FROM deliveries WHERE chat_id IN ('0', '1', '2') FOR UPDATE"
            )
            async with asyncio.timeout(5):  # waiting for the other's rows would hang here
                async with store.transaction() as tx:
                    claimed = await tx.claim_deliveries("me", ("telegram",), 10, NOW)
        await other.close()
        assert sorted(d.chat_id for d in claimed) == ["3", "4", "5"]
    finally:
        await store.close()


async def test_two_bots_on_one_schema_never_claim_one_delivery_twice(
    pg_schema: PgTarget,
) -> None:
    first = PostgresStore(pg_schema.url, pg_schema.schema)
    second = PostgresStore(pg_schema.url, pg_schema.schema)
    await first.open()
    await second.open()
    try:
        async with first.transaction() as tx:
            for i in range(200):
                await tx.add_delivery(
                    "telegram", str(i), "notice", "n1", "x", DeliveryStatus.PENDING, NOW
                )

        async def drain(store: PostgresStore, owner: str) -> list[int]:
            got: list[int] = []
            while True:
                async with store.transaction() as tx:
                    batch = await tx.claim_deliveries(owner, ("telegram",), 7, NOW)
                if not batch:
                    return got
                got += [d.id for d in batch]

        one, two = await asyncio.gather(drain(first, "a"), drain(second, "b"))
        assert not set(one) & set(two)
        assert len(one) + len(two) == 200 and one and two
    finally:
        await first.close()
        await second.close()


async def test_a_dropped_connection_is_replaced(pg_schema: PgTarget) -> None:
    """A server restart or failover drops the bot's connections; the next step reconnects."""
    store = PostgresStore(pg_schema.url, pg_schema.schema)
    await store.open()
    try:
        pg_schema.rows(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = ? AND pid != pg_backend_pid()",
            f"doithoai:{pg_schema.schema}",
        )
        await asyncio.sleep(0.2)
        async with store.transaction() as tx:
            await tx.kv_set("alive", "yes")
        async with store.reader() as rd:
            assert await rd.kv_get("alive") == "yes"
    finally:
        await store.close()


async def test_the_province_layout_keeps_communes_apart_by_role(pg_url: str) -> None:
    """deploy/initdb/01-communes.sql as a province runs it: each commune's role owns its schema
    and nothing else, so even a query naming another commune's table is refused."""
    suffix = unique_schema("")  # roles are server-wide: unique names on a shared server
    database = f"doithoai{suffix}"
    script = (ROOT / "deploy" / "initdb" / "01-communes.sql").read_text(encoding="utf-8")
    for name in ("xa_binh_lu", "phuong_tan_phong", "doithoai"):
        script = script.replace(name, f"{name}{suffix}")
    admin = await connect(pg_url, "public")
    await admin.execute(f"CREATE DATABASE {database}")
    await admin.close()
    province = pg_url.replace("/postgres?", f"/{database}?")
    admin = await connect(province, "public")
    await admin.execute(script)
    await admin.close()

    a_schema, b_schema = f"xa_binh_lu{suffix}", f"phuong_tan_phong{suffix}"
    a_url = province.replace("postgres@", f"{a_schema}@")
    b_url = province.replace("postgres@", f"{b_schema}@")
    for url, schema in ((a_url, a_schema), (b_url, b_schema)):
        store = PostgresStore(url, schema)
        await store.open()
        async with store.transaction() as tx:
            await tx.kv_set("who", schema)
        await store.close()
    snoop = await connect(a_url, a_schema)
    try:
        assert await snoop.fetchval("SELECT value FROM kv") == a_schema
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await snoop.fetchval(f"SELECT value FROM {b_schema}.kv")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await snoop.execute(f"CREATE TABLE {b_schema}.planted (x INTEGER)")
    finally:
        await snoop.close()
