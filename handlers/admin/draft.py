"""What an admin is preparing (a notice, a conclusion, closing a dialogue), kept between
messages under the JSON keys it has always had."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from domain.numfmt import fmt_number
from handlers.engine import Turn


@dataclass
class AdminDraft:
    code: str | None = None  # the dialogue (conclusion, closing)
    text: str | None = None  # the notice's or the conclusion's text
    audience: str | None = None  # "all", "villages" or "askers:<code>"
    villages: tuple[str, ...] = ()
    send_at: datetime | None = None  # None: now
    file_ref: str | None = None  # the signed conclusion, as the channel holds it
    file_name: str | None = None

    @classmethod
    def load(cls, data: Mapping[str, object]) -> Self:
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        villages = data.get("villages")
        send_at = text("send_at")
        return cls(
            code=text("code"),
            text=text("text"),
            audience=text("audience"),
            villages=tuple(v for v in villages if isinstance(v, str))
            if isinstance(villages, list)
            else (),
            send_at=_moment(send_at) if send_at else None,
            file_ref=text("file_ref"),
            file_name=text("file_name"),
        )

    def dump(self) -> dict[str, object]:
        values: dict[str, object] = {
            "code": self.code,
            "text": self.text,
            "audience": self.audience,
            "villages": list(self.villages) if self.audience == "villages" else None,
            "send_at": self.send_at.isoformat() if self.send_at else None,
            "file_ref": self.file_ref,
            "file_name": self.file_name,
        }
        return {key: value for key, value in values.items() if value is not None}


def keep_text(turn: Turn, typed: str, shortest: int, longest: int) -> bool:
    """Keep the text an admin typed in the draft if its length fits; else ask again."""
    body = typed.strip()
    if not shortest <= len(body) <= longest:
        length, low, high = (fmt_number(n) for n in (len(body), shortest, longest))
        turn.reask(turn.t("admin.bad_length", length=length, min=low, max=high))
        return False
    turn.draft(AdminDraft).text = body
    return True


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
