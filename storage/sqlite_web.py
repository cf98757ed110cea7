"""SQLite queries for the office's web page: one-time sign-in links, sessions, the text that
represents a cluster in the report, and the figures the pages show.

Links and sessions are kept as hashes of their secrets (handlers/web_access.py makes them).
Times are compared here in Python, not as stored text: a moment written with another offset
would not sort with the others.
"""

from __future__ import annotations

from datetime import datetime

from domain.models import ClusterRecord, DeskRow, DialogueCounts, WebSession
from storage.conn import Conn, Row
from storage.sqlite_clusters import CLUSTER_COLUMNS, cluster_record


class WebQueries:
    _conn: Conn

    async def _web_rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # Sign-in links ---------------------------------------------------------------------------
    async def add_web_link(
        self, token_hash: str, person: str, at: datetime, expires: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO web_links (token_hash, person, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (token_hash, person, at.isoformat(), expires.isoformat()),
        )

    async def web_link(self, token_hash: str, at: datetime) -> tuple[str, str | None]:
        """("ok" | "used" | "expired" | "unknown", the person it was sent to)."""
        rows = await self._web_rows(
            "SELECT person, expires_at, used_at FROM web_links WHERE token_hash = ?",
            (token_hash,),
        )
        if not rows:
            return "unknown", None
        person, expires, used = str(rows[0][0]), str(rows[0][1]), rows[0][2]
        if used is not None:
            return "used", person
        if datetime.fromisoformat(expires) <= at:
            return "expired", person
        return "ok", person

    async def use_web_link(self, token_hash: str, at: datetime) -> tuple[str, str | None]:
        """Like `web_link`, and an "ok" link is marked used in this transaction: it opens one
        session, once."""
        status, person = await self.web_link(token_hash, at)
        if status == "ok":
            await self._conn.execute(
                "UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                (at.isoformat(), token_hash),
            )
        return status, person

    # Sessions --------------------------------------------------------------------------------
    async def add_web_session(
        self, token_hash: str, person: str, csrf: str, at: datetime, expires: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO web_sessions (token_hash, person, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash, person, csrf, at.isoformat(), expires.isoformat()),
        )

    async def web_session(self, token_hash: str, at: datetime) -> WebSession | None:
        """The session, with the role granted in the chat to its person, read in one query
        (every request checks the role again); None when unknown or expired."""
        rows = await self._web_rows(
            "SELECT s.person, s.csrf, s.expires_at, "
            "(SELECT role FROM staff WHERE person = s.person) "
            "FROM web_sessions s WHERE s.token_hash = ?",
            (token_hash,),
        )
        if not rows:
            return None
        expires = datetime.fromisoformat(rows[0][2])
        if expires <= at:
            return None
        return WebSession(str(rows[0][0]), str(rows[0][1]), expires, rows[0][3])

    async def staff_role(self, person: str) -> str | None:
        """The role granted to `person` in the chat (the config's roles are not stored)."""
        rows = await self._web_rows("SELECT role FROM staff WHERE person = ?", (person,))
        return str(rows[0][0]) if rows else None

    async def end_web_session(self, token_hash: str) -> None:
        await self._conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))

    async def prune_web(self, before: datetime) -> int:
        """Forget links and sessions that expired before `before`."""
        gone = 0
        for table in ("web_links", "web_sessions"):
            stale = [
                (str(r[0]),)
                for r in await self._web_rows(f"SELECT token_hash, expires_at FROM {table}")
                if datetime.fromisoformat(r[1]) < before
            ]
            if stale:
                await self._conn.executemany(f"DELETE FROM {table} WHERE token_hash = ?", stale)
                gone += len(stale)
        return gone

    # What the pages show ---------------------------------------------------------------------
    async def set_report_text(
        self, cluster_id: int, text: str | None, by: str, at: datetime
    ) -> None:
        """`by` is in the audit log, written with it by the caller (handlers/desk.py)."""
        await self._conn.execute(
            "UPDATE clusters SET report_text = ?, updated_at = ? WHERE id = ?",
            (text, at.isoformat(), cluster_id),
        )

    async def desk_changes(
        self, dialogue_id: int, after: int
    ) -> tuple[int, int, list[DeskRow], list[ClusterRecord]]:
        """The revision the reader is at, how many questions the dialogue has, and its questions
        and cluster records changed since revision `after` (all of them for -1): a copy kept in
        memory is brought up to date with what changed alone."""
        # The question columns and their reading are the main module's (imported here, when
        # used, because that module imports this one).
        # The question's columns and row reader, shared with storage/sqlite.py.
        from storage.sqlite import _QUESTION_COLUMNS as QUESTION_COLUMNS
        from storage.sqlite import _question as question_of

        head = await self._web_rows(
            "SELECT (SELECT rev FROM web_revision), "
            "(SELECT COUNT(*) FROM questions WHERE dialogue_id = ?)",
            (dialogue_id,),
        )
        rev, count = int(head[0][0]), int(head[0][1])
        rows = await self._web_rows(
            f"SELECT {QUESTION_COLUMNS}, "
            "CASE WHEN q.source = 'paper' THEN 'paper' ELSE COALESCE(r.channel, 'unknown') END, "
            "(SELECT COUNT(*) FROM supports s WHERE s.question_id = q.id), q.web_rev "
            "FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            "LEFT JOIN residents r ON r.id = q.resident_id "
            "WHERE q.dialogue_id = ? AND q.web_rev > ? ORDER BY q.id",
            (dialogue_id, after),
        )
        # The three columns after the question's own: its channel, backers and revision.
        questions = [
            DeskRow(question_of(row), str(row[-3]), int(row[-2]), int(row[-1])) for row in rows
        ]
        records = [
            cluster_record(row)
            for row in await self._web_rows(
                f"SELECT {CLUSTER_COLUMNS} FROM clusters WHERE dialogue_id = ? AND web_rev > ?",
                (dialogue_id, after),
            )
        ]
        return rev, count, questions, records

    async def question_channels(self, dialogue_id: int) -> dict[int, str]:
        """The channel each question of the dialogue came by, for those whose asker is still
        known (never the chat id)."""
        rows = await self._web_rows(
            "SELECT q.id, r.channel FROM questions q JOIN residents r ON r.id = q.resident_id "
            "WHERE q.dialogue_id = ?",
            (dialogue_id,),
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def dialogue_counts(self) -> dict[int, DialogueCounts]:
        questions = {
            int(r[0]): (int(r[1]), int(r[2]))
            for r in await self._web_rows(
                # COUNT(CASE …): SQLite's TOTAL() of a condition is not PostgreSQL's.
                "SELECT dialogue_id, COUNT(*), COUNT(CASE WHEN flag = 'complaint' THEN 1 END) "
                "FROM questions "
                "GROUP BY dialogue_id"
            )
        }
        clusters = {
            int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
            for r in await self._web_rows(
                "SELECT dialogue_id, COUNT(*), "
                "COUNT(CASE WHEN department IS NOT NULL AND answer IS NULL "
                "AND forwarded_to IS NULL THEN 1 END), "
                "COUNT(CASE WHEN answer IS NOT NULL AND forwarded_to IS NULL THEN 1 END), "
                "COUNT(CASE WHEN forwarded_to IS NOT NULL THEN 1 END) FROM clusters "
                "GROUP BY dialogue_id"
            )
        }
        out: dict[int, DialogueCounts] = {}
        for dialogue_id in questions.keys() | clusters.keys():
            asked, complaints = questions.get(dialogue_id, (0, 0))
            count, assigned, answered, forwarded = clusters.get(dialogue_id, (0, 0, 0, 0))
            out[dialogue_id] = DialogueCounts(
                asked, count, assigned, answered, forwarded, complaints
            )
        return out
