"""Settings: the TOML file read into the commune's plan (domain/plan.py) plus the transport
settings only the adapters may see (tokens, the Zalo webhook, the database path).

Every value is checked here, at load: a problem is a `ConfigError` naming the key, so the CLI
prints one line that tells an administrator exactly what to fix (exit code 2). `CHECKS` lists
every simple setting with how its value is checked (the checks are in bot/config_checks.py);
its default is the typed model's field default, written once.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot import config_checks as checks
from bot.config_checks import ConfigError
from bot.config_checks import t as _t
from domain.address import ADDRESSES, DEFAULT_ADDRESS, parse_address
from domain.categories import DEFAULT_CATEGORIES
from domain.models import Category, DialogueSpec
from domain.plan import (
    DEFAULT_RECEPTION,
    DEFAULT_SIGNER_TITLE,
    AnswerSettings,
    CommitmentSettings,
    CommuneSettings,
    Department,
    DigestSettings,
    LimitsSettings,
    MeetingSettings,
    Plan,
    ReminderSettings,
    ReportSettings,
    RolesSettings,
    WebSettings,
)

__all__ = [
    "DEFAULT_RECEPTION",
    "DEFAULT_SIGNER_TITLE",
    "AnswerSettings",
    "CommitmentSettings",
    "CommuneSettings",
    "ConfigError",
    "Department",
    "DigestSettings",
    "LimitsSettings",
    "MeetingSettings",
    "Plan",
    "ReminderSettings",
    "ReportSettings",
    "RolesSettings",
    "Settings",
    "StorageSettings",
    "TelegramSettings",
    "WebSettings",
    "ZaloSettings",
    "load_settings",
    "parse_settings",
]

TOKEN_ENV = "BOT_TELEGRAM_TOKEN"
# The server's URL holds a password: kept out of the file, like the tokens.
DATABASE_URL_ENV = "BOT_DATABASE_URL"
ZALO_TOKEN_ENV = "BOT_ZALO_TOKEN"
ZALO_BASE_URL = "https://bot-api.zaloplatforms.com"
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,30}")


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
    # A PostgreSQL server instead of the file: many communes on one server, one schema each.
    url: str = ""
    schema: str = ""

    @property
    def postgres(self) -> bool:
        return bool(self.url)


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


# Every simple setting, by section, with its check. Defaults: the model's own field defaults.
# A key that is absent keeps its default; a key that is present is always checked.
CHECKS: dict[str, tuple[type[Any], dict[str, checks.Check]]] = {
    "telegram": (TelegramSettings, {"token": checks.token, "base_url": checks.optional_url}),
    "storage": (
        StorageSettings,
        {"path": checks.db_path, "url": checks.postgres_url, "schema": checks.schema_name},
    ),
    "commune": (
        CommuneSettings,
        {
            "name": checks.text,
            "timezone": checks.zone,
            "villages": checks.text_list,
            "citizen_reception": checks.text,
        },
    ),
    "roles": (
        RolesSettings,
        {
            "admins": checks.people,
            "officials": checks.people,
            "collectors": checks.people,
            "secretaries": checks.people,
            "supervisors": checks.people,
            "office_chat_id": checks.integer(-(2**63), 2**63 - 1),
        },
    ),
    "limits": (
        LimitsSettings,
        {
            "question_min_chars": checks.integer(1, 3500, "config_error.question_limits"),
            "question_max_chars": checks.integer(1, 3500, "config_error.question_limits"),
            # The chat refuses names under 2 characters, so a smaller limit refuses them all.
            "name_max_chars": checks.integer(2, 200),
        },
    ),
    "digest": (DigestSettings, {"time": checks.clock_time, "send_empty": checks.boolean}),
    "answers": (
        AnswerSettings,
        {
            "notify": checks.one_of(
                "immediately", "at_conclusion", problem="config_error.answers_notify"
            ),
            # A year is the longest the seeds' answer deadlines could mean.
            "due_days": checks.integer(0, 365),
        },
    ),
    "report": (
        ReportSettings,
        {
            "issuing_body": checks.raw_text,
            "parent_body": checks.raw_text,
            "place": checks.raw_text,
            "signer_title": checks.raw_text,
            "signer_name": checks.raw_text,
        },
    ),
    "reminders": (
        ReminderSettings,
        {
            "deadline_days": checks.days,
            "meeting_days": checks.days,
            "per_second": checks.rate(30, above="config_error.reminders_rate"),
        },
    ),
    "meeting": (MeetingSettings, {"evening": checks.time_of_day}),
    "commitments": (
        CommitmentSettings,
        {"remind_before": checks.days, "remind_after": checks.days},
    ),
    "web": (
        WebSettings,
        {
            "listen": checks.raw_text,
            "port": checks.integer(0, 65535, "config_error.port"),
            "public_url": checks.web_url,
            # A working day is the longest a sign-in should last on an office PC; 3 days at most.
            "session_hours": checks.integer(1, 72),
        },
    ),
    "zalo": (
        ZaloSettings,
        {
            "token": checks.token,
            "base_url": checks.api_root,
            "mode": checks.one_of("polling", "webhook", problem="config_error.zalo_mode"),
            "webhook_url": checks.raw_text,
            "webhook_secret": checks.raw_text,
            "listen": checks.raw_text,
            # 0 lets the system pick a free port (the channel reports the one it got).
            "port": checks.integer(0, 65535, "config_error.port"),
            "per_second": checks.rate(1000),
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
    storage = _storage(
        _section(raw, "storage", StorageSettings, **_from_env(env, DATABASE_URL_ENV, "url")),
        base_dir,
    )
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
        meeting=_section(raw, "meeting", MeetingSettings),
        commitments=_section(raw, "commitments", CommitmentSettings),
        web=_section(raw, "web", WebSettings),
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
    if storage.url:
        checks.postgres_url("storage.url", storage.url)  # from the environment, unchecked so far
        if not storage.schema:
            # Without its own schema a commune would share tables with every other one.
            raise ConfigError("storage.schema", _t("config_error.schema_missing"))
        return storage
    if storage.schema:
        raise ConfigError("storage.url", _t("config_error.schema_without_url"))
    path = storage.path if storage.path.is_absolute() else base_dir / storage.path
    if path.is_dir():
        raise ConfigError("storage.path", _t("config_error.path_is_folder", path=path))
    # The store creates missing folders; a file standing where one of them should be cannot be.
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError("storage.path", _t("config_error.path_parent", path=parent))
            break
    return replace(storage, path=path)


def _commune(raw: Mapping[str, Any]) -> CommuneSettings:
    commune = _section(raw, "commune", CommuneSettings, name=_commune_name(raw))
    if not commune.citizen_reception:
        commune = replace(commune, citizen_reception=_default(CommuneSettings, "citizen_reception"))
    return commune


def _commune_name(raw: Mapping[str, Any]) -> str:
    value = _table(raw, "commune").get("name", "")
    name = checks.text("commune.name", value)
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
    keys = checks.text_list(full, value if value is not None else [])
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
        key = checks.text(f"{where}.key", item.get("key", ""))
        if not _KEY_RE.fullmatch(key):
            raise ConfigError(f"{where}.key", _t("config_error.key_format"))
        if any(d.key == key for d in out):
            raise ConfigError(f"{where}.key", _t("config_error.department_key_duplicate", key=key))
        name = checks.text(f"{where}.name", item.get("name", ""))
        if not name:
            raise ConfigError(f"{where}.name", _t("config_error.department_name"))
        cats = _known_categories(f"{where}.categories", item.get("categories"), known)
        # Who is reminded of the department's commitments (optional: else the office group).
        officials = checks.people(f"{where}.officials", item.get("officials", []))
        out.append(Department(key, name, cats, officials))
    return tuple(out)


def _dialogues(value: object, commune_tz: str, known: set[str]) -> tuple[DialogueSpec, ...]:
    if not isinstance(value, list):
        raise ConfigError("dialogues", _t("config_error.dialogues_list"))
    dialogues: list[DialogueSpec] = []
    for i, item in enumerate(value):
        spec = _dialogue(item, f"dialogues[{i}]", commune_tz, known)
        if any(d.code == spec.code for d in dialogues):
            raise ConfigError(
                f"dialogues[{i}].code",
                _t("config_error.dialogue_code_duplicate", code=spec.code),
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
    code = checks.text(f"{where}.code", item.get("code", "")).upper()
    if not _CODE_RE.match(code):
        raise ConfigError(f"{where}.code", _t("config_error.dialogue_code"))
    title = checks.text(f"{where}.title", item.get("title", ""))
    if not title:
        raise ConfigError(f"{where}.title", _t("config_error.dialogue_title"))
    tz_name = checks.zone(f"{where}.timezone", item.get("timezone", commune_tz))
    deadline = _moment(item.get("deadline"), f"{where}.deadline", tz_name, required=True)
    assert deadline is not None
    meeting_at = _moment(item.get("meeting_at"), f"{where}.meeting_at", tz_name, required=False)
    categories = _known_categories(f"{where}.categories", item.get("categories"), known)
    typed = checks.text(f"{where}.address", item.get("address", DEFAULT_ADDRESS))
    address = parse_address(typed)
    if address is None:
        choices = ", ".join(f'"{a}"' for a in ADDRESSES)
        raise ConfigError(f"{where}.address", _t("config_error.address", choices=choices))
    return DialogueSpec(
        code=code,
        title=title,
        host=checks.text(f"{where}.host", item.get("host", "")),
        audience=checks.text(f"{where}.audience", item.get("audience", "")),
        deadline=deadline,
        meeting_at=meeting_at,
        meeting_note=checks.text(f"{where}.meeting_note", item.get("meeting_note", "")),
        location=checks.text(f"{where}.location", item.get("location", "")),
        timezone=tz_name,
        categories=categories or tuple(c.key for c in DEFAULT_CATEGORIES),
        address=address,
    )
