"""The conversation engine: one inbound message, one write transaction, one outcome.

Each step runs inside a single store transaction, so the "already handled" mark for the update,
any question it stores, and the chat's new state commit together. The outcome is returned only
after the commit: a receipt code is never sent for a question that is not on disk.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.models import Consent, ConversationState, Resident
from domain.normalize import fold
from domain.plan import Plan
from domain.texts import Texts
from handlers.duplicates import DuplicateFinder
from handlers.io import Choice, Inbound, Kind, Outcome, Reply, decode_payload
from storage.base import Store, Transaction

Clock = Callable[[], datetime]

# How long an update key is remembered; channels stop redelivering long before that.
PROCESSED_RETENTION = timedelta(days=7)


@dataclass
class Turn:
    """Everything a flow needs to answer one inbound message."""

    tx: Transaction
    inbound: Inbound
    plan: Plan
    t: Texts
    now: datetime
    state: ConversationState
    resident: Resident | None
    role: str | None = None  # "official" / "admin", read from config and store on every turn
    finder: DuplicateFinder = field(default_factory=DuplicateFinder)
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None
    persist: bool = True
    wake_outbox: bool = False
    # Slow work (charts, documents) that must not hold the write lock: run after the commit.
    deferred: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.replies.append(Reply(text))

    def ask(self, step: str, text: str, choices: Sequence[Choice] = ()) -> None:
        """Move to `step` and ask; a new nonce makes buttons of earlier prompts stale."""
        self.state.step = step
        self.state.nonce += 1
        self.state.choices = [(c.key, c.label) for c in choices]
        self.replies.append(Reply(text, tuple(choices), self.state.nonce))

    @property
    def is_official(self) -> bool:
        return self.role in ("official", "admin")

    @property
    def can_enter_paper(self) -> bool:
        return self.role in ("official", "admin", "collector")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def match_choice(text: str, choices: Sequence[tuple[str, str]]) -> str | None:
    """Map a typed reply to a choice: its number, its label, or the label without diacritics."""
    typed = fold(text).strip(" .)")
    if not typed:
        return None
    if typed.isdigit():
        index = int(typed) - 1
        return choices[index][0] if 0 <= index < len(choices) else None
    for key, label in choices:
        if typed == fold(label):
            return key
    return None


_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def parse_command(text: str) -> tuple[str, str] | None:
    """'/gui@SomeBot  abc' -> ('gui', 'abc'); None when the text is not a command."""
    found = _COMMAND_RE.match(text.strip())
    if found is None:
        return None
    return found.group(1).lower(), (found.group(2) or "").strip()


class Flows:
    """The interface the engine drives; `handlers.resident.ResidentFlows` implements it."""

    async def on_unconsented(self, turn: Turn) -> None:
        raise NotImplementedError

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        raise NotImplementedError

    async def on_choice(self, turn: Turn, key: str) -> None:
        raise NotImplementedError

    async def on_text(self, turn: Turn, text: str) -> None:
        raise NotImplementedError

    async def on_unsupported(self, turn: Turn) -> None:
        raise NotImplementedError

    async def on_stale_choice(self, turn: Turn) -> None:
        raise NotImplementedError

    async def on_file(self, turn: Turn) -> None:
        """A document: most steps take none, so by default it is answered like a sticker."""
        await self.on_unsupported(turn)

    def needs_consent(self, command: str) -> bool:
        raise NotImplementedError

    def bypass_consent(self, turn: Turn) -> bool:
        return False


class Engine:
    def __init__(
        self,
        store: Store,
        plan: Plan,
        texts: Texts,
        clock: Clock,
        flows: Flows,
        finder: DuplicateFinder | None = None,
    ) -> None:
        self.finder = finder or DuplicateFinder(plan.dedupe_threshold)
        self.store = store
        self.plan = plan
        self.texts = texts
        self.clock = clock
        self.flows = flows

    async def handle(self, inbound: Inbound) -> Outcome:
        async with self.store.transaction() as tx:
            now = self.clock()
            if inbound.update_key is not None and not await tx.first_delivery(
                inbound.channel, inbound.update_key, now
            ):
                return Outcome()
            resident, state, granted = await tx.chat_context(
                inbound.channel, inbound.chat_id, inbound.person
            )
            if state is None:
                state = ConversationState(inbound.channel, inbound.chat_id)
            role = self.role_from(inbound.person, granted)
            turn = Turn(tx, inbound, self.plan, self.texts, now, state, resident, role, self.finder)
            await self._dispatch(turn)
            consented = turn.resident is not None and turn.resident.consent is Consent.GRANTED
            # Before consent nothing about a resident's chat is stored but the refusal itself;
            # staff need their place in office flows kept whether or not they consented.
            if turn.persist and (consented or turn.role is not None):
                await tx.save_conversation(turn.state, now)
        for job in turn.deferred:
            await job()
        return Outcome(turn.replies, turn.toast, turn.wake_outbox)

    def role_from(self, person: str, granted: str | None) -> str | None:
        """The role from the config, or granted in the chat (read from the store this turn)."""
        roles = self.plan.roles
        if person in roles.admins:
            return "admin"
        if granted is not None:
            return granted
        if person in roles.officials:
            return "official"
        return "collector" if person in roles.collectors else None

    async def _dispatch(self, turn: Turn) -> None:
        inbound, flows = turn.inbound, self.flows
        command: tuple[str, str] | None = None
        if inbound.kind is Kind.COMMAND:
            command = (inbound.command.lower(), inbound.text.strip())
        elif inbound.kind is Kind.TEXT:
            command = parse_command(inbound.text)

        consented = turn.resident is not None and turn.resident.consent is Consent.GRANTED
        exempt = command is not None and not flows.needs_consent(command[0])
        if not consented and not exempt and not flows.bypass_consent(turn):
            await flows.on_unconsented(turn)
            return

        if command is not None:
            await flows.on_command(turn, *command)
        elif inbound.kind is Kind.CHOICE:
            decoded = decode_payload(inbound.payload)
            known = {key for key, _ in turn.state.choices}
            if decoded is None or decoded[0] != turn.state.nonce or decoded[1] not in known:
                await flows.on_stale_choice(turn)
            else:
                await flows.on_choice(turn, decoded[1])
        elif inbound.kind is Kind.UNSUPPORTED:
            await flows.on_unsupported(turn)
        elif inbound.kind is Kind.FILE:
            await flows.on_file(turn)
        else:
            key = match_choice(inbound.text, turn.state.choices)
            if key is not None:
                await flows.on_choice(turn, key)
            else:
                await flows.on_text(turn, inbound.text)

    async def prune(self) -> int:
        async with self.store.transaction() as tx:
            return await tx.prune_processed(self.clock() - PROCESSED_RETENTION)
