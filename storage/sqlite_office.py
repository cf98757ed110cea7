"""SQLite queries for the office's side: staff, audit, recipients, small facts."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from domain.models import (
    AuditEntry,
    Recipient,
)


class OfficeQueries:
    _conn: aiosqlite.Connection

    async def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def _count(self, sql: str, params: tuple[object, ...]) -> int:
        cur = await self._conn.execute(sql, params)
        return cur.rowcount

    # Staff -----------------------------------------------------------------------------------
    async def grant_staff(self, person: str, role: str, by: str, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO staff (person, role, added_by, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (person) DO UPDATE SET role = excluded.role, "
            "added_by = excluded.added_by, added_at = excluded.added_at",
            (person, role, by, at.isoformat()),
        )

    async def revoke_staff(self, person: str) -> bool:
        return await self._count("DELETE FROM staff WHERE person = ?", (person,)) == 1

    async def staff_list(self) -> list[tuple[str, str]]:
        rows = await self._rows("SELECT person, role FROM staff ORDER BY role, person")
        return [(str(r[0]), str(r[1])) for r in rows]

    # Small facts -----------------------------------------------------------------------------
    async def kv_get(self, key: str) -> str | None:
        rows = await self._rows("SELECT value FROM kv WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def kv_set(self, key: str, value: str) -> None:
        await self._conn.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # Audit -----------------------------------------------------------------------------------
    async def audit(self, at: datetime, who: str, action: str, detail: str) -> None:
        await self._conn.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (at.isoformat(), who, action, detail),
        )

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._rows(
            "SELECT at, who, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]

    async def recipients(self, cluster_id: int) -> list[Recipient]:
        """Everyone who asked in the cluster or backed one of its questions, once each."""
        rows = await self._rows(
            """
            SELECT r.channel, r.chat_id, MIN(q.receipt_code)
            FROM questions q JOIN residents r ON r.id = q.resident_id
            WHERE COALESCE(q.cluster_id, q.id) = ? AND r.consent = 'granted'
            GROUP BY r.id
            UNION
            SELECT r.channel, r.chat_id, MIN(q.receipt_code)
            FROM supports s JOIN questions q ON q.id = s.question_id
            JOIN residents r ON r.id = s.resident_id
            WHERE COALESCE(q.cluster_id, q.id) = ? AND r.consent = 'granted'
            GROUP BY r.id
            """,
            (cluster_id, cluster_id),
        )
        seen: dict[tuple[str, str], Recipient] = {}
        for channel, chat_id, code in rows:
            seen.setdefault((str(channel), str(chat_id)), Recipient(channel, chat_id, code))
        return list(seen.values())

    async def support_counts(self, dialogue_id: int) -> dict[int, int]:
        rows = await self._rows(
            "SELECT s.question_id, COUNT(*) FROM supports s JOIN questions q "
            "ON q.id = s.question_id WHERE q.dialogue_id = ? GROUP BY s.question_id",
            (dialogue_id,),
        )
        return {int(r[0]): int(r[1]) for r in rows}
