"""The secretariat's and the follow-up flows as tables: what each command runs, what each step
does. The router checks each command's role first (handlers/commands.py); every step checks the
flow's role again, on each message (handlers/staff_flow.py)."""

from __future__ import annotations

from domain.plan import Role
from handlers.engine import Handler, On
from handlers.meeting import commitments, floor, queue, supervise, unsatisfied
from handlers.staff_flow import StaffFlow
from handlers.steps import FollowupStep, MeetingStep

MEETING_HANDLERS: dict[str, Handler] = {
    "ghiykien": floor.start_floor,
    "traloitaicho": floor.start_onspot,
    "hangdoi": queue.show_list,
    "mohangdoi": queue.open_registration,
    "moitiep": queue.next_speaker,
    "xongphatbieu": queue.speaker_done,
    "donghangdoi": queue.close_registration,
}

MEETING_STEPS: dict[MeetingStep, On] = {
    MeetingStep.FLOOR_TEXT: On(text=floor.take_text),
    MeetingStep.FLOOR_VILLAGE: On(choice=floor.pick_village),
    MeetingStep.FLOOR_NAME: On(choice=floor.skip_name, text=floor.take_name),
    MeetingStep.FLOOR_MORE: On(choice=floor.more),
    MeetingStep.QUEUE: On(choice=queue.queue_choice),
    MeetingStep.ONSPOT_TEXT: On(text=floor.take_summary),
    MeetingStep.ONSPOT_CONFIRM: On(choice=floor.record),
}

FOLLOWUP_HANDLERS: dict[str, Handler] = {
    "camket": commitments.start,
    "tiendo": commitments.start_note,
    "dscamket": commitments.show_list,
    "chuahailong": unsatisfied.show,
    "phanhoi": unsatisfied.start_reply,
    "giamsat": supervise.show,
}

FOLLOWUP_STEPS: dict[FollowupStep, On] = {
    FollowupStep.COMMIT_BODY: On(choice=commitments.pick_body, text=commitments.take_body),
    FollowupStep.COMMIT_DUE: On(choice=commitments.pick_due, text=commitments.take_due),
    FollowupStep.COMMIT_TEXT: On(choice=commitments.use_answer, text=commitments.take_text),
    FollowupStep.COMMIT_CONFIRM: On(choice=commitments.save),
    FollowupStep.NOTE_TEXT: On(text=commitments.take_note),
    FollowupStep.NOTE_STATUS: On(choice=commitments.save_note),
    FollowupStep.REPLY_TEXT: On(text=unsatisfied.take_reply),
    FollowupStep.REPLY_CONFIRM: On(choice=unsatisfied.send_reply),
}


class MeetingFlows(StaffFlow[MeetingStep]):
    def __init__(self) -> None:
        super().__init__(Role.SECRETARY, MeetingStep, MEETING_STEPS, MEETING_HANDLERS)


class FollowupFlows(StaffFlow[FollowupStep]):
    """Every step here is an official's; the supervisors' command has no step."""

    def __init__(self) -> None:
        super().__init__(Role.OFFICIAL, FollowupStep, FOLLOWUP_STEPS, FOLLOWUP_HANDLERS)
