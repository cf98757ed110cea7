"""Which form of address (ông/bà, anh/chị, bạn) a turn's texts use.

The dialogue the turn is about sets it: the one a resident is writing to, the one whose
question an official answers, the one an admin concludes. Before any dialogue is chosen
(the greeting, the menu) it is the one every dialogue a resident can write to shares; when
they differ, that of the dialogue the resident last wrote to or backed (a young person who
wrote to the youth dialogue stays "bạn" at the menu), and else "ông/bà": the polite form
nobody minds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.address import DEFAULT_ADDRESS
from domain.models import Dialogue
from handlers.engine import Turn


def shared_address(dialogues: Sequence[Dialogue], now: datetime) -> str:
    """The address the open dialogues (else all of them) agree on, else the default."""
    opened = [d for d in dialogues if d.is_open(now)] or list(dialogues)
    addresses = {d.address for d in opened}
    return addresses.pop() if len(addresses) == 1 else DEFAULT_ADDRESS


def speak_for(turn: Turn, dialogue: Dialogue | None) -> None:
    """From now on in this turn, address people as `dialogue` does."""
    if dialogue is not None:
        turn.t = turn.t.addressed(dialogue.address)


async def address_turn(turn: Turn, code: str | None = None, question: int | None = None) -> None:
    """Set the turn's address from a dialogue code or a question id, else the shared one."""
    dialogue: Dialogue | None = None
    if code is not None:
        dialogue = await turn.tx.dialogue_by_code(code)
    elif question is not None:
        found = await turn.tx.questions_by_ids([question])
        dialogue = await turn.tx.dialogue_by_code(found[0].dialogue_code) if found else None
    if dialogue is None:
        dialogues = await turn.tx.dialogues()
        address = shared_address(dialogues, turn.now)
        if len({d.address for d in dialogues}) > 1 and turn.resident is not None:
            # Only when the dialogues differ is the resident's own history read.
            address = await _last_written_to(turn, dialogues) or address
        turn.t = turn.t.addressed(address)
    else:
        speak_for(turn, dialogue)


async def _last_written_to(turn: Turn, dialogues: Sequence[Dialogue]) -> str | None:
    assert turn.resident is not None
    mine = await turn.tx.questions_of_resident(turn.resident.id)
    mine += await turn.tx.supported_by(turn.resident.id)
    if not mine:
        return None
    latest = max(mine, key=lambda q: q.created_at)
    return next((d.address for d in dialogues if d.id == latest.dialogue_id), None)
