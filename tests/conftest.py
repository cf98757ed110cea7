from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Harness
from tests.test_office import office_config

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
async def hall(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "meeting.sqlite3", meeting_config(tmp_path / "meeting.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()
