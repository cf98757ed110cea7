"""What a resident can look up: the dialogues, their own questions, one receipt code; and the
counts by category that officials ask for with /thongke."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from domain.categories import category_sort_key
from domain.models import Question
from domain.privacy import public_text
from domain.timefmt import fmt_date, fmt_datetime
from handlers.common import snippet
from handlers.engine import Turn
from handlers.resident import follow
from handlers.resident.menu import meeting_text, show_menu

MAX_LISTED = 20


async def show_about(turn: Turn, argument: str = "") -> None:
    dialogues = await turn.tx.dialogues()
    if not dialogues:
        await show_menu(turn, turn.t("closed.no_dialogue"))
        return
    blocks = []
    for d in dialogues:
        state = "about.open" if d.is_open(turn.now) else "about.closed"
        blocks.append(
            turn.t(
                "about.block",
                title=d.title,
                host=d.host or turn.t("common.not_given"),
                audience=d.audience or turn.t("common.not_given"),
                deadline=fmt_datetime(d.deadline, d.tz),
                state=turn.t(state),
                meeting=meeting_text(turn, d),
                location=d.location or turn.t("about.location_tba"),
            )
        )
    await show_menu(turn, "\n\n".join(blocks))


def status_line(turn: Turn, q: Question) -> str:
    own = turn.resident is not None and q.resident_id == turn.resident.id
    # A backed question is someone else's: what they wrote about themselves stays hidden.
    text = q.text if own else public_text(q, turn.t)
    return turn.t(
        "mine.line",
        code=q.receipt_code,
        category=turn.plan.category_label(q.category),
        date=fmt_date(q.created_at, ZoneInfo(turn.plan.commune.timezone)),
        status=turn.t(f"status.{q.status.value}"),
        text=snippet(text),
    )


async def show_mine(turn: Turn, argument: str = "") -> None:
    assert turn.resident is not None
    questions = await turn.tx.questions_of_resident(turn.resident.id)
    backed = await turn.tx.supported_by(turn.resident.id)
    if not questions and not backed:
        await show_menu(turn, turn.t("mine.none"))
        return
    parts = []
    if questions:
        shown = questions[-MAX_LISTED:]
        head = turn.t("mine.head", count=len(questions))
        if len(questions) > len(shown):
            head += "\n" + turn.t("mine.only_recent", shown=len(shown))
        lines = [status_line(turn, q) + await follow.details(turn, q) for q in shown]
        parts.append(head + "\n\n" + "\n\n".join(lines))
    if backed:
        lines = [status_line(turn, q) + await follow.details(turn, q) for q in backed[-MAX_LISTED:]]
        parts.append(turn.t("mine.backed_head", count=len(backed)) + "\n\n" + "\n\n".join(lines))
    await show_menu(turn, "\n\n".join(parts))


async def lookup(turn: Turn, argument: str) -> None:
    code, village = follow.split_code(argument)
    if code is None:
        await show_menu(turn, turn.t("lookup.usage"))
        return
    if village:
        # A paper form's code, with the village written on it (handlers/resident/follow.py).
        found = await follow.paper_lookup(turn, code, village)
        await show_menu(turn, found or turn.t("lookup.form_not_found", code=code))
        return
    question = await turn.tx.question_by_code(code)
    mine = (
        question is not None
        and turn.resident is not None
        and (
            question.resident_id == turn.resident.id
            or question.id in {q.id for q in await turn.tx.supported_by(turn.resident.id)}
        )
    )
    # Someone else's code answers exactly like an unknown one: nothing about it leaks.
    if question is None or not mine:
        lead = turn.t("lookup.not_found", code=code) + "\n" + turn.t("lookup.form_hint", code=code)
        await show_menu(turn, lead)
        return
    await show_menu(turn, status_line(turn, question) + await follow.details(turn, question, True))


async def show_statistics(turn: Turn, argument: str = "") -> None:
    counts = await turn.tx.category_counts()
    blocks = []
    for d in await turn.tx.dialogues():
        order = category_sort_key([*d.categories, *(c.key for c in turn.plan.categories)])
        rows = sorted(
            ((cat, n) for code, cat, n in counts if code == d.code), key=lambda r: order(r[0])
        )
        total = sum(n for _, n in rows)
        lines = [
            turn.t("stats.line", category=turn.plan.category_label(cat), count=n) for cat, n in rows
        ]
        blocks.append(
            turn.t("stats.block", title=d.title, code=d.code, total=total)
            + ("\n" + "\n".join(lines) if lines else "")
        )
    text = "\n\n".join(blocks) if blocks else turn.t("closed.no_dialogue")
    if turn.consented:
        await show_menu(turn, text)
    else:
        turn.say(text)
