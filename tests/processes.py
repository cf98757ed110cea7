"""`python -m bot run` as its own process against the fake Bot API over HTTP, for the tests
about crashes, start-up failures and second processes."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60.0  # generous: a loaded 2-core CI machine can take seconds to start the bot

CONFIG = """
[telegram]
token = "{token}"
base_url = "{base_url}"
[storage]
path = "{db}"
[commune]
name = "xã Bình Lư"
villages = ["Bản Nà Khum", "Bản Vàng Bó"]
[[dialogues]]
code = "BL27"
title = "Hội nghị đối thoại năm 2027"
deadline = 2099-06-15T17:00:00+07:00
location = "Hội trường xã"
categories = ["land", "social_policy", "infrastructure", "other"]
"""


def write_config(folder: Path, token: str, base_url: str, db: Path, extra: str = "") -> Path:
    path = folder / f"config-{token[-6:]}.toml"
    body = CONFIG.format(token=token, base_url=base_url, db=db.as_posix()) + extra
    path.write_text(body, encoding="utf-8")
    return path


def query(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@dataclass
class Bot:
    """One `run` process; restarted with the same config after a kill."""

    config: Path
    log: Path
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0
    codes: list[int | None] = field(default_factory=list)

    async def start(self, *args: str) -> int:
        env = {**os.environ, "BOT_TELEGRAM_TOKEN": "", "BOT_ZALO_TOKEN": ""}
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                *(args or ("run",)),
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        self.starts += 1
        return self.proc.pid

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()

    async def wait(self, within: float = WAIT) -> int | None:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), within)
        self.codes.append(code)
        self.proc = None
        return code

    async def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.terminate()
        return await self.wait()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A port for a server the bot starts (and starts again after a kill), chosen below the
    kernel's ephemeral range: a port from bind(0) is released before the bot binds it, and any
    test's outgoing connection may take it meanwhile (most likely in the seconds a restart
    takes). Each xdist worker draws from its own thousand ports."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = 20_000 + 1_000 * (int(worker) % 12 if worker.isdigit() else 0)
    for _ in range(100):
        port = base + random.randrange(1_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


async def poll_until(check: Callable[[], bool], what: str, bot: Bot, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n--- bot log ---\n{bot.tail()}")
        await asyncio.sleep(0.1)


SUBJECTS = (
    "đường liên thôn bị sụt lún sau mưa lũ",
    "nước sinh hoạt bị mất nhiều ngày vào mùa khô",
    "đèn chiếu sáng công cộng hỏng đã lâu",
    "cấp giấy chứng nhận quyền sử dụng đất còn chậm",
    "tiền hỗ trợ hộ cận nghèo chưa được chi trả",
    "rác thải dọc suối chưa có ai thu gom",
    "trường mầm non thiếu phòng học",
    "giá thu mua chè búp tươi xuống thấp",
    "cầu treo xuống cấp, đi lại nguy hiểm",
    "thủ tục làm căn cước cho người già yếu",
)
PLACES = ("Bản Nà Khum", "Bản Vàng Bó")


def paper_forms_csv(path: Path, count: int) -> Path:
    """`count` typed-up paper forms for `python -m bot import`, all different (one import key
    each), in the columns of the shipped template."""
    header = ",".join(
        (
            "Số phiếu",
            "Ngày nhận (dd/mm/yyyy)",
            "Thôn/tổ dân phố",
            "Họ tên (không bắt buộc)",
            "Nhóm vấn đề",
            "Nội dung ý kiến",
        )
    )
    lines = [header]
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        subject = SUBJECTS[(i * 7) % len(SUBJECTS)]
        text = f"Phiếu số {i + 1}: bà con {place} phản ánh {subject}, hộ số {i % 97 + 1}"
        lines.append(f"{i + 1},20/11/2026,{place},,Hạ tầng,{text}")
    path.write_text("\r\n".join(lines), encoding="utf-8")
    return path
