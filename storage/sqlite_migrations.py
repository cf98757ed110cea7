"""Reading a migration file (storage/migrations/NNN_*.sql) into its statements."""

from __future__ import annotations

import sqlite3


def split_sql(script: str) -> list[str]:
    """Split a migration into statements; our migrations keep ';' out of string literals. A
    trigger's body holds several ';' up to its END: SQLite says when a statement is whole."""
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
