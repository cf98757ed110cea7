"""Settings: the TOML file read into the commune's plan (domain/plan.py) plus the transport
settings only the adapters may see (tokens, the Zalo webhook, the database path).

Every value is checked here, at load: a problem is a `ConfigError` naming the key, so the CLI
prints one line that tells an administrator exactly what to fix (exit code 2). `CHECKS` lists
every simple setting with how its value is checked; its default is the typed model's field
default, written once.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.categories import DEFAULT_CATEGORIES
from domain.models import Category, DialogueSpec
from domain.plan import (
    DEFAULT_RECEPTION,
    DEFAULT_SIGNER_TITLE,
    AnswerSettings,
    CommuneSettings,
    Department,
    DigestSettings,
    LimitsSettings,
    Plan,
    ReminderSettings,
    ReportSettings,
    RolesSettings,
    person_id,
)
from domain.texts import load_texts

__all__ = [
    "DEFAULT_RECEPTION",
    "DEFAULT_SIGNER_TITLE",
    "AnswerSettings",
    "CommuneSettings",
    "ConfigError",
    "Department",
    "DigestSettings",
    "LimitsSettings",
    "Plan",
    "ReminderSettings",
    "ReportSettings",
    "RolesSettings",
    "Settings",
    "StorageSettings",
    "TelegramSettings",
    "ZaloSettings",
    "load_settings",
    "parse_settings",
]

TOKEN_ENV = "BOT_TELEGRAM_TOKEN"
ZALO_TOKEN_ENV = "BOT_ZALO_TOKEN"
ZALO_BASE_URL = "https://bot-api.zaloplatforms.com"
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,30}")


def _t(key: str, /, **fields: object) -> str:
    """One text from the message catalog (domain/locale/vi/cli.toml)."""
    return load_texts()(key, **fields)


class ConfigError(Exception):
    """`key` names the setting; `problem` is catalog text: `_t("config_error.must_be_string")`."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


# --- transport settings: only bot/ sees these ------------------------------------------------


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    base_url: str | None = None

    def checked_token(self) -> str:
        if not self.token:
            raise ConfigError("telegram.token", _t("config_error.token_missing", env=TOKEN_ENV))
        if not _TOKEN_RE.match(self.token):
            raise ConfigError("telegram.token", _t("config_error.token_malformed"))
        return self.token


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


@dataclass(frozen=True)
class Settings(Plan):
    """The plan, plus what only the channel adapters and the store need."""

    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    zalo: ZaloSettings = ZaloSettings()
    source: Path | None = field(default=None, compare=False)

    @property
    def plan(self) -> Plan:
        """What the flows get: the same plan, holding no token, secret or path."""
        return Plan(**{f.name: getattr(self, f.name) for f in fields(Plan)})


# --- how each simple value is checked ----------------------------------------------------------

Check = Callable[[str, object], Any]  # (the full key, the TOML value) -> the typed value


def _text(full: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(full, _t("config_error.must_be_string"))
    return value.strip()


def _raw_text(full: str, value: object) -> str:
    """A string kept as written: secrets and addresses are not ours to trim."""
    if not isinstance(value, str):
        raise ConfigError(full, _t("config_error.must_be_string"))
    return value


def _bool(full: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(full, _t("config_error.must_be_bool"))
    return value


def _integer(low: int, high: int, problem: str = "config_error.integer_range") -> Check:
    def check(full: str, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(full, _t("config_error.must_be_integer"))
        if not low <= value <= high:
            raise ConfigError(full, _t(problem, low=low, high=high))
        return value

    return check


def _rate(high: float, above: str = "config_error.rate") -> Check:
    """Messages per second: any positive number up to `high` (2.5 is a rate too)."""

    def check(full: str, value: object) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
            raise ConfigError(full, _t("config_error.must_be_number"))
        if value <= 0:
            raise ConfigError(full, _t("config_error.rate", high=f"{high:g}"))
        if value > high:
            raise ConfigError(full, _t(above, high=f"{high:g}"))
        return float(value)

    return check


def _one_of(*allowed: str, problem: str) -> Check:
    def check(full: str, value: object) -> str:
        if _raw_text(full, value) not in allowed:
            raise ConfigError(full, _t(problem))
        return str(value)

    return check


def _texts(full: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(full, _t("config_error.must_be_string_list"))
    return tuple(v.strip() for v in value)


def _people(full: str, value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise ConfigError(full, _t("config_error.people_list"))
    people = set()
    for item in value:
        person = person_id(item)
        if person is None:
            raise ConfigError(full, _t("config_error.person_unknown", item=repr(item)))
        people.add(person)
    return frozenset(people)


def _zone(full: str, value: object) -> str:
    name = _raw_text(full, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(full, _t("config_error.timezone_unknown", name=repr(name))) from None
    return name


def _clock_time(full: str, value: object) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise ConfigError(full, _t("config_error.digest_time_format"))
    hour, minute = (int(x) for x in value.split(":"))
    if hour > 23 or minute > 59:
        raise ConfigError(full, _t("config_error.digest_time_invalid"))
    return time(hour, minute)


def _days(full: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 60 for v in value
    ):
        raise ConfigError(full, _t("config_error.reminder_days"))
    return tuple(sorted(set(value), reverse=True))


def _url(full: str, value: object) -> str:
    url = _raw_text(full, value)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise ConfigError(full, _t("config_error.url"))
    return url


def _api_root(full: str, value: object) -> str:
    """Zalo's API root: the adapter appends "/bot<token>/<method>" itself."""
    return _url(full, value).rstrip("/")


def _optional_url(full: str, value: object) -> str | None:
    return _url(full, value) if _raw_text(full, value) else None


def _token(full: str, value: object) -> str:
    return _raw_text(full, value).strip()


def _db_path(full: str, value: object) -> Path:
    text = _raw_text(full, value)
    if "\x00" in text:
        raise ConfigError(full, _t("config_error.path_nul"))
    if not text.strip():
        raise ConfigError(full, _t("config_error.path_empty"))
    return Path(text)


# Every simple setting, by section, with its check. Defaults: the model's own field defaults.
# A key that is absent keeps its default; a key that is present is always checked.
CHECKS: dict[str, tuple[type[Any], dict[str, Check]]] = {
    "telegram": (TelegramSettings, {"token": _token, "base_url": _optional_url}),
    "storage": (StorageSettings, {"path": _db_path}),
    "commune": (
        CommuneSettings,
        {"name": _text, "timezone": _zone, "villages": _texts, "citizen_reception": _text},
    ),
    "roles": (
        RolesSettings,
        {
            "admins": _people,
            "officials": _people,
            "collectors": _people,
            "office_chat_id": _integer(-(2**63), 2**63 - 1),
        },
    ),
    "limits": (
        LimitsSettings,
        {
            "question_min_chars": _integer(1, 3500, "config_error.question_limits"),
            "question_max_chars": _integer(1, 3500, "config_error.question_limits"),
            # The chat refuses names under 2 characters, so a smaller limit refuses them all.
            "name_max_chars": _integer(2, 200),
        },
    ),
    "digest": (DigestSettings, {"time": _clock_time, "send_empty": _bool}),
    "answers": (
        AnswerSettings,
        {
            "notify": _one_of(
                "immediately", "at_conclusion", problem="config_error.answers_notify"
            ),
            # A year is the longest the seeds' answer deadlines could mean.
            "due_days": _integer(0, 365),
        },
    ),
    "report": (
        ReportSettings,
        {
            "issuing_body": _raw_text,
            "parent_body": _raw_text,
            "place": _raw_text,
            "signer_title": _raw_text,
            "signer_name": _raw_text,
        },
    ),
    "reminders": (
        ReminderSettings,
        {
            "deadline_days": _days,
            "meeting_days": _days,
            "per_second": _rate(30, above="config_error.reminders_rate"),
        },
    ),
    "zalo": (
        ZaloSettings,
        {
            "token": _token,
            "base_url": _api_root,
            "mode": _one_of("polling", "webhook", problem="config_error.zalo_mode"),
            "webhook_url": _raw_text,
            "webhook_secret": _raw_text,
            "listen": _raw_text,
            # 0 lets the system pick a free port (the channel reports the one it got).
            "port": _integer(0, 65535, "config_error.port"),
            "per_second": _rate(1000),
        },
    ),
}

T = TypeVar("T")


def _section(raw: Mapping[str, Any], section: str, model: type[T], /, **given: object) -> T:
    """One TOML table read into its typed model; `given` values (from the environment, or
    already worked out) are not read from the file."""
    table = _table(raw, section)
    checks = CHECKS[section][1]
    values: dict[str, object] = dict(given)
    for f in fields(model):  # type: ignore[arg-type]
        if f.name in values:
            continue
        if f.name in table:
            values[f.name] = checks[f.name](f"{section}.{f.name}", table[f.name])
        elif f.default is MISSING and f.default_factory is MISSING:
            values[f.name] = checks[f.name](f"{section}.{f.name}", None)
    return model(**values)


def _default(model: type[Any], name: str) -> Any:
    return next(f.default for f in fields(model) if f.name == name)


# --- reading the file --------------------------------------------------------------------------


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

    telegram = _section(raw, "telegram", TelegramSettings, **_from_env(env, TOKEN_ENV, "token"))
    storage = _storage(_section(raw, "storage", StorageSettings), base_dir)
    commune = _commune(raw)
    roles = _section(raw, "roles", RolesSettings)
    limits = _section(raw, "limits", LimitsSettings)
    if not limits.question_min_chars < limits.question_max_chars:
        raise ConfigError("limits.question_max_chars", _t("config_error.question_limits"))

    categories = _categories(_table(raw, "categories"))
    known = {c.key for c in categories}
    dialogues = _dialogues(raw.get("dialogues", []), commune.timezone, known)
    departments = _departments(raw.get("departments", []), known)
    report = _section(raw, "report", ReportSettings)
    report = replace(
        report,
        issuing_body=report.issuing_body
        or _t("config_default.issuing_body", commune=commune.name.upper()),
        place=report.place
        or re.sub(r"^(xã|phường|thị trấn|đặc khu)\s+", "", commune.name, flags=re.I),
    )
    zalo = _section(raw, "zalo", ZaloSettings, **_from_env(env, ZALO_TOKEN_ENV, "token"))
    if zalo.enabled and zalo.mode == "webhook":
        if not zalo.webhook_url.startswith("https://"):
            raise ConfigError("zalo.webhook_url", _t("config_error.webhook_url"))
        if not 8 <= len(zalo.webhook_secret) <= 256:
            raise ConfigError("zalo.webhook_secret", _t("config_error.webhook_secret"))

    return Settings(
        commune=commune,
        roles=roles,
        limits=limits,
        categories=categories,
        dialogues=dialogues,
        departments=departments,
        dedupe_threshold=_threshold(_table(raw, "dedupe")),
        digest=_section(raw, "digest", DigestSettings),
        answers=_section(raw, "answers", AnswerSettings),
        report=report,
        reminders=_section(raw, "reminders", ReminderSettings),
        telegram=telegram,
        storage=storage,
        zalo=zalo,
        source=source,
    )


# --- sections that need more than one value checked --------------------------------------------


def _from_env(env: Mapping[str, str], variable: str, key: str) -> dict[str, object]:
    value = env.get(variable, "").strip()
    return {key: value} if value else {}


def _storage(storage: StorageSettings, base_dir: Path) -> StorageSettings:
    path = storage.path if storage.path.is_absolute() else base_dir / storage.path
    if path.is_dir():
        raise ConfigError("storage.path", _t("config_error.path_is_folder", path=path))
    # The store creates missing folders; a file standing where one of them should be cannot be.
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError("storage.path", _t("config_error.path_parent", path=parent))
            break
    return StorageSettings(path=path)


def _commune(raw: Mapping[str, Any]) -> CommuneSettings:
    commune = _section(raw, "commune", CommuneSettings, name=_commune_name(raw))
    if not commune.citizen_reception:
        commune = replace(commune, citizen_reception=_default(CommuneSettings, "citizen_reception"))
    return commune


def _commune_name(raw: Mapping[str, Any]) -> str:
    value = _table(raw, "commune").get("name", "")
    name = _text("commune.name", value)
    if not name:
        raise ConfigError("commune.name", _t("config_error.commune_name"))
    return name


def _threshold(table: Mapping[str, Any]) -> float:
    threshold = table.get("threshold", _default(Plan, "dedupe_threshold"))
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        raise ConfigError("dedupe.threshold", _t("config_error.dedupe_threshold"))
    if not 0 < threshold <= 100:
        raise ConfigError("dedupe.threshold", _t("config_error.dedupe_threshold"))
    return float(threshold)


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(key, _t("config_error.must_be_table", key=key))
    return value


def _categories(table: Mapping[str, Any]) -> tuple[Category, ...]:
    cats = {c.key: c for c in DEFAULT_CATEGORIES}
    for key, label in table.items():
        if not _KEY_RE.fullmatch(key):
            raise ConfigError(f"categories.{key}", _t("config_error.key_format"))
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"categories.{key}", _t("config_error.category_label"))
        cats[key] = Category(key, label.strip())
    return tuple(cats.values())


def _known_categories(full: str, value: object, known: set[str]) -> tuple[str, ...]:
    keys = _texts(full, value if value is not None else [])
    for key in keys:
        if key not in known:
            raise ConfigError(full, _t("config_error.category_unknown", key=repr(key)))
    return keys


def _departments(value: object, known: set[str]) -> tuple[Department, ...]:
    if not isinstance(value, list):
        raise ConfigError("departments", _t("config_error.departments_list"))
    out: list[Department] = []
    for i, item in enumerate(value):
        where = f"departments[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(where, _t("config_error.department_table"))
        key = _text(f"{where}.key", item.get("key", ""))
        if not _KEY_RE.fullmatch(key):
            raise ConfigError(f"{where}.key", _t("config_error.key_format"))
        if any(d.key == key for d in out):
            raise ConfigError(f"{where}.key", _t("config_error.department_key_duplicate", key=key))
        name = _text(f"{where}.name", item.get("name", ""))
        if not name:
            raise ConfigError(f"{where}.name", _t("config_error.department_name"))
        cats = _known_categories(f"{where}.categories", item.get("categories"), known)
        out.append(Department(key, name, cats))
    return tuple(out)


def _dialogues(value: object, commune_tz: str, known: set[str]) -> tuple[DialogueSpec, ...]:
    if not isinstance(value, list):
        raise ConfigError("dialogues", _t("config_error.dialogues_list"))
    dialogues: list[DialogueSpec] = []
    for i, item in enumerate(value):
        spec = _dialogue(item, f"dialogues[{i}]", commune_tz, known)
        if any(d.code == spec.code for d in dialogues):
            raise ConfigError(
                f"dialogues[{i}].code", _t("config_error.dialogue_code_duplicate", code=spec.code)
            )
        dialogues.append(spec)
    return tuple(dialogues)


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
    code = _text(f"{where}.code", item.get("code", "")).upper()
    if not _CODE_RE.match(code):
        raise ConfigError(f"{where}.code", _t("config_error.dialogue_code"))
    title = _text(f"{where}.title", item.get("title", ""))
    if not title:
        raise ConfigError(f"{where}.title", _t("config_error.dialogue_title"))
    tz_name = _zone(f"{where}.timezone", item.get("timezone", commune_tz))
    deadline = _moment(item.get("deadline"), f"{where}.deadline", tz_name, required=True)
    assert deadline is not None
    meeting_at = _moment(item.get("meeting_at"), f"{where}.meeting_at", tz_name, required=False)
    categories = _known_categories(f"{where}.categories", item.get("categories"), known)
    return DialogueSpec(
        code=code,
        title=title,
        host=_text(f"{where}.host", item.get("host", "")),
        audience=_text(f"{where}.audience", item.get("audience", "")),
        deadline=deadline,
        meeting_at=meeting_at,
        meeting_note=_text(f"{where}.meeting_note", item.get("meeting_note", "")),
        location=_text(f"{where}.location", item.get("location", "")),
        timezone=tz_name,
        categories=categories or tuple(c.key for c in DEFAULT_CATEGORIES),
    )
