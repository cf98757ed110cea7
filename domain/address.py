"""How the bot addresses residents (xưng hô): "ông/bà" in a plan for all residents, "anh/chị"
or "bạn" in one for young people. Each dialogue sets its own; the catalog writes `{you}`
(mid-sentence) and `{You}` (at the start of one) where the form of address goes.
"""

from __future__ import annotations

from domain.normalize import fold

ADDRESSES = ("ông/bà", "anh/chị", "bạn")
DEFAULT_ADDRESS = "ông/bà"

# As people type them: "ong ba", "Ông/Bà", "anh chi", "ban".
_TYPED = {fold(a).replace("/", " "): a for a in ADDRESSES}


def parse_address(value: str) -> str | None:
    """One of ADDRESSES however it was typed (case, diacritics, "/" or a space), else None."""
    typed = " ".join(fold(value).replace("/", " ").split())
    return _TYPED.get(typed)


def capitalized(address: str) -> str:
    """Turn "ông/bà" into "Ông/bà": the form that opens a sentence."""
    return address[:1].upper() + address[1:]
