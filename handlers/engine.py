"""The conversation engine: one inbound message, one write transaction, one outcome.

Each step runs inside a single store transaction, so the "already handled" mark for the update,
any question it stores, and the chat's new state commit together. The outcome is returned only
after the commit: a receipt code is never sent for a question that is not on disk.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, Self, TypeVar

from domain.models import Consent, ConversationState, Resident
from domain.normalize import fold
from domain.plan import Plan, Role, may
from domain.texts import Texts
from domain.visible import has_lone_surrogate, visible_text, without_surrogates
from handlers.duplicates import DuplicateFinder
from handlers.io import Choice, Inbound, Kind, Outcome, Reply, decode_payload
from handlers.steps import HOME, Step
from storage.base import Store, Transaction

Clock = Callable[[], datetime]

# How long an update key is remembered; channels stop redelivering long before that.
PROCESSED_RETENTION = timedelta(days=7)


class Draft(Protocol):
    """A flow's work in progress, kept in the chat's stored state between messages."""

    @classmethod
    def load(cls, data: Mapping[str, object]) -> Self:
        """From the stored JSON; a value of the wrong type (an older version's) reads as unset."""
        ...

    def dump(self) -> dict[str, object]: ...


D = TypeVar("D", bound=Draft)

# The staff role a refusal names, as the catalog words it.
_REFUSAL = {
    Role.COLLECTOR: "roles.collectors_only",
    Role.SECRETARY: "roles.secretaries_only",
    Role.SUPERVISOR: "roles.supervisors_only",
    Role.OFFICIAL: "roles.officials_only",
    Role.ADMIN: "roles.admins_only",
}


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
    role: Role | None = None  # read from the config and the store on every turn
    finder: DuplicateFinder = field(default_factory=DuplicateFinder)
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None
    persist: bool = True
    wake_outbox: bool = False
    # Personal data was deleted: once it is committed, the store leaves no copy in its log.
    erased: bool = False
    # Slow work (charts, documents) that must not hold the write lock: run after the commit.
    deferred: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _draft: Draft | None = field(default=None, repr=False)

    def say(self, text: str) -> None:
        self.replies.append(Reply(text))

    def ask(
        self, step: Step, text: str, choices: Sequence[Choice] = (), *, listed: bool = False
    ) -> None:
        """Move to `step` and ask; a new nonce makes buttons of earlier prompts stale.

        `listed`: the text numbers the choices itself (see `Reply.listed`)."""
        self._prompt(step, text, choices, listed)

    def reask(self, text: str) -> None:
        """Ask the current step again with `text`, offering the same choices as before."""
        self._prompt(self.state.step, text, [Choice(k, label) for k, label in self.state.choices])

    def _prompt(
        self, step: str, text: str, choices: Sequence[Choice], listed: bool = False
    ) -> None:
        self.state.step = step
        self.state.nonce += 1
        self.state.choices = [(c.key, c.label) for c in choices]
        self.replies.append(Reply(text, tuple(choices), self.state.nonce, listed=listed))

    def reset(self) -> None:
        """Back to the menu: no task under way, nothing drafted, no buttons."""
        self.state.step = HOME
        self.state.choices = []
        self.state.data = {}
        self._draft = None

    def secure_last(self) -> None:
        """The reply just made must reach the person even if the process dies after the commit
        (a receipt code): it is written as a delivery row with the turn."""
        if self.replies:
            self.replies[-1] = replace(self.replies[-1], secure=True)

    def finish(self, text: str) -> None:
        """The end of a staff task: back to the menu, saying `text`."""
        self.reset()
        self.say(text)

    async def refuse(self, needed: Role) -> None:
        """Say that the step or command needs `needed`, and go back to the menu (in a group,
        only say it)."""
        if self.inbound.group:
            # A group's task is the official's who started it: someone else changes nothing.
            self.persist = False
            self.say(self.t(_REFUSAL[needed]))
            return
        self.reset()
        if self.role is None and not self.consented:
            # Nothing may stay stored for someone who is neither staff nor a consenting
            # resident, such as their place in a staff flow from before a role was revoked.
            await self.tx.clear_conversation(self.inbound.channel, self.inbound.chat_id)
        self.say(self.t(_REFUSAL[needed]))

    def draft(self, kind: type[D]) -> D:
        """This chat's draft, read from the stored state on first use; saved with the state.

        One flow answers a turn, so only one kind of draft is in use: asking for another kind
        reads it afresh from the stored state."""
        if not isinstance(self._draft, kind):
            self._draft = kind.load(self.state.data)
        return self._draft

    def start_draft(self, draft: D) -> D:
        """Replace whatever was drafted with `draft`."""
        self._draft = draft
        return draft

    def keep_draft(self) -> None:
        """Write the draft into the state that the engine stores."""
        if self._draft is not None:
            self.state.data = self._draft.dump()

    def may(self, needed: Role) -> bool:
        return may(self.role, needed)

    @property
    def consented(self) -> bool:
        return self.resident is not None and self.resident.consent is Consent.GRANTED


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


# A handler: (turn, the lead to ask with | the choice's key | the typed text | what followed
# the command | the file's name).
Handler = Callable[[Turn, str], Awaitable[None]]


@dataclass(frozen=True)
class On:
    """What one step does: how it is asked again (with a lead saying what went wrong), and what
    a choice, a typed text or a file does there. A flow's table from step to `On` is its state
    machine; what a step leaves out gets the flow's default answer."""

    ask: Handler | None = None
    choice: Handler | None = None
    text: Handler | None = None
    file: Handler | None = None


class Flows:
    """The interface the engine drives; `handlers.router.Router` implements it."""

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

    async def prepare(self, turn: Turn) -> None:
        """Before the turn is answered: set what every answer shares (the form of address)."""

    def bypass_consent(self, turn: Turn) -> bool:
        return False


def _cleaned(inbound: Inbound) -> Inbound:
    """The message as the flows take it: text without invisible characters (domain/visible.py),
    and no half surrogate pair in any field, which the store could not encode."""
    fields = ("chat_id", "user_id", "payload", "file_ref", "file_name", "update_key")
    changes: dict[str, Any] = {
        name: without_surrogates(value)
        for name in fields
        if isinstance(value := getattr(inbound, name), str) and has_lone_surrogate(value)
    }
    text = visible_text(inbound.text)
    if text != inbound.text:
        changes["text"] = without_surrogates(text)
    return replace(inbound, **changes) if changes else inbound


class Engine:
    def __init__(
        self,
        store: Store,
        plan: Plan,
        texts: Texts,
        clock: Clock,
        flows: Flows,
        finder: DuplicateFinder | None = None,
        owner: str = "engine",
    ) -> None:
        self.finder = finder or DuplicateFinder(plan.dedupe_threshold)
        # The name secure replies are claimed under (the process's outbox owner): the adapter
        # sends them itself, and only if this process dies does an outbox send them.
        self.owner = owner
        self.store = store
        self.plan = plan
        self.texts = texts
        self.clock = clock
        self.flows = flows

    async def handle(self, inbound: Inbound) -> Outcome:
        unreadable = has_lone_surrogate(inbound.text)
        inbound = _cleaned(inbound)
        async with self.store.transaction() as tx:
            now = self.clock()
            if inbound.update_key is not None and not await tx.first_delivery(
                inbound.channel, inbound.update_key, now
            ):
                return Outcome()
            if unreadable:
                # Nothing of it can be stored: say so, and leave the chat where it was.
                return Outcome([Reply(self.texts("input.unreadable"))])
            resident, state, granted = await tx.chat_context(
                inbound.channel, inbound.chat_id, inbound.person
            )
            if state is None:
                state = ConversationState(inbound.channel, inbound.chat_id)
            if inbound.group:
                resident = None  # a group is never a resident, whatever was stored before
            role = self.role_from(inbound.person, granted)
            turn = Turn(tx, inbound, self.plan, self.texts, now, state, resident, role, self.finder)
            await self.flows.prepare(turn)
            await self._dispatch(turn)
            turn.keep_draft()
            # Before consent nothing about a resident's chat is stored but the refusal itself;
            # staff need their place in office flows kept whether or not they consented.
            if turn.persist and (turn.consented or turn.role is not None):
                await tx.save_conversation(turn.state, now)
            await self._secure(tx, inbound, turn.replies, now)
        if turn.erased:
            await self.store.checkpoint()
        for job in turn.deferred:
            await job()
        return Outcome(turn.replies, turn.toast, turn.wake_outbox)

    async def _secure(
        self, tx: Transaction, inbound: Inbound, replies: list[Reply], now: datetime
    ) -> None:
        """Write secure replies as deliveries claimed by this process, with the turn. Only for
        channels that redeliver (an update key), which are the ones with an outbox."""
        if inbound.update_key is None:
            return
        for i, reply in enumerate(replies):
            if reply.secure:
                ref = f"{inbound.update_key}/{i}"
                delivery_id = await tx.add_claimed_delivery(
                    inbound.channel, inbound.chat_id, "reply", ref, reply.as_text(), self.owner, now
                )
                replies[i] = replace(reply, delivery_id=delivery_id)

    def role_from(self, person: str, granted: str | None) -> Role | None:
        """The role from the config, or granted in the chat (read from the store this turn)."""
        configured = self.plan.roles.role_of(person)
        if configured is Role.ADMIN or granted is None:
            return configured
        return Role(granted)

    async def _dispatch(self, turn: Turn) -> None:
        inbound, flows = turn.inbound, self.flows
        command: tuple[str, str] | None = None
        if inbound.kind is Kind.COMMAND:
            command = (inbound.command.lower(), inbound.text.strip())
        elif inbound.kind is Kind.TEXT:
            command = parse_command(inbound.text)

        exempt = command is not None and not flows.needs_consent(command[0])
        if not turn.consented and not exempt and not flows.bypass_consent(turn):
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
