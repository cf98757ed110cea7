"""SQLite queries for admins: notices and their audiences, broadcasts, the conclusion."""

from __future__ import annotations

from datetime import datetime

from domain.models import AskerAnswer, Audience, Broadcast, Conclusion
from storage.conn import Conn, Row

_BROADCAST_COLUMNS = (
    "id, text, audience, send_at, status, created_by, progress_chat, progress_msg, recipients"
)


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        id=int(row[0]),
        text=row[1],
        audience=Audience.from_json(row[2]),
        send_at=datetime.fromisoformat(row[3]),
        status=row[4],
        created_by=row[5],
        progress_chat=row[6],
        progress_msg=row[7],
        recipients=int(row[8]),
    )


def audience_query(audience: Audience) -> tuple[str, tuple[object, ...]]:
    """SELECT channel, chat_id of everyone in the audience, once each."""
    base = (
        "SELECT r.channel, r.chat_id FROM residents r WHERE r.consent = 'granted' "
        "AND r.notices = 1 AND r.active = 1"
    )
    asked = (
        "SELECT q.resident_id FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
        "WHERE d.code = ? AND q.resident_id IS NOT NULL "
        "UNION SELECT s.resident_id FROM supports s JOIN questions q ON q.id = s.question_id "
        "JOIN dialogues d ON d.id = q.dialogue_id WHERE d.code = ? AND s.resident_id IS NOT NULL"
    )
    if audience.kind == "all":
        return base, ()
    if audience.kind == "villages":
        marks = ",".join("?" * len(audience.villages)) or "NULL"
        return f"{base} AND r.village IN ({marks})", tuple(audience.villages)
    if audience.kind == "askers":
        code = audience.dialogue_code
        return f"{base} AND r.id IN ({asked})", (code, code)
    if audience.kind == "not_asked":
        code = audience.dialogue_code
        return f"{base} AND r.id NOT IN ({asked})", (code, code)
    raise ValueError(f"unknown audience {audience.kind}")


class AdminQueries:
    _conn: Conn

    async def _admin_rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # Subscribers -----------------------------------------------------------------------------
    async def set_notices(self, resident_id: int, on: bool) -> None:
        await self._conn.execute(
            "UPDATE residents SET notices = ?, active = 1 WHERE id = ?", (int(on), resident_id)
        )

    async def deactivate(self, channel: str, chat_id: str) -> None:
        await self._conn.execute(
            "UPDATE residents SET active = 0 WHERE channel = ? AND chat_id = ?", (channel, chat_id)
        )

    async def count_audience(self, audience: Audience) -> int:
        sql, params = audience_query(audience)
        rows = await self._admin_rows(f"SELECT COUNT(*) FROM ({sql}) AS a", params)
        return int(rows[0][0])

    async def materialize(
        self, kind: str, ref: str, text: str, audience: Audience, at: datetime
    ) -> int:
        """One pending delivery per member of the audience, all in this transaction."""
        sql, params = audience_query(audience)
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO deliveries (channel, chat_id, kind, ref, text, status, "
            f"created_at) SELECT a.channel, a.chat_id, ?, ?, ?, 'pending', ? FROM ({sql}) a "
            "ORDER BY a.channel, a.chat_id",
            (kind, ref, text, at.isoformat(), *params),
        )
        return cur.rowcount

    async def delivery_counts(self, kind: str, ref: str) -> dict[str, int]:
        rows = await self._admin_rows(
            "SELECT status, COUNT(*) FROM deliveries WHERE kind = ? AND ref = ? GROUP BY status",
            (kind, ref),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def cancel_held(self, kind: str, ref_prefix: str) -> int:
        cur = await self._conn.execute(
            "UPDATE deliveries SET status = 'cancelled' WHERE status = 'held' AND kind = ? "
            "AND ref LIKE ?",
            (kind, ref_prefix + "%"),
        )
        return cur.rowcount

    # Broadcasts ------------------------------------------------------------------------------
    async def create_broadcast(
        self,
        text: str,
        audience: Audience,
        send_at: datetime,
        by: str,
        at: datetime,
        progress_chat: str | None,
    ) -> int:
        rows = await self._admin_rows(
            "INSERT INTO broadcasts (text, audience, send_at, status, created_by, created_at, "
            "progress_chat) VALUES (?, ?, ?, 'scheduled', ?, ?, ?) RETURNING id",
            (text, audience.to_json(), send_at.isoformat(), by, at.isoformat(), progress_chat),
        )
        return int(rows[0][0])

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        rows = await self._admin_rows(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _broadcast(rows[0]) if rows else None

    async def broadcasts_in(self, statuses: tuple[str, ...]) -> list[Broadcast]:
        marks = ",".join("?" * len(statuses))
        rows = await self._admin_rows(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE status IN ({marks}) ORDER BY id",
            statuses,
        )
        return [_broadcast(r) for r in rows]

    async def update_broadcast(
        self,
        broadcast_id: int,
        *,
        status: str | None = None,
        recipients: int | None = None,
        progress_msg: str | None = None,
    ) -> None:
        sets: list[str] = []
        params: list[object] = []
        for column, value in (
            ("status", status),
            ("recipients", recipients),
            ("progress_msg", progress_msg),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        if sets:
            await self._conn.execute(
                f"UPDATE broadcasts SET {', '.join(sets)} WHERE id = ?", (*params, broadcast_id)
            )

    # The conclusion --------------------------------------------------------------------------
    async def record_conclusion(self, dialogue_id: int, text: str, by: str, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO conclusions (dialogue_id, text, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (dialogue_id) DO UPDATE SET text = excluded.text, "
            "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
            (dialogue_id, text, by, at.isoformat()),
        )

    async def conclusion(self, dialogue_id: int) -> Conclusion | None:
        rows = await self._admin_rows(
            "SELECT dialogue_id, text, recorded_by, recorded_at, published_at FROM conclusions "
            "WHERE dialogue_id = ?",
            (dialogue_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return Conclusion(
            int(r[0]),
            r[1],
            r[2],
            datetime.fromisoformat(r[3]),
            None if r[4] is None else datetime.fromisoformat(r[4]),
        )

    async def mark_published(self, dialogue_id: int, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE conclusions SET published_at = ? WHERE dialogue_id = ?",
            (at.isoformat(), dialogue_id),
        )

    async def askers_with_answers(self, dialogue_id: int) -> list[AskerAnswer]:
        """Every person who asked or backed a question in the dialogue and can still be
        reached, with the question and its answer or where it was forwarded."""
        rows = await self._admin_rows(
            """
            SELECT r.channel, r.chat_id, q.receipt_code, q.text, c.answer, c.forwarded_to,
                   q.author_name, 0
            FROM questions q JOIN residents r ON r.id = q.resident_id
            LEFT JOIN clusters c ON c.id = COALESCE(q.cluster_id, q.id)
            WHERE q.dialogue_id = ? AND r.consent = 'granted' AND r.active = 1
            UNION
            SELECT r.channel, r.chat_id, q.receipt_code, q.text, c.answer, c.forwarded_to,
                   q.author_name, 1
            FROM supports s JOIN questions q ON q.id = s.question_id
            JOIN residents r ON r.id = s.resident_id
            LEFT JOIN clusters c ON c.id = COALESCE(q.cluster_id, q.id)
            WHERE q.dialogue_id = ? AND r.consent = 'granted' AND r.active = 1
            ORDER BY 1, 2, 3
            """,
            (dialogue_id, dialogue_id),
        )
        return [AskerAnswer(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]
