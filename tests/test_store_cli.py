"""Moving a commune to PostgreSQL, backing it up and checking its health, through the real CLI."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, parse_settings
from tests.harness import OFFICIAL, RESIDENT, Harness, PgTarget, base_config
from tests.test_admin import EVERYONE, THIRD, flush, notice, subscribers
from tests.test_cli import run_cli
from tests.test_office import office_config

TABLES_WITH_IDS = ("questions", "residents", "deliveries", "broadcasts", "audit", "supports")


async def _busy_commune(db: Path) -> None:
    """A commune with a bit of everything: answers, a merge whose kept cluster is the later
    question (rows that reference forward), a broadcast, a resident's deletion."""
    bot = Harness(db, office_config(db))
    await bot.start()
    try:
        await subscribers(bot)
        await bot.submit(RESIDENT, text="Đề nghị nạo vét mương thủy lợi Bản Nà Khum trước vụ mùa")
        await bot.send(OFFICIAL, "/gop BL26-0003 BL26-0001")
        await bot.press(OFFICIAL, "Đồng ý")
        await bot.send(OFFICIAL, "/traloi BL26-0002")
        await bot.press(OFFICIAL, "Viết câu trả lời")
        await bot.send(OFFICIAL, "Hộ nghèo được hỗ trợ 40 triệu đồng theo Nghị quyết của tỉnh.")
        await bot.press(OFFICIAL, "Ghi nhận và báo người dân")
        await notice(bot, "Mời bà con dự hội nghị", EVERYONE)
        await flush(bot)
        await bot.send(THIRD, "/dulieu")
        await bot.press(THIRD, "Xóa dữ liệu của tôi")
        await bot.press(THIRD, "Có, xóa")
    finally:
        await bot.stop()


def _all_rows(fetch: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(map(tuple, fetch(f"SELECT * FROM {t}")), key=repr) for t in tables}


def _sqlite_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _all_rows(lambda sql: list(conn.execute(sql)), tables)


def _pairs(db: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT id, cluster_id FROM questions WHERE cluster_id > 0"))


def _write_config(folder: Path, storage: str) -> Path:
    folder.mkdir(exist_ok=True)
    config = folder / "config.toml"
    config.write_text(
        f'[storage]\n{storage}\n[commune]\nname = "xã Bình Lư"\n'
        '[[dialogues]]\ncode = "BL26"\ntitle = "Hội nghị"\ndeadline = 2026-12-15T17:00:00+07:00\n',
        encoding="utf-8",
    )
    return config


def test_a_commune_moves_to_postgres_without_loss_and_re_runs_safely(
    tmp_path: Path, pg_schema: PgTarget
) -> None:
    db = tmp_path / "binh-lu.sqlite3"
    asyncio.run(_busy_commune(db))
    source = _sqlite_rows(db)
    assert source["questions"] and source["deliveries"] and source["clusters"]
    # A question whose cluster is a later question: rows that reference forward copy too.
    assert any(cluster > qid for (qid, cluster) in _pairs(db))

    move = ("migrate-store", "--from", f"sqlite:{db}", "--to", pg_schema.url)
    result = run_cli(*move, "--schema", pg_schema.schema)
    assert result.returncode == 0, result.stderr
    assert "khớp nhau" in result.stdout and "questions: 3 dòng" in result.stdout
    assert _all_rows(pg_schema.rows, list(source)) == source
    # Again, before the bot has started on the schema: the same copy, nothing doubled.
    assert run_cli(*move, "--schema", pg_schema.schema).returncode == 0
    assert _all_rows(pg_schema.rows, list(source)) == source

    async def carry_on() -> str:
        bot = Harness(db, office_config(db), postgres=pg_schema)
        # Telegram numbers updates on from the last one; the copied redelivery marks hold those.
        bot.api._update_ids = itertools.count(10_000)
        await bot.start()
        try:
            await bot.consent(5005)
            return await bot.submit(5005, text="Đề nghị sửa cầu treo Bản Vàng Bó bị hỏng")
        finally:
            await bot.stop()

    # New rows continue after the copied ones: the next receipt and ids collide with nothing.
    assert "BL26-0004" in asyncio.run(carry_on())
    for table in TABLES_WITH_IDS:
        ids = [i for (i,) in pg_schema.rows(f"SELECT id FROM {table}")]
        assert len(ids) == len(set(ids))
    # Now the commune lives on the server: an old file must not overwrite what it did since.
    refused = run_cli(*move, "--schema", pg_schema.schema)
    assert refused.returncode == 1 and "--replace" in refused.stderr
    assert pg_schema.rows("SELECT COUNT(*) FROM questions") == [(4,)]


def test_backup_of_either_store_is_a_sqlite_file_that_restores(
    tmp_path: Path, pg_schema: PgTarget
) -> None:
    db = tmp_path / "binh-lu.sqlite3"
    asyncio.run(_busy_commune(db))
    source = _sqlite_rows(db)

    lite_config = _write_config(tmp_path / "lite-config", f'path = "{db.as_posix()}"')
    done = run_cli("--config", str(lite_config), "backup", "--out", str(tmp_path / "lite"))
    assert done.returncode == 0, done.stderr
    (lite_backup,) = (tmp_path / "lite").glob("binh-lu-*.sqlite3")
    assert _sqlite_rows(lite_backup) == source

    assert run_cli("migrate-store", "--from", str(db), "--to", pg_schema.url,
                   "--schema", pg_schema.schema).returncode == 0  # fmt: skip
    pg_config = _write_config(
        tmp_path / "pg-config", f'url = "{pg_schema.url}"\nschema = "{pg_schema.schema}"'
    )
    out = tmp_path / "pg.sqlite3"
    done = run_cli("--config", str(pg_config), "backup", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert _sqlite_rows(out) == source
    # An existing backup is never overwritten.
    again = run_cli("--config", str(pg_config), "backup", "--out", str(out))
    assert again.returncode == 2 and _sqlite_rows(out) == source

    # Restore over a schema that has moved on since: only with --replace.
    pg_schema.rows("DELETE FROM audit")
    restore = ("migrate-store", "--from", f"sqlite:{out}", "--to", pg_schema.url)
    assert run_cli(*restore, "--schema", pg_schema.schema).returncode == 1
    assert run_cli(*restore, "--schema", pg_schema.schema, "--replace").returncode == 0
    assert _all_rows(pg_schema.rows, list(source)) == source


def test_health_reads_version_and_stalled_queues_on_both_stores(
    tmp_path: Path, pg_schema: PgTarget
) -> None:
    db = tmp_path / "h.sqlite3"
    lite = _write_config(tmp_path / "lite", f'path = "{db.as_posix()}"')
    missing = run_cli("--config", str(lite), "health")
    assert missing.returncode == 1 and "chưa có cơ sở dữ liệu" in missing.stderr
    asyncio.run(_busy_commune(db))
    healthy = run_cli("--config", str(lite), "health")
    assert healthy.returncode == 0, healthy.stderr
    assert run_cli("migrate-store", "--from", str(db), "--to", pg_schema.url,
                   "--schema", pg_schema.schema).returncode == 0  # fmt: skip
    pg = _write_config(tmp_path / "pg", f'url = "{pg_schema.url}"\nschema = "{pg_schema.schema}"')
    assert run_cli("--config", str(pg), "health").returncode == 0

    # An update received an hour ago and never tried: the bot is not doing its work.
    stuck = (
        "INSERT INTO inbox (channel, update_key, chat, body, received_at) "
        "VALUES ('telegram', '99', '1', '{}', '2020-01-01T00:00:00+00:00')"
    )
    pg_schema.rows(stuck)
    with sqlite3.connect(db) as conn:
        conn.execute(stuck)
    for config in (lite, pg):
        sick = run_cli("--config", str(config), "health")
        assert sick.returncode == 1 and "chưa được xử lý" in sick.stderr

    pg_schema.rows("DELETE FROM inbox")
    pg_schema.rows("UPDATE schema_version SET version = version + 1")
    newer = run_cli("--config", str(pg), "health")
    assert newer.returncode == 1 and "phiên bản" in newer.stderr


@pytest.mark.parametrize(
    ("storage", "key"),
    [
        ({"url": "postgresql://x@db/p"}, "storage.schema"),
        ({"url": "mysql://x@db/p", "schema": "xa_a"}, "storage.url"),
        ({"url": "postgresql://x@db/p", "schema": "Xã-A"}, "storage.schema"),
        ({"url": "postgresql://x@db/p", "schema": "public"}, "storage.schema"),
        ({"schema": "xa_a"}, "storage.url"),
    ],
)
def test_postgres_settings_are_checked(tmp_path: Path, storage: dict[str, str], key: str) -> None:
    config = base_config(tmp_path / "x.sqlite3")
    config["storage"] = storage
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    assert caught.value.key == key


def test_database_url_may_come_from_the_environment(tmp_path: Path) -> None:
    config = base_config(tmp_path / "x.sqlite3")
    config["storage"] = {"schema": "xa_binh_lu"}
    settings = parse_settings(config, env={"BOT_DATABASE_URL": "postgresql://bot:pw@db/tinh"})
    assert settings.storage.postgres and settings.storage.url == "postgresql://bot:pw@db/tinh"


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    config = _write_config(
        tmp_path, 'url = "postgresql://xa:secret-pw@127.0.0.1:9/doithoai"\nschema = "xa_a"'
    )
    for args in (("report", "--dialogue", "BL26", "--out", str(tmp_path)), ("health",)):
        result = run_cli("--config", str(config), *args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert "127.0.0.1:9" in lines[0] and "secret-pw" not in result.stderr
