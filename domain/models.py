"""The nouns of the product, named after the vocabulary in DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.address import DEFAULT_ADDRESS


class Consent(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"


class QuestionStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    FORWARDED = "forwarded"


@dataclass(frozen=True)
class Category:
    key: str
    label: str


@dataclass(frozen=True)
class DialogueSpec:
    """A dialogue as declared in the config (or by an admin)."""

    code: str
    title: str
    host: str
    audience: str
    deadline: datetime
    meeting_at: datetime | None
    meeting_note: str
    location: str
    timezone: str
    categories: tuple[str, ...]
    address: str = DEFAULT_ADDRESS  # how its texts address residents (domain/address.py)


@dataclass(frozen=True)
class Dialogue:
    id: int
    code: str
    title: str
    host: str
    audience: str
    deadline: datetime
    meeting_at: datetime | None
    meeting_note: str
    location: str
    timezone: str
    categories: tuple[str, ...]
    closed: bool
    overrides: tuple[str, ...] = ()
    complex: bool = False
    address: str = DEFAULT_ADDRESS

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, now: datetime) -> bool:
        """Open until the deadline instant; comparing aware datetimes makes the time zone exact."""
        return not self.closed and now < self.deadline


@dataclass(frozen=True)
class Resident:
    id: int
    channel: str
    chat_id: str
    user_id: str
    consent: Consent
    consent_at: datetime
    village: str | None
    name: str | None
    notices: bool = True
    active: bool = True


@dataclass(frozen=True)
class NewQuestion:
    dialogue_id: int
    resident_id: int | None
    category: str
    text: str
    village: str | None
    author_name: str | None
    created_at: datetime
    source: str = "chat"
    cluster_id: int | None = None
    suggested_category: str | None = None
    flag: str | None = None
    entered_by: str | None = None  # who typed it in for the resident (paper, proxy)
    import_key: str | None = None


@dataclass(frozen=True)
class Question:
    id: int
    dialogue_id: int
    dialogue_code: str
    receipt_code: str
    resident_id: int | None
    category: str
    text: str
    village: str | None
    author_name: str | None
    status: QuestionStatus
    created_at: datetime
    source: str
    cluster_id: int
    suggested_category: str | None = None
    flag: str | None = None
    clustered_by: str | None = None  # the official who put it in its cluster (None: the engine)


@dataclass(frozen=True)
class IndexEntry:
    """What the similarity index needs of a stored question: no personal data."""

    id: int
    text: str
    category: str
    cluster_id: int


@dataclass
class ConversationState:
    """Where one chat stands in a flow; persisted so a restart continues where it was."""

    channel: str
    chat_id: str
    step: str = "menu"
    nonce: int = 0
    data: dict[str, object] = field(default_factory=dict)
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterRecord:
    """The office's handling of one distinct request."""

    id: int
    dialogue_id: int
    department: str | None
    answer_due: date | None
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    forwarded_to: str | None
    reviewed_by: str | None = None  # an official looked at its members (merge, split, answer)
    reviewed_at: datetime | None = None
    # The text an official wrote to stand for it in the report (None: its first question's).
    report_text: str | None = None

    @property
    def handled(self) -> bool:
        """An official has touched it: the engine no longer merges it with another cluster."""
        return any((self.reviewed_by, self.department, self.answer, self.forwarded_to))


@dataclass(frozen=True)
class ClusterState:
    """A dialogue's clusters as stored, for the engine kept in memory to catch up with."""

    gen: str  # changes with every change to the dialogue's clusters
    assignment: dict[int, int]  # question id → cluster id, every question of the dialogue
    handled: frozenset[int]  # clusters an official has touched
    kept_apart: tuple[tuple[int, int], ...]  # question pairs never to be joined by the engine


@dataclass(frozen=True)
class SuggestedPair:
    """Two questions whose clusters the engine thinks may be one request."""

    id: int
    dialogue_id: int
    question_id: int
    other_id: int
    confidence: float
    status: str  # open | merged | dismissed
    created_at: datetime
    cluster: int  # the clusters the two questions are in now
    other_cluster: int


@dataclass(frozen=True)
class WebSession:
    """A browser signed in to the office's web page (bot/web/)."""

    person: str  # "<channel>:<user id>", as in the roles
    csrf: str  # every form of the session carries it
    expires_at: datetime
    granted: str | None  # the role granted in the chat, read with the session (None: none)


@dataclass(frozen=True)
class DeskRow:
    """A question as the office's page lists it, with what the page shows beside it."""

    question: Question
    channel: str  # "paper", the asker's chat channel, or "unknown" (their data deleted)
    backers: int  # residents who backed this question
    rev: int  # moved by every change to it (storage/migrations/010_web.sql)


@dataclass(frozen=True)
class DialogueCounts:
    """A dialogue's figures for the office's overview."""

    questions: int
    clusters: int
    assigned: int  # clusters given to a department, not yet answered or forwarded
    answered: int
    forwarded: int
    complaints: int  # questions that read like a complaint


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    action: str
    detail: str


class DeliveryStatus(StrEnum):
    HELD = "held"  # waits for the conclusion to be published
    PENDING = "pending"
    SENDING = "sending"  # claimed by one process, which is sending it now
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Delivery:
    id: int
    channel: str
    chat_id: str
    kind: str
    ref: str
    text: str
    status: DeliveryStatus
    attempts: int
    file_ref: str | None = None
    file_name: str | None = None


@dataclass(frozen=True)
class InboxItem:
    """An update as the channel delivered it, kept until it is handled."""

    channel: str
    update_key: str
    chat: str | None
    body: str
    attempts: int = 0


@dataclass(frozen=True)
class Recipient:
    """Someone to tell about a cluster: who asked or backed, with the code they hold."""

    channel: str
    chat_id: str
    receipt_code: str


@dataclass(frozen=True)
class AskerAnswer:
    """One person who asked or backed a question, with the question and what became of it."""

    channel: str
    chat_id: str
    receipt_code: str
    text: str
    answer: str | None
    forwarded_to: str | None
    author_name: str | None  # the name written with the question, hidden from backers
    backed: bool  # the question is someone else's, which this person backed


@dataclass(frozen=True)
class Audience:
    """Who a notice goes to. Only residents who agreed and did not turn notices off."""

    kind: str  # "all" | "villages" | "askers" | "not_asked"
    villages: tuple[str, ...] = ()
    dialogue_code: str | None = None

    def to_json(self) -> str:
        import json

        return json.dumps(
            {"kind": self.kind, "villages": list(self.villages), "dialogue": self.dialogue_code},
            ensure_ascii=False,
        )

    @staticmethod
    def from_json(raw: str) -> Audience:
        import json

        data = json.loads(raw)
        return Audience(data["kind"], tuple(data.get("villages") or ()), data.get("dialogue"))


@dataclass(frozen=True)
class Broadcast:
    id: int
    text: str
    audience: Audience
    send_at: datetime
    status: str  # scheduled | sending | done | cancelled
    created_by: str
    progress_chat: str | None
    progress_msg: str | None
    recipients: int


@dataclass(frozen=True)
class Conclusion:
    dialogue_id: int
    text: str
    recorded_by: str
    recorded_at: datetime
    published_at: datetime | None
