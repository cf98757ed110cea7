"""Settings: one typed model per TOML section, read with tomllib.

Every problem is reported as a `ConfigError` naming the key, so the CLI can print one line that
tells an administrator exactly what to fix.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.categories import DEFAULT_CATEGORIES
from domain.dedupe import DEFAULT_THRESHOLD
from domain.models import Category, DialogueSpec
from domain.texts import load_texts

TOKEN_ENV = "BOT_TELEGRAM_TOKEN"
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")


def _t(key: str, /, **fields: object) -> str:
    """One text from the message catalog (domain/locale/vi/cli.toml)."""
    return load_texts()(key, **fields)


class ConfigError(Exception):
    """`key` names the setting; `problem` is catalog text: `_t("config_error.must_be_string")`."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    base_url: str | None = None

    def checked_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "telegram.token",
                _t("config_error.token_missing", env=TOKEN_ENV),
            )
        if not _TOKEN_RE.match(self.token):
            raise ConfigError("telegram.token", _t("config_error.token_malformed"))
        return self.token


ZALO_TOKEN_ENV = "BOT_ZALO_TOKEN"
ZALO_BASE_URL = "https://bot-api.zaloplatforms.com"


@dataclass(frozen=True)
class ZaloSettings:
    token: str = ""
    base_url: str = ZALO_BASE_URL
    mode: str = "polling"  # or "webhook"
    webhook_url: str = ""
    webhook_secret: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    # Zalo publishes no rate limits the way Telegram does: messages per second, all chats.
    per_second: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class StorageSettings:
    path: Path = Path("data/doithoai.sqlite3")


DEFAULT_RECEPTION = _t("config_default.citizen_reception")
DEFAULT_SIGNER_TITLE = _t("config_default.signer_title")


@dataclass(frozen=True)
class CommuneSettings:
    name: str
    timezone: str = "Asia/Ho_Chi_Minh"
    villages: tuple[str, ...] = ()
    # Where and when complaints and denunciations are received (tiếp công dân).
    citizen_reception: str = DEFAULT_RECEPTION

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RolesSettings:
    """People are named "<channel>:<user id>"; plain numbers in the TOML are Telegram ids."""

    admins: frozenset[str] = frozenset()
    officials: frozenset[str] = frozenset()
    office_chat_id: int | None = None
    # Village heads and mass-organisation officers who type in paper forms.
    collectors: frozenset[str] = frozenset()


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
class ReportSettings:
    issuing_body: str = ""
    parent_body: str = ""
    place: str = ""
    signer_title: str = DEFAULT_SIGNER_TITLE
    signer_name: str = ""


@dataclass(frozen=True)
class Settings:
    telegram: TelegramSettings
    storage: StorageSettings
    commune: CommuneSettings
    roles: RolesSettings
    limits: LimitsSettings
    categories: tuple[Category, ...]
    dialogues: tuple[DialogueSpec, ...]
    departments: tuple[Department, ...] = ()
    dedupe_threshold: float = DEFAULT_THRESHOLD
    digest: DigestSettings = DigestSettings()
    answers: AnswerSettings = AnswerSettings()
    report: ReportSettings = ReportSettings()
    zalo: ZaloSettings = ZaloSettings()
    reminders: ReminderSettings = ReminderSettings()
    source: Path | None = field(default=None, compare=False)

    def department_for(self, category: str) -> Department | None:
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


def load_settings(path: str | Path, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), _t("config_error.file_not_found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), _t("config_error.file_unreadable", problem=exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), _t("config_error.file_bad_toml", problem=exc)) from None
    return parse_settings(raw, env=env, source=path)


def parse_settings(
    raw: Mapping[str, Any], env: Mapping[str, str] | None = None, source: Path | None = None
) -> Settings:
    env = {} if env is None else env
    base_dir = source.parent if source is not None else Path.cwd()

    tg = _table(raw, "telegram")
    token = env.get(TOKEN_ENV) or _str(tg, "telegram.token", "token", "")
    base_url = _str(tg, "telegram.base_url", "base_url", "") or None

    st = _table(raw, "storage")
    db_path = Path(_str(st, "storage.path", "path", "data/doithoai.sqlite3"))
    if not db_path.is_absolute():
        db_path = base_dir / db_path

    cm = _table(raw, "commune")
    name = _str(cm, "commune.name", "name", "")
    if not name.strip():
        raise ConfigError("commune.name", _t("config_error.commune_name"))
    tz_name = _str(cm, "commune.timezone", "timezone", "Asia/Ho_Chi_Minh")
    _zone("commune.timezone", tz_name)
    villages = tuple(_str_list(cm, "commune.villages", "villages"))
    reception = _str(cm, "commune.citizen_reception", "citizen_reception", DEFAULT_RECEPTION)
    commune = CommuneSettings(
        name=name.strip(),
        timezone=tz_name,
        villages=villages,
        citizen_reception=reception.strip() or DEFAULT_RECEPTION,
    )

    rl = _table(raw, "roles")
    roles = RolesSettings(
        admins=frozenset(_people(rl, "admins")),
        officials=frozenset(_people(rl, "officials")),
        office_chat_id=_opt_int(rl, "roles.office_chat_id", "office_chat_id"),
        collectors=frozenset(_people(rl, "collectors")),
    )

    lm = _table(raw, "limits")
    limits = LimitsSettings(
        question_min_chars=_int(lm, "limits.question_min_chars", "question_min_chars", 15),
        question_max_chars=_int(lm, "limits.question_max_chars", "question_max_chars", 1500),
        name_max_chars=_int(lm, "limits.name_max_chars", "name_max_chars", 80),
    )
    if not 1 <= limits.question_min_chars < limits.question_max_chars <= 3500:
        raise ConfigError("limits.question_max_chars", _t("config_error.question_limits"))

    categories = _categories(_table(raw, "categories"))
    known = {c.key for c in categories}

    dialogues_raw = raw.get("dialogues", [])
    if not isinstance(dialogues_raw, list):
        raise ConfigError("dialogues", _t("config_error.dialogues_list"))
    dialogues: list[DialogueSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(dialogues_raw):
        spec = _dialogue(item, f"dialogues[{i}]", tz_name, known)
        if spec.code in seen:
            raise ConfigError(
                f"dialogues[{i}].code", _t("config_error.dialogue_code_duplicate", code=spec.code)
            )
        seen.add(spec.code)
        dialogues.append(spec)

    departments = _departments(raw.get("departments", []), known)
    dg = _table(raw, "digest")
    digest_time = dg.get("time", "07:30")
    if not isinstance(digest_time, str) or not re.fullmatch(r"\d{1,2}:\d{2}", digest_time):
        raise ConfigError("digest.time", _t("config_error.digest_time_format"))
    hour, minute = (int(x) for x in digest_time.split(":"))
    if hour > 23 or minute > 59:
        raise ConfigError("digest.time", _t("config_error.digest_time_invalid"))
    send_empty = dg.get("send_empty", False)
    if not isinstance(send_empty, bool):
        raise ConfigError("digest.send_empty", _t("config_error.must_be_bool"))
    an = _table(raw, "answers")
    notify = _str(an, "answers.notify", "notify", "immediately")
    if notify not in ("immediately", "at_conclusion"):
        raise ConfigError("answers.notify", _t("config_error.answers_notify"))
    due_days = _int(an, "answers.due_days", "due_days", 5)
    rp = _table(raw, "report")
    place_default = re.sub(r"^(xã|phường|thị trấn|đặc khu)\s+", "", commune.name, flags=re.I)
    report = ReportSettings(
        issuing_body=_str(rp, "report.issuing_body", "issuing_body", "")
        or _t("config_default.issuing_body", commune=commune.name.upper()),
        parent_body=_str(rp, "report.parent_body", "parent_body", ""),
        place=_str(rp, "report.place", "place", "") or place_default,
        signer_title=_str(rp, "report.signer_title", "signer_title", DEFAULT_SIGNER_TITLE),
        signer_name=_str(rp, "report.signer_name", "signer_name", ""),
    )

    dd = _table(raw, "dedupe")
    threshold = dd.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        raise ConfigError("dedupe.threshold", _t("config_error.dedupe_threshold"))
    if not 0 < threshold <= 100:
        raise ConfigError("dedupe.threshold", _t("config_error.dedupe_threshold"))

    zl = _table(raw, "zalo")
    zalo = ZaloSettings(
        token=(env.get(ZALO_TOKEN_ENV) or _str(zl, "zalo.token", "token", "")).strip(),
        base_url=_str(zl, "zalo.base_url", "base_url", ZALO_BASE_URL).rstrip("/"),
        mode=_str(zl, "zalo.mode", "mode", "polling"),
        webhook_url=_str(zl, "zalo.webhook_url", "webhook_url", ""),
        webhook_secret=_str(zl, "zalo.webhook_secret", "webhook_secret", ""),
        listen=_str(zl, "zalo.listen", "listen", "127.0.0.1"),
        port=_int(zl, "zalo.port", "port", 8443),
        per_second=float(_int(zl, "zalo.per_second", "per_second", 10)),
    )
    if zalo.mode not in ("polling", "webhook"):
        raise ConfigError("zalo.mode", _t("config_error.zalo_mode"))
    if zalo.enabled and zalo.mode == "webhook":
        if not zalo.webhook_url.startswith("https://"):
            raise ConfigError("zalo.webhook_url", _t("config_error.webhook_url"))
        if not 8 <= len(zalo.webhook_secret) <= 256:
            raise ConfigError("zalo.webhook_secret", _t("config_error.webhook_secret"))

    rm = _table(raw, "reminders")
    reminders = ReminderSettings(
        deadline_days=_days(rm, "deadline_days", (3, 1)),
        meeting_days=_days(rm, "meeting_days", (7, 1)),
        per_second=float(_int(rm, "reminders.per_second", "per_second", 28)),
    )
    if not 1 <= reminders.per_second <= 30:
        raise ConfigError("reminders.per_second", _t("config_error.reminders_rate"))

    return Settings(
        reminders=reminders,
        zalo=zalo,
        dedupe_threshold=float(threshold),
        departments=departments,
        digest=DigestSettings(time=time(hour, minute), send_empty=send_empty),
        answers=AnswerSettings(notify=notify, due_days=due_days),
        report=report,
        telegram=TelegramSettings(token=token.strip(), base_url=base_url),
        storage=StorageSettings(path=db_path),
        commune=commune,
        roles=roles,
        limits=limits,
        categories=categories,
        dialogues=tuple(dialogues),
        source=source,
    )


# --- helpers -------------------------------------------------------------------------------


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(key, _t("config_error.must_be_table", key=key))
    return value


def _str(table: Mapping[str, Any], full: str, key: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(full, _t("config_error.must_be_string"))
    return value


def _int(table: Mapping[str, Any], full: str, key: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(full, _t("config_error.must_be_integer"))
    return value


def _opt_int(table: Mapping[str, Any], full: str, key: str) -> int | None:
    if key not in table:
        return None
    return _int(table, full, key, 0)


def _str_list(table: Mapping[str, Any], full: str, key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(full, _t("config_error.must_be_string_list"))
    return [v.strip() for v in value]


def _people(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    full = f"roles.{key}"
    if not isinstance(value, list):
        raise ConfigError(full, _t("config_error.people_list"))
    people = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            people.append(f"telegram:{item}")
        elif isinstance(item, str) and re.fullmatch(r"[a-z]+:\S+", item):
            people.append(item)
        else:
            raise ConfigError(full, _t("config_error.person_unknown", item=repr(item)))
    return people


def _zone(full: str, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(full, _t("config_error.timezone_unknown", name=repr(name))) from None


def _categories(table: Mapping[str, Any]) -> tuple[Category, ...]:
    cats = {c.key: c for c in DEFAULT_CATEGORIES}
    for key, label in table.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key):
            raise ConfigError(f"categories.{key}", _t("config_error.key_format"))
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"categories.{key}", _t("config_error.category_label"))
        cats[key] = Category(key, label.strip())
    return tuple(cats.values())


def _days(table: Mapping[str, Any], key: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 60 for v in value
    ):
        raise ConfigError(f"reminders.{key}", _t("config_error.reminder_days"))
    return tuple(sorted(set(value), reverse=True))


def _departments(value: object, known: set[str]) -> tuple[Department, ...]:
    if not isinstance(value, list):
        raise ConfigError("departments", _t("config_error.departments_list"))
    out: list[Department] = []
    for i, item in enumerate(value):
        where = f"departments[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(where, _t("config_error.department_table"))
        key = _str(item, f"{where}.key", "key", "").strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key):
            raise ConfigError(f"{where}.key", _t("config_error.key_format"))
        if any(d.key == key for d in out):
            raise ConfigError(f"{where}.key", _t("config_error.department_key_duplicate", key=key))
        name = _str(item, f"{where}.name", "name", "").strip()
        if not name:
            raise ConfigError(f"{where}.name", _t("config_error.department_name"))
        cats = _str_list(item, f"{where}.categories", "categories")
        for cat in cats:
            if cat not in known:
                raise ConfigError(
                    f"{where}.categories", _t("config_error.category_unknown", key=repr(cat))
                )
        out.append(Department(key, name, tuple(cats)))
    return tuple(out)


def _moment(value: object, full: str, tz_name: str, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    if isinstance(value, datetime):
        # A local datetime is read in the commune's time zone, as an official would mean it.
        return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(tz_name))
    example = "2027-06-15T17:00:00+07:00"
    if isinstance(value, date | time):
        raise ConfigError(full, _t("config_error.moment_date_only", example=example))
    if value is None:
        raise ConfigError(full, _t("config_error.moment_missing", example=example))
    raise ConfigError(full, _t("config_error.moment_not_datetime", example=example))


def _dialogue(item: object, where: str, commune_tz: str, known: set[str]) -> DialogueSpec:
    if not isinstance(item, Mapping):
        raise ConfigError(where, _t("config_error.dialogue_table"))
    code = _str(item, f"{where}.code", "code", "").strip().upper()
    if not _CODE_RE.match(code):
        raise ConfigError(f"{where}.code", _t("config_error.dialogue_code"))
    title = _str(item, f"{where}.title", "title", "").strip()
    if not title:
        raise ConfigError(f"{where}.title", _t("config_error.dialogue_title"))
    tz_name = _str(item, f"{where}.timezone", "timezone", commune_tz)
    _zone(f"{where}.timezone", tz_name)
    deadline = _moment(item.get("deadline"), f"{where}.deadline", tz_name, required=True)
    assert deadline is not None
    meeting_at = _moment(item.get("meeting_at"), f"{where}.meeting_at", tz_name, required=False)
    categories = _str_list(item, f"{where}.categories", "categories") or [
        c.key for c in DEFAULT_CATEGORIES
    ]
    for key in categories:
        if key not in known:
            raise ConfigError(
                f"{where}.categories", _t("config_error.category_unknown", key=repr(key))
            )
    return DialogueSpec(
        code=code,
        title=title,
        host=_str(item, f"{where}.host", "host", "").strip(),
        audience=_str(item, f"{where}.audience", "audience", "").strip(),
        deadline=deadline,
        meeting_at=meeting_at,
        meeting_note=_str(item, f"{where}.meeting_note", "meeting_note", "").strip(),
        location=_str(item, f"{where}.location", "location", "").strip(),
        timezone=tz_name,
        categories=tuple(categories),
    )
