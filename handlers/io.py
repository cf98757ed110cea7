"""What crosses the boundary between a channel adapter and the flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    CHOICE = "choice"
    UNSUPPORTED = "unsupported"
    FILE = "file"  # a document; only some staff steps take one


@dataclass(frozen=True)
class Inbound:
    channel: str
    chat_id: str
    user_id: str
    kind: Kind
    text: str = ""
    command: str = ""
    payload: str = ""
    # Unique per delivery on the channel (Telegram update_id, Zalo message_id): a second
    # delivery of the same key is ignored.
    update_key: str | None = None
    # For Kind.FILE: "<channel>:<the channel's own file id>" and the file's name.
    file_ref: str = ""
    file_name: str = ""
    # Sent in a group chat (the office's): never a resident's conversation, and only staff act.
    group: bool = False

    @property
    def person(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class Attachment:
    """A file to send with a reply: a chart ("photo") or a report ("document")."""

    filename: str
    data: bytes
    kind: str = "document"
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    nonce: int = 0
    attachments: tuple[Attachment, ...] = ()
    # The text already numbers the choices, in order (long titles no button could show whole):
    # a channel without buttons types no second list under it.
    listed: bool = False
    # Must reach the person even if the process dies right after the commit (a receipt): the
    # engine writes it as a delivery row in the turn's own transaction, `delivery_id`.
    secure: bool = False
    delivery_id: int | None = None

    def payload(self, choice: Choice) -> str:
        return encode_payload(self.nonce, choice.key)

    def as_text(self) -> str:
        """The reply where no buttons can be shown: the text, then the choices as a numbered
        list to type from (typed numbers and labels are matched on every channel)."""
        lines = [self.text] if self.text.strip() else []
        if not self.listed:
            lines += [f"{i}. {choice.label}" for i, choice in enumerate(self.choices, start=1)]
        return "\n".join(lines)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # A short note for a button press (Telegram shows it as the callback answer).
    toast: str | None = None
    # Deliveries were queued for other people: the outbox should run now.
    wake_outbox: bool = False


def encode_payload(nonce: int, key: str) -> str:
    return f"{nonce}|{key}"


def decode_payload(payload: str) -> tuple[int, str] | None:
    nonce, sep, key = payload.partition("|")
    if not sep or not nonce.isdigit() or not key:
        return None
    return int(nonce), key
