from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.postgres import connect
from tests.harness import Harness, PgTarget
from tests.pgserver import PgServer, find_bindir, unique_schema
from tests.test_office import office_config

# A server given from outside (CI's own, or a developer's); otherwise each xdist worker starts
# its own throwaway server on a unix socket (tests/pgserver.py).
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if DATABASE_URL:
        yield DATABASE_URL
        return
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            # CI proves both stores: a missing server is a failure, never a quiet skip.
            pytest.fail("no PostgreSQL binaries (install Debian's postgresql package)")
        pytest.skip("no PostgreSQL binaries and no TEST_DATABASE_URL")
    server = PgServer(bindir)
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()


async def _drop(url: str, schema: str) -> None:
    conn = await connect(url, schema)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[PgTarget]:
    """A fresh schema for one test, as a commune of its own would have."""
    target = PgTarget(pg_url, unique_schema())
    yield target
    if DATABASE_URL:
        # A server that outlives the run keeps nothing of it; a throwaway one goes whole.
        asyncio.run(_drop(pg_url, target.schema))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> PgTarget | None:
    """Run the test on each store: None for the SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return None
    target: PgTarget = request.getfixturevalue("pg_schema")
    return target


SECRETARY, SUPERVISOR, DEPARTMENT_HEAD = 902, 903, 904


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.sqlite3")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def meeting_config(db: Path) -> dict[str, Any]:
    config = office_config(db)
    config["roles"]["secretaries"] = [SECRETARY]
    config["roles"]["supervisors"] = [SUPERVISOR]
    config["departments"][0]["officials"] = [DEPARTMENT_HEAD]
    return config


@pytest.fixture
async def hall(tmp_path: Path, backend: PgTarget | None) -> AsyncIterator[Harness]:
    # The conference day and after it, on the SQLite file and on a PostgreSQL schema.
    harness = Harness(
        tmp_path / "meeting.sqlite3", meeting_config(tmp_path / "meeting.sqlite3"), postgres=backend
    )
    await harness.start()
    yield harness
    await harness.stop()
