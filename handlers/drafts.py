"""One codec for every flow's draft: its work in progress, kept as JSON in the chat's stored
state between messages.

A draft is a dataclass of values that may be unset; `StoredDraft` reads it back by the types its
fields declare, so a value of the wrong type (left by an older version, or edited by hand) reads
as unset and loading never raises. A field is stored under its name after the class's `PREFIX`
(flows whose drafts could meet in one state keep apart), or under the name `stored_as` gives it
where an older version called it otherwise. Unset values (None, False, "", empty lists) are not
written.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Self

_KEY = "stored_as"


def stored_as(key: str, default: Any = None) -> Any:
    """A field kept under `key` in the stored state (the name an older version gave it)."""
    return field(default=default, metadata={_KEY: key})


@dataclass
class StoredDraft:
    PREFIX: ClassVar[str] = ""

    @classmethod
    def load(cls, data: Mapping[str, object]) -> Self:
        kinds = _kinds(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = _read(kinds[f.name], data.get(_key(cls, f)))
            if value is not None:
                values[f.name] = value
        return cls(**values)

    def dump(self) -> dict[str, object]:
        stored: dict[str, object] = {}
        for f in fields(self):
            value = _write(getattr(self, f.name))
            if value is not None:
                stored[_key(type(self), f)] = value
        return stored


def _key(cls: type[StoredDraft], f: Field[Any]) -> str:
    key = f.metadata.get(_KEY)
    return key if isinstance(key, str) else f"{cls.PREFIX}{f.name}"


_KINDS: dict[type, dict[str, object]] = {}


def _kinds(cls: type) -> dict[str, object]:
    """Each field's declared type without its `| None` (read once per class)."""
    if cls in _KINDS:
        return _KINDS[cls]
    kinds = _KINDS[cls] = {}
    for name, hint in typing.get_type_hints(cls).items():
        if isinstance(hint, types.UnionType):
            (kinds[name],) = (a for a in typing.get_args(hint) if a is not types.NoneType)
        else:
            kinds[name] = hint
    return kinds


def _read(kind: object, value: object) -> object:
    if kind is bool:
        return True if value is True else None
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind is str:
        return value if isinstance(value, str) and value else None
    if kind is datetime:
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    origin = typing.get_origin(kind)
    if origin not in (list, tuple):
        raise TypeError(f"a draft cannot keep a value of type {kind}")
    if not isinstance(value, list):
        return None
    item = typing.get_args(kind)[0]
    kept = [v for v in value if isinstance(v, item) and not isinstance(v, bool)]
    return tuple(kept) if origin is tuple else kept


def _write(value: object) -> object:
    if value is None or value is False or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value) if value else None
    return value
