"""The preview's buttons: take the suggested category, edit the text, cancel, or send.

Sending checks the deadline again (it can pass while the preview is read) and the paper-form
role, stores the question through handlers/intake.py, and answers with the receipt code only
once it is stored: the engine sends replies after the commit.
"""

from __future__ import annotations

from domain.models import Dialogue, NewQuestion
from domain.plan import Role
from domain.timefmt import fmt_datetime
from handlers.engine import Turn
from handlers.intake import store_question
from handlers.resident.compose import ask_text, current_dialogue, show_preview, suggestion
from handlers.resident.draft import Draft
from handlers.resident.menu import closed_notice, show_menu


async def use_suggestion(turn: Turn, key: str) -> None:
    dialogue = await current_dialogue(turn)
    better = suggestion(turn, dialogue) if dialogue else None
    if better is not None:
        turn.draft(Draft).category = better
    await show_preview(turn)


async def edit_text(turn: Turn, key: str) -> None:
    draft = turn.draft(Draft)
    draft.editing = True
    await ask_text(turn, turn.t("send.current_text", text=draft.text))


async def cancel(turn: Turn, key: str) -> None:
    await show_menu(turn, turn.t("send.cancelled"))


async def send(turn: Turn, key: str) -> None:
    dialogue = await current_dialogue(turn)
    if dialogue is None or not dialogue.is_open(turn.now):
        await show_menu(turn, await closed_notice(turn, dialogue))
        return
    draft = turn.draft(Draft)
    if draft.proxy and not turn.may(Role.COLLECTOR):
        # The role was revoked while the form was being typed in.
        turn.say(turn.t("roles.collectors_only"))
        await show_menu(turn)
        return
    assert draft.proxy or turn.resident is not None
    stored = await store_question(turn.tx, turn.finder, _question(turn, dialogue, draft))
    code = stored.question.receipt_code
    if draft.proxy:
        await show_menu(turn, turn.t("send.proxy_receipt", code=code))
        turn.secure_last()
        return
    assert turn.resident is not None
    await turn.tx.update_profile(
        turn.resident.id,
        draft.village if draft.village is not None else turn.resident.village,
        draft.name if draft.name is not None else turn.resident.name,
    )
    deadline = fmt_datetime(dialogue.deadline, dialogue.tz)
    await show_menu(turn, turn.t("send.receipt", code=code, deadline=deadline))
    turn.secure_last()


def _question(turn: Turn, dialogue: Dialogue, draft: Draft) -> NewQuestion:
    proxy = draft.proxy
    return NewQuestion(
        dialogue_id=dialogue.id,
        resident_id=None if proxy or turn.resident is None else turn.resident.id,
        category=str(draft.category),
        text=str(draft.text),
        village=draft.village,
        author_name=draft.name,
        created_at=turn.now,
        suggested_category=suggestion(turn, dialogue),
        flag=draft.flag,
        source="paper" if proxy else "chat",
        entered_by=turn.inbound.person if proxy else None,
    )


# The preview's buttons, by key.
PREVIEW_CHOICES = {
    "confirm": send,
    "suggest": use_suggestion,
    "edit": edit_text,
    "cancel": cancel,
}


async def preview_choice(turn: Turn, key: str) -> None:
    await PREVIEW_CHOICES.get(key, send)(turn, key)
