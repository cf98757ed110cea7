"""How one configuration value is checked: each check takes the full key and the TOML value,
and returns the typed value or raises a `ConfigError` naming the key, with catalog text
(domain/locale/vi/cli.toml) saying what is expected."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.plan import person_id
from domain.texts import load_texts


def t(key: str, /, **fields: object) -> str:
    """One text from the message catalog (domain/locale/vi/cli.toml)."""
    return load_texts()(key, **fields)


class ConfigError(Exception):
    """`key` names the setting; `problem` is catalog text: `t("config_error.must_be_string")`."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


Check = Callable[[str, object], Any]  # (the full key, the TOML value) -> the typed value


def text(full: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(full, t("config_error.must_be_string"))
    return value.strip()


def raw_text(full: str, value: object) -> str:
    """A string kept as written: secrets and addresses are not ours to trim."""
    if not isinstance(value, str):
        raise ConfigError(full, t("config_error.must_be_string"))
    return value


def boolean(full: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(full, t("config_error.must_be_bool"))
    return value


def integer(low: int, high: int, problem: str = "config_error.integer_range") -> Check:
    def check(full: str, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(full, t("config_error.must_be_integer"))
        if not low <= value <= high:
            raise ConfigError(full, t(problem, low=low, high=high))
        return value

    return check


def rate(high: float, above: str = "config_error.rate") -> Check:
    """Messages per second: any positive number up to `high` (2.5 is a rate too)."""

    def check(full: str, value: object) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
            raise ConfigError(full, t("config_error.must_be_number"))
        if value <= 0:
            raise ConfigError(full, t("config_error.rate", high=f"{high:g}"))
        if value > high:
            raise ConfigError(full, t(above, high=f"{high:g}"))
        return float(value)

    return check


def one_of(*allowed: str, problem: str) -> Check:
    def check(full: str, value: object) -> str:
        if raw_text(full, value) not in allowed:
            raise ConfigError(full, t(problem))
        return str(value)

    return check


def text_list(full: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(full, t("config_error.must_be_string_list"))
    return tuple(v.strip() for v in value)


def people(full: str, value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise ConfigError(full, t("config_error.people_list"))
    people = set()
    for item in value:
        person = person_id(item)
        if person is None:
            raise ConfigError(full, t("config_error.person_unknown", item=repr(item)))
        people.add(person)
    return frozenset(people)


def zone(full: str, value: object) -> str:
    name = raw_text(full, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(full, t("config_error.timezone_unknown", name=repr(name))) from None
    return name


def clock_time(full: str, value: object) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise ConfigError(full, t("config_error.digest_time_format"))
    hour, minute = (int(x) for x in value.split(":"))
    if hour > 23 or minute > 59:
        raise ConfigError(full, t("config_error.digest_time_invalid"))
    return time(hour, minute)


def time_of_day(full: str, value: object) -> time:
    """A time of day "HH:MM", for settings other than the digest's (whose text names it)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise ConfigError(full, t("config_error.time_format"))
    hour, minute = (int(x) for x in value.split(":"))
    if hour > 23 or minute > 59:
        raise ConfigError(full, t("config_error.digest_time_invalid"))
    return time(hour, minute)


def days(full: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 60 for v in value
    ):
        raise ConfigError(full, t("config_error.reminder_days"))
    return tuple(sorted(set(value), reverse=True))


def url(full: str, value: object) -> str:
    url = raw_text(full, value)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise ConfigError(full, t("config_error.url"))
    return url


def api_root(full: str, value: object) -> str:
    """Zalo's API root: the adapter appends "/bot<token>/<method>" itself."""
    return url(full, value).rstrip("/")


def optional_url(full: str, value: object) -> str | None:
    return url(full, value) if raw_text(full, value) else None


def web_url(full: str, value: object) -> str:
    """The office page's public address: empty, or http(s)://host[/path] without a query."""
    text = raw_text(full, value).strip()
    if not text:
        return ""
    address = text if re.fullmatch(r"https?://[^\s/]+(/\S*)?", text) else ""
    parts = urlsplit(address)
    if not address or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(full, t("config_error.web_public_url"))
    return address.rstrip("/")


def token(full: str, value: object) -> str:
    return raw_text(full, value).strip()


def db_path(full: str, value: object) -> Path:
    text = raw_text(full, value)
    if "\x00" in text:
        raise ConfigError(full, t("config_error.path_nul"))
    if not text.strip():
        raise ConfigError(full, t("config_error.path_empty"))
    return Path(text)


def postgres_url(full: str, value: object) -> str:
    """A PostgreSQL connection URL; empty means the SQLite file (`storage.path`)."""
    text = raw_text(full, value).strip()
    if text and not re.fullmatch(r"postgres(ql)?://\S*", text):
        raise ConfigError(full, t("config_error.postgres_url"))
    return text


def schema_name(full: str, value: object) -> str:
    """A commune's PostgreSQL schema: a plain lower-case name, so that it is never quoted and
    never needs to be (storage/postgres.py pins it as the connection's search_path)."""
    text = raw_text(full, value).strip()
    if text and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", text):
        raise ConfigError(full, t("config_error.schema_name"))
    if text.startswith("pg_") or text in {"public", "information_schema"}:
        raise ConfigError(full, t("config_error.schema_reserved", name=text))
    return text
