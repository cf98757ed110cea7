"""The supervisors' view (Ủy ban MTTQ, HĐND xã): how the commitments of a dialogue are kept and
whether residents are satisfied, read-only and without anyone's personal data: no names,
villages or chats, and not the residents' own words (only counts of their verdicts)."""

from __future__ import annotations

from domain.timefmt import fmt_day
from handlers.commitment_ops import local_today, supervision
from handlers.engine import Turn
from handlers.meeting.commitments import line
from handlers.meeting.draft import actor
from handlers.meeting_ops import meeting_dialogue

LISTED = 40


async def show(turn: Turn, argument: str) -> None:
    dialogue = await meeting_dialogue(turn.tx, turn.now, argument)
    if dialogue is None:
        turn.finish(turn.t("floor.which_dialogue", command="giamsat"))
        return
    view = await supervision(turn.tx, turn.plan, turn.t, actor(turn), dialogue)
    today = local_today(turn.plan, turn.now)
    counts = {s: 0 for s in ("not_started", "in_progress", "done", "overdue")}
    for c in view.commitments:
        counts[c.shown_status(today).value] += 1
    parts = [
        turn.t(
            "supervise.head",
            title=dialogue.title,
            code=dialogue.code,
            today=fmt_day(today),
            total=len(view.commitments),
            floor=view.floor,
            onspot=view.onspot,
            **counts,
        )
    ]
    for commitment in view.commitments[:LISTED]:
        item = line(turn, commitment)
        if commitment.last_note and commitment.last_note_at:
            at = fmt_day(commitment.last_note_at.astimezone(turn.plan.commune.tz))
            item += "\n" + turn.t("supervise.last_note", at=at, text=commitment.last_note)
        parts.append(item)
    if view.satisfaction:
        lines = [
            turn.t("supervise.satisfaction_line", body=s.body, good=s.satisfied, bad=s.unsatisfied)
            for s in view.satisfaction
        ]
        parts.append(turn.t("supervise.satisfaction_head") + "\n" + "\n".join(lines))
    else:
        parts.append(turn.t("supervise.no_ratings"))
    turn.finish("\n\n".join(parts))
