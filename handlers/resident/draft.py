"""The question a resident (or someone typing in a paper form) is writing, step by step.

Stored in the chat's conversation state as JSON under the keys it has always had, so a draft
saved by an older version loads, and a value of the wrong type in it reads as not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self


@dataclass
class Draft:
    proxy: bool = False  # typed in from a paper form (/nhapphieu), for its author
    offered: str | None = None  # typed at the menu: offered for sending, not yet accepted
    dialogue: str | None = None  # the dialogue's code
    category: str | None = None
    text: str | None = None
    village: str | None = None
    name: str | None = None
    flag: str | None = None  # "complaint": the resident sent it despite the notice
    editing: bool = False  # the text is being rewritten from the preview

    @classmethod
    def load(cls, data: Mapping[str, object]) -> Self:
        return cls(
            proxy=data.get("proxy") is True,
            offered=_text(data.get("draft")),
            dialogue=_text(data.get("dialogue")),
            category=_text(data.get("category")),
            text=_text(data.get("text")),
            village=_text(data.get("village")),
            name=_text(data.get("name")),
            flag=_text(data.get("flag")),
            editing=data.get("editing") is True,
        )

    def dump(self) -> dict[str, object]:
        values: dict[str, object] = {
            "proxy": self.proxy or None,
            "draft": self.offered,
            "dialogue": self.dialogue,
            "category": self.category,
            "text": self.text,
            "village": self.village,
            "name": self.name,
            "flag": self.flag,
            "editing": self.editing or None,
        }
        return {key: value for key, value in values.items() if value is not None}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
