"""SQLite queries for the office's side: staff, clusters, audit, deliveries, small facts."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from domain.models import (
    AuditEntry,
    ClusterRecord,
    Delivery,
    DeliveryStatus,
    QuestionStatus,
    Recipient,
)

_CLUSTER_COLUMNS = (
    "id, dialogue_id, department, answer_due, answer, answered_at, answered_by, forwarded_to"
)


def _cluster(row: aiosqlite.Row) -> ClusterRecord:
    return ClusterRecord(
        id=int(row[0]),
        dialogue_id=int(row[1]),
        department=row[2],
        answer_due=None if row[3] is None else date.fromisoformat(row[3]),
        answer=row[4],
        answered_at=None if row[5] is None else datetime.fromisoformat(row[5]),
        answered_by=row[6],
        forwarded_to=row[7],
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

    # Clusters --------------------------------------------------------------------------------
    async def cluster(self, cluster_id: int) -> ClusterRecord | None:
        rows = await self._rows(
            f"SELECT {_CLUSTER_COLUMNS} FROM clusters WHERE id = ?", (cluster_id,)
        )
        return _cluster(rows[0]) if rows else None

    async def clusters_of(self, dialogue_id: int) -> dict[int, ClusterRecord]:
        rows = await self._rows(
            f"SELECT {_CLUSTER_COLUMNS} FROM clusters WHERE dialogue_id = ?", (dialogue_id,)
        )
        return {int(r[0]): _cluster(r) for r in rows}

    async def _set_status(self, cluster_id: int, status: QuestionStatus, only_from: str) -> None:
        await self._conn.execute(
            f"UPDATE questions SET status = ? WHERE COALESCE(cluster_id, id) = ? "
            f"AND status IN ({only_from})",
            (status.value, cluster_id),
        )

    async def assign(
        self, cluster_id: int, department: str, due: date | None, at: datetime
    ) -> None:
        await self._conn.execute(
            "UPDATE clusters SET department = ?, answer_due = ?, updated_at = ? WHERE id = ?",
            (department, None if due is None else due.isoformat(), at.isoformat(), cluster_id),
        )
        await self._set_status(cluster_id, QuestionStatus.ASSIGNED, "'received'")

    async def set_due(self, cluster_id: int, due: date, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE clusters SET answer_due = ?, updated_at = ? WHERE id = ?",
            (due.isoformat(), at.isoformat(), cluster_id),
        )

    async def record_answer(self, cluster_id: int, text: str, by: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE clusters SET answer = ?, answered_by = ?, answered_at = ?, "
            "forwarded_to = NULL, updated_at = ? WHERE id = ?",
            (text, by, at.isoformat(), at.isoformat(), cluster_id),
        )
        await self._set_status(
            cluster_id, QuestionStatus.ANSWERED, "'received', 'assigned', 'forwarded', 'answered'"
        )

    async def record_forward(self, cluster_id: int, authority: str, by: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE clusters SET forwarded_to = ?, answered_by = ?, answered_at = ?, "
            "updated_at = ? WHERE id = ?",
            (authority, by, at.isoformat(), at.isoformat(), cluster_id),
        )
        await self._set_status(
            cluster_id, QuestionStatus.FORWARDED, "'received', 'assigned', 'forwarded'"
        )

    async def merge_clusters(self, keep: int, absorb: int, at: datetime) -> int:
        """Move every question of `absorb` into `keep`; where both were handled, `keep` wins."""
        kept, gone = await self.cluster(keep), await self.cluster(absorb)
        moved = await self._count(
            "UPDATE questions SET cluster_id = ? WHERE COALESCE(cluster_id, id) = ?",
            (keep, absorb),
        )
        if kept is not None and gone is not None:
            await self._conn.execute(
                "UPDATE clusters SET department = COALESCE(department, ?), "
                "answer_due = COALESCE(answer_due, ?), answer = COALESCE(answer, ?), "
                "answered_at = COALESCE(answered_at, ?), answered_by = COALESCE(answered_by, ?), "
                "forwarded_to = COALESCE(forwarded_to, ?), updated_at = ? WHERE id = ?",
                (
                    gone.department,
                    None if gone.answer_due is None else gone.answer_due.isoformat(),
                    gone.answer,
                    None if gone.answered_at is None else gone.answered_at.isoformat(),
                    gone.answered_by,
                    gone.forwarded_to,
                    at.isoformat(),
                    keep,
                ),
            )
        await self._conn.execute("DELETE FROM clusters WHERE id = ?", (absorb,))
        return moved

    async def split_question(self, question_id: int, at: datetime) -> int | None:
        """Take a question out of its cluster; returns the id of the cluster it left."""
        rows = await self._rows(
            "SELECT dialogue_id, COALESCE(cluster_id, id) FROM questions WHERE id = ?",
            (question_id,),
        )
        if not rows:
            return None
        dialogue_id, old = int(rows[0][0]), int(rows[0][1])
        others = [
            int(r[0])
            for r in await self._rows(
                "SELECT id FROM questions WHERE COALESCE(cluster_id, id) = ? AND id != ? "
                "ORDER BY id",
                (old, question_id),
            )
        ]
        if not others:
            return None  # already alone
        if old == question_id:
            # The first member leaves: the rest keep the office's handling under a new id.
            new_id = others[0]
            await self._conn.execute(
                "UPDATE questions SET cluster_id = CASE WHEN id = ? THEN NULL ELSE ? END "
                "WHERE COALESCE(cluster_id, id) = ? AND id != ?",
                (new_id, new_id, old, question_id),
            )
            await self._conn.execute(
                "INSERT INTO clusters (id, dialogue_id, department, answer_due, answer, "
                "answered_at, answered_by, forwarded_to, updated_at) "
                "SELECT ?, dialogue_id, department, answer_due, answer, answered_at, "
                "answered_by, forwarded_to, ? FROM clusters WHERE id = ?",
                (new_id, at.isoformat(), old),
            )
            await self._conn.execute(
                "UPDATE clusters SET department = NULL, answer_due = NULL, answer = NULL, "
                "answered_at = NULL, answered_by = NULL, forwarded_to = NULL, updated_at = ? "
                "WHERE id = ?",
                (at.isoformat(), old),
            )
        else:
            await self._conn.execute(
                "UPDATE questions SET cluster_id = NULL WHERE id = ?", (question_id,)
            )
            await self._conn.execute(
                "INSERT INTO clusters (id, dialogue_id, updated_at) VALUES (?, ?, ?)",
                (question_id, dialogue_id, at.isoformat()),
            )
        # The question left the cluster's answer behind: it is handled afresh.
        await self._conn.execute(
            "UPDATE questions SET status = 'received' WHERE id = ?", (question_id,)
        )
        return old

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
        return (
            await self._count(
                "INSERT OR IGNORE INTO deliveries (channel, chat_id, kind, ref, text, status, "
                "created_at, file_ref, file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    channel,
                    chat_id,
                    kind,
                    ref,
                    text,
                    status.value,
                    at.isoformat(),
                    file_ref,
                    file_name,
                ),
            )
            == 1
        )

    async def due_deliveries(self, limit: int) -> list[Delivery]:
        rows = await self._rows(
            "SELECT id, channel, chat_id, kind, ref, text, status, attempts, file_ref, file_name "
            "FROM deliveries "
            "WHERE status = 'pending' ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            Delivery(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                DeliveryStatus(r[6]),
                int(r[7]),
                r[8],
                r[9],
            )
            for r in rows
        ]

    async def mark_delivery(
        self, delivery_id: int, status: DeliveryStatus, at: datetime, error: str | None = None
    ) -> None:
        await self._conn.execute(
            "UPDATE deliveries SET status = ?, attempts = attempts + 1, sent_at = ?, error = ? "
            "WHERE id = ?",
            (status.value, at.isoformat(), error, delivery_id),
        )

    async def retry_later(self, delivery_id: int, error: str) -> int:
        await self._conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, error = ? WHERE id = ?",
            (error, delivery_id),
        )
        rows = await self._rows("SELECT attempts FROM deliveries WHERE id = ?", (delivery_id,))
        return int(rows[0][0])
