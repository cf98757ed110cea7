"""PostgreSQL backend (asyncpg): one commune per schema, many communes on one server.

The queries are SQLite's own (`SqliteTransaction` and its mixins) run through `PgConn`, which
settles the few dialect differences (storage/conn.py); the tables come from
storage/migrations_pg/, numbered like SQLite's, with the version in the schema's own
`schema_version` table.

Every connection is opened with `search_path` set to the commune's schema and nothing else, so
an unqualified table name can only ever mean this commune's table: no query of one commune can
read another's. (A province that wants the server to enforce it too gives each commune its own
role owning only its schema: README.md, "Một tỉnh, nhiều xã".)

Guarantees as on SQLite: a write transaction first takes a transaction-scoped advisory lock keyed
by the schema, so the writers of one commune (its bot, a second bot, a CLI command) run one at a
time exactly as under SQLite's BEGIN IMMEDIATE, while other communes never wait for it. Receipt
numbers come from `UPDATE … next_seq + 1 RETURNING`, a row lock held to the commit; deliveries
are claimed with `FOR UPDATE SKIP LOCKED`; the redelivery mark commits with the question.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.conn import Params, Result, Row, rowcount, to_postgres
from storage.migrate import NewerDatabase, StoreUnavailable, migrations
from storage.sqlite import SqliteTransaction

__all__ = ["SCHEMA_RE", "PgConn", "PostgresStore", "redacted"]

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Advisory lock classes (the first of the two keys); the second key is hashtext(schema).
WRITE_LOCK = 17_001
MIGRATE_LOCK = 17_002
CONNECT_TIMEOUT = 10.0
# Tables a deletion (/dulieu) touches: vacuumed afterwards (see `checkpoint`).
_PERSONAL_TABLES = ("residents", "questions", "supports", "conversations", "deliveries")
# Errors that mean "this server or schema cannot be used" rather than a bug in a query.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.InsufficientPrivilegeError,
    asyncpg.CannotConnectNowError,
)


def redacted(url: str) -> str:
    """The URL without its password, fit for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}"))


class PgConn:
    """An asyncpg connection as a `Conn` (storage/conn.py)."""

    dialect = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Params = ()) -> Result:
        status = await self.raw.execute(to_postgres(sql), *params)
        return Result(rowcount(status))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return [tuple(r) for r in await self.raw.fetch(to_postgres(sql), *params)]

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self.raw.executemany(to_postgres(sql), batch)


async def connect(url: str, schema: str) -> asyncpg.Connection:
    """A connection whose search_path is the commune's schema alone."""
    if not SCHEMA_RE.match(schema):
        raise ValueError(f"not a schema name: {schema!r}")
    conn: asyncpg.Connection = await asyncpg.connect(
        url,
        timeout=CONNECT_TIMEOUT,
        server_settings={"search_path": schema, "application_name": f"doithoai:{schema}"},
    )
    return conn


async def schema_version(conn: asyncpg.Connection, schema: str) -> int | None:
    """The schema's migration number; None when the schema holds no store yet."""
    found = await conn.fetchval(
        "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'schema_version'", schema
    )
    if found is None:
        return None
    version = await conn.fetchval("SELECT version FROM schema_version")
    return 0 if version is None else int(version)


async def migrate_pg(conn: asyncpg.Connection, schema: str, where: str) -> None:
    """Create the schema if missing and apply the migrations it lacks, in one transaction."""
    async with conn.transaction():
        # Two processes starting at once: the second waits, then finds nothing left to do.
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", MIGRATE_LOCK, schema)
        if await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema) is None:
            await conn.execute(f"CREATE SCHEMA {schema}")
        version = await schema_version(conn, schema)
        if version is None:
            await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            await conn.execute("INSERT INTO schema_version VALUES (0)")
            version = 0
        known = migrations("migrations_pg")
        newest = max((number for number, _ in known), default=0)
        if version > newest:
            raise NewerDatabase(where, version, newest)
        for number, sql in known:
            if number > version:
                await conn.execute(sql)  # no arguments: the simple protocol runs the script
                await conn.execute("UPDATE schema_version SET version = $1", number)


class PostgresStore:
    def __init__(self, url: str, schema: str) -> None:
        if not SCHEMA_RE.match(schema):
            raise ValueError(f"not a schema name: {schema!r}")
        self.url = url
        self.schema = schema
        self.where = f"{redacted(url)} (schema {schema})"
        self._writer: asyncpg.Connection | None = None
        self._reader: asyncpg.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect and migrate; any failure closes what was opened and raises
        StoreUnavailable (NewerDatabase for a schema migrated by a newer build)."""
        if self._writer is not None:
            return
        try:
            self._writer = await connect(self.url, self.schema)
            await migrate_pg(self._writer, self.schema, self.where)
            self._reader = await connect(self.url, self.schema)
        except BaseException as exc:
            await self.close()
            if isinstance(exc, StoreUnavailable):
                raise
            if isinstance(exc, (*CONNECTION_ERRORS, asyncpg.PostgresError)):
                raise StoreUnavailable(self.where, str(exc) or type(exc).__name__) from exc
            raise

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await asyncio.wait_for(conn.close(), timeout=5)
        self._reader = self._writer = None

    async def _alive(self, conn: asyncpg.Connection | None) -> asyncpg.Connection:
        """The connection, or a new one if the server dropped it (a restart, a failover): a
        bot that runs for months must not stop at the first restart of the server."""
        if conn is None:
            raise RuntimeError("store is not open")
        if conn.is_closed():
            conn = await connect(self.url, self.schema)
        return conn

    async def checkpoint(self) -> None:
        """After a deletion: VACUUM the tables that held personal data, so the space of the
        deleted rows is reclaimed for new rows. (PostgreSQL keeps no in-place overwrite like
        SQLite's secure_delete; the write-ahead log and backups age out on their own schedule,
        README.md says which.)"""
        async with self._write_lock:
            self._writer = conn = await self._alive(self._writer)
            await conn.execute(f"VACUUM {', '.join(_PERSONAL_TABLES)}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._write_lock:
            self._writer = conn = await self._alive(self._writer)
            async with conn.transaction():
                # As exclusive within the commune as SQLite's BEGIN IMMEDIATE (module docstring).
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", WRITE_LOCK
                )
                yield SqliteTransaction(PgConn(conn))

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[SqliteTransaction]:
        async with self._read_lock:
            self._reader = conn = await self._alive(self._reader)
            # One snapshot across the report's many queries, and no lock any writer waits for.
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                yield SqliteTransaction(PgConn(conn))
