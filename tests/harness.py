"""Drive the real python-telegram-bot Application over the fake Bot API, on a real SQLite file
or a real PostgreSQL server's schema (`PgTarget`)."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import Settings, parse_settings
from bot.limiter import Limiter
from storage.conn import to_postgres
from storage.postgres import connect
from tests.fakes.telegram_api import TOKEN, FakeBotApi, FakeRequest, Sent

RESIDENT = 1001
OTHER_RESIDENT = 1002
OFFICIAL = 900
ADMIN = 901


@dataclass(frozen=True)
class PgTarget:
    """A commune's schema on a PostgreSQL server (tests/conftest.py starts one)."""

    url: str
    schema: str

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """A query written for SQLite (`?` placeholders), run on the schema; synchronous like
        sqlite3, so it runs on its own event loop in a thread."""

        async def fetch() -> list[tuple[Any, ...]]:
            conn = await connect(self.url, self.schema)
            try:
                return [tuple(r) for r in await conn.fetch(to_postgres(sql), *params)]
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fetch()).result()


def base_config(db_path: Path) -> dict[str, Any]:
    return {
        "telegram": {"token": TOKEN},
        "storage": {"path": str(db_path)},
        "commune": {
            "name": "xã Bình Lư",
            "timezone": "Asia/Ho_Chi_Minh",
            "villages": ["Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư"],
        },
        "roles": {"admins": [ADMIN], "officials": [OFFICIAL]},
        "dialogues": [
            {
                "code": "BL26",
                "title": "Hội nghị đối thoại với đoàn viên, hội viên năm 2026",
                "host": "Chủ tịch UBND xã Bình Lư",
                "audience": "Đoàn viên, hội viên",
                "deadline": datetime.fromisoformat("2026-12-15T17:00:00+07:00"),
                "meeting_note": "Dự kiến cuối tháng 12 năm 2026",
                "location": "Hội trường lớn, Trung tâm Hội nghị - Văn hóa xã",
                "categories": ["land", "social_policy", "infrastructure", "other"],
            }
        ],
    }


def write_cli_config(tmp_path: Path, villages: tuple[str, ...] = ()) -> Path:
    """A minimal config.toml for command-line tests: a database in tmp_path, one dialogue BL26."""
    config = tmp_path / "config.toml"
    village_line = f"villages = {list(villages)!r}\n".replace("'", '"') if villages else ""
    config.write_text(
        "[storage]\n"
        f'path = "{(tmp_path / "cli.sqlite3").as_posix()}"\n'
        f'[commune]\nname = "xã Bình Lư"\n{village_line}'
        '[[dialogues]]\ncode = "BL26"\ntitle = "Hội nghị"\n'
        "deadline = 2026-12-15T17:00:00+07:00\n",
        encoding="utf-8",
    )
    return config


@dataclass
class MutableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


class Harness:
    def __init__(
        self,
        db_path: Path,
        config: dict[str, Any] | None = None,
        *,
        real_pace: bool = False,
        postgres: PgTarget | None = None,
    ) -> None:
        self.db_path = db_path
        self.config = config if config is not None else base_config(db_path)
        # The same flows on a PostgreSQL schema instead of the file (storage/postgres.py).
        self.postgres = postgres
        if postgres is not None:
            self.config = {
                **self.config,
                "storage": {"url": postgres.url, "schema": postgres.schema},
            }
        self.clock = MutableClock()
        self.api = FakeBotApi()
        self.app: Any = None
        # Telegram's real limits (bot/limiter.py), or none to speak of for tests not about them.
        self.real_pace = real_pace

    @property
    def settings(self) -> Settings:
        return parse_settings(self.config)

    async def start(self) -> None:
        self.app = build_application(
            self.settings,
            clock=self.clock,
            request=FakeRequest(self.api),
            get_updates_request=FakeRequest(self.api),
            # Most tests are not about pacing: Telegram's second per chat would only make them
            # slow (tests/test_pacing.py is about it).
            limiter=None if self.real_pace else Limiter(10_000.0),
        )
        await self.app.initialize()
        # post_init is run by run_polling in production; here the test drives the lifecycle.
        await self.app.post_init(self.app)

    async def stop(self) -> None:
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)

    async def restart(self) -> None:
        """A new Application on the same database file, as after a process restart."""
        await self.stop()
        await self.start()

    async def deliver(self, update: dict[str, Any]) -> list[Sent]:
        before = len(self.api.sent)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.sent[before:]

    async def send(self, chat_id: int, text: str) -> list[Sent]:
        return await self.deliver(self.api.text_update(chat_id, text))

    async def press(self, chat_id: int, label: str, *, index: int = -1) -> list[Sent]:
        return await self.deliver(self.api.press_update(chat_id, label, index=index))

    async def media(self, chat_id: int, kind: str) -> list[Sent]:
        return await self.deliver(self.api.media_update(chat_id, kind))

    def last_text(self, chat_id: int) -> str:
        return self.api.last(chat_id).text

    def labels(self, chat_id: int) -> list[str]:
        return [label for label, _ in self.api.last(chat_id).buttons]

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path)

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if self.postgres is not None:
            return self.postgres.rows(sql, *params)
        with self.db() as conn:
            return list(conn.execute(sql, params))

    async def consent(self, chat_id: int) -> None:
        await self.send(chat_id, "/start")
        await self.press(chat_id, "Tôi đồng ý")

    async def submit(
        self,
        chat_id: int,
        text: str = "Đường liên thôn qua Bản Nà Khum bị sụt lún, đề nghị sửa chữa sớm",
        category: str = "Đất đai",
        village: str = "Bản Nà Khum",
        name: str | None = "Lò Văn Minh",
    ) -> str:
        """A whole submission by buttons; returns the receipt message."""
        await self.press(chat_id, "Gửi ý kiến")
        await self.press(chat_id, category)
        await self.send(chat_id, text)
        await self.press(chat_id, village)
        if name is None:
            await self.press(chat_id, "Bỏ qua")
        else:
            await self.send(chat_id, name)
        sent = await self.press(chat_id, "Gửi")
        # Other chats' messages go out meanwhile when residents submit at once.
        return [s for s in sent if s.chat_id == chat_id][-1].text
