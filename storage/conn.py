"""The small connection interface every query runs over, on SQLite and on PostgreSQL.

The queries are written once (storage/sqlite.py and the storage/sqlite_*.py mixins) in the SQL
both databases understand; a handful of dialect differences are settled here rather than by a
second copy of ~1,500 lines of SQL that would drift from the first:

- placeholders are written `?`; the PostgreSQL side numbers them `$1, $2, …`;
- `INSERT OR IGNORE INTO` becomes `INSERT INTO … ON CONFLICT DO NOTHING`;
- a new row's id is read with `RETURNING id` (both databases have it), never `lastrowid`;
- `Conn.skip_locked` is the row-claim clause: `FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on
  SQLite, whose write transactions are already exclusive (BEGIN IMMEDIATE).

Values keep one representation on both: timestamps are ISO text, flags are 0/1 integers, JSON is
text; so a row reads the same whichever store it came from, and a commune's file copies into its
PostgreSQL schema value for value (bot/store_copy.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import aiosqlite

Row = Sequence[Any]
Params = Sequence[object]


@dataclass(frozen=True)
class Result:
    """What a statement did: the rows it changed (rowcount), as both databases report it."""

    rowcount: int


class Conn(Protocol):
    dialect: str
    skip_locked: str

    async def execute(self, sql: str, params: Params = ()) -> Result: ...
    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...


class SqliteConn:
    """aiosqlite as a `Conn`: the SQL is SQLite's own already."""

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Params = ()) -> Result:
        cur = await self.raw.execute(sql, tuple(params))
        return Result(cur.rowcount)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.raw.execute_fetchall(sql, tuple(params)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(sql, [tuple(r) for r in rows])


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?|[^'\"?-]+|-")
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """SQLite-flavoured SQL as PostgreSQL reads it (see the module's docstring)."""
    out: list[str] = []
    number = 0
    for token in _TOKENS.findall(sql):
        if token == "?":
            number += 1
            out.append(f"${number}")
        else:
            out.append(token)
    text = "".join(out)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub("INSERT INTO", text, count=1)
        # RETURNING comes after the conflict clause; a literal "returning" is never in ours.
        found = _RETURNING.search(text)
        if found is None:
            text = text.rstrip() + " ON CONFLICT DO NOTHING"
        else:
            text = f"{text[: found.start()]}ON CONFLICT DO NOTHING {text[found.start() :]}"
    return text


def rowcount(status: str) -> int:
    """The rows a statement changed, from PostgreSQL's status ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0
