"""SQLite queries for clusters: the office's handling of each request, and what the engine keeps.

A question's cluster is `COALESCE(cluster_id, id)`: NULL means it is its cluster's first
member. Every change to a dialogue's clusters writes a new random `dialogues.cluster_gen`,
so that the engine a process keeps in memory knows when another process (an import, a second
bot) or a rolled-back transaction left it behind (see handlers/duplicates.py).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from domain.models import ClusterRecord, ClusterState, QuestionStatus, SuggestedPair
from storage.conn import Conn, Row

_CLUSTER_COLUMNS = (
    "id, dialogue_id, department, answer_due, answer, answered_at, answered_by, forwarded_to, "
    "reviewed_by, reviewed_at, report_text"
)


def _opt_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _cluster(row: Row) -> ClusterRecord:
    return ClusterRecord(
        id=int(row[0]),
        dialogue_id=int(row[1]),
        department=row[2],
        answer_due=None if row[3] is None else date.fromisoformat(row[3]),
        answer=row[4],
        answered_at=_opt_dt(row[5]),
        answered_by=row[6],
        forwarded_to=row[7],
        reviewed_by=row[8],
        reviewed_at=_opt_dt(row[9]),
        report_text=row[10],
    )


# For storage/sqlite_web.py.
CLUSTER_COLUMNS = _CLUSTER_COLUMNS
cluster_record = _cluster


def _pair(row: Row) -> SuggestedPair:
    return SuggestedPair(
        id=int(row[0]),
        dialogue_id=int(row[1]),
        question_id=int(row[2]),
        other_id=int(row[3]),
        confidence=float(row[4]),
        status=str(row[5]),
        created_at=datetime.fromisoformat(row[6]),
        cluster=int(row[7]),
        other_cluster=int(row[8]),
    )


_PAIR_COLUMNS = (
    "s.id, s.dialogue_id, s.question_id, s.other_id, s.confidence, s.status, s.created_at, "
    "COALESCE(a.cluster_id, a.id), COALESCE(b.cluster_id, b.id)"
)
_PAIR_FROM = (
    "FROM suggestions s JOIN questions a ON a.id = s.question_id "
    "JOIN questions b ON b.id = s.other_id"
)


_OF_CLUSTER = "(SELECT dialogue_id FROM clusters WHERE id = ?)"


class ClusterQueries:
    _conn: Conn

    async def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def _count(self, sql: str, params: tuple[object, ...]) -> int:
        cur = await self._conn.execute(sql, params)
        return cur.rowcount

    async def _touch(self, dialogue_id: int) -> None:
        await self._conn.execute(
            "UPDATE dialogues SET cluster_gen = ? WHERE id = ?",
            (secrets.token_hex(8), dialogue_id),
        )

    async def _touch_of(self, cluster_id: int) -> None:
        await self._conn.execute(
            f"UPDATE dialogues SET cluster_gen = ? WHERE id = {_OF_CLUSTER}",
            (secrets.token_hex(8), cluster_id),
        )

    # The office's handling ------------------------------------------------------------------
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
        await self._touch_of(cluster_id)

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
        await self._touch_of(cluster_id)

    async def record_forward(self, cluster_id: int, authority: str, by: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE clusters SET forwarded_to = ?, answered_by = ?, answered_at = ?, "
            "updated_at = ? WHERE id = ?",
            (authority, by, at.isoformat(), at.isoformat(), cluster_id),
        )
        await self._set_status(
            cluster_id, QuestionStatus.FORWARDED, "'received', 'assigned', 'forwarded'"
        )
        await self._touch_of(cluster_id)

    async def mark_reviewed(self, cluster_id: int, by: str, at: datetime) -> None:
        """An official has looked at the cluster's members: its members count as confirmed."""
        await self._conn.execute(
            "UPDATE clusters SET reviewed_by = ?, reviewed_at = ?, updated_at = ? WHERE id = ?",
            (by, at.isoformat(), at.isoformat(), cluster_id),
        )
        await self._conn.execute(
            "UPDATE questions SET clustered_by = COALESCE(clustered_by, ?) "
            "WHERE COALESCE(cluster_id, id) = ?",
            (by, cluster_id),
        )
        await self._touch_of(cluster_id)

    # Membership -----------------------------------------------------------------------------
    async def join_cluster(self, question_id: int, cluster_id: int) -> None:
        """Put a question that is its own cluster into another (the engine's decision)."""
        await self._conn.execute(
            "UPDATE questions SET cluster_id = ?, "
            "status = (SELECT status FROM questions WHERE id = ?) WHERE id = ?",
            (cluster_id, cluster_id, question_id),
        )
        await self._conn.execute("DELETE FROM clusters WHERE id = ?", (question_id,))
        await self._touch_of(cluster_id)

    async def merge_clusters(
        self, keep: int, absorb: int, at: datetime, by: str | None = None
    ) -> int:
        """Move every question of `absorb` into `keep`; where both were handled, `keep` wins.

        `by`: the official who merged them (the moved questions count as confirmed by them);
        None when the engine merged them."""
        kept, gone = await self.cluster(keep), await self.cluster(absorb)
        moved = await self._count(
            "UPDATE questions SET cluster_id = ?, clustered_by = COALESCE(?, clustered_by) "
            "WHERE COALESCE(cluster_id, id) = ?",
            (keep, by, absorb),
        )
        if kept is not None and gone is not None:
            await self._conn.execute(
                "UPDATE clusters SET department = COALESCE(department, ?), "
                "answer_due = COALESCE(answer_due, ?), answer = COALESCE(answer, ?), "
                "answered_at = COALESCE(answered_at, ?), answered_by = COALESCE(answered_by, ?), "
                "forwarded_to = COALESCE(forwarded_to, ?), "
                "reviewed_by = COALESCE(reviewed_by, ?), reviewed_at = COALESCE(reviewed_at, ?), "
                "report_text = COALESCE(report_text, ?), updated_at = ? WHERE id = ?",
                (
                    gone.department,
                    None if gone.answer_due is None else gone.answer_due.isoformat(),
                    gone.answer,
                    None if gone.answered_at is None else gone.answered_at.isoformat(),
                    gone.answered_by,
                    gone.forwarded_to,
                    gone.reviewed_by,
                    None if gone.reviewed_at is None else gone.reviewed_at.isoformat(),
                    gone.report_text,
                    at.isoformat(),
                    keep,
                ),
            )
        await self._conn.execute("DELETE FROM clusters WHERE id = ?", (absorb,))
        await self._touch_of(keep)
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
                # CAST: PostgreSQL would read a bare parameter in a CASE as text.
                "UPDATE questions SET cluster_id = CASE WHEN id = ? THEN NULL "
                "ELSE CAST(? AS BIGINT) END "
                "WHERE COALESCE(cluster_id, id) = ? AND id != ?",
                (new_id, new_id, old, question_id),
            )
            await self._conn.execute(
                "INSERT INTO clusters (id, dialogue_id, department, answer_due, answer, "
                "answered_at, answered_by, forwarded_to, reviewed_by, reviewed_at, report_text, "
                "updated_at) "
                "SELECT CAST(? AS BIGINT), dialogue_id, department, answer_due, answer, "
                "answered_at, answered_by, forwarded_to, reviewed_by, reviewed_at, report_text, ? "
                "FROM clusters WHERE id = ?",
                (new_id, at.isoformat(), old),
            )
            await self._conn.execute(
                "UPDATE clusters SET department = NULL, answer_due = NULL, answer = NULL, "
                "answered_at = NULL, answered_by = NULL, forwarded_to = NULL, "
                "reviewed_by = NULL, reviewed_at = NULL, report_text = NULL, updated_at = ? "
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
        await self._touch(dialogue_id)
        return old

    # What the engine keeps ------------------------------------------------------------------
    async def cluster_gen(self, dialogue_id: int) -> str:
        rows = await self._rows("SELECT cluster_gen FROM dialogues WHERE id = ?", (dialogue_id,))
        return str(rows[0][0]) if rows else ""

    async def cluster_state(self, dialogue_id: int) -> ClusterState:
        gen = await self.cluster_gen(dialogue_id)
        assignment = {
            int(r[0]): int(r[1])
            for r in await self._rows(
                "SELECT id, COALESCE(cluster_id, id) FROM questions WHERE dialogue_id = ? "
                "ORDER BY id",
                (dialogue_id,),
            )
        }
        handled = frozenset(
            int(r[0])
            for r in await self._rows(
                "SELECT id FROM clusters WHERE dialogue_id = ? AND (reviewed_by IS NOT NULL "
                "OR department IS NOT NULL OR answer IS NOT NULL OR forwarded_to IS NOT NULL)",
                (dialogue_id,),
            )
        )
        apart = tuple(
            (int(r[0]), int(r[1]))
            for r in await self._rows(
                "SELECT question_id, other_id FROM kept_apart WHERE dialogue_id = ?",
                (dialogue_id,),
            )
        )
        return ClusterState(gen, assignment, handled, apart)

    async def keep_apart(
        self, dialogue_id: int, question_id: int, other_id: int, reason: str, by: str, at: datetime
    ) -> None:
        low, high = sorted((question_id, other_id))
        await self._conn.execute(
            "INSERT OR IGNORE INTO kept_apart (dialogue_id, question_id, other_id, reason, "
            "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
            (dialogue_id, low, high, reason, by, at.isoformat()),
        )
        await self._touch(dialogue_id)

    async def add_suggestion(
        self, dialogue_id: int, question_id: int, other_id: int, confidence: float, at: datetime
    ) -> bool:
        """Record a suggested pair once (either way round); False if it was known."""
        low, high = sorted((question_id, other_id))
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO suggestions (dialogue_id, question_id, other_id, confidence, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            (dialogue_id, low, high, confidence, at.isoformat()),
        )
        return cur.rowcount > 0

    async def open_suggestions(self, dialogue_id: int) -> list[SuggestedPair]:
        """Open suggestions still worth a look, most likely first, one per pair of clusters:
        the two questions are in different clusters, and no official kept those apart."""
        rows = await self._rows(
            f"""
            SELECT {_PAIR_COLUMNS} {_PAIR_FROM}
            WHERE s.dialogue_id = ? AND s.status = 'open'
              AND COALESCE(a.cluster_id, a.id) != COALESCE(b.cluster_id, b.id)
              AND NOT EXISTS (
                SELECT 1 FROM kept_apart k
                JOIN questions x ON x.id = k.question_id JOIN questions y ON y.id = k.other_id
                WHERE (COALESCE(x.cluster_id, x.id) = COALESCE(a.cluster_id, a.id)
                       AND COALESCE(y.cluster_id, y.id) = COALESCE(b.cluster_id, b.id))
                   OR (COALESCE(x.cluster_id, x.id) = COALESCE(b.cluster_id, b.id)
                       AND COALESCE(y.cluster_id, y.id) = COALESCE(a.cluster_id, a.id)))
            ORDER BY s.confidence DESC, s.id
            """,
            (dialogue_id,),
        )
        seen: set[frozenset[int]] = set()
        pairs = []
        for pair in map(_pair, rows):
            key = frozenset((pair.cluster, pair.other_cluster))
            if key not in seen:
                seen.add(key)
                pairs.append(pair)
        return pairs

    async def suggestion(self, suggestion_id: int) -> SuggestedPair | None:
        rows = await self._rows(
            f"SELECT {_PAIR_COLUMNS} {_PAIR_FROM} WHERE s.id = ?", (suggestion_id,)
        )
        return _pair(rows[0]) if rows else None

    async def decide_suggestion(
        self, suggestion_id: int, status: str, by: str, at: datetime
    ) -> None:
        await self._conn.execute(
            "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            (status, by, at.isoformat(), suggestion_id),
        )
