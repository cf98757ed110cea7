"""The admin's flows as two tables: what each command runs, and what each step does.

The router checks each command's role first (handlers/commands.py); every step checks the
admin role again, on each message.
"""

from __future__ import annotations

from domain.plan import Role
from handlers.admin import conclusion, dialogues, notices
from handlers.engine import Handler, On, Turn
from handlers.steps import AdminStep, parse_step

HANDLERS: dict[str, Handler] = {
    "dshoinghi": dialogues.list_dialogues,
    "hannhan": dialogues.set_deadline,
    "lichhop": dialogues.set_meeting,
    "diadiem": dialogues.set_location,
    "donghoinghi": dialogues.ask_close,
    "phuctap": dialogues.toggle_complex,
    "thongbao": notices.ask_notice,
    "ketluan": conclusion.start_conclusion,
}

STEPS: dict[AdminStep, On] = {
    AdminStep.WRITE_NOTICE: On(text=notices.take_notice),
    AdminStep.NOTICE_AUDIENCE: On(choice=notices.pick_audience),
    AdminStep.NOTICE_VILLAGES: On(choice=notices.toggle_village),
    AdminStep.NOTICE_WHEN: On(choice=notices.pick_when),
    AdminStep.NOTICE_TIME: On(text=notices.take_time),
    AdminStep.NOTICE_CONFIRM: On(choice=notices.create_broadcast),
    AdminStep.WRITE_CONCLUSION: On(text=conclusion.take_conclusion),
    AdminStep.CONCLUSION_FILE: On(choice=conclusion.confirm_conclusion, file=conclusion.take_file),
    AdminStep.CONFIRM_CONCLUSION: On(choice=conclusion.publish),
    AdminStep.CONFIRM_CLOSE: On(choice=dialogues.close),
}


def _on(turn: Turn) -> On:
    step = parse_step(AdminStep, turn.state.step)
    return STEPS[step] if step is not None else On()


class AdminFlows:
    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        turn.reset()
        await HANDLERS[command](turn, argument)

    async def on_choice(self, turn: Turn, key: str) -> None:
        if not turn.may(Role.ADMIN):
            await turn.refuse(Role.ADMIN)
            return
        choice = _on(turn).choice
        if key == "no" or choice is None:
            turn.finish(turn.t("office.cancelled"))
        else:
            await choice(turn, key)

    async def on_text(self, turn: Turn, text: str) -> None:
        if not turn.may(Role.ADMIN):
            await turn.refuse(Role.ADMIN)
            return
        take = _on(turn).text
        if take is None:
            turn.reask(turn.t("input.choose_from"))
        else:
            await take(turn, text)

    async def on_file(self, turn: Turn) -> None:
        if not turn.may(Role.ADMIN):
            await turn.refuse(Role.ADMIN)
            return
        take = _on(turn).file
        if take is None:
            turn.reask(turn.t("input.unsupported"))
        else:
            await take(turn, turn.inbound.file_name)
