"""The commune's plan as the flows see it: who the commune is, who holds which role, the limits,
departments, digest, answers, report and reminders.

These are the parts of the configuration a conversation may read. Transport settings (the
Telegram token, the Zalo token and webhook secret, the database path) stay in `bot.config`,
which parses the TOML into these types; nothing under `handlers/` or `domain/` can reach them.

Each setting's default is written here, once, as the field's default; the parser reads it from
the field rather than repeating it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.categories import DEFAULT_CATEGORIES
from domain.dedupe.clusters import DEFAULT_JOIN
from domain.models import Category, DialogueSpec
from domain.texts import load_texts

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_RECEPTION = load_texts()("config_default.citizen_reception")
DEFAULT_SIGNER_TITLE = load_texts()("config_default.signer_title")


@dataclass(frozen=True)
class CommuneSettings:
    name: str
    timezone: str = DEFAULT_TIMEZONE
    villages: tuple[str, ...] = ()
    # Where and when complaints and denunciations are received (tiếp công dân).
    citizen_reception: str = DEFAULT_RECEPTION

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# A person is "<channel>:<their id on it>": Telegram ids are numbers, Zalo's are strings.
_PERSON_RE = re.compile(r"telegram:\d{1,20}|(zalo|terminal):\S{1,128}")


def person_id(value: object) -> str | None:
    """A person as the config or an admin names them; a bare number is a Telegram id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"telegram:{value}" if value > 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        text = f"telegram:{text}"
    return text if _PERSON_RE.fullmatch(text) else None


class Role(StrEnum):
    """Who may do what. Each role up to ADMIN may do all that the ones before it may; the values
    are those the store keeps for roles granted in the chat.

    SUPERVISOR stands apart: the Fatherland Front (MTTQ) and the People's Council read how
    commitments are kept and whether residents are satisfied, and change nothing; officials and
    admins may read the same."""

    RESIDENT = "resident"
    COLLECTOR = "collector"  # types in paper forms
    SECRETARY = "secretary"  # the meeting's secretariat: floor questions, speakers, answers
    OFFICIAL = "official"  # the office's tools
    ADMIN = "admin"  # dialogues, notices, the conclusion, staff
    SUPERVISOR = "supervisor"  # read-only: commitments and satisfaction, no personal data


_LADDER = (Role.RESIDENT, Role.COLLECTOR, Role.SECRETARY, Role.OFFICIAL, Role.ADMIN)
_RANK = {role: rank for rank, role in enumerate(_LADDER)}


def may(held: Role | None, needed: Role) -> bool:
    """Whether someone holding `held` (None: a resident) may do what needs `needed`."""
    held = held or Role.RESIDENT
    if needed is Role.RESIDENT:
        return True
    if held is Role.SUPERVISOR:
        # A supervisor is a resident who may also read: nothing a staff role may change.
        return needed is Role.SUPERVISOR
    if needed is Role.SUPERVISOR:
        return _RANK[held] >= _RANK[Role.OFFICIAL]
    return _RANK[held] >= _RANK[needed]


@dataclass(frozen=True)
class RolesSettings:
    """People are named "<channel>:<user id>"; plain numbers in the TOML are Telegram ids."""

    admins: frozenset[str] = frozenset()
    officials: frozenset[str] = frozenset()
    office_chat_id: int | None = None
    # Village heads and mass-organisation officers who type in paper forms.
    collectors: frozenset[str] = frozenset()
    # The meeting's secretariat (Tổ thư ký): questions from the floor, speakers, answers.
    secretaries: frozenset[str] = frozenset()
    # Fatherland Front and People's Council members who follow the commitments (read-only).
    supervisors: frozenset[str] = frozenset()

    def role_of(self, person: str) -> Role | None:
        """The highest role the config gives `person` (roles granted in the chat aside).

        Someone listed as a supervisor and as a collector is a supervisor: read-only wins."""
        for role, people in (
            (Role.ADMIN, self.admins),
            (Role.OFFICIAL, self.officials),
            (Role.SECRETARY, self.secretaries),
            (Role.SUPERVISOR, self.supervisors),
            (Role.COLLECTOR, self.collectors),
        ):
            if person in people:
                return role
        return None

    def people(self) -> frozenset[str]:
        return self.admins | self.officials | self.collectors | self.secretaries | self.supervisors


@dataclass(frozen=True)
class LimitsSettings:
    question_min_chars: int = 15
    question_max_chars: int = 1500
    name_max_chars: int = 80


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    categories: tuple[str, ...]
    # The officials reminded of the department's commitments; none: the office group is.
    officials: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DigestSettings:
    time: time = time(7, 30)
    send_empty: bool = False


@dataclass(frozen=True)
class AnswerSettings:
    # "immediately": residents get an answer when it is recorded; "at_conclusion": it is held
    # until the conference's conclusion is published.
    notify: str = "immediately"
    # Default answer deadline for departments: this many days after the collection deadline.
    due_days: int = 5


@dataclass(frozen=True)
class ReminderSettings:
    # Days before the collection deadline to remind subscribers who have not asked yet.
    deadline_days: tuple[int, ...] = (3, 1)
    # Days before the meeting to send its time and place to every subscriber.
    meeting_days: tuple[int, ...] = (7, 1)
    # Messages per second for broadcasts on Telegram (its limit is about 30).
    per_second: float = 28.0


@dataclass(frozen=True)
class MeetingSettings:
    # Askers of a question answered at the meeting are told at this time that day (commune
    # time), or at once when it is later than that.
    evening: time = time(19, 0)


@dataclass(frozen=True)
class CommitmentSettings:
    # Working days before the due date to remind the responsible officials, and after it.
    remind_before: tuple[int, ...] = (3, 1)
    remind_after: tuple[int, ...] = (10, 5, 1)


@dataclass(frozen=True)
class ReportSettings:
    # Empty means "derived from the commune's name" (see bot.config).
    issuing_body: str = ""
    parent_body: str = ""
    place: str = ""
    signer_title: str = DEFAULT_SIGNER_TITLE
    signer_name: str = ""


@dataclass(frozen=True)
class WebSettings:
    """The office's web page (bot/web/), served by the bot itself when `port` is set."""

    listen: str = "127.0.0.1"
    port: int | None = None  # None: no web page
    # The address officials open, e.g. the commune's HTTPS reverse proxy; sign-in links sent by
    # /web start with it. Empty: http://<listen>:<port>.
    public_url: str = ""
    # How long a sign-in lasts before /web must be sent again.
    session_hours: int = 8

    @property
    def enabled(self) -> bool:
        return self.port is not None

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}"

    @property
    def secure(self) -> bool:
        """Behind HTTPS: the session cookie is sent over HTTPS only."""
        return self.public_url.lower().startswith("https://")


@dataclass(frozen=True)
class Plan:
    commune: CommuneSettings
    roles: RolesSettings = RolesSettings()
    limits: LimitsSettings = LimitsSettings()
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    dialogues: tuple[DialogueSpec, ...] = ()
    departments: tuple[Department, ...] = ()
    dedupe_threshold: float = DEFAULT_JOIN
    digest: DigestSettings = DigestSettings()
    answers: AnswerSettings = AnswerSettings()
    report: ReportSettings = ReportSettings()
    reminders: ReminderSettings = ReminderSettings()
    meeting: MeetingSettings = MeetingSettings()
    commitments: CommitmentSettings = CommitmentSettings()
    web: WebSettings = WebSettings()

    def department_for(self, category: str) -> Department | None:
        """The department that answers `category` by default."""
        for dept in self.departments:
            if category in dept.categories:
                return dept
        return None

    def department(self, key: str | None) -> Department | None:
        for dept in self.departments:
            if dept.key == key:
                return dept
        return None

    def category_label(self, key: str) -> str:
        for cat in self.categories:
            if cat.key == key:
                return cat.label
        return key
