"""A fake Zalo Bot API on 127.0.0.1, answering the way bot.zaloplatforms.com documents it.

* every method is `POST /bot{token}/{method}` with a JSON body; answers are
  `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "..."}`
  with the same HTTP status;
* getUpdates is a long poll (`timeout`, a string of seconds) returning ONE update object
  `{"event_name": ..., "message": {...}}`; an idle poll ends with 408; it refuses to run while a
  webhook is registered (Telegram's 409; Zalo only documents that the two exclude each other);
* ids are strings, dates are milliseconds, texts must be 1-2000 characters, sendPhoto takes a
  photo URL; setWebhook wants an https URL and a secret of 8-256 characters, which is then sent
  in the `X-Bot-Api-Secret-Token` header of every webhook delivery.

It also plays the residents: `text_update`, `sticker_update`, `image_update` build updates;
`push` queues one for getUpdates; `deliver` POSTs one to the webhook (any secret the test wants).
Pushing or delivering the same dict again is a redelivery with the same message_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web

TOKEN = "1459232241454765289:zalo-TEST-token-abcdefghijklmnop"
BOT_INFO = {
    "id": "1459232241454765289",
    "account_name": "bot.HoiChuTichXa",
    "account_type": "BASIC",
    "can_join_groups": False,
}
SECRET_HEADER = "X-Bot-Api-Secret-Token"
TEXT_LIMIT = 2000


@dataclass
class ZaloSent:
    chat_id: str
    message_id: str
    kind: str  # "text" | "photo"
    text: str
    photo: str = ""


def _now_ms() -> int:
    return int(time.time() * 1000)


def _error(status: int, description: str, **extra: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    body.update(extra)
    return web.json_response(body, status=status)


class FakeZaloApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[ZaloSent] = []
        self.by_chat: dict[str, list[ZaloSent]] = defaultdict(list)
        self.actions: list[tuple[str, str]] = []
        self.blocked: set[str] = set()
        # Queued error answers for a method, served before the normal one: (status, extra body).
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.webhook_url = ""
        self.webhook_secret = ""
        # Where deliveries really go: the bot's local server stands in for the public https URL.
        self.webhook_target = ""
        self.base_url = ""
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._message_ids = itertools.count(0x16F6366B3F02645A3D15)
        self._sent_event = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._http: httpx.AsyncClient | None = None

    # --- residents' side --------------------------------------------------------------------

    def _message_id(self) -> str:
        return f"{next(self._message_ids):020x}"

    def _message(self, user: str, name: str, **content: Any) -> dict[str, Any]:
        return {
            "from": {"id": user, "display_name": name, "is_bot": False},
            # In a private chat the chat id is the user's id.
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "message_id": self._message_id(),
            "date": _now_ms(),
            **content,
        }

    def text_update(self, user: str, text: str, name: str = "Người dân") -> dict[str, Any]:
        return {
            "event_name": "message.text.received",
            "message": self._message(user, name, text=text, message_type="CHAT_MESSAGE"),
        }

    def sticker_update(self, user: str, name: str = "Người dân") -> dict[str, Any]:
        return {
            "event_name": "message.sticker.received",
            "message": self._message(
                user,
                name,
                sticker="0e078a2fb66a5f34067b",
                url="https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=1&size=130",
                message_type="CHAT_STICKER",
            ),
        }

    def image_update(self, user: str, name: str = "Người dân") -> dict[str, Any]:
        return {
            "event_name": "message.image.received",
            "message": self._message(
                user,
                name,
                photo_url="https://photo-stal.zadn.vn/abc/hinh.jpg",
                caption="",
                message_type="CHAT_PHOTO",
            ),
        }

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (pushing it twice is a redelivery)."""
        self._queue.put_nowait(update)
        return update

    async def deliver(
        self, update: dict[str, Any] | bytes, *, secret: str | None = None, url: str | None = None
    ) -> int:
        """POST an update to the webhook as Zalo does; returns the HTTP status the bot gave.

        `secret=None` sends the registered secret; "" sends no header at all.
        """
        target = url or self.webhook_target
        if not target:
            raise AssertionError("no webhook target: setWebhook was not called")
        token = self.webhook_secret if secret is None else secret
        headers = {"Content-Type": "application/json"}
        if token:
            headers[SECRET_HEADER] = token
        content = update if isinstance(update, bytes) else None
        payload = None if isinstance(update, bytes) else update
        if self._http is None:
            # One client for all deliveries: building one costs more than a delivery.
            self._http = httpx.AsyncClient(timeout=5.0)
        response = await self._http.post(target, json=payload, content=content, headers=headers)
        return response.status_code

    def texts(self, chat_id: str) -> list[str]:
        return [s.text for s in self.by_chat[chat_id]]

    def last(self, chat_id: str) -> str:
        return self.by_chat[chat_id][-1].text

    async def wait_sent(self, chat_id: str, count: int, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while len(self.by_chat[chat_id]) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat_id}: {len(self.by_chat[chat_id])} < {count}")
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), remaining)

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    # --- the Bot API side -------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1") -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._endpoint)
        # Cancel a handler when its client goes away, so a dropped long poll loses no update.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing.set()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _endpoint(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            raw = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "Bad Request: body is not JSON")
        params: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method")
        if self.failures[method]:
            status, extra = self.failures[method].pop(0)
            return _error(status, extra.pop("description", "Injected failure"), **extra)
        result: web.StreamResponse = await handler(params)
        return result

    @staticmethod
    def _ok(result: Any = None) -> web.Response:
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(BOT_INFO)

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook_url:
            return _error(409, "Conflict: getUpdates is not available while a webhook is set")
        try:
            timeout = float(params.get("timeout") or 30)
        except ValueError:
            return _error(400, "Bad Request: timeout")
        getter = asyncio.ensure_future(self._queue.get())
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({getter, closing}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            closing.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return self._ok(getter.result())
        return _error(408, "Request timeout")

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        url = str(params.get("url") or "")
        secret = str(params.get("secret_token") or "")
        if not url.startswith("https://"):
            return _error(400, "Bad Request: url must be https")
        if not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return self._ok({"url": url, "updated_at": _now_ms()})

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return self._ok({"url": "", "updated_at": _now_ms()})

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"url": self.webhook_url, "updated_at": _now_ms()})

    def _record(self, chat_id: str, kind: str, text: str, photo: str = "") -> web.Response:
        sent = ZaloSent(chat_id, self._message_id(), kind, text, photo)
        self.sent.append(sent)
        self.by_chat[chat_id].append(sent)
        self._sent_event.set()
        return self._ok({"message_id": sent.message_id, "date": _now_ms()})

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = params.get("chat_id")
        text = params.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            return _error(400, "Bad Request: chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_LIMIT:
            return _error(400, "Bad Request: text must be 1-2000 characters")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: the user has blocked the bot")
        return self._record(chat_id, "text", text)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        chat_id = params.get("chat_id")
        photo = params.get("photo")
        if not isinstance(chat_id, str) or not isinstance(photo, str) or not photo:
            return _error(400, "Bad Request: chat_id and photo (a URL) are required")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: the user has blocked the bot")
        return self._record(chat_id, "photo", str(params.get("caption") or ""), photo)

    async def _m_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        chat_id = str(params.get("chat_id") or "")
        action = str(params.get("action") or "")
        if not chat_id or action not in ("typing", "upload_photo"):
            return _error(400, "Bad Request: action")
        self.actions.append((chat_id, action))
        return self._ok()
