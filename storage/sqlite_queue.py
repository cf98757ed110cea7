"""SQLite queries for the two queues: deliveries going out, and the inbox of updates coming in.

A delivery is `pending` until one process claims it (`sending`, with `claimed_by` and
`claimed_at`), then `sent`, `blocked` or `failed`; a claim whose owner died is handed back to
`pending` by whoever notices (bot/outbox.py decides who is dead). An inbox row lives from the
moment the channel delivered an update until the transaction that handled it.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from domain.models import Delivery, DeliveryStatus, InboxItem

_DELIVERY_COLUMNS = "id, channel, chat_id, kind, ref, text, status, attempts, file_ref, file_name"


def _delivery(r: aiosqlite.Row) -> Delivery:
    return Delivery(
        int(r[0]), r[1], r[2], r[3], r[4], r[5], DeliveryStatus(r[6]), int(r[7]), r[8], r[9]
    )


class QueueQueries:
    _conn: aiosqlite.Connection

    async def _queue_rows(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # Deliveries ------------------------------------------------------------------------------
    async def add_delivery(
        self,
        channel: str,
        chat_id: str,
        kind: str,
        ref: str,
        text: str,
        status: DeliveryStatus,
        at: datetime,
        file_ref: str | None = None,
        file_name: str | None = None,
    ) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO deliveries (channel, chat_id, kind, ref, text, status, "
            "created_at, file_ref, file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (channel, chat_id, kind, ref, text, status.value, at.isoformat(), file_ref, file_name),
        )
        return cur.rowcount == 1

    async def add_claimed_delivery(
        self, channel: str, chat_id: str, kind: str, ref: str, text: str, owner: str, at: datetime
    ) -> int | None:
        """A delivery its writer sends itself right after the commit: claimed from the start, so
        no outbox sends it meanwhile, and resent by one should the writer die first."""
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO deliveries (channel, chat_id, kind, ref, text, status, "
            "created_at, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, 'sending', ?, ?, ?)",
            (channel, chat_id, kind, ref, text, at.isoformat(), owner, at.isoformat()),
        )
        return cur.lastrowid if cur.rowcount == 1 else None

    async def due_deliveries(self, limit: int) -> list[Delivery]:
        rows = await self._queue_rows(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE status = 'pending' "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        return [_delivery(r) for r in rows]

    async def claim_deliveries(
        self, owner: str, channels: tuple[str, ...], limit: int, at: datetime
    ) -> list[Delivery]:
        """Up to `limit` due deliveries on `channels`, now `sending` by `owner`; replies a
        resident waits for first, then in the order they were written."""
        if limit <= 0 or not channels:
            return []
        marks = ",".join("?" * len(channels))
        now = at.isoformat()
        claimed: list[Delivery] = []
        for kind_filter in ("kind = 'reply'", "kind != 'reply'"):
            left = limit - len(claimed)
            if left <= 0:
                break
            rows = await self._queue_rows(
                "UPDATE deliveries SET status = 'sending', claimed_by = ?, claimed_at = ? "
                "WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND "
                f"{kind_filter} AND channel IN ({marks}) AND "
                "(next_try_at IS NULL OR next_try_at <= ?) ORDER BY id LIMIT ?) "
                f"RETURNING {_DELIVERY_COLUMNS}",
                (owner, now, *channels, now, left),
            )
            claimed += sorted((_delivery(r) for r in rows), key=lambda d: d.id)
        return claimed

    async def renew_claims(self, owner: str, at: datetime) -> int:
        cur = await self._conn.execute(
            "UPDATE deliveries SET claimed_at = ? WHERE status = 'sending' AND claimed_by = ?",
            (at.isoformat(), owner),
        )
        return cur.rowcount

    async def claim_owners(self) -> list[tuple[str, datetime]]:
        """Each owner holding claims, with its latest claim (or renewal) time."""
        rows = await self._queue_rows(
            "SELECT claimed_by, MAX(claimed_at) FROM deliveries WHERE status = 'sending' "
            "GROUP BY claimed_by"
        )
        return [(str(r[0]), datetime.fromisoformat(r[1])) for r in rows if r[0] is not None]

    async def release_claims(self, owners: list[str]) -> int:
        """Hand back to `pending` what dead owners had claimed: it was in flight, so it may have
        reached the person; it is sent again rather than lost."""
        if not owners:
            return 0
        marks = ",".join("?" * len(owners))
        cur = await self._conn.execute(
            "UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL "
            f"WHERE status = 'sending' AND claimed_by IN ({marks})",
            tuple(owners),
        )
        return cur.rowcount

    async def mark_delivery(
        self, delivery_id: int, status: DeliveryStatus, at: datetime, error: str | None = None
    ) -> None:
        await self._conn.execute(
            "UPDATE deliveries SET status = ?, attempts = attempts + 1, sent_at = ?, error = ?, "
            "claimed_by = NULL, claimed_at = NULL WHERE id = ?",
            (status.value, at.isoformat(), error, delivery_id),
        )

    async def retry_later(
        self, delivery_id: int, error: str, not_before: datetime | None = None
    ) -> int:
        """Back to `pending` (due at `not_before`), one attempt more; returns the attempts."""
        rows = await self._queue_rows(
            "UPDATE deliveries SET attempts = attempts + 1, error = ?, next_try_at = ?, "
            "status = CASE status WHEN 'sending' THEN 'pending' ELSE status END, "
            "claimed_by = NULL, claimed_at = NULL WHERE id = ? RETURNING attempts",
            (error, None if not_before is None else not_before.isoformat(), delivery_id),
        )
        return int(rows[0][0]) if rows else 0

    # The inbox -------------------------------------------------------------------------------
    async def inbox_add(
        self, channel: str, update_key: str, chat: str | None, body: str, at: datetime
    ) -> bool:
        """Keep an update until it is handled; one already handled or already kept is not."""
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO inbox (channel, update_key, chat, body, received_at) "
            "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM processed_updates "
            "WHERE channel = ? AND update_key = ?)",
            (channel, update_key, chat, body, at.isoformat(), channel, update_key),
        )
        return cur.rowcount == 1

    async def inbox_due(self, channel: str, at: datetime, limit: int) -> list[InboxItem]:
        rows = await self._queue_rows(
            "SELECT channel, update_key, chat, body, attempts FROM inbox WHERE channel = ? "
            "AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY id LIMIT ?",
            (channel, at.isoformat(), limit),
        )
        return [InboxItem(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    async def inbox_retry(self, channel: str, update_key: str, not_before: datetime) -> int:
        """Handling failed: try again at `not_before`; returns the attempts so far."""
        rows = await self._queue_rows(
            "UPDATE inbox SET attempts = attempts + 1, next_try_at = ? "
            "WHERE channel = ? AND update_key = ? RETURNING attempts",
            (not_before.isoformat(), channel, update_key),
        )
        return int(rows[0][0]) if rows else 0

    async def inbox_size(self, channel: str) -> int:
        rows = await self._queue_rows("SELECT COUNT(*) FROM inbox WHERE channel = ?", (channel,))
        return int(rows[0][0])
