"""The resident's conversation as two tables: what each command runs, and what each step
does (`STEPS`: how it is asked again, what a choice or a typed text does there).

A new step is one `ResidentStep` member (handlers/steps.py) and one line in `STEPS`, next to
the functions that ask it and take its answer.
"""

from __future__ import annotations

from domain.normalize import fold
from handlers.common import RECEIPT_RE, snippet
from handlers.engine import Flows, Handler, On, Turn
from handlers.io import Choice
from handlers.resident import account, compose, follow, info, rating, speak, submit
from handlers.resident.draft import Draft
from handlers.resident.menu import greeting, show_menu
from handlers.steps import ResidentStep, parse_step

# What people type to stop notices, folded (no diacritics, lower case).
STOP_WORDS = frozenset(
    {
        "stop",
        "dung",
        "dung lai",
        "tat thong bao",
        "huy dang ky",
        "ngung nhan thong bao",
        "khong nhan thong bao",
        "dung gui",
    }
)


# --- the menu ------------------------------------------------------------------------------


async def menu_choice(turn: Turn, key: str) -> None:
    if key == "send":
        await compose.start_send(turn)
    elif key == "mine":
        await info.show_mine(turn)
    elif key == "about":
        await info.show_about(turn)
    else:
        await show_menu(turn, turn.t("help.text"))


async def menu_text(turn: Turn, text: str) -> None:
    if fold(text).strip(" .!") in STOP_WORDS:
        await account.notices_off(turn)
        return
    if RECEIPT_RE.match(text) or follow.CODE_AND_PLACE.match(text):
        await info.lookup(turn, text)
        return
    if len(text.strip()) >= turn.plan.limits.question_min_chars:
        # Many people simply type their question; offer to send it rather than refuse it.
        turn.start_draft(Draft(offered=text.strip()))
        turn.ask(
            ResidentStep.OFFER_DRAFT,
            turn.t("draft.offer", text=snippet(text, 200)),
            [Choice("yes", turn.t("draft.yes")), Choice("no", turn.t("draft.no"))],
        )
        return
    await show_menu(turn, turn.t("input.not_understood"))


# --- commands ------------------------------------------------------------------------------


async def start(turn: Turn, argument: str) -> None:
    await show_menu(turn, await greeting(turn))


async def cancel(turn: Turn, argument: str) -> None:
    busy = turn.state.step != ResidentStep.MENU
    await show_menu(turn, turn.t("cancel.done" if busy else "cancel.nothing"))


async def show_help(turn: Turn, argument: str) -> None:
    await show_menu(turn, turn.t("help.text"))


async def send(turn: Turn, argument: str) -> None:
    turn.start_draft(Draft())
    await compose.start_send(turn)


async def enter_paper_form(turn: Turn, argument: str) -> None:
    turn.start_draft(Draft(proxy=True))
    await compose.start_send(turn)


HANDLERS: dict[str, Handler] = {
    "start": start,
    "gui": send,
    "cuatoi": info.show_mine,
    "tracuu": info.lookup,
    "hoinghi": info.show_about,
    "thon": account.ask_home_village,
    "tatthongbao": account.notices_off,
    "batthongbao": account.notices_on,
    "phatbieu": speak.start,
    "danhgia": rating.start,
    "dulieu": account.show_my_data,
    "huy": cancel,
    "help": show_help,
    "nhapphieu": enter_paper_form,
    "thongke": info.show_statistics,
}

# --- steps ---------------------------------------------------------------------------------

STEPS: dict[ResidentStep, On] = {
    ResidentStep.MENU: On(choice=menu_choice, text=menu_text),
    ResidentStep.OFFER_DRAFT: On(choice=compose.offer_choice),
    ResidentStep.PICK_DIALOGUE: On(ask=compose.ask_dialogue, choice=compose.pick_dialogue),
    ResidentStep.PICK_CATEGORY: On(ask=compose.ask_category, choice=compose.pick_category),
    ResidentStep.WRITE_TEXT: On(ask=compose.ask_text, text=compose.take_text),
    ResidentStep.COMPLAINT: On(choice=compose.complaint_choice),
    ResidentStep.PICK_SIMILAR: On(choice=compose.similar_choice),
    ResidentStep.PICK_VILLAGE: On(ask=compose.ask_village, choice=compose.pick_village),
    ResidentStep.WRITE_NAME: On(
        ask=compose.ask_name, choice=compose.skip_name, text=compose.take_name
    ),
    ResidentStep.PREVIEW: On(ask=compose.show_preview, choice=submit.preview_choice),
    ResidentStep.MY_DATA: On(choice=account.my_data_choice),
    ResidentStep.CONFIRM_FORGET: On(choice=account.confirm_forget),
    ResidentStep.HOME_VILLAGE: On(choice=account.pick_home_village),
    ResidentStep.SPEAK_PICK: On(choice=speak.pick),
    ResidentStep.SPEAK_TOPIC: On(ask=speak.ask_topic, text=speak.take_topic),
    ResidentStep.RATE_PICK: On(choice=rating.pick),
    ResidentStep.RATE_VERDICT: On(choice=rating.verdict),
    ResidentStep.RATE_FOLLOWUP: On(
        ask=rating.ask_followup, choice=rating.skip, text=rating.take_followup
    ),
}


def _on(turn: Turn) -> On:
    step = parse_step(ResidentStep, turn.state.step)
    return STEPS.get(step, On()) if step is not None else On()


async def reprompt(turn: Turn, lead: str) -> None:
    """Say what went wrong, then ask the current step's question again."""
    ask = _on(turn).ask
    if ask is not None:
        await ask(turn, lead)
    elif turn.state.choices:
        turn.reask(lead + "\n\n" + turn.t("input.choose_from"))
    else:
        await show_menu(turn, lead)


class ResidentFlows(Flows):
    async def on_unconsented(self, turn: Turn) -> None:
        await account.ask_consent(turn)

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        await HANDLERS[command](turn, argument)

    async def on_unknown_command(self, turn: Turn, command: str) -> None:
        await reprompt(turn, turn.t("input.unknown_command", command=command))

    async def on_choice(self, turn: Turn, key: str) -> None:
        choice = _on(turn).choice
        if choice is None:
            await show_menu(turn)
        else:
            await choice(turn, key)

    async def on_text(self, turn: Turn, text: str) -> None:
        take = _on(turn).text
        if not text.strip():
            await reprompt(turn, turn.t("input.empty"))
        elif take is None:
            await reprompt(turn, turn.t("input.pick_one"))
        else:
            await take(turn, text)

    async def on_unsupported(self, turn: Turn) -> None:
        await reprompt(turn, turn.t("input.unsupported"))

    async def on_stale_choice(self, turn: Turn) -> None:
        # Nothing changes: a double tap or an old button must not repeat or undo a step.
        turn.toast = turn.t("input.stale_button")
        turn.persist = False
