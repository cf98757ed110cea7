"""A fake Telegram Bot API: in-process (a PTB request transport) or over HTTP on 127.0.0.1.

It answers the methods the bot uses the way Telegram documents them, keeps every call for the
tests to inspect, and plays residents: `push_text`, `press`, `push_sticker` create updates that
the bot receives through getUpdates or `Application.process_update`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from telegram.request import BaseRequest, RequestData

TOKEN = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Hỏi Chủ tịch xã",
    "username": "hoichutichxa_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    buttons: list[tuple[str, str]]  # (label, callback_data)
    at: float


@dataclass
class FakeBotApi:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    pushed_at: dict[int, float] = field(default_factory=dict)
    # (chat id, "photo" | "document", file name, content)
    files: list[tuple[int, str, str, bytes]] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    rate_limit: int | None = None  # messages per second before answering 429
    # Per private chat, as Telegram: a short burst, then about one message a second.
    chat_burst: int | None = None
    chat_per_second: float = 1.0
    too_many: int = 0
    latency: float = 0.0  # seconds added to every call, as a distant server would
    # (status, body) answered to the next sendMessage calls instead of sending.
    failures: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    other_tokens: set[str] = field(default_factory=set)  # more bots on this server

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._offset = 0
        self._new_update = asyncio.Event()
        self._sent_event = asyncio.Event()
        self.by_chat: dict[int, list[Sent]] = defaultdict(list)
        self._recent: deque[float] = deque()
        self._chat_tokens: dict[int, tuple[float, float]] = {}
        self._poll_gen: dict[str, int] = {}
        self.conflicts = 0

    # --- residents' side -----------------------------------------------------------------
    def _user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Người dân", "language_code": "vi"}

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Người dân"},
            "from": self._user(chat_id),
            **content,
        }

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        update.setdefault("update_id", next(self._update_ids))
        self.updates.append(update)
        self.pushed_at[update["update_id"]] = time.perf_counter()
        self._new_update.set()
        return update

    def text_update(self, chat_id: int, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, **content)}

    def push_text(self, chat_id: int, text: str) -> dict[str, Any]:
        return self.push(self.text_update(chat_id, text))

    def media_update(self, chat_id: int, kind: str) -> dict[str, Any]:
        file = {"file_id": "AgAD", "file_unique_id": "u1"}
        contents: dict[str, dict[str, Any]] = {
            "sticker": {
                "sticker": {
                    **file,
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
            "location": {"location": {"latitude": 22.33, "longitude": 103.55}},
            "document": {"document": {**file, "file_name": "don.pdf"}},
        }
        return {
            "update_id": next(self._update_ids),
            "message": self._message(chat_id, **contents[kind]),
        }

    def callback_update(self, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": self._user(chat_id),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Người dân"},
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }

    def button(self, chat_id: int, label: str, *, index: int = -1) -> tuple[str, int]:
        """The callback data of the button labelled `label` on the chat's last keyboard."""
        with_keyboard = [s for s in self.by_chat[chat_id] if s.buttons]
        message = with_keyboard[index]
        for text, data in message.buttons:
            if text == label:
                return data, message.message_id
        raise AssertionError(f"no button {label!r} in {[b[0] for b in message.buttons]}")

    def press_update(self, chat_id: int, label: str, *, index: int = -1) -> dict[str, Any]:
        data, message_id = self.button(chat_id, label, index=index)
        return self.callback_update(chat_id, data, message_id)

    def texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.by_chat[chat_id]]

    def last(self, chat_id: int) -> Sent:
        return self.by_chat[chat_id][-1]

    async def wait_for_reply(self, chat_id: int, count: int, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while len(self.by_chat[chat_id]) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat_id}: {len(self.by_chat[chat_id])} < {count}")
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), remaining)

    # --- the Bot API side -----------------------------------------------------------------
    async def call(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if token != self.token and token not in self.other_tokens:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if self.latency:
            await asyncio.sleep(self.latency)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if method == "getUpdates":
            params = {**params, "_bot": token}  # one poller per bot, not per server
        result = await handler(params)
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        scope = params.get("scope") or {"type": "default"}
        key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        self.commands[key] = list(params["commands"])
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        # One poller per bot: a newer getUpdates ends a pending one with 409, as Telegram does.
        bot = str(params.get("_bot", self.token))
        self._poll_gen[bot] = mine = self._poll_gen.get(bot, 0) + 1
        self._new_update.set()
        offset = int(params.get("offset") or 0)
        if offset:
            self._offset = max(self._offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= self._offset]
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self.updates and timeout > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)
            if self._poll_gen[bot] != mine:
                self.conflicts += 1
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                }
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if self.failures:
            return self.failures.popleft()
        throttled = self._throttled(chat_id)
        if throttled is not None:
            return throttled
        if chat_id in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        text = str(params["text"])
        if not text or len(text) > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: text"}
        markup = params.get("reply_markup") or {}
        buttons = [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        message_id = next(self._message_ids)
        sent = Sent(chat_id, message_id, text, buttons, time.perf_counter())
        self.sent.append(sent)
        self.by_chat[chat_id].append(sent)
        self._sent_event.set()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": text,
        }

    async def _file(self, params: dict[str, Any], field_name: str) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: blocked"}
        upload = params.get(field_name)
        # An upload arrives as (name, bytes); a file Telegram already holds, as its file_id.
        filename, data = upload if isinstance(upload, tuple) else (str(upload), b"")
        self.files.append((chat_id, field_name, filename, data))
        message_id = next(self._message_ids)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
        }

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._file(params, "photo")

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._file(params, "document")

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self.answers.append(params)
        return True

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        self.edits.append((int(params["chat_id"]), int(params["message_id"]), params["text"]))
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params["text"],
        }

    def _throttled(self, chat_id: int) -> tuple[int, Any] | None:
        """Answer 429 past `rate_limit` messages in the last second, or past a private chat's
        burst (then about `chat_per_second`), as Telegram does."""
        now = time.monotonic()
        if self.chat_burst is not None and chat_id > 0:
            tokens, then = self._chat_tokens.get(chat_id, (float(self.chat_burst), now))
            tokens = min(float(self.chat_burst), tokens + (now - then) * self.chat_per_second)
            if tokens < 1.0:
                self._chat_tokens[chat_id] = (tokens, now)
                return self._too_many(max(1, int((1.0 - tokens) / self.chat_per_second + 0.999)))
            self._chat_tokens[chat_id] = (tokens - 1.0, now)
        if self.rate_limit is None:
            return None
        while self._recent and now - self._recent[0] > 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return self._too_many(1)
        self._recent.append(now)
        return None

    def _too_many(self, seconds: int) -> tuple[int, Any]:
        self.too_many += 1
        return 429, {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {seconds}",
            "parameters": {"retry_after": seconds},
        }


class KillingBotApi(FakeBotApi):
    """SIGKILLs the bot process `victim` right after accepting message number `kill_at[0]`,
    before answering: the message went out, and the bot can never know it (the worst moment)."""

    def __init__(self, kill_at: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kill_at: list[int] = list(kill_at or [])
        self.victim: int | None = None  # pid
        self.kills: list[float] = []  # perf_counter of each kill
        self.killed = asyncio.Event()

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        result = await super()._m_sendMessage(params)
        accepted = not isinstance(result, tuple)
        if (
            accepted
            and self.victim is not None
            and self.kill_at
            and (len(self.sent) >= self.kill_at[0])
        ):
            self.kill_at.pop(0)
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
            self.kills.append(time.perf_counter())
            self.killed.set()
        return result


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Bot API parameters arrive as strings; objects and arrays as JSON text."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


class FakeRequest(BaseRequest):
    """A PTB transport that hands every call to a FakeBotApi in the same process."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        token_part, _, api_method = url.rpartition("/")
        token = token_part.rpartition("/bot")[2]
        params = decode_params(request_data.json_parameters if request_data else {})
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                raw = content if isinstance(content, bytes) else content.read()
                params[name] = (filename, raw)
        status, body = await self.api.call(token, api_method, params)
        return status, json.dumps(body).encode()


async def serve_http(api: FakeBotApi, host: str = "127.0.0.1", port: int = 0) -> Any:
    """Serve the fake over HTTP; returns (runner, base_url). Needs aiohttp (a dev dependency)."""
    from aiohttp import web

    async def endpoint(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        raw: dict[str, str] = dict(parse_qsl(request.query_string))
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                raw.update(
                    {
                        k: v if isinstance(v, str) else json.dumps(v)
                        for k, v in (await request.json()).items()
                    }
                )
            else:
                form = await request.post()
                files: dict[str, Any] = {}
                for k, v in form.items():
                    if isinstance(v, web.FileField):
                        files[k] = (v.filename, v.file.read())
                    else:
                        raw[k] = str(v)
                params = decode_params(raw)
                params.update(files)
                status, body = await api.call(token, method, params)
                return web.json_response(body, status=status)
        status, body = await api.call(token, method, decode_params(raw))
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
    bound = sockets[0].getsockname()[1]
    return runner, f"http://{host}:{bound}/bot"
