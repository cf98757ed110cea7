"""Deleting a resident's personal data (`/dulieu`), from every table that holds it.

What stays is what the office needs for the conference: the question texts (with the personal
details written inside them hidden, as the public sees them), their categories and receipt
numbers, the count of people behind each request, and the fact that a message was sent. What
goes is everything that says who: the resident's row (name, village, chat and user ids, consent),
the village and name on their questions, the link from their questions and supports to them,
their conversation, and the chat id and text of every message the bot sent or was to send them.

The connection runs with `secure_delete` (storage/sqlite.py), so SQLite overwrites what is
deleted instead of leaving it in free space; the store empties its write-ahead log once the
deletion has committed (`SqliteStore.checkpoint`).
"""

from __future__ import annotations

from collections.abc import Mapping

from storage.conn import Conn


class PrivacyQueries:
    _conn: Conn

    async def forget_resident(self, resident_id: int, scrubbed: Mapping[int, str]) -> int:
        """Delete a resident's personal data; `scrubbed` gives each of their questions' text with
        the personal details hidden. Returns how many questions stay, no longer theirs."""
        row = next(
            iter(
                await self._conn.execute_fetchall(
                    "SELECT channel, chat_id FROM residents WHERE id = ?", (resident_id,)
                )
            ),
            None,
        )
        cur = await self._conn.execute(
            "UPDATE questions SET resident_id = NULL, author_name = NULL, village = NULL "
            "WHERE resident_id = ?",
            (resident_id,),
        )
        kept = cur.rowcount
        await self._conn.executemany(
            "UPDATE questions SET text = ? WHERE id = ?",
            [(text, question_id) for question_id, text in scrubbed.items()],
        )
        # Backing still counts for the request; it no longer says who backed it.
        await self._conn.execute(
            "UPDATE supports SET resident_id = NULL WHERE resident_id = ?", (resident_id,)
        )
        # A place on the speaker list and a rating still count; the matter they typed in and
        # the message they added to a rating are their words, and go.
        await self._conn.execute(
            "UPDATE speakers SET topic = NULL WHERE resident_id = ?", (resident_id,)
        )
        await self._conn.execute(
            "UPDATE ratings SET followup = NULL WHERE resident_id = ?", (resident_id,)
        )
        if row is not None:
            channel, chat_id = str(row[0]), str(row[1])
            await self._conn.execute(
                "DELETE FROM conversations WHERE channel = ? AND chat_id = ?", (channel, chat_id)
            )
            # A delivery row keeps the count of a broadcast's progress; the chat it went to and
            # what it said (their own question, the answer) go. Unsent ones are never sent.
            await self._conn.execute(
                """
                UPDATE deliveries SET chat_id = 'deleted:' || id, text = '', error = NULL,
                    file_ref = NULL, file_name = NULL,
                    status = CASE WHEN status IN ('held', 'pending', 'failed')
                                  THEN 'cancelled' ELSE status END
                WHERE channel = ? AND chat_id = ?
                """,
                (channel, chat_id),
            )
        await self._conn.execute("DELETE FROM residents WHERE id = ?", (resident_id,))
        return kept
