"""Writing a question, step by step: dialogue, category, text, (complaint notice, similar
questions), village, name, preview. What the preview's buttons do is in
handlers/resident/submit.py.

Each step has an `ask_*` that puts its question and a handler for the answer; the table in
handlers/resident/flows.py says which is which.
"""

from __future__ import annotations

from domain.categories import category_order
from domain.complaints import looks_like_complaint
from domain.models import Dialogue, Question
from domain.numfmt import words_over, words_within
from domain.privacy import holds_personal, public_text
from domain.timefmt import fmt_datetime
from handlers.address import speak_for
from handlers.common import snippet
from handlers.engine import Turn
from handlers.intake import suggestion_for
from handlers.io import Choice
from handlers.memory import earlier_answers
from handlers.resident.draft import Draft
from handlers.resident.follow import earlier_block
from handlers.resident.menu import closed_notice, open_dialogues, show_menu, with_lead
from handlers.steps import ResidentStep

SIMILAR_SHOWN = 3
# How much of each similar question is quoted: enough to recognise it, and three of them with
# the advice still fit a phone's screen or two.
SIMILAR_CHARS = 110


async def current_dialogue(turn: Turn) -> Dialogue | None:
    """The dialogue being written to; its form of address is the turn's from here on."""
    code = turn.draft(Draft).dialogue
    dialogue = await turn.tx.dialogue_by_code(code) if code is not None else None
    speak_for(turn, dialogue)
    return dialogue


async def start_send(turn: Turn) -> None:
    """A new draft; a question typed at the menu, and the paper-form mark, carry over."""
    before = turn.draft(Draft)
    draft = turn.start_draft(Draft(proxy=before.proxy, text=before.offered))
    opened = await open_dialogues(turn)
    if not opened:
        await show_menu(turn, await closed_notice(turn))
    elif len(opened) == 1:
        draft.dialogue = opened[0].code
        await _after_dialogue(turn)
    else:
        await ask_dialogue(turn)


async def offer_choice(turn: Turn, key: str) -> None:
    if key == "yes":
        await start_send(turn)
    else:
        await show_menu(turn, turn.t("draft.dropped"))


# --- dialogue and category ---------------------------------------------------------------


async def ask_dialogue(turn: Turn, lead: str = "") -> None:
    opened = await open_dialogues(turn)
    if not opened:
        await show_menu(turn, await closed_notice(turn))
        return
    # Each long title once, numbered in the text with its deadline; the buttons carry only
    # the numbers, as a phone's button would cut a title short anyway.
    lines = [
        turn.t("send.dialogue_line", n=n, title=d.title, deadline=fmt_datetime(d.deadline, d.tz))
        for n, d in enumerate(opened, start=1)
    ]
    turn.ask(
        ResidentStep.PICK_DIALOGUE,
        with_lead(lead) + turn.t("send.pick_dialogue", dialogues="\n".join(lines)),
        [Choice(d.code, turn.t("send.dialogue_choice", n=n)) for n, d in enumerate(opened, 1)],
        listed=True,
    )


async def pick_dialogue(turn: Turn, key: str) -> None:
    turn.draft(Draft).dialogue = key
    await _after_dialogue(turn)


async def _after_dialogue(turn: Turn) -> None:
    dialogue = await current_dialogue(turn)
    if dialogue is None or not dialogue.is_open(turn.now):
        await show_menu(turn, await closed_notice(turn, dialogue))
        return
    await ask_category(turn)


async def ask_category(turn: Turn, lead: str = "") -> None:
    dialogue = await current_dialogue(turn)
    if dialogue is None:
        await show_menu(turn)
        return
    choices = [
        Choice(key, turn.plan.category_label(key)) for key in category_order(dialogue.categories)
    ]
    turn.ask(ResidentStep.PICK_CATEGORY, with_lead(lead) + turn.t("send.pick_category"), choices)


async def pick_category(turn: Turn, key: str) -> None:
    draft = turn.draft(Draft)
    draft.category = key
    if draft.text is None:
        await ask_text(turn)
        return
    # The question was typed at the menu already: only its length is left to check.
    problem = text_problem(turn, draft.text)
    if problem is None:
        await _after_text(turn)
    else:
        await ask_text(turn, problem)


# --- the text ------------------------------------------------------------------------------


async def ask_text(turn: Turn, lead: str = "") -> None:
    limits = turn.plan.limits
    key = "send.write_text_again" if turn.draft(Draft).editing else "send.write_text"
    # The limit in words, not characters: nobody counts characters.
    words = words_within(limits.question_max_chars)
    turn.ask(ResidentStep.WRITE_TEXT, with_lead(lead) + turn.t(key, max_words=words))


def text_problem(turn: Turn, text: str) -> str | None:
    limits = turn.plan.limits
    length = len(text)
    if length < limits.question_min_chars:
        return turn.t("send.too_short")
    if length > limits.question_max_chars:
        # The text is echoed back so that nothing typed is lost; the resident shortens it.
        return turn.t(
            "send.too_long",
            max_words=words_within(limits.question_max_chars),
            cut_words=words_over(length, limits.question_max_chars),
            text=text,
        )
    return None


async def take_text(turn: Turn, raw: str) -> None:
    text = raw.strip()
    draft = turn.draft(Draft)
    problem = text_problem(turn, text)
    if problem is not None:
        draft.text = None
        await ask_text(turn, problem)
        return
    draft.text = text
    if draft.editing:
        draft.editing = False
        await show_preview(turn)
    else:
        await _after_text(turn)


async def _after_text(turn: Turn) -> None:
    draft = turn.draft(Draft)
    text = draft.text or ""
    if draft.proxy:
        # Typed in from a paper form: nobody to advise in the chat, so the office is told
        # through the flag, and the form's author cannot back another question here.
        if looks_like_complaint(text):
            draft.flag = "complaint"
        await ask_village(turn)
        return
    if looks_like_complaint(text):
        # Complaints go to the citizen reception by law; the resident is told where, and
        # may still send the text as a question, flagged for the office.
        turn.ask(
            ResidentStep.COMPLAINT,
            turn.t("send.complaint", reception=turn.plan.commune.citizen_reception),
            [
                Choice("go", turn.t("send.complaint_go")),
                Choice("cancel", turn.t("send.cancel")),
            ],
        )
        return
    await _offer_similar(turn)


async def complaint_choice(turn: Turn, key: str) -> None:
    if key != "go":
        await show_menu(turn, turn.t("send.cancelled"))
        return
    turn.draft(Draft).flag = "complaint"
    await _offer_similar(turn)


# --- similar questions ---------------------------------------------------------------------


async def _offer_similar(turn: Turn) -> None:
    dialogue = await current_dialogue(turn)
    assert dialogue is not None and turn.resident is not None
    draft = turn.draft(Draft)
    found = await turn.finder.similar(
        turn.tx, dialogue.id, draft.text or "", draft.category, limit=SIMILAR_SHOWN * 3
    )
    by_id = {q.id: q for q in await turn.tx.questions_by_ids([qid for qid, _ in found])}
    shown: list[Question] = []
    clusters: set[int] = set()
    for qid, _ in found:
        q = by_id.get(qid)
        # One line per cluster, and never the resident's own questions.
        if q is None or q.resident_id == turn.resident.id or q.cluster_id in clusters:
            continue
        shown.append(q)
        clusters.add(q.cluster_id)
        if len(shown) == SIMILAR_SHOWN:
            break
    if not shown:
        await ask_village(turn)
        return
    people = await turn.tx.backers([q.cluster_id for q in shown])
    lines = [
        turn.t(
            "send.similar_line",
            n=i,
            text=snippet(public_text(q, turn.t), SIMILAR_CHARS),
            people=people.get(q.cluster_id, 1),
        )
        for i, q in enumerate(shown, start=1)
    ]
    choices = [
        Choice(f"b{q.id}", turn.t("send.back_this", n=i)) for i, q in enumerate(shown, start=1)
    ]
    choices.append(Choice("own", turn.t("send.own")))
    turn.ask(ResidentStep.PICK_SIMILAR, turn.t("send.similar", lines="\n".join(lines)), choices)


async def similar_choice(turn: Turn, key: str) -> None:
    if key == "own":
        await ask_village(turn)
    else:
        await _back(turn, int(key[1:]))


async def _back(turn: Turn, question_id: int) -> None:
    """Support an existing question instead of sending a new one."""
    dialogue = await current_dialogue(turn)
    if dialogue is None or not dialogue.is_open(turn.now):
        await show_menu(turn, await closed_notice(turn, dialogue))
        return
    assert turn.resident is not None
    found = await turn.tx.questions_by_ids([question_id])
    if not found:
        await show_menu(turn)
        return
    new = await turn.tx.add_support(question_id, turn.resident.id, turn.now)
    key = "send.backed" if new else "send.already_backed"
    await show_menu(turn, turn.t(key, code=found[0].receipt_code))


# --- village and name ----------------------------------------------------------------------


async def ask_village(turn: Turn, lead: str = "") -> None:
    villages = turn.plan.commune.villages
    if not villages:
        turn.draft(Draft).village = None
        await ask_name(turn, lead)
        return
    turn.ask(
        ResidentStep.PICK_VILLAGE,
        with_lead(lead) + turn.t("send.pick_village"),
        [Choice(str(i), name) for i, name in enumerate(villages)],
    )


async def pick_village(turn: Turn, key: str) -> None:
    turn.draft(Draft).village = turn.plan.commune.villages[int(key)]
    await ask_name(turn)


async def ask_name(turn: Turn, lead: str = "") -> None:
    key = "send.write_name_proxy" if turn.draft(Draft).proxy else "send.write_name"
    turn.ask(
        ResidentStep.WRITE_NAME,
        with_lead(lead) + turn.t(key),
        [Choice("skip", turn.t("send.skip_name"))],
    )


async def skip_name(turn: Turn, key: str) -> None:
    turn.draft(Draft).name = None
    await show_preview(turn)


async def take_name(turn: Turn, raw: str) -> None:
    name = " ".join(raw.split())
    limit = turn.plan.limits.name_max_chars
    if len(name) < 2 or len(name) > limit or any(ch.isdigit() for ch in name):
        await ask_name(turn, turn.t("send.bad_name", max_words=words_within(limit)))
        return
    turn.draft(Draft).name = name
    await show_preview(turn)


# --- the preview ---------------------------------------------------------------------------


async def show_preview(turn: Turn, lead: str = "") -> None:
    draft = turn.draft(Draft)
    dialogue = await current_dialogue(turn)
    if dialogue is None:
        await show_menu(turn)
        return
    if draft.proxy:
        lead = with_lead(lead) + turn.t("send.proxy_note", who=turn.inbound.person)
    text = turn.t(
        "send.preview",
        title=dialogue.title,
        category=turn.plan.category_label(str(draft.category)),
        text=draft.text,
        village=draft.village or turn.t("common.not_given"),
        name=draft.name or turn.t("common.not_given"),
    )
    names = (draft.name, turn.resident.name if turn.resident else None)
    if holds_personal(str(draft.text), names):
        text += "\n\n" + turn.t("privacy.preview_note")
    # Asked in an earlier year: the answer then, and how its commitment stands, before sending.
    earlier = await earlier_answers(
        turn.tx, turn.finder, dialogue.id, str(draft.text), draft.category
    )
    if earlier:
        text += "\n\n" + earlier_block(turn, earlier)
    choices = [
        Choice("confirm", turn.t("send.confirm")),
        Choice("edit", turn.t("send.edit")),
        Choice("cancel", turn.t("send.cancel")),
    ]
    better = suggestion(turn, dialogue)
    if better is not None:
        # Only offered: the resident's own choice of category is never overridden.
        label = turn.plan.category_label(better)
        choices.insert(1, Choice("suggest", turn.t("send.use_suggestion", category=label)))
    turn.ask(ResidentStep.PREVIEW, with_lead(lead) + text, choices)


def suggestion(turn: Turn, dialogue: Dialogue) -> str | None:
    draft = turn.draft(Draft)
    return suggestion_for(draft.text or "", str(draft.category), dialogue.categories)
