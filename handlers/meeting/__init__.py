"""The conference day and after it, for staff: the secretariat's flow (questions from the floor,
the speaker list, answers given on the spot) and the follow-up flow (commitments, residents not
satisfied, the supervisors' view). The operations themselves are in handlers/meeting_ops.py and
handlers/commitment_ops.py, where the office's web page can call them too."""

from handlers.meeting.flows import FollowupFlows, MeetingFlows

__all__ = ["FollowupFlows", "MeetingFlows"]
