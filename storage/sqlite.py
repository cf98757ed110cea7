"""SQLite backend: one write connection (WAL, BEGIN IMMEDIATE), one read connection.

A commune's traffic is a few writes a second at most, so serialising writers behind one lock is
simpler and faster than letting SQLite's busy handler arbitrate; `busy_timeout` still covers a
second process (the CLI) writing the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from domain.models import (
    Consent,
    ConversationState,
    Dialogue,
    DialogueSpec,
    IndexEntry,
    NewQuestion,
    Question,
    QuestionStatus,
    Resident,
)
from storage.conn import Conn, Row, SqliteConn
from storage.migrate import NewerDatabase, StoreUnavailable, migrate
from storage.sqlite_admin import AdminQueries
from storage.sqlite_clusters import ClusterQueries
from storage.sqlite_meeting import MeetingQueries
from storage.sqlite_office import OfficeQueries
from storage.sqlite_privacy import PrivacyQueries
from storage.sqlite_queue import QueueQueries
from storage.sqlite_web import WebQueries

__all__ = ["NewerDatabase", "SqliteStore", "SqliteTransaction", "StoreUnavailable"]

BUSY_TIMEOUT_MS = 5000
log = logging.getLogger(__name__)


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _opt_ts(moment: object) -> str | None:
    return None if moment is None else _ts(moment)  # type: ignore[arg-type]


def _spec_values(spec: DialogueSpec) -> dict[str, object]:
    return {
        "title": spec.title,
        "host": spec.host,
        "audience": spec.audience,
        "deadline": _ts(spec.deadline),
        "meeting_at": None if spec.meeting_at is None else _ts(spec.meeting_at),
        "meeting_note": spec.meeting_note,
        "location": spec.location,
        "timezone": spec.timezone,
        "categories": json.dumps(list(spec.categories)),
        "address": spec.address,
    }


def _opt_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


_DIALOGUE_COLUMNS = (
    "id, code, title, host, audience, deadline, meeting_at, meeting_note, location, timezone, "
    "categories, closed, overrides, complex, address"
)
_QUESTION_COLUMNS = (
    "q.id, q.dialogue_id, d.code, q.receipt_code, q.resident_id, q.category, q.text, q.village, "
    "q.author_name, q.status, q.created_at, q.source, COALESCE(q.cluster_id, q.id), "
    "q.suggested_category, q.flag, q.clustered_by"
)


def _dialogue(row: Row) -> Dialogue:
    return Dialogue(
        id=row[0],
        code=row[1],
        title=row[2],
        host=row[3],
        audience=row[4],
        deadline=_dt(row[5]),
        meeting_at=_opt_dt(row[6]),
        meeting_note=row[7],
        location=row[8],
        timezone=row[9],
        categories=tuple(json.loads(row[10])),
        closed=bool(row[11]),
        overrides=tuple(json.loads(row[12])),
        complex=bool(row[13]),
        address=row[14],
    )


def _question(row: Row) -> Question:
    return Question(
        id=row[0],
        dialogue_id=row[1],
        dialogue_code=row[2],
        receipt_code=row[3],
        resident_id=row[4],
        category=row[5],
        text=row[6],
        village=row[7],
        author_name=row[8],
        status=QuestionStatus(row[9]),
        created_at=_dt(row[10]),
        source=row[11],
        cluster_id=row[12],
        suggested_category=row[13],
        flag=row[14],
        clustered_by=row[15],
    )


def _resident(row: Sequence[Any]) -> Resident:
    return Resident(
        id=row[0],
        channel=row[1],
        chat_id=row[2],
        user_id=row[3],
        consent=Consent(row[4]),
        consent_at=_dt(row[5]),
        village=row[6],
        name=row[7],
        notices=bool(row[8]),
        active=bool(row[9]),
    )


class SqliteTransaction(
    OfficeQueries,
    AdminQueries,
    ClusterQueries,
    PrivacyQueries,
    QueueQueries,
    MeetingQueries,
    WebQueries,
):
    """Queries over one connection; the caller owns BEGIN/COMMIT. The same class serves the
    PostgreSQL store (storage/postgres.py): its SQL is written once, for both (storage/conn.py)."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        # Dialogues are read several times per conversation step and change rarely: one read
        # per transaction is enough, and any write in the transaction forgets it.
        self._dialogue_cache: list[Dialogue] | None = None

    async def _one(self, sql: str, params: tuple[object, ...] = ()) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # Dialogues -------------------------------------------------------------------------------
    async def upsert_dialogue(self, spec: DialogueSpec, at: datetime) -> Dialogue:
        """Create or update a dialogue from the config.

        Fields an admin changed in the chat or on the command line (`overrides`) keep the
        admin's value; questions and the receipt counter are never touched.
        """
        existing = await self.dialogue_by_code(spec.code)
        self._dialogue_cache = None
        values = _spec_values(spec)
        if existing is None:
            await self._conn.execute(
                "INSERT INTO dialogues (code, title, host, audience, deadline, meeting_at, "
                "meeting_note, location, timezone, categories, address, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (spec.code, *values.values(), _ts(at), _ts(at)),
            )
        else:
            kept = set(existing.overrides)
            changes = {k: v for k, v in values.items() if k not in kept}
            if changes:
                assignments = ", ".join(f"{k} = ?" for k in changes)
                await self._conn.execute(
                    f"UPDATE dialogues SET {assignments}, updated_at = ? WHERE id = ?",
                    (*changes.values(), _ts(at), existing.id),
                )
        found = await self.dialogue_by_code(spec.code)
        assert found is not None
        return found

    async def admin_update_dialogue(
        self, code: str, changes: dict[str, object], at: datetime
    ) -> Dialogue | None:
        """Change fields by an admin's hand; the config will not set them again."""
        existing = await self.dialogue_by_code(code)
        if existing is None:
            return None
        self._dialogue_cache = None
        columns = {
            "title": str,
            "host": str,
            "audience": str,
            "deadline": _ts,
            "meeting_at": _opt_ts,
            "meeting_note": str,
            "location": str,
            "closed": int,
            "complex": int,
            "address": str,
        }
        values: dict[str, object] = {}
        for key, value in changes.items():
            convert = columns[key]
            values[key] = convert(value)  # type: ignore[operator]
        overrides = sorted(set(existing.overrides) | (set(values) - {"closed", "complex"}))
        assignments = ", ".join(f"{k} = ?" for k in values)
        await self._conn.execute(
            f"UPDATE dialogues SET {assignments}, overrides = ?, updated_at = ? WHERE id = ?",
            (*values.values(), json.dumps(overrides), _ts(at), existing.id),
        )
        return await self.dialogue_by_code(code)

    async def dialogues(self) -> list[Dialogue]:
        if self._dialogue_cache is None:
            rows = await self._all(
                f"SELECT {_DIALOGUE_COLUMNS} FROM dialogues ORDER BY deadline, id"
            )
            self._dialogue_cache = [_dialogue(r) for r in rows]
        return list(self._dialogue_cache)

    async def dialogue_by_code(self, code: str) -> Dialogue | None:
        return next((d for d in await self.dialogues() if d.code == code), None)

    # Residents -------------------------------------------------------------------------------
    async def resident(self, channel: str, chat_id: str) -> Resident | None:
        row = await self._one(
            "SELECT id, channel, chat_id, user_id, consent, consent_at, village, name, notices, "
            "active FROM residents WHERE channel = ? AND chat_id = ?",
            (channel, chat_id),
        )
        return None if row is None else _resident(row)

    async def record_consent(
        self, channel: str, chat_id: str, user_id: str, consent: Consent, at: datetime
    ) -> Resident:
        await self._conn.execute(
            """
            INSERT INTO residents (channel, chat_id, user_id, consent, consent_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (channel, chat_id) DO UPDATE SET
                user_id = excluded.user_id, consent = excluded.consent,
                consent_at = excluded.consent_at
            """,
            (channel, chat_id, user_id, consent.value, _ts(at)),
        )
        if consent is Consent.DECLINED:
            # A refusal keeps nothing beyond the refusal itself.
            await self._conn.execute(
                "UPDATE residents SET village = NULL, name = NULL "
                "WHERE channel = ? AND chat_id = ?",
                (channel, chat_id),
            )
        found = await self.resident(channel, chat_id)
        assert found is not None
        return found

    async def update_profile(self, resident_id: int, village: str | None, name: str | None) -> None:
        await self._conn.execute(
            "UPDATE residents SET village = ?, name = ? WHERE id = ?", (village, name, resident_id)
        )

    async def chat_context(
        self, channel: str, chat_id: str, person: str
    ) -> tuple[Resident | None, ConversationState | None, str | None]:
        """The resident, their conversation and the person's granted role, in one query: a
        conversation step reads all three, and each query costs a round trip to SQLite."""
        row = await self._one(
            """
            SELECT r.id, r.channel, r.chat_id, r.user_id, r.consent, r.consent_at, r.village,
                   r.name, r.notices, r.active,
                   c.step, c.nonce, c.data, c.choices,
                   (SELECT role FROM staff WHERE person = ?)
            FROM (SELECT 1) AS one
            LEFT JOIN residents r ON r.channel = ? AND r.chat_id = ?
            LEFT JOIN conversations c ON c.channel = ? AND c.chat_id = ?
            """,
            (person, channel, chat_id, channel, chat_id),
        )
        assert row is not None
        resident = None if row[0] is None else _resident(row[:10])
        state = None
        if row[10] is not None:
            state = ConversationState(
                channel=channel,
                chat_id=chat_id,
                step=row[10],
                nonce=row[11],
                data=json.loads(row[12]),
                choices=[(k, label) for k, label in json.loads(row[13])],
            )
        return resident, state, row[14]

    # Conversation state ----------------------------------------------------------------------
    async def save_conversation(self, state: ConversationState, at: datetime) -> None:
        await self._conn.execute(
            """
            INSERT INTO conversations (channel, chat_id, step, nonce, data, choices, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (channel, chat_id) DO UPDATE SET
                step = excluded.step, nonce = excluded.nonce, data = excluded.data,
                choices = excluded.choices, updated_at = excluded.updated_at
            """,
            (
                state.channel,
                state.chat_id,
                state.step,
                state.nonce,
                json.dumps(state.data, ensure_ascii=False),
                json.dumps(state.choices, ensure_ascii=False),
                _ts(at),
            ),
        )

    async def clear_conversation(self, channel: str, chat_id: str) -> None:
        await self._conn.execute(
            "DELETE FROM conversations WHERE channel = ? AND chat_id = ?", (channel, chat_id)
        )

    async def first_delivery(self, channel: str, update_key: str, at: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO processed_updates (channel, update_key, processed_at) "
            "VALUES (?, ?, ?)",
            (channel, update_key, _ts(at)),
        )
        # Handled now: the inbox row (if the update came through one) leaves with this commit.
        await self._conn.execute(
            "DELETE FROM inbox WHERE channel = ? AND update_key = ?", (channel, update_key)
        )
        return cur.rowcount == 1

    async def prune_processed(self, before: datetime) -> int:
        cur = await self._conn.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?", (_ts(before),)
        )
        return cur.rowcount

    # Questions -------------------------------------------------------------------------------
    async def add_question(self, question: NewQuestion) -> Question:
        # The counter moves inside the same write transaction, so two submissions can never
        # be handed the same receipt number, even from two processes.
        row = await self._one(
            "UPDATE dialogues SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq, code",
            (question.dialogue_id,),
        )
        if row is None:
            raise LookupError(f"no dialogue with id {question.dialogue_id}")
        self._dialogue_cache = None  # next_seq moved
        seq, code = int(row[0]), str(row[1])
        receipt = f"{code}-{seq:04d}"
        inserted = await self._one(
            """
            INSERT INTO questions (dialogue_id, seq, receipt_code, resident_id, category, text,
                                   village, author_name, source, status, created_at,
                                   cluster_id, suggested_category, flag, entered_by, import_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            (
                question.dialogue_id,
                seq,
                receipt,
                question.resident_id,
                question.category,
                question.text,
                question.village,
                question.author_name,
                question.source,
                QuestionStatus.RECEIVED.value,
                _ts(question.created_at),
                question.cluster_id,
                question.suggested_category,
                question.flag,
                question.entered_by,
                question.import_key,
            ),
        )
        assert inserted is not None
        new_id = int(inserted[0])
        await self._touch(question.dialogue_id)
        if question.cluster_id is None:
            await self._conn.execute(
                "INSERT INTO clusters (id, dialogue_id, updated_at) VALUES (?, ?, ?)",
                (new_id, question.dialogue_id, _ts(question.created_at)),
            )
        else:
            # A late arrival to a cluster already handled shares its status.
            await self._conn.execute(
                "UPDATE questions SET status = (SELECT status FROM questions WHERE id = ?) "
                "WHERE id = ?",
                (question.cluster_id, new_id),
            )
        found = await self._one(
            f"SELECT {_QUESTION_COLUMNS} FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            "WHERE q.id = ?",
            (new_id,),
        )
        assert found is not None
        return _question(found)

    async def questions_of_resident(self, resident_id: int) -> list[Question]:
        rows = await self._all(
            f"SELECT {_QUESTION_COLUMNS} FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            "WHERE q.resident_id = ? ORDER BY q.created_at, q.id",
            (resident_id,),
        )
        return [_question(r) for r in rows]

    async def question_by_code(self, receipt_code: str) -> Question | None:
        row = await self._one(
            f"SELECT {_QUESTION_COLUMNS} FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            "WHERE q.receipt_code = ?",
            (receipt_code,),
        )
        return None if row is None else _question(row)

    async def dialogue_questions(self, dialogue_id: int, after_id: int = 0) -> list[Question]:
        rows = await self._all(
            f"SELECT {_QUESTION_COLUMNS} FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            "WHERE q.dialogue_id = ? AND q.id > ? ORDER BY q.id",
            (dialogue_id, after_id),
        )
        return [_question(r) for r in rows]

    async def has_import_key(self, key: str) -> bool:
        return await self._one("SELECT 1 FROM questions WHERE import_key = ?", (key,)) is not None

    async def questions_by_ids(self, ids: list[int]) -> list[Question]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._all(
            f"SELECT {_QUESTION_COLUMNS} FROM questions q JOIN dialogues d ON d.id = q.dialogue_id "
            f"WHERE q.id IN ({marks}) ORDER BY q.id",
            tuple(ids),
        )
        return [_question(r) for r in rows]

    async def index_entries(self, dialogue_id: int, after_id: int = 0) -> list[IndexEntry]:
        rows = await self._all(
            "SELECT id, text, category, COALESCE(cluster_id, id) FROM questions "
            "WHERE dialogue_id = ? AND id > ? ORDER BY id",
            (dialogue_id, after_id),
        )
        return [IndexEntry(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    async def add_support(self, question_id: int, resident_id: int, at: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO supports (question_id, resident_id, created_at) "
            "VALUES (?, ?, ?)",
            (question_id, resident_id, _ts(at)),
        )
        return cur.rowcount == 1

    async def backers(self, cluster_ids: list[int]) -> dict[int, int]:
        """People behind each cluster: everyone who asked in it plus everyone who backed it."""
        if not cluster_ids:
            return {}
        marks = ",".join("?" * len(cluster_ids))
        rows = await self._all(
            f"""
            SELECT cluster, COUNT(DISTINCT who) FROM (
                SELECT COALESCE(q.cluster_id, q.id) AS cluster,
                       COALESCE('r' || q.resident_id, 'q' || q.id) AS who
                FROM questions q
                UNION ALL
                SELECT COALESCE(q.cluster_id, q.id),
                       COALESCE('r' || s.resident_id, 's' || s.id)
                FROM supports s JOIN questions q ON q.id = s.question_id
            ) AS members WHERE cluster IN ({marks}) GROUP BY cluster
            """,
            tuple(cluster_ids),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def supported_by(self, resident_id: int) -> list[Question]:
        rows = await self._all(
            f"SELECT {_QUESTION_COLUMNS} FROM supports s JOIN questions q ON q.id = s.question_id "
            "JOIN dialogues d ON d.id = q.dialogue_id WHERE s.resident_id = ? ORDER BY s.id",
            (resident_id,),
        )
        return [_question(r) for r in rows]

    async def category_counts(self) -> list[tuple[str, str, int]]:
        rows = await self._all(
            "SELECT d.code, q.category, COUNT(*) FROM questions q "
            "JOIN dialogues d ON d.id = q.dialogue_id "
            "GROUP BY d.code, q.category ORDER BY d.code, COUNT(*) DESC, q.category"
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves instead of the sqlite3
        # module's implicit deferred transactions, which can fail with SQLITE_BUSY on upgrade.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        # What is deleted (a resident's data, /dulieu) is overwritten, not left in free pages.
        await conn.execute("PRAGMA secure_delete = ON")
        return conn

    async def open(self) -> None:
        """Open and migrate; any failure closes what was opened (an aiosqlite connection left
        open is a thread that keeps the process alive) and raises StoreUnavailable."""
        if self._writer is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across process crashes in WAL mode; only power loss can drop
            # the last transactions, which fsync on every commit would not make worth its
            # latency.
            await self._writer.execute("PRAGMA synchronous = NORMAL")
            await migrate(self._writer, self.path)
            self._reader = await self._connect()
            await self._reader.execute("PRAGMA query_only = ON")
        except BaseException as exc:
            await self.close()
            if isinstance(exc, StoreUnavailable):
                raise
            if isinstance(exc, sqlite3.Error | OSError):
                raise StoreUnavailable(self.path, str(exc)) from exc
            raise

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty the log, so that rows
        just deleted leave no older copy in it (the log holds every page as it was written)."""
        if self._writer is None:
            raise RuntimeError("store is not open")
        async with self._write_lock, self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        if row is not None and row[0]:
            # A reader held an old snapshot past the busy timeout: the next checkpoint (at the
            # latest when the store closes) empties the log.
            log.warning("write-ahead log not emptied: a reader was busy")

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                # Closing a broken connection still stops its thread.
                with contextlib.suppress(sqlite3.Error):
                    await conn.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        if self._writer is None:
            raise RuntimeError("store is not open")
        async with self._write_lock:
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(SqliteConn(conn))
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[SqliteTransaction]:
        if self._reader is None:
            raise RuntimeError("store is not open")
        # A read transaction gives a consistent snapshot across several queries.
        async with self._read_lock:
            await self._reader.execute("BEGIN")
            try:
                yield SqliteTransaction(SqliteConn(self._reader))
            finally:
                await self._reader.execute("COMMIT")
