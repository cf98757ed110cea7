"""The resident's own standing: the data notice, notices on or off, their village, their
personal data (see it, delete it)."""

from __future__ import annotations

from domain.models import Consent
from domain.privacy import hide_personal
from domain.timefmt import fmt_datetime
from handlers import commands
from handlers.engine import Turn, match_choice, parse_command
from handlers.io import Choice, Kind, Reply
from handlers.resident.menu import greeting, show_menu
from handlers.steps import ResidentStep


def consent_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("agree", turn.t("consent.agree")),
        Choice("decline", turn.t("consent.decline")),
    ]


async def ask_consent(turn: Turn) -> None:
    """Before the data notice is agreed to, every message is answered here."""
    choices = consent_choices(turn)
    inbound = turn.inbound
    key: str | None = None
    command = parse_command(inbound.text) if inbound.kind is Kind.TEXT else None
    if inbound.kind is Kind.CHOICE:
        key = inbound.payload.partition("|")[2] or None
    elif inbound.kind is Kind.TEXT and command is None:
        key = match_choice(inbound.text, [(c.key, c.label) for c in choices])
    if key in ("agree", "decline"):
        consent = Consent.GRANTED if key == "agree" else Consent.DECLINED
        turn.resident = await turn.tx.record_consent(
            inbound.channel, inbound.chat_id, inbound.user_id, consent, turn.now
        )
        if consent is Consent.GRANTED:
            await show_menu(turn, turn.t("consent.thanks"))
        else:
            turn.say(turn.t("consent.declined", commune=turn.plan.commune.name))
        return
    commune = turn.plan.commune.name
    if command is not None and commands.find(command[0]) is commands.find("dulieu"):
        # The notice in full, one tap from the short one: what is kept, why, for how long
        # it is linked to the resident, and their rights; nothing is stored to show it.
        turn.replies.append(Reply(turn.t("consent.details", commune=commune), tuple(choices), 0))
        return
    lead = ""
    if turn.resident is not None and turn.resident.consent is Consent.DECLINED:
        lead = turn.t("consent.declined_before") + "\n\n"
    elif inbound.kind is Kind.UNSUPPORTED:
        lead = turn.t("input.unsupported") + "\n\n"
    elif command is not None and commands.find(command[0]) is commands.find("help"):
        # Asking for help before agreeing: the help, then the notice it is about.
        lead = turn.t("help.text") + "\n\n"
    # The first message a resident reads: greeting and consent on one phone screen.
    text = lead + await first_message(turn)
    # Consent is asked before any state exists, so its buttons carry the fixed nonce 0.
    turn.replies.append(Reply(text, tuple(choices), 0))


async def first_message(turn: Turn) -> str:
    """The greeting and the short consent request (the details are under /dulieu)."""
    consent = turn.t("consent.request", commune=turn.plan.commune.name)
    return await greeting(turn) + "\n\n" + consent


async def notices_off(turn: Turn, argument: str = "") -> None:
    await _set_notices(turn, False)


async def notices_on(turn: Turn, argument: str = "") -> None:
    await _set_notices(turn, True)


async def _set_notices(turn: Turn, on: bool) -> None:
    assert turn.resident is not None
    await turn.tx.set_notices(turn.resident.id, on)
    await show_menu(turn, turn.t("notices.on" if on else "notices.off"))


async def ask_home_village(turn: Turn, argument: str = "") -> None:
    villages = turn.plan.commune.villages
    if not villages:
        await show_menu(turn, turn.t("notices.no_villages"))
        return
    turn.ask(
        ResidentStep.HOME_VILLAGE,
        turn.t("notices.pick_village"),
        [Choice(str(i), name) for i, name in enumerate(villages)],
    )


async def pick_home_village(turn: Turn, key: str) -> None:
    assert turn.resident is not None
    village = turn.plan.commune.villages[int(key)]
    await turn.tx.update_profile(turn.resident.id, village, turn.resident.name)
    await show_menu(turn, turn.t("notices.village_set", village=village))


async def show_my_data(turn: Turn, argument: str = "") -> None:
    assert turn.resident is not None
    count = len(await turn.tx.questions_of_resident(turn.resident.id))
    text = turn.t(
        "data.summary",
        consent_at=fmt_datetime(turn.resident.consent_at, turn.plan.commune.tz),
        village=turn.resident.village or turn.t("common.not_given"),
        name=turn.resident.name or turn.t("common.not_given"),
        count=count,
    )
    turn.ask(
        ResidentStep.MY_DATA,
        text,
        [Choice("forget", turn.t("data.forget")), Choice("back", turn.t("common.back"))],
    )


async def my_data_choice(turn: Turn, key: str) -> None:
    if key != "forget":
        await show_menu(turn)
        return
    turn.ask(
        ResidentStep.CONFIRM_FORGET,
        turn.t("data.confirm_forget"),
        [Choice("yes", turn.t("data.yes_forget")), Choice("no", turn.t("common.back"))],
    )


async def confirm_forget(turn: Turn, key: str) -> None:
    if key != "yes" or turn.resident is None:
        await show_menu(turn)
        return
    resident = turn.resident
    names = (resident.name,)
    # The texts stay for the conference; what they say about who wrote them goes, as in public.
    scrubbed = {
        q.id: hide_personal(q.text, turn.t, (*names, q.author_name))
        for q in await turn.tx.questions_of_resident(resident.id)
    }
    kept = await turn.tx.forget_resident(resident.id, scrubbed)
    turn.erased = True
    turn.resident = None
    turn.say(turn.t("data.forgotten", kept=kept))
