"""One Flows object for the engine. A command goes to the flow the command registry names for
it (handlers/commands.py), once its role is checked; a choice, a text or a file goes to the
flow whose step the chat is at (handlers/steps.py)."""

from __future__ import annotations

from domain.plan import Role
from handlers import commands
from handlers.address import address_turn
from handlers.admin import AdminFlows
from handlers.admin.draft import AdminDraft
from handlers.engine import Flows, Turn
from handlers.meeting import FollowupFlows, MeetingFlows
from handlers.office import OfficeDraft, OfficeFlows
from handlers.resident import ResidentFlows
from handlers.resident.draft import Draft
from handlers.staff_flow import StaffFlow
from handlers.steps import Flow, flow_of


class Router(Flows):
    def __init__(self) -> None:
        self.resident = ResidentFlows()
        self.office = OfficeFlows()
        self.admin = AdminFlows()
        self.flows: dict[
            Flow, ResidentFlows | OfficeFlows | AdminFlows | MeetingFlows | FollowupFlows
        ] = {
            Flow.RESIDENT: self.resident,
            Flow.OFFICE: self.office,
            Flow.ADMIN: self.admin,
            Flow.MEETING: MeetingFlows(),
            Flow.FOLLOWUP: FollowupFlows(),
        }

    def _at_staff_step(self, turn: Turn) -> bool:
        return flow_of(turn.state.step) is not Flow.RESIDENT

    def _outsider(self, turn: Turn) -> bool:
        """In a group, anyone may press a button or write: only someone holding the role of the
        task under way changes anything, and a group has no resident's conversation at all."""
        if not turn.inbound.group:
            return False
        flow = self.flows[flow_of(turn.state.step)]
        if isinstance(flow, StaffFlow) and turn.may(flow.role):
            return False
        turn.persist = False
        return True

    def needs_consent(self, command: str) -> bool:
        return commands.needs_consent(command)

    async def prepare(self, turn: Turn) -> None:
        # The dialogue the chat's task is about sets how its texts address people: the one a
        # resident writes to, the one whose question is answered, the one being concluded.
        flow, data = flow_of(turn.state.step), turn.state.data
        if flow is Flow.RESIDENT:
            await address_turn(turn, code=Draft.load(data).dialogue)
        elif flow is Flow.OFFICE:
            await address_turn(turn, question=OfficeDraft.load(data).question)
        else:
            await address_turn(turn, code=AdminDraft.load(data).code)

    def bypass_consent(self, turn: Turn) -> bool:
        # Staff answer office prompts whether or not they agreed to the residents' data notice;
        # someone whose role was revoked mid-flow is refused there, by the office flows.
        paper_form = Draft.load(turn.state.data).proxy and turn.may(Role.COLLECTOR)
        # Nobody is asked to agree in a group: a group never becomes a resident.
        return self._at_staff_step(turn) or paper_form or turn.inbound.group

    async def on_unconsented(self, turn: Turn) -> None:
        await self.resident.on_unconsented(turn)

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        found = commands.find(command)
        if turn.inbound.group and (found is None or not found.group):
            turn.persist = False  # a resident's command has no place in a group
        elif found is None:
            await self.resident.on_unknown_command(turn, command)
        elif not found.allows(turn.role):
            await turn.refuse(found.role)
        else:
            await self.flows[found.flow].on_command(turn, found.name, argument)

    async def on_choice(self, turn: Turn, key: str) -> None:
        if self._outsider(turn):
            turn.toast = turn.t("group.staff_only")
            return
        await self.flows[flow_of(turn.state.step)].on_choice(turn, key)

    async def on_text(self, turn: Turn, text: str) -> None:
        if not self._outsider(turn):
            await self.flows[flow_of(turn.state.step)].on_text(turn, text)

    async def on_unsupported(self, turn: Turn) -> None:
        if not self._outsider(turn):
            await self.flows[flow_of(turn.state.step)].on_unsupported(turn)

    async def on_file(self, turn: Turn) -> None:
        if not self._outsider(turn):
            await self.flows[flow_of(turn.state.step)].on_file(turn)

    async def on_stale_choice(self, turn: Turn) -> None:
        await self.resident.on_stale_choice(turn)
