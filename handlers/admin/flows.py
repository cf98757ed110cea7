"""The admin's flows as two tables: what each command runs, and what each step does.

The router checks each command's role first (handlers/commands.py); every step checks the
admin role again, on each message (handlers/staff_flow.py).
"""

from __future__ import annotations

from domain.plan import Role
from handlers.admin import conclusion, dialogues, notices
from handlers.engine import Handler, On
from handlers.staff_flow import StaffFlow
from handlers.steps import AdminStep

HANDLERS: dict[str, Handler] = {
    "dshoinghi": dialogues.list_dialogues,
    "hannhan": dialogues.set_deadline,
    "lichhop": dialogues.set_meeting,
    "diadiem": dialogues.set_location,
    "donghoinghi": dialogues.ask_close,
    "phuctap": dialogues.toggle_complex,
    "xungho": dialogues.set_address,
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


class AdminFlows(StaffFlow[AdminStep]):
    def __init__(self) -> None:
        super().__init__(Role.ADMIN, AdminStep, STEPS, HANDLERS)
