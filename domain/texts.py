"""The message catalog: every sentence a person reads lives in `locale/<lang>.toml`
(and, for long feature-specific texts such as reports, in `locale/<lang>/*.toml`).

Keys are dotted paths ("send.receipt"); values are `str.format` templates with named fields.
A missing key or field raises at once, so a typo fails a test rather than a resident.

Two fields are always there: `{you}` and `{You}`, the form of address (domain/address.py) of
the dialogue the text is about. `Texts.addressed` gives the same catalog with another one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from domain.address import DEFAULT_ADDRESS, capitalized


class Texts:
    def __init__(self, table: Mapping[str, str], lang: str, address: str = DEFAULT_ADDRESS) -> None:
        self._table = dict(table)
        self.lang = lang
        self.address = address
        self._fields = {"you": address, "You": capitalized(address)}

    def __call__(self, key: str, /, **params: object) -> str:
        return self._table[key].format(**{**self._fields, **params})

    def addressed(self, address: str) -> Texts:
        """The same catalog, speaking to people as `address` ("ông/bà", "anh/chị", "bạn")."""
        if address == self.address:
            return self
        other = Texts.__new__(Texts)
        # The table is never changed after loading: the copies share it.
        other._table, other.lang, other.address = self._table, self.lang, address
        other._fields = {"you": address, "You": capitalized(address)}
        return other

    def template(self, key: str) -> str:
        """The message as written in the catalog, its fields unfilled."""
        return self._table[key]

    def __contains__(self, key: str) -> bool:
        return key in self._table

    def keys(self) -> list[str]:
        return sorted(self._table)


def _flatten(prefix: str, node: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        elif isinstance(value, str):
            out[full] = value.strip("\n")
        else:
            raise TypeError(f"catalog entry {full} is not text")


@cache
def load_texts(lang: str = "vi") -> Texts:
    locale = resources.files("domain").joinpath("locale")
    sources = [locale.joinpath(f"{lang}.toml")]
    extra = locale.joinpath(lang)
    if extra.is_dir():
        sources += sorted(
            (p for p in extra.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name
        )
    flat: dict[str, str] = {}
    for source in sources:
        part: dict[str, str] = {}
        _flatten("", tomllib.loads(source.read_text("utf-8")), part)
        clash = flat.keys() & part.keys()
        if clash:
            raise ValueError(f"catalog keys defined twice: {sorted(clash)}")
        flat.update(part)
    return Texts(flat, lang)
