"""SQLite queries for the conference day and after it: the speaker list, answers given at the
meeting, commitments and their progress notes, residents' ratings, links to earlier dialogues
(migration 011_meeting.sql).

Rows name the question they are about; the question's cluster (`COALESCE(cluster_id, id)`) is
read when needed, so merging or splitting clusters never leaves them pointing at nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.meeting import (
    Commitment,
    CommitmentNote,
    CommitmentStatus,
    EarlierLink,
    OnSpotAnswer,
    Rating,
    RatingSubject,
    Speaker,
    SpeakerList,
    SpeakerStatus,
)
from storage.conn import Conn, Row


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _utc(moment: datetime) -> str:
    """Compared as text in SQL: every moment in one zone, so the order of strings is time's."""
    return moment.astimezone(UTC).isoformat()


def _opt_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


_SPEAKER = (
    "SELECT s.id, s.dialogue_id, s.position, s.resident_id, s.question_id, q.receipt_code, "
    "s.topic, s.status, s.created_at, r.name, r.channel, r.chat_id "
    "FROM speakers s LEFT JOIN questions q ON q.id = s.question_id "
    "LEFT JOIN residents r ON r.id = s.resident_id"
)


def _speaker(row: Row) -> Speaker:
    return Speaker(
        id=int(row[0]),
        dialogue_id=int(row[1]),
        position=int(row[2]),
        resident_id=row[3],
        question_id=row[4],
        receipt_code=row[5],
        topic=row[6],
        status=SpeakerStatus(row[7]),
        created_at=_dt(row[8]),
        name=row[9],
        channel=row[10],
        chat_id=row[11],
    )


_ONSPOT = (
    "SELECT o.question_id, o.dialogue_id, q.receipt_code, o.summary, o.answered_by, "
    "o.answered_at, o.notify_at, o.released_at "
    "FROM onspot_answers o JOIN questions q ON q.id = o.question_id"
)


def _onspot(row: Row) -> OnSpotAnswer:
    return OnSpotAnswer(
        question_id=int(row[0]),
        dialogue_id=int(row[1]),
        receipt_code=row[2],
        summary=row[3],
        answered_by=row[4],
        answered_at=_dt(row[5]),
        notify_at=_dt(row[6]),
        released_at=_opt_dt(row[7]),
    )


_LAST_NOTE = (
    "(SELECT n.{0} FROM commitment_notes n WHERE n.commitment_id = c.id ORDER BY n.id DESC LIMIT 1)"
)
_COMMITMENT = (
    "SELECT c.id, c.dialogue_id, d.code, c.seq, c.question_id, COALESCE(q.cluster_id, q.id), "
    "q.receipt_code, c.body, c.text, c.due, c.status, c.created_by, c.created_at, c.done_at, "
    f"{_LAST_NOTE.format('text')}, {_LAST_NOTE.format('at')} "
    "FROM commitments c JOIN questions q ON q.id = c.question_id "
    "JOIN dialogues d ON d.id = c.dialogue_id"
)


def _commitment(row: Row) -> Commitment:
    return Commitment(
        id=int(row[0]),
        dialogue_id=int(row[1]),
        dialogue_code=row[2],
        seq=int(row[3]),
        question_id=int(row[4]),
        cluster_id=int(row[5]),
        receipt_code=row[6],
        body=row[7],
        text=row[8],
        due=date.fromisoformat(row[9]),
        status=CommitmentStatus(row[10]),
        created_by=row[11],
        created_at=_dt(row[12]),
        done_at=_opt_dt(row[13]),
        last_note=row[14],
        last_note_at=_opt_dt(row[15]),
    )


_RATING = (
    "SELECT g.id, g.question_id, q.receipt_code, q.dialogue_id, g.resident_id, g.subject, "
    "g.satisfied, g.department, g.followup, g.created_at, g.replied_at, r.channel, r.chat_id "
    "FROM ratings g JOIN questions q ON q.id = g.question_id "
    "LEFT JOIN residents r ON r.id = g.resident_id"
)


def _rating(row: Row) -> Rating:
    return Rating(
        id=int(row[0]),
        question_id=int(row[1]),
        receipt_code=row[2],
        dialogue_id=int(row[3]),
        resident_id=row[4],
        subject=RatingSubject(row[5]),
        satisfied=bool(row[6]),
        department=row[7],
        followup=row[8],
        created_at=_dt(row[9]),
        replied_at=_opt_dt(row[10]),
        channel=row[11],
        chat_id=row[12],
    )


class MeetingQueries:
    _conn: Conn

    async def _meeting_rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # The speaker list ------------------------------------------------------------------------
    async def speaker_list(self, dialogue_id: int) -> SpeakerList | None:
        rows = await self._meeting_rows(
            "SELECT dialogue_id, opened_at, closed_at FROM speaker_lists WHERE dialogue_id = ?",
            (dialogue_id,),
        )
        if not rows:
            return None
        return SpeakerList(int(rows[0][0]), _dt(rows[0][1]), _opt_dt(rows[0][2]))

    async def open_speaker_list(self, dialogue_id: int, by: str, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO speaker_lists (dialogue_id, opened_at, opened_by) VALUES (?, ?, ?) "
            "ON CONFLICT (dialogue_id) DO UPDATE SET closed_at = NULL, closed_by = NULL",
            (dialogue_id, at.isoformat(), by),
        )

    async def close_speaker_list(self, dialogue_id: int, by: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE speaker_lists SET closed_at = ?, closed_by = ? WHERE dialogue_id = ?",
            (at.isoformat(), by, dialogue_id),
        )

    async def speakers(self, dialogue_id: int) -> list[Speaker]:
        rows = await self._meeting_rows(
            f"{_SPEAKER} WHERE s.dialogue_id = ? ORDER BY s.position", (dialogue_id,)
        )
        return [_speaker(r) for r in rows]

    async def waiting_speaker(self, dialogue_id: int, resident_id: int) -> Speaker | None:
        """The resident's registration that has not been heard yet, if any."""
        rows = await self._meeting_rows(
            f"{_SPEAKER} WHERE s.dialogue_id = ? AND s.resident_id = ? "
            "AND s.status IN ('waiting', 'called')",
            (dialogue_id, resident_id),
        )
        return _speaker(rows[0]) if rows else None

    async def add_speaker(
        self,
        dialogue_id: int,
        resident_id: int,
        question_id: int | None,
        topic: str | None,
        at: datetime,
    ) -> Speaker:
        # Inside the write transaction: two residents registering at once get two numbers.
        # CASTs: PostgreSQL would read bare parameters in a SELECT list as text.
        added = await self._meeting_rows(
            "INSERT INTO speakers (dialogue_id, position, resident_id, question_id, topic, "
            "created_at) SELECT CAST(? AS BIGINT), COALESCE(MAX(position), 0) + 1, "
            "CAST(? AS BIGINT), CAST(? AS BIGINT), ?, ? FROM speakers "
            "WHERE dialogue_id = ? RETURNING id",
            (dialogue_id, resident_id, question_id, topic, at.isoformat(), dialogue_id),
        )
        rows = await self._meeting_rows(f"{_SPEAKER} WHERE s.id = ?", (added[0][0],))
        return _speaker(rows[0])

    async def set_speaker_status(
        self, speaker_id: int, status: SpeakerStatus, at: datetime
    ) -> None:
        column = "called_at" if status is SpeakerStatus.CALLED else "done_at"
        await self._conn.execute(
            f"UPDATE speakers SET status = ?, {column} = ? WHERE id = ?",
            (status.value, at.isoformat(), speaker_id),
        )

    # Answers given at the meeting ------------------------------------------------------------
    async def add_onspot(
        self,
        question_id: int,
        dialogue_id: int,
        summary: str,
        by: str,
        at: datetime,
        notify_at: datetime,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO onspot_answers (question_id, dialogue_id, summary, answered_by, "
            "answered_at, notify_at) VALUES (?, ?, ?, ?, ?, ?)",
            (question_id, dialogue_id, summary, by, at.isoformat(), _utc(notify_at)),
        )

    async def onspot_for_cluster(self, cluster_id: int) -> OnSpotAnswer | None:
        rows = await self._meeting_rows(
            f"{_ONSPOT} WHERE COALESCE(q.cluster_id, q.id) = ? ORDER BY o.answered_at LIMIT 1",
            (cluster_id,),
        )
        return _onspot(rows[0]) if rows else None

    async def onspot_answers(self, dialogue_id: int) -> list[OnSpotAnswer]:
        rows = await self._meeting_rows(
            f"{_ONSPOT} WHERE o.dialogue_id = ? ORDER BY o.answered_at", (dialogue_id,)
        )
        return [_onspot(r) for r in rows]

    async def onspot_due(self, now: datetime) -> list[OnSpotAnswer]:
        """Answers given at the meeting whose askers are still to be told, now due."""
        rows = await self._meeting_rows(
            f"{_ONSPOT} WHERE o.released_at IS NULL AND o.notify_at <= ?", (_utc(now),)
        )
        return [_onspot(r) for r in rows]

    async def release_onspot(self, question_id: int, ref: str, at: datetime) -> int:
        """The held messages of an answer given at the meeting may go now; how many."""
        cur = await self._conn.execute(
            "UPDATE deliveries SET status = 'pending' WHERE kind = 'onspot' AND ref = ? "
            "AND status = 'held'",
            (ref,),
        )
        await self._conn.execute(
            "UPDATE onspot_answers SET released_at = ? WHERE question_id = ?",
            (at.isoformat(), question_id),
        )
        return cur.rowcount

    # Commitments -----------------------------------------------------------------------------
    async def add_commitment(
        self,
        dialogue_id: int,
        question_id: int,
        body: str,
        text: str,
        due: date,
        by: str,
        at: datetime,
    ) -> Commitment:
        # The number counts per dialogue, moved inside the write transaction.
        added = await self._meeting_rows(
            "INSERT INTO commitments (dialogue_id, seq, question_id, body, text, due, "
            "created_by, created_at) SELECT CAST(? AS BIGINT), COALESCE(MAX(seq), 0) + 1, "
            "CAST(? AS BIGINT), ?, ?, ?, ?, ? FROM commitments WHERE dialogue_id = ? "
            "RETURNING id",
            (
                dialogue_id,
                question_id,
                body,
                text,
                due.isoformat(),
                by,
                at.isoformat(),
                dialogue_id,
            ),
        )
        rows = await self._meeting_rows(f"{_COMMITMENT} WHERE c.id = ?", (added[0][0],))
        return _commitment(rows[0])

    async def commitment_by_code(self, dialogue_code: str, seq: int) -> Commitment | None:
        rows = await self._meeting_rows(
            f"{_COMMITMENT} WHERE d.code = ? AND c.seq = ?", (dialogue_code, seq)
        )
        return _commitment(rows[0]) if rows else None

    async def commitment_for_cluster(self, cluster_id: int) -> Commitment | None:
        rows = await self._meeting_rows(
            f"{_COMMITMENT} WHERE COALESCE(q.cluster_id, q.id) = ? ORDER BY c.id LIMIT 1",
            (cluster_id,),
        )
        return _commitment(rows[0]) if rows else None

    async def commitments(self, dialogue_id: int | None = None) -> list[Commitment]:
        """Every commitment (of one dialogue), oldest dialogue first, in number order."""
        where, params = ("WHERE c.dialogue_id = ?", (dialogue_id,)) if dialogue_id else ("", ())
        rows = await self._meeting_rows(
            f"{_COMMITMENT} {where} ORDER BY d.deadline, d.id, c.seq", params
        )
        return [_commitment(r) for r in rows]

    async def add_commitment_note(
        self, commitment_id: int, text: str, status: CommitmentStatus, by: str, at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO commitment_notes (commitment_id, at, by, text, status) "
            "VALUES (?, ?, ?, ?, ?)",
            (commitment_id, at.isoformat(), by, text, status.value),
        )
        done = at.isoformat() if status is CommitmentStatus.DONE else None
        await self._conn.execute(
            "UPDATE commitments SET status = ?, done_at = ? WHERE id = ?",
            (status.value, done, commitment_id),
        )

    async def commitment_notes(self, commitment_id: int) -> list[CommitmentNote]:
        rows = await self._meeting_rows(
            "SELECT commitment_id, at, by, text, status FROM commitment_notes "
            "WHERE commitment_id = ? ORDER BY id",
            (commitment_id,),
        )
        return [
            CommitmentNote(int(r[0]), _dt(r[1]), r[2], r[3], CommitmentStatus(r[4])) for r in rows
        ]

    # Ratings ---------------------------------------------------------------------------------
    async def add_rating(
        self,
        question_id: int,
        resident_id: int,
        subject: RatingSubject,
        satisfied: bool,
        department: str | None,
        at: datetime,
    ) -> int | None:
        """A resident's verdict; None when they had already given this one."""
        added = await self._meeting_rows(
            "INSERT OR IGNORE INTO ratings (question_id, resident_id, subject, satisfied, "
            "department, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (question_id, resident_id, subject.value, int(satisfied), department, at.isoformat()),
        )
        return int(added[0][0]) if added else None

    async def rating_followup(self, rating_id: int, resident_id: int, text: str) -> bool:
        """The one message a resident adds to their rating; False if there is one already."""
        cur = await self._conn.execute(
            "UPDATE ratings SET followup = ? WHERE id = ? AND resident_id = ? AND followup IS NULL",
            (text, rating_id, resident_id),
        )
        return cur.rowcount == 1

    async def ratings_in_cluster(self, resident_id: int, cluster_id: int) -> list[Rating]:
        rows = await self._meeting_rows(
            f"{_RATING} WHERE g.resident_id = ? AND COALESCE(q.cluster_id, q.id) = ? ORDER BY g.id",
            (resident_id, cluster_id),
        )
        return [_rating(r) for r in rows]

    async def ratings(self, dialogue_id: int | None = None) -> list[Rating]:
        where, params = ("WHERE q.dialogue_id = ?", (dialogue_id,)) if dialogue_id else ("", ())
        rows = await self._meeting_rows(f"{_RATING} {where} ORDER BY g.id", params)
        return [_rating(r) for r in rows]

    async def unsatisfied_in_cluster(self, cluster_id: int) -> list[Rating]:
        """Unsatisfied ratings of a cluster no official has replied to yet."""
        rows = await self._meeting_rows(
            f"{_RATING} WHERE COALESCE(q.cluster_id, q.id) = ? AND g.satisfied = 0 "
            "AND g.replied_at IS NULL ORDER BY g.id",
            (cluster_id,),
        )
        return [_rating(r) for r in rows]

    async def mark_replied(self, rating_ids: list[int], reply: str, by: str, at: datetime) -> None:
        await self._conn.executemany(
            "UPDATE ratings SET reply = ?, replied_by = ?, replied_at = ? WHERE id = ?",
            [(reply, by, at.isoformat(), rid) for rid in rating_ids],
        )

    # Earlier dialogues -----------------------------------------------------------------------
    async def add_earlier_link(self, question_id: int, earlier_id: int, confidence: float) -> None:
        await self._conn.execute(
            "INSERT INTO earlier_links (question_id, earlier_id, confidence) VALUES (?, ?, ?) "
            "ON CONFLICT (question_id) DO UPDATE SET earlier_id = excluded.earlier_id, "
            "confidence = excluded.confidence",
            (question_id, earlier_id, confidence),
        )

    async def earlier_links(self, dialogue_id: int) -> list[EarlierLink]:
        rows = await self._meeting_rows(
            "SELECT l.question_id, l.earlier_id, e.receipt_code, l.confidence "
            "FROM earlier_links l JOIN questions q ON q.id = l.question_id "
            "JOIN questions e ON e.id = l.earlier_id WHERE q.dialogue_id = ? "
            "ORDER BY l.question_id",
            (dialogue_id,),
        )
        return [EarlierLink(int(r[0]), int(r[1]), r[2], float(r[3])) for r in rows]
