"""Migrations: storage/migrations/NNN_*.sql applied in order under PRAGMA user_version.

A database migrated by a newer build (user_version above the highest migration this build
knows) is refused: this build would misread tables it does not know and could undo nothing.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import aiosqlite


class StoreUnavailable(Exception):
    """The database cannot be used: not a database, locked, unreadable, or too new."""

    def __init__(self, path: Path | str, problem: str) -> None:
        # `path`: the SQLite file, or the PostgreSQL server and schema (without a password).
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class NewerDatabase(StoreUnavailable):
    """Migrated by a newer build: this one would misread what it does not know."""

    def __init__(self, path: Path | str, found: int, known: int) -> None:
        super().__init__(path, f"schema version {found} > {known}")
        self.found = found
        self.known = known


def migrations(folder: str = "migrations") -> list[tuple[int, str]]:
    """(number, SQL) of each migration in storage/<folder>, in order; PostgreSQL's are in
    storage/migrations_pg under the same numbers."""
    found = []
    for entry in resources.files("storage").joinpath(folder).iterdir():
        name = entry.name
        if name.endswith(".sql"):
            found.append((int(name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the migrations this build has and the database lacks, in one transaction."""
    # Outside the try: a BEGIN that failed (a locked file) leaves nothing to roll back.
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        known = migrations()
        newest = max((number for number, _ in known), default=0)
        if version > newest:
            raise NewerDatabase(path, version, newest)
        for number, sql in known:
            if number > version:
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; our migrations keep ';' out of string literals. A
    trigger's body holds several ';' up to its END (010_web.sql): SQLite says when a statement
    is whole."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    statements, pending = [], ""
    for part in "\n".join(lines).split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip().removesuffix(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip().removesuffix(";").strip())
    return statements
