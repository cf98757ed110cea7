"""The Zalo Bot API over httpx (no Zalo package from PyPI is fit to depend on). What the Zalo
Bot API documents, and this client therefore assumes:

* every method is `POST {base_url}/bot{token}/{method}` with a JSON body, answering
  `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "..."}`;
* `getUpdates` is a long poll (`timeout` in seconds) that returns ONE update object
  `{"event_name": "message.text.received", "message": {...}}`, not a list, and has no
  update_id/offset; an idle poll ends with error 408, which only means "nothing new";
* ids are strings, `message.date` is in milliseconds, `message.chat.chat_type` is PRIVATE/GROUP;
* there are no buttons and no message edits, and a text is 1 to 2000 characters;
* `sendPhoto` takes the photo as a URL string, so bytes we generate (charts, reports) cannot be
  uploaded: they are replaced by a short text note;
* a webhook is registered with a secret (8-256 characters) that Zalo sends back in the
  `X-Bot-Api-Secret-Token` header; webhook and getUpdates exclude each other.

The docs publish no table of error codes (nor rate limits), so errors are classified from the HTTP
status or `error_code` and the description: 403, or "blocked"/"user not found"-like descriptions,
mean the person is gone; 429 means slow down; 408/5xx/network errors are transient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.config import ZALO_BASE_URL
from bot.outbox import Blocked, RetryLater, Transient
from bot.textsplit import split_text

MESSAGE_LIMIT = 2000
# Zalo's own default long-poll length; the HTTP read timeout is this plus a margin.
POLL_TIMEOUT = 30.0
POLL_MARGIN = 10.0
# A 429 without a hint of how long to wait: this many seconds.
DEFAULT_RETRY_AFTER = 2.0


class ZaloApiError(Exception):
    """An error that is neither "gone", "slow down" nor transient: a bad request or token."""

    def __init__(self, method: str, code: int, description: str) -> None:
        super().__init__(f"Zalo {method} failed: {code} {description}")
        self.method = method
        self.code = code
        self.description = description


_NOTHING_NEW = object()


def _gone(description: str) -> bool:
    """Descriptions that mean the chat cannot be reached any more (Zalo documents no codes)."""
    text = description.lower()
    return any(
        marker in text
        for marker in ("blocked", "user not found", "chat not found", "not exist", "unfollow")
    )


def _classify(method: str, code: int, description: str, body: Mapping[str, Any]) -> Exception:
    if code == 429:
        params = body.get("parameters")
        retry = params.get("retry_after") if isinstance(params, Mapping) else None
        seconds = float(retry) if isinstance(retry, int | float) and retry > 0 else None
        return RetryLater(seconds if seconds is not None else DEFAULT_RETRY_AFTER)
    if code == 403 or (code in (400, 404) and _gone(description)):
        return Blocked(f"{method}: {code} {description}")
    if code == 408 or code >= 500:
        return Transient(f"{method}: {code} {description}")
    return ZaloApiError(method, code, description)


class ZaloClient:
    """`{base_url}/bot{token}/{method}` over httpx; answers mapped to results or exceptions.

    Raises bot.outbox.Blocked / RetryLater / Transient for those classes of failure, so the
    outbox and the conversation handle Zalo like any other channel, and ZaloApiError otherwise.
    The token is part of every URL: it is scrubbed from every message this class raises.
    """

    def __init__(
        self,
        token: str,
        base_url: str = ZALO_BASE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._token = token
        self._base = f"{base_url.rstrip('/')}/bot{token}"
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    async def call(
        self,
        method: str,
        params: Mapping[str, object] | None = None,
        *,
        read_timeout: float | None = None,
    ) -> Any:
        return await self._call(method, params, read_timeout=read_timeout, long_poll=False)

    async def _call(
        self,
        method: str,
        params: Mapping[str, object] | None,
        *,
        read_timeout: float | None,
        long_poll: bool,
    ) -> Any:
        url = f"{self._base}/{method}"
        try:
            if read_timeout is None:
                response = await self._http.post(url, json=dict(params or {}))
            else:
                response = await self._http.post(url, json=dict(params or {}), timeout=read_timeout)
        except httpx.TimeoutException:
            if long_poll:
                return _NOTHING_NEW  # the poll outlived our read timeout: nothing came
            raise Transient(f"{method}: timed out") from None
        except httpx.HTTPError as exc:
            # `from None`: the chained exception would carry the URL, and with it the token.
            raise Transient(f"{method}: {type(exc).__name__}: {self._scrub(str(exc))}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, Mapping):
            # Not the API talking (a proxy page, a truncated answer): worth another try.
            raise Transient(f"{method}: HTTP {response.status_code} without a JSON answer")
        if body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code")
        if not isinstance(code, int) or isinstance(code, bool):
            code = response.status_code
        description = self._scrub(str(body.get("description") or response.reason_phrase))
        if long_poll and code == 408:
            return _NOTHING_NEW
        raise _classify(method, code, description, body)

    # --- methods ---------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_updates(self, poll_seconds: float = POLL_TIMEOUT) -> list[dict[str, Any]]:
        """The next update(s); [] when the long poll ended with nothing new (408)."""
        result = await self._call(
            "getUpdates",
            # The API documents `timeout` as a string of seconds.
            {"timeout": str(max(1, round(poll_seconds)))},
            read_timeout=poll_seconds + POLL_MARGIN,
            long_poll=True,
        )
        if result is _NOTHING_NEW or result is None:
            return []
        # Documented as one object; a list is accepted too should the API ever batch.
        items = result if isinstance(result, list) else [result]
        return [dict(item) for item in items if isinstance(item, Mapping)]

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return dict(result) if isinstance(result, Mapping) else {}

    async def delete_webhook(self) -> dict[str, Any]:
        result = await self.call("deleteWebhook")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_message(self, chat_id: str, text: str) -> list[dict[str, Any]]:
        """Send `text`, cut at line or sentence boundaries into parts of at most 2000 chars."""
        sent: list[dict[str, Any]] = []
        for part in split_text(text, MESSAGE_LIMIT):
            if not part.strip():
                continue  # the API refuses empty texts
            result = await self.call("sendMessage", {"chat_id": chat_id, "text": part})
            sent.append(dict(result) if isinstance(result, Mapping) else {})
        return sent

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        """`photo` must be a URL the Zalo servers can fetch: the API takes no uploaded bytes."""
        params: dict[str, object] = {"chat_id": chat_id, "photo": photo_url}
        if caption.strip():
            params["caption"] = caption[:MESSAGE_LIMIT]
        result = await self.call("sendPhoto", params)
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
