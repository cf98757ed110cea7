"""What a service manager's health check reads: the store answers, its schema is the one this
build knows, and the work queues move. Nothing here migrates or writes anything.

A bot whose process runs but does nothing (a hung channel, a lost connection that never came
back) shows as updates received and never tried, or deliveries due while nothing has been sent
for a while; a large broadcast that is merely slow keeps sending and so stays healthy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from storage.conn import Conn, SqliteConn
from storage.migrate import migrations
from storage.postgres import PgConn, connect, schema_version


@dataclass(frozen=True)
class Health:
    version: int | None  # None: no store there yet
    known: int
    stalled_updates: int  # received before the cut-off and never tried
    stalled_deliveries: int  # due before the cut-off while nothing was sent since

    @property
    def ok(self) -> bool:
        return (
            self.version == self.known
            and self.stalled_updates == 0
            and self.stalled_deliveries == 0
        )


async def _stalled(conn: Conn, before: datetime) -> tuple[int, int]:
    cut = before.isoformat()
    updates = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM inbox WHERE attempts = 0 AND received_at < ?", (cut,)
    )
    due = await conn.execute_fetchall(
        "SELECT COUNT(*), (SELECT MAX(sent_at) FROM deliveries) FROM deliveries "
        "WHERE status = 'pending' AND created_at < ? AND (next_try_at IS NULL OR next_try_at < ?)",
        (cut, cut),
    )
    pending, last_sent = int(due[0][0]), due[0][1]
    moving = last_sent is not None and str(last_sent) >= cut
    return int(updates[0][0]), 0 if moving else pending


async def probe_sqlite(path: Path, before: datetime) -> Health:
    known = migrations()[-1][0]
    try:
        raw = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True)
    except aiosqlite.OperationalError:
        return Health(None, known, 0, 0)
    try:
        version = int(next(iter(await raw.execute_fetchall("PRAGMA user_version")))[0])
        if version != known:
            return Health(version or None, known, 0, 0)
        updates, deliveries = await _stalled(SqliteConn(raw), before)
        return Health(version, known, updates, deliveries)
    finally:
        await raw.close()


async def probe_postgres(url: str, schema: str, before: datetime) -> Health:
    known = migrations("migrations_pg")[-1][0]
    raw = await connect(url, schema)
    try:
        version = await schema_version(raw, schema)
        if version != known:
            return Health(version, known, 0, 0)
        async with raw.transaction(readonly=True):
            updates, deliveries = await _stalled(PgConn(raw), before)
        return Health(version, known, updates, deliveries)
    finally:
        await raw.close()
