"""The command line as a newcomer and an administrator meet it: subprocesses, real files."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from tests.fakes.telegram_api import TOKEN, FakeBotApi, serve_http

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("BOT_TELEGRAM_TOKEN", None) if env is None else None
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=60,
    )


def write_config(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


MINIMAL = """
[telegram]
token = "{token}"
{base_url}
[storage]
path = "{db}"
[commune]
name = "xã Bình Lư"
villages = ["Bản Nà Khum"]
[[dialogues]]
code = "BL27"
title = "Hội nghị đối thoại năm 2027"
deadline = {deadline}
location = "Hội trường xã"
"""


def minimal(
    tmp_path: Path,
    token: str = TOKEN,
    deadline: str = "2099-06-15T17:00:00+07:00",
    base_url: str = "",
) -> Path:
    body = MINIMAL.format(
        token=token,
        db=(tmp_path / "bot.sqlite3").as_posix(),
        deadline=deadline,
        base_url=f'base_url = "{base_url}"' if base_url else "",
    )
    return write_config(tmp_path / "config.toml", body)


def test_example_config_is_complete_and_valid() -> None:
    settings = load_settings(EXAMPLE, env={})
    assert settings.commune.name == "xã Bình Lư"
    assert [d.code for d in settings.dialogues] == ["BL27", "TN27"]
    assert settings.dialogues[0].deadline.utcoffset() is not None
    assert settings.commune.villages


@pytest.mark.parametrize(
    ("token", "deadline", "key"),
    [
        ("", "2099-06-15T17:00:00+07:00", "telegram.token"),
        ("not-a-token", "2099-06-15T17:00:00+07:00", "telegram.token"),
        (TOKEN, '"15/06/2027"', "dialogues[0].deadline"),
        (TOKEN, "2027-06-15", "dialogues[0].deadline"),
    ],
)
def test_run_config_errors_are_one_line_exit_2(
    tmp_path: Path, token: str, deadline: str, key: str
) -> None:
    config = minimal(tmp_path, token=token, deadline=deadline)
    result = run_cli("--config", str(config), "run", env={"BOT_TELEGRAM_TOKEN": ""})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0] and "Traceback" not in result.stderr


def test_unreadable_config_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = run_cli("--config", str(tmp_path / "none.toml"), "run")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    broken = write_config(tmp_path / "broken.toml", "[commune\nname = ")
    result = run_cli("--config", str(broken), "run")
    assert result.returncode == 2 and "TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_environment_token_overrides_the_file(tmp_path: Path) -> None:
    config = minimal(tmp_path, token="")
    settings = load_settings(config, env={"BOT_TELEGRAM_TOKEN": TOKEN})
    assert settings.telegram.checked_token() == TOKEN


def test_demo_runs_a_scripted_conversation(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "1",  # Tôi đồng ý
            "1",  # Gửi ý kiến
            "2",  # the BL27 dialogue (TN27 closes earlier, so it is listed first)
            "4",  # Đất đai
            "Xin cấp đổi sổ đỏ cho các hộ Bản Nà Khum bị sai diện tích",
            "1",  # Bản Nà Khum
            "Lò Văn Minh",
            "1",  # Gửi
            "/cuatoi",
        ]
    )
    db = tmp_path / "demo.sqlite3"
    result = run_cli("demo", "--db", str(db), stdin=script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Tôi đồng ý" in out and "  1. Gửi ý kiến" in out
    assert "Mã tiếp nhận: BL27-0001" in out
    assert "Đã tiếp nhận" in out  # the status in "my questions"
    assert "Tạm biệt" in out
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT receipt_code, category FROM questions").fetchall() == [
        ("BL27-0001", "land")
    ]
    conn.close()


async def start_run(config: Path) -> asyncio.subprocess.Process:
    """`python -m bot --config CONFIG run` as a commune would start it, tokens from the file."""
    env = {**os.environ, "BOT_TELEGRAM_TOKEN": "", "BOT_ZALO_TOKEN": ""}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _wait(api: FakeBotApi, chat: int, count: int) -> None:
    await api.wait_for_reply(chat, count, within=20)


async def test_run_against_a_bot_api_server_and_stop_on_sigterm(tmp_path: Path) -> None:
    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    config = minimal(tmp_path, base_url=base_url)
    proc = await start_run(config)
    chat = 4242
    try:
        api.push_text(chat, "/start")
        await _wait(api, chat, 1)
        steps = [
            ("press", "Tôi đồng ý"),
            ("press", "Gửi ý kiến"),
            ("press", "Hạ tầng"),
            ("text", "Đề nghị sửa chữa cầu tràn Bản Nà Khum bị hư hỏng sau lũ"),
            ("press", "Bản Nà Khum"),
            ("press", "Bỏ qua"),
            ("press", "Gửi"),
        ]
        for n, (kind, value) in enumerate(steps, start=2):
            if kind == "press":
                api.push(api.press_update(chat, value))
            else:
                api.push_text(chat, value)
            await _wait(api, chat, n)
        assert "Mã tiếp nhận: BL27-0001" in api.last(chat).text
        assert any(m == "setMyCommands" for m, _ in api.calls)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        await runner.cleanup()
    assert proc.returncode == 0, stderr.decode()
    conn = sqlite3.connect(tmp_path / "bot.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM questions").fetchone() == (1,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_run_with_a_token_the_server_rejects(tmp_path: Path) -> None:
    api = FakeBotApi(token="999:another-token-that-the-server-knows-xxxxxxxx")
    runner, base_url = await serve_http(api)
    config = minimal(tmp_path, base_url=base_url)
    proc = await start_run(config)
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        await runner.cleanup()
    assert proc.returncode == 2
    text = stderr.decode()
    assert "telegram.token" in text and "Traceback" not in text


async def test_run_starts_telegram_and_zalo_on_one_database(tmp_path: Path) -> None:
    from tests.fakes.zalo_api import TOKEN as ZALO_TOKEN
    from tests.fakes.zalo_api import FakeZaloApi

    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    zalo = FakeZaloApi()
    zalo_url = await zalo.start()
    config = minimal(tmp_path, base_url=base_url)
    with config.open("a", encoding="utf-8") as out:
        out.write(f'\n[zalo]\ntoken = "{ZALO_TOKEN}"\nbase_url = "{zalo_url}"\n')
    proc = await start_run(config)
    try:
        # A resident on Zalo types everything; the numbered lists stand in for buttons.
        user = "8812"
        steps = [
            "/start",
            "1",
            "1",
            "ha tang",
            "Đề nghị sửa cầu treo Bản Nà Khum trước mùa lũ",
            "1",
            "bo qua",
            "1",
        ]
        for n, text in enumerate(steps, start=1):
            zalo.push(zalo.text_update(user, text))
            await zalo.wait_sent(user, n, within=20)
        assert "Mã tiếp nhận: BL27-0001" in zalo.last(user)
        # A resident on Telegram, same process, same database: the next code.
        chat = 4243
        api.push_text(chat, "/start")
        await _wait(api, chat, 1)
        for n, label in enumerate(["Tôi đồng ý", "Gửi ý kiến", "Khác"], start=2):
            api.push(api.press_update(chat, label))
            await _wait(api, chat, n)
        api.push_text(chat, "Đề nghị mở lớp dạy nghề may công nghiệp cho lao động nữ")
        await _wait(api, chat, 5)
        for n, label in enumerate(["Bản Nà Khum", "Bỏ qua", "Gửi"], start=6):
            api.push(api.press_update(chat, label))
            await _wait(api, chat, n)
        assert "Mã tiếp nhận: BL27-0002" in api.last(chat).text
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        await runner.cleanup()
        await zalo.stop()
    assert proc.returncode == 0, stderr.decode()
    conn = sqlite3.connect(tmp_path / "bot.sqlite3")
    rows = conn.execute(
        "SELECT r.channel FROM questions q JOIN residents r ON r.id = q.resident_id ORDER BY q.id"
    ).fetchall()
    conn.close()
    assert rows == [("zalo",), ("telegram",)]
