"""`python -m bot migrate-store | backup | health`: what a province's IT centre runs.

- `migrate-store --from sqlite:PATH --to postgresql://… [--schema S]` moves a commune's file
  into its schema on the province's server (storage/copy.py): counts checked table by table,
  safe to re-run until the bot has started on the schema.
- `backup --out PATH` writes the commune as a new SQLite file, whichever store it runs on: one
  format to keep, to read with any SQLite tool, and to restore with `migrate-store --replace`.
- `health` exits 0 when the store answers at this build's schema and the queues move, 1 with one
  line saying what is wrong otherwise (Docker's HEALTHCHECK, the systemd timer in deploy/).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.config import DATABASE_URL_ENV, ConfigError, Settings, load_settings
from bot.config_checks import postgres_url, schema_name
from domain.texts import load_texts
from storage.copy import CopyRefused, CountMismatch, postgres_to_sqlite, sqlite_to_postgres
from storage.health import Health, probe_postgres, probe_sqlite
from storage.migrate import StoreUnavailable
from storage.postgres import CONNECTION_ERRORS, redacted

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STORE_ERRORS: tuple[type[BaseException], ...] = (
    *CONNECTION_ERRORS,
    sqlite3.Error,
    asyncpg.PostgresError,
)
HEALTH_STALE = timedelta(minutes=15)


def register(subparsers: Any) -> None:
    h = load_texts()
    move = subparsers.add_parser("migrate-store", help=h("cli_help.migrate_store"))
    move.add_argument("--from", dest="source", required=True, help=h("cli_help.migrate_from"))
    move.add_argument("--to", dest="target", default="", help=h("cli_help.migrate_to"))
    move.add_argument("--schema", default="", help=h("cli_help.migrate_schema"))
    move.add_argument("--replace", action="store_true", help=h("cli_help.migrate_replace"))
    backup = subparsers.add_parser("backup", help=h("cli_help.backup"))
    backup.add_argument("--out", type=Path, default=Path("."), help=h("cli_help.backup_out"))
    health = subparsers.add_parser("health", help=h("cli_help.health"))
    health.add_argument(
        "--stale-minutes",
        type=int,
        default=int(HEALTH_STALE.total_seconds() // 60),
        help=h("cli_help.health_stale"),
    )


def _say(key: str, /, **fields: object) -> None:
    print(load_texts()(key, **fields))


def _complain(key: str, /, **fields: object) -> None:
    print(load_texts()(key, **fields), file=sys.stderr)


# --- migrate-store -------------------------------------------------------------------------


def run_migrate(args: argparse.Namespace, settings: Settings | None) -> int:
    """Copy a commune's SQLite file into its PostgreSQL schema."""
    source = args.source.removeprefix("sqlite:")
    path = Path(source)
    if not path.is_file():
        _complain("store_cli.source_missing", path=path)
        return EXIT_USAGE
    url = args.target or (
        settings.storage.url if settings is not None else os.environ.get(DATABASE_URL_ENV, "")
    )
    schema = args.schema or (settings.storage.schema if settings is not None else "")
    try:
        if not url:
            raise ConfigError(
                "--to", load_texts()("store_cli.target_missing", env=DATABASE_URL_ENV)
            )
        postgres_url("--to", url)
        if not schema:
            raise ConfigError("--schema", load_texts()("config_error.schema_missing"))
        schema_name("--schema", schema)
    except ConfigError as exc:
        _complain("cli_error.option", option=exc.key, problem=exc.problem)
        return EXIT_USAGE
    where = f"{redacted(url)} (schema {schema})"
    try:
        counts = asyncio.run(sqlite_to_postgres(path.resolve(), url, schema, replace=args.replace))
    except CopyRefused:
        _complain("store_cli.copy_refused", schema=schema)
        return EXIT_FAILED
    except StoreUnavailable as exc:
        return _unavailable(exc)
    except CountMismatch as exc:
        _complain("store_cli.count_mismatch", table=exc.table, source=exc.source, copy=exc.target)
        return EXIT_FAILED
    except STORE_ERRORS as exc:
        _complain("runner.database_unusable", path=where, problem=exc)
        return EXIT_FAILED
    for table, count in sorted(counts.items()):
        _say("store_cli.table_count", table=table, count=count)
    _say("store_cli.copied", source=path, where=where, total=sum(counts.values()))
    return EXIT_OK


def _unavailable(exc: StoreUnavailable) -> int:
    from bot.cli import database_problem  # bot.cli imports this module

    print(database_problem(exc), file=sys.stderr)
    return EXIT_FAILED


# --- backup --------------------------------------------------------------------------------


def _backup_path(out: Path, settings: Settings, now: datetime) -> Path:
    stem = settings.storage.schema if settings.storage.postgres else settings.storage.path.stem
    name = f"{stem}-{now.strftime('%Y%m%d-%H%M%S')}.sqlite3"
    return out / name if out.is_dir() or not out.suffix else out


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    target = _backup_path(args.out, settings, datetime.now(UTC))
    if target.exists():
        _complain("store_cli.backup_exists", path=target)
        return EXIT_USAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    storage = settings.storage
    try:
        if storage.postgres:
            counts = asyncio.run(postgres_to_sqlite(storage.url, storage.schema, target))
            total = sum(counts.values())
        else:
            total = _backup_sqlite(storage.path, target)
    except CountMismatch as exc:
        _complain("store_cli.count_mismatch", table=exc.table, source=exc.source, copy=exc.target)
        return EXIT_FAILED
    except StoreUnavailable as exc:
        return _unavailable(exc)
    except STORE_ERRORS as exc:
        where = storage.path if not storage.postgres else redacted(storage.url)
        _complain("runner.database_unusable", path=where, problem=exc)
        return EXIT_FAILED
    _say("store_cli.backup_done", path=target, total=total)
    return EXIT_OK


def _backup_sqlite(path: Path, target: Path) -> int:
    """SQLite's online backup: a consistent copy while the bot keeps writing."""
    if not path.is_file():
        raise sqlite3.OperationalError(load_texts()("store_cli.source_missing", path=path))
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise sqlite3.DatabaseError("integrity_check")
        tables = [
            r[0]
            for r in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return sum(int(copy.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables)
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()
        copy.close()


# --- health --------------------------------------------------------------------------------


def run_health(args: argparse.Namespace, settings: Settings) -> int:
    before = datetime.now(UTC) - timedelta(minutes=args.stale_minutes)
    storage = settings.storage
    where = f"{redacted(storage.url)} (schema {storage.schema})" if storage.postgres else ""
    try:
        if storage.postgres:
            health = asyncio.run(probe_postgres(storage.url, storage.schema, before))
        else:
            where = str(storage.path)
            health = asyncio.run(probe_sqlite(storage.path, before))
    except STORE_ERRORS as exc:
        _complain("store_cli.health_unreachable", where=where, problem=exc)
        return EXIT_FAILED
    return _report_health(health, where, args.stale_minutes)


def _report_health(health: Health, where: str, minutes: int) -> int:
    if health.version is None:
        _complain("store_cli.health_no_store", where=where)
    elif health.version != health.known:
        _complain("store_cli.health_version", where=where, found=health.version, known=health.known)
    elif health.stalled_updates:
        _complain("store_cli.health_updates", count=health.stalled_updates, minutes=minutes)
    elif health.stalled_deliveries:
        _complain("store_cli.health_deliveries", count=health.stalled_deliveries, minutes=minutes)
    else:
        _say("store_cli.health_ok", where=where)
        return EXIT_OK
    return EXIT_FAILED


def load_optional(config: Path | None) -> Settings | None:
    """The config when there is one: migrate-store also works from its options alone."""
    path = config or Path("config.toml")
    return load_settings(path) if path.exists() else None
