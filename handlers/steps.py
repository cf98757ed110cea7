"""The flows and their steps. A chat's `state.step` is one of these values, stored as text, so
each member keeps the string it has always had: conversations saved by an older version go on
where they were.

Each flow's table from step to what it does (`On`) sits in the flow's own module:
handlers/resident/flows.py, handlers/office.py, handlers/admin.py, handlers/meeting/flows.py.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Flow(StrEnum):
    RESIDENT = "resident"
    OFFICE = "office"
    ADMIN = "admin"
    MEETING = "meeting"  # the secretariat at the meeting: floor questions, speakers, answers
    FOLLOWUP = "followup"  # after it: commitments, unsatisfied residents, supervision


class ResidentStep(StrEnum):
    MENU = "menu"
    OFFER_DRAFT = "offer_draft"  # a question typed at the menu: send it?
    PICK_DIALOGUE = "pick_dialogue"
    PICK_CATEGORY = "pick_category"
    WRITE_TEXT = "write_text"
    COMPLAINT = "complaint_notice"  # it reads like a complaint: the citizen reception, or send
    PICK_SIMILAR = "pick_similar"  # back a similar question, or send one's own
    PICK_VILLAGE = "pick_village"
    WRITE_NAME = "write_name"
    PREVIEW = "preview"
    MY_DATA = "my_data"
    CONFIRM_FORGET = "confirm_forget"
    HOME_VILLAGE = "home_village"  # /thon: the village for village notices
    SPEAK_PICK = "speak_pick"  # /phatbieu: on which of one's questions, or a new matter
    SPEAK_TOPIC = "speak_topic"  # the new matter, in a few words
    RATE_PICK = "rate_pick"  # /danhgia: which answer
    RATE_VERDICT = "rate_verdict"  # satisfied or not
    RATE_FOLLOWUP = "rate_followup"  # one message more, or skip


class OfficeStep(StrEnum):
    PICK_DEPARTMENT = "office_pick_department"
    WRITE_ANSWER = "office_write_answer"
    CONFIRM_ANSWER = "office_confirm_answer"
    WRITE_AUTHORITY = "office_write_authority"
    CONFIRM_FORWARD = "office_confirm_forward"
    REVIEW_SUGGESTION = "office_review_suggestion"  # /goiy: merge, keep apart, or later
    PREVIEW_ANSWER = "office_preview_answer"  # /traloi: who will receive it; leave some out
    CONFIRM_MERGE = "office_confirm_merge"
    CONFIRM_SPLIT = "office_confirm_split"


class AdminStep(StrEnum):
    WRITE_NOTICE = "admin_write_notice"
    NOTICE_AUDIENCE = "admin_notice_audience"
    NOTICE_VILLAGES = "admin_notice_villages"
    NOTICE_WHEN = "admin_notice_when"
    NOTICE_TIME = "admin_notice_time"
    NOTICE_CONFIRM = "admin_notice_confirm"
    WRITE_CONCLUSION = "admin_write_conclusion"
    CONCLUSION_FILE = "admin_conclusion_file"
    CONFIRM_CONCLUSION = "admin_confirm_conclusion"
    CONFIRM_CLOSE = "admin_confirm_close"


class MeetingStep(StrEnum):
    FLOOR_TEXT = "meeting_floor_text"  # /ghiykien: what the speaker raised
    FLOOR_VILLAGE = "meeting_floor_village"
    FLOOR_NAME = "meeting_floor_name"
    FLOOR_MORE = "meeting_floor_more"  # stored: the next one, or done
    QUEUE = "meeting_queue"  # /hangdoi: the list, with call next / done / close
    ONSPOT_TEXT = "meeting_onspot_text"  # /traloitaicho: the summary of what was said
    ONSPOT_CONFIRM = "meeting_onspot_confirm"


class FollowupStep(StrEnum):
    COMMIT_BODY = "followup_commit_body"  # /camket: who is responsible
    COMMIT_DUE = "followup_commit_due"  # by when, in working days or a date
    COMMIT_TEXT = "followup_commit_text"  # what will be done
    COMMIT_CONFIRM = "followup_commit_confirm"
    NOTE_TEXT = "followup_note_text"  # /tiendo: the progress note
    NOTE_STATUS = "followup_note_status"  # in progress, or done
    REPLY_TEXT = "followup_reply_text"  # /phanhoi: to the residents not satisfied
    REPLY_CONFIRM = "followup_reply_confirm"


Step = ResidentStep | OfficeStep | AdminStep | MeetingStep | FollowupStep
# Where a chat is when no task is under way.
HOME = ResidentStep.MENU

STEPS_OF: dict[Flow, type[StrEnum]] = {
    Flow.RESIDENT: ResidentStep,
    Flow.OFFICE: OfficeStep,
    Flow.ADMIN: AdminStep,
    Flow.MEETING: MeetingStep,
    Flow.FOLLOWUP: FollowupStep,
}
_FLOW_OF = {step.value: flow for flow, steps in STEPS_OF.items() for step in steps}

E = TypeVar("E", bound=StrEnum)


def flow_of(step: str) -> Flow:
    """The flow a stored step belongs to; a step no flow knows is the resident's (the menu)."""
    return _FLOW_OF.get(step, Flow.RESIDENT)


def parse_step(kind: type[E], value: str) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None
