"""The question a resident (or someone typing in a paper form) is writing, step by step.

Stored in the chat's conversation state as JSON under the keys it has always had, so a draft
saved by an older version loads, and a value of the wrong type in it reads as not given.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.drafts import StoredDraft, stored_as


@dataclass
class Draft(StoredDraft):
    proxy: bool = False  # typed in from a paper form (/nhapphieu), for its author
    # Typed at the menu: offered for sending, not yet accepted.
    offered: str | None = stored_as("draft")
    dialogue: str | None = None  # the dialogue's code
    category: str | None = None
    text: str | None = None
    village: str | None = None
    name: str | None = None
    flag: str | None = None  # "complaint": the resident sent it despite the notice
    editing: bool = False  # the text is being rewritten from the preview
