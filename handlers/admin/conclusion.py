"""/ketluan: write the conclusion, optionally attach the signed notice, publish.

Publishing queues one message per person who asked or backed, with the answer to their own
questions (or where they were forwarded, or the date departments must answer by).
"""

from __future__ import annotations

from collections import defaultdict

from domain.models import DeliveryStatus
from domain.numfmt import fmt_number
from domain.privacy import hide_personal
from domain.timefmt import fmt_datetime, fmt_day
from domain.workdays import due_dates
from handlers.admin.draft import AdminDraft, keep_text
from handlers.commitment_ops import body_name
from handlers.common import snippet
from handlers.engine import Turn
from handlers.io import Choice
from handlers.steps import AdminStep

CONCLUSION_MAX_CHARS = 3000


async def commitment_line(turn: Turn, receipt_code: str) -> str:
    """A matter of the conclusion that needs action: who does it, by when (handlers/meeting)."""
    question = await turn.tx.question_by_code(receipt_code)
    commitment = await turn.tx.commitment_for_cluster(question.cluster_id) if question else None
    if commitment is None:
        return ""
    body = body_name(turn.plan, turn.t, commitment.body)
    due = fmt_day(commitment.due)
    return "\n" + turn.t("commitments.in_conclusion", code=commitment.code, body=body, due=due)


async def start_conclusion(turn: Turn, argument: str) -> None:
    dialogue = await turn.tx.dialogue_by_code(argument.strip().upper()) if argument else None
    if dialogue is None:
        turn.finish(turn.t("admin.usage_ketluan"))
        return
    existing = await turn.tx.conclusion(dialogue.id)
    if existing is not None and existing.published_at is not None:
        at = fmt_datetime(existing.published_at, dialogue.tz)
        turn.finish(turn.t("admin.already_published", code=dialogue.code, at=at))
        return
    turn.start_draft(AdminDraft(code=dialogue.code))
    turn.ask(
        AdminStep.WRITE_CONCLUSION,
        turn.t(
            "admin.write_conclusion", title=dialogue.title, max=fmt_number(CONCLUSION_MAX_CHARS)
        ),
    )


async def take_conclusion(turn: Turn, text: str) -> None:
    if not keep_text(turn, text, 10, CONCLUSION_MAX_CHARS):
        return
    turn.ask(
        AdminStep.CONCLUSION_FILE,
        turn.t("admin.conclusion_file"),
        [Choice("skip", turn.t("admin.no_file"))],
    )


async def take_file(turn: Turn, file_name: str) -> None:
    draft = turn.draft(AdminDraft)
    draft.file_ref = turn.inbound.file_ref or None
    draft.file_name = turn.inbound.file_name or None
    await confirm_conclusion(turn, "")


async def confirm_conclusion(turn: Turn, key: str) -> None:
    draft = turn.draft(AdminDraft)
    dialogue = await turn.tx.dialogue_by_code(str(draft.code))
    assert dialogue is not None
    people = {(a.channel, a.chat_id) for a in await turn.tx.askers_with_answers(dialogue.id)}
    name = draft.file_name
    attached = turn.t("admin.with_file", name=name) if name else turn.t("admin.without_file")
    turn.ask(
        AdminStep.CONFIRM_CONCLUSION,
        turn.t("admin.confirm_conclusion", text=draft.text, count=len(people)) + "\n" + attached,
        [Choice("yes", turn.t("admin.publish")), Choice("no", turn.t("office.no"))],
    )


async def publish(turn: Turn, key: str) -> None:
    draft = turn.draft(AdminDraft)
    dialogue = await turn.tx.dialogue_by_code(str(draft.code))
    assert dialogue is not None
    summary = str(draft.text)
    await turn.tx.record_conclusion(dialogue.id, summary, turn.inbound.person, turn.now)
    answers_due = due_dates(dialogue, turn.now).answers
    people: dict[tuple[str, str], list[str]] = defaultdict(list)
    for asker in await turn.tx.askers_with_answers(dialogue.id):
        # Someone who backed a question reads another resident's words: their details hidden.
        text = asker.text
        if asker.backed:
            text = hide_personal(text, turn.t, (asker.author_name,))
        quoted, code = snippet(text, 120), asker.receipt_code
        if asker.answer:
            line = turn.t("conclusion.answered", code=code, text=quoted, answer=asker.answer)
        elif asker.forwarded_to:
            authority = asker.forwarded_to
            line = turn.t("conclusion.forwarded", code=code, text=quoted, authority=authority)
        else:
            due = fmt_day(answers_due) if answers_due else turn.t("admin.after_meeting")
            line = turn.t("conclusion.pending", code=code, text=quoted, due=due)
        line += await commitment_line(turn, code)
        if line not in people[(asker.channel, asker.chat_id)]:
            people[(asker.channel, asker.chat_id)].append(line)
    ref = f"{dialogue.code}/conclusion"
    for (channel, chat), lines in people.items():
        message = turn.t(
            "conclusion.message", title=dialogue.title, summary=summary, items="\n\n".join(lines)
        )
        await turn.tx.add_delivery(
            channel,
            chat,
            "conclusion",
            ref,
            message,
            DeliveryStatus.PENDING,
            turn.now,
            file_ref=draft.file_ref,
            file_name=draft.file_name,
        )
    # Answers held back for the conclusion are in it now: they must not also go alone.
    await turn.tx.cancel_held("answer", f"{dialogue.code}/")
    await turn.tx.mark_published(dialogue.id, turn.now)
    await turn.tx.audit(turn.now, turn.inbound.person, "conclusion", dialogue.code)
    turn.wake_outbox = True
    turn.finish(turn.t("admin.published", code=dialogue.code, count=len(people)))
