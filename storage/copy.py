"""Copying a commune between its SQLite file and its PostgreSQL schema, row for row.

Both stores keep the same tables with the same values (storage/conn.py), so a copy is a plain
transfer with no conversion. Each copy runs in one transaction on the target and ends by
comparing every table's row count with the source's read in one snapshot: a copy that does
not match rolls back and leaves the target as it was.

`sqlite_to_postgres` moves a commune onto the province's server (`migrate-store`); re-running
it replaces the earlier copy as long as nothing has written to the schema since (the bot has
not started on it); `replace=True` overwrites whatever the schema holds (restoring a backup).
`postgres_to_sqlite` writes a schema into a new file: the backup of a PostgreSQL commune, in the
same format as a SQLite commune's backup, and restorable with `sqlite_to_postgres`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from storage.postgres import WRITE_LOCK, PostgresStore, connect
from storage.sqlite import SqliteStore

BATCH = 5_000
# The record of the last copy into a schema, so a re-run can tell it from the bot's own rows.
_MARK_TABLE = "store_copy"


class CopyRefused(Exception):
    """The target holds rows that did not come from an earlier copy of this source."""


class CountMismatch(Exception):
    def __init__(self, table: str, source: int, target: int) -> None:
        super().__init__(f"{table}: {source} rows in the source, {target} in the copy")
        self.table, self.source, self.target = table, source, target


async def _sqlite_tables(conn: aiosqlite.Connection) -> dict[str, list[str]]:
    names = [
        str(r[0])
        for r in await conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: [str(r[1]) for r in await conn.execute_fetchall(f"PRAGMA table_info({name})")]
        for name in names
    }


async def _counts_pg(conn: asyncpg.Connection, tables: Sequence[str]) -> dict[str, int]:
    return {t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in tables}


async def _open_readonly(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    await conn.execute("BEGIN")  # one snapshot for every table and every count
    return conn


async def sqlite_to_postgres(
    source: Path, url: str, schema: str, *, replace: bool = False
) -> dict[str, int]:
    """Copy the commune's file (an existing one: the caller checks) into its schema; returns
    the rows copied per table."""
    # Both ends at this build's newest migration (each store refuses one newer than the code).
    for store in (SqliteStore(source), PostgresStore(url, schema)):
        await store.open()
        await store.close()
    lite = await _open_readonly(source)
    target = await connect(url, schema)
    try:
        tables = await _sqlite_tables(lite)
        counts = {
            t: int(next(iter(await lite.execute_fetchall(f"SELECT COUNT(*) FROM {t}")))[0])
            for t in tables
        }
        async with target.transaction():
            # No bot of this commune writes while the copy runs (storage/postgres.py).
            await target.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", WRITE_LOCK
            )
            await target.execute(
                f"CREATE TABLE IF NOT EXISTS {_MARK_TABLE} "
                "(source TEXT NOT NULL, counts TEXT NOT NULL, copied_at TEXT NOT NULL)"
            )
            before = await _counts_pg(target, list(tables))
            mark = await target.fetchval(f"SELECT counts FROM {_MARK_TABLE}")
            # Untouched: no dialogue yet (a bot's first start writes the config's dialogues
            # before anything else; the migrations' own rows do not count), or exactly as the
            # last copy left it.
            untouched = (
                before.get("dialogues", 0) == 0 if mark is None else json.loads(mark) == before
            )
            if not replace and not untouched:
                raise CopyRefused(schema)
            # Rows reference each other in any order (a cluster kept by a later question).
            await target.execute("SET CONSTRAINTS ALL DEFERRED")
            await target.execute(f"TRUNCATE {', '.join(tables)}, {_MARK_TABLE}")
            # Rows arrive as they were: no trigger restamps them (web revisions, issue 15).
            for table in tables:
                await target.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for table, columns in tables.items():
                async with lite.execute(f"SELECT {', '.join(columns)} FROM {table}") as cur:
                    while rows := list(await cur.fetchmany(BATCH)):
                        await target.copy_records_to_table(
                            table,
                            records=[tuple(r) for r in rows],
                            columns=columns,
                            schema_name=schema,
                        )
                if "id" in columns:
                    await _follow_ids(target, schema, table)
            # The references are checked now (a table with checks pending cannot be altered).
            await target.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                await target.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            after = await _counts_pg(target, list(tables))
            for table, count in counts.items():
                if after[table] != count:
                    raise CountMismatch(table, count, after[table])
            await target.execute(
                f"INSERT INTO {_MARK_TABLE} VALUES ($1, $2, $3)",
                str(source),
                json.dumps(after, sort_keys=True),
                datetime.now(UTC).isoformat(),
            )
        return counts
    finally:
        await lite.close()
        await target.close()


async def _follow_ids(conn: asyncpg.Connection, schema: str, table: str) -> None:
    """New rows continue after the copied ids (an identity column does not see COPY's ids)."""
    sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", f"{schema}.{table}")
    if sequence is not None:
        await conn.execute(
            f"SELECT setval($1, COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)", sequence
        )


async def postgres_to_sqlite(url: str, schema: str, out: Path) -> dict[str, int]:
    """Write the commune's schema into a new SQLite file `out` (the caller makes sure none is
    there); returns rows per table."""
    source_store = PostgresStore(url, schema)
    await source_store.open()  # refuses a schema newer than this build
    await source_store.close()
    lite_store = SqliteStore(out)
    await lite_store.open()
    await lite_store.close()
    source = await connect(url, schema)
    lite = await aiosqlite.connect(out, isolation_level=None)
    try:
        counts = await _fill(source, lite)
    except BaseException:
        await lite.close()
        # A half-written backup must not pass for a good one.
        for leftover in (out, Path(f"{out}-wal"), Path(f"{out}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    else:
        await lite.close()
    finally:
        await source.close()
    return counts


async def _fill(source: asyncpg.Connection, lite: aiosqlite.Connection) -> dict[str, int]:
    await lite.execute("PRAGMA foreign_keys = OFF")  # rows arrive table by table
    tables = await _sqlite_tables(lite)
    counts: dict[str, int] = {}
    async with source.transaction(isolation="repeatable_read", readonly=True):
        await lite.execute("BEGIN IMMEDIATE")
        try:
            # Rows arrive as they were: the triggers go for the copy and come back with it.
            triggers = list(
                await lite.execute_fetchall(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                )
            )
            for name, _ in triggers:
                await lite.execute(f"DROP TRIGGER {name}")
            for table, columns in tables.items():
                counts[table] = await _copy_table_out(source, lite, table, columns)
            for _, sql in triggers:
                await lite.execute(sql)
            for table, count in counts.items():
                rows: Any = await lite.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
                if int(rows[0][0]) != count:
                    raise CountMismatch(table, count, int(rows[0][0]))
            await lite.execute("COMMIT")
        except BaseException:
            await lite.execute("ROLLBACK")
            raise
    broken = list(await lite.execute_fetchall("PRAGMA foreign_key_check"))
    if broken:
        raise CountMismatch("foreign keys", 0, len(broken))
    return counts


async def _copy_table_out(
    source: asyncpg.Connection, lite: aiosqlite.Connection, table: str, columns: list[str]
) -> int:
    marks = ", ".join("?" * len(columns))
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    await lite.execute(f"DELETE FROM {table}")
    total = 0
    cursor = source.cursor(f"SELECT {', '.join(columns)} FROM {table}", prefetch=BATCH)
    batch: list[tuple[Any, ...]] = []
    async for record in cursor:
        batch.append(tuple(record))
        if len(batch) >= BATCH:
            await lite.executemany(insert, batch)
            total += len(batch)
            batch = []
    if batch:
        await lite.executemany(insert, batch)
        total += len(batch)
    return total
