"""Debian's chromium driven by playwright, for the browser test and docs/screenshots.py.

`playwright install` downloads its own browsers, which a commune's machine (and CI) cannot
do; the system's chromium is started instead, headless, with nothing that reaches the network
by itself (no updates, no sync, no QUIC) and a fresh profile each time.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OFFICE_SCREEN = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def chromium() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@asynccontextmanager
async def browser(profile: Path, viewport: dict[str, int] | None = None) -> AsyncIterator[Any]:
    """A browser context on a fresh profile folder (chromium's --user-data-dir)."""
    from playwright.async_api import async_playwright

    executable = chromium()
    assert executable is not None, "chromium is not installed (apt-get install chromium)"
    async with async_playwright() as driver:
        context = await driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=FLAGS,
            viewport=viewport or OFFICE_SCREEN,
            accept_downloads=True,
            locale="vi-VN",
        )
        try:
            yield context
        finally:
            await context.close()
