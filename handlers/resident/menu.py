"""The resident's menu, and what they are told whenever they come back to it."""

from __future__ import annotations

from domain.models import Dialogue
from domain.timefmt import fmt_datetime
from handlers.engine import Turn
from handlers.io import Choice
from handlers.steps import ResidentStep


def menu_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("send", turn.t("menu.send")),
        Choice("mine", turn.t("menu.mine")),
        Choice("about", turn.t("menu.about")),
        Choice("help", turn.t("menu.help")),
    ]


async def show_menu(turn: Turn, lead: str | None = None) -> None:
    text = turn.t("menu.prompt")
    if lead:
        text = f"{lead}\n\n{text}"
    turn.reset()
    turn.ask(ResidentStep.MENU, text, menu_choices(turn))


def with_lead(lead: str) -> str:
    """A prompt's opening line (what went wrong, or what changed), when there is one."""
    return f"{lead}\n\n" if lead else ""


async def open_dialogues(turn: Turn) -> list[Dialogue]:
    return [d for d in await turn.tx.dialogues() if d.is_open(turn.now)]


async def greeting(turn: Turn) -> str:
    """Who is listening and until when, short enough to read with the consent on one screen:
    the dialogues' long titles come when the resident picks one (or asks /hoinghi)."""
    commune = turn.plan.commune.name
    opened = await open_dialogues(turn)
    if not opened:
        return turn.t("start.greeting_none_open", commune=commune)
    if len(opened) > 1:
        return turn.t("start.greeting_many", commune=commune, count=len(opened))
    only = opened[0]
    deadline = fmt_datetime(only.deadline, only.tz)
    return turn.t("start.greeting", commune=commune, deadline=deadline, title=only.title)


def meeting_text(turn: Turn, dialogue: Dialogue) -> str:
    if dialogue.meeting_at is not None:
        return fmt_datetime(dialogue.meeting_at, dialogue.tz)
    return dialogue.meeting_note or turn.t("about.meeting_tba")


async def closed_notice(turn: Turn, dialogue: Dialogue | None = None) -> str:
    """Why nothing can be sent now: the deadline, and when and where the meeting is."""
    dialogues = [dialogue] if dialogue is not None else await turn.tx.dialogues()
    if not dialogues:
        return turn.t("closed.no_dialogue")
    lines = [
        turn.t(
            "closed.line",
            title=d.title,
            deadline=fmt_datetime(d.deadline, d.tz),
            meeting=meeting_text(turn, d),
            location=d.location or turn.t("about.location_tba"),
        )
        for d in dialogues
    ]
    return turn.t("closed.notice", dialogues="\n\n".join(lines))
