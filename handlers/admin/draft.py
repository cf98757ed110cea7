"""What an admin is preparing (a notice, a conclusion, closing a dialogue), kept between
messages under the JSON keys it has always had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.numfmt import fmt_number
from handlers.drafts import StoredDraft
from handlers.engine import Turn


@dataclass
class AdminDraft(StoredDraft):
    code: str | None = None  # the dialogue (conclusion, closing)
    text: str | None = None  # the notice's or the conclusion's text
    audience: str | None = None  # "all", "villages" or "askers:<code>"
    villages: tuple[str, ...] = ()
    send_at: datetime | None = None  # None: now
    file_ref: str | None = None  # the signed conclusion, as the channel holds it
    file_name: str | None = None


def keep_text(turn: Turn, typed: str, shortest: int, longest: int) -> bool:
    """Keep the text an admin typed in the draft if its length fits; else ask again."""
    body = typed.strip()
    if not shortest <= len(body) <= longest:
        length, low, high = (fmt_number(n) for n in (len(body), shortest, longest))
        turn.reask(turn.t("admin.bad_length", length=length, min=low, max=high))
        return False
    turn.draft(AdminDraft).text = body
    return True
