"""One Flows object for the engine: office commands and office_* steps go to the office flows,
everything else to the resident's conversation."""

from __future__ import annotations

from handlers import admin, office
from handlers.admin import AdminFlows
from handlers.engine import Flows, Turn
from handlers.io import Choice
from handlers.office import OfficeFlows
from handlers.resident import ResidentFlows


class Router(Flows):
    def __init__(self) -> None:
        self.resident = ResidentFlows()
        self.office = OfficeFlows()
        self.admin = AdminFlows()

    def _in_office(self, turn: Turn) -> bool:
        return turn.state.step.startswith(("office_", "admin_"))

    def needs_consent(self, command: str) -> bool:
        staff = office.COMMANDS | admin.COMMANDS
        return command not in staff and self.resident.needs_consent(command)

    def bypass_consent(self, turn: Turn) -> bool:
        # Staff answer office prompts whether or not they agreed to the residents' data notice;
        # someone whose role was revoked mid-flow is refused there, by the office flows.
        proxy = bool(turn.state.data.get("proxy")) and turn.can_enter_paper
        return self._in_office(turn) or proxy

    async def on_unconsented(self, turn: Turn) -> None:
        await self.resident.on_unconsented(turn)

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        if command in office.COMMANDS:
            await self.office.on_command(turn, command, argument)
        elif command in admin.COMMANDS:
            await self.admin.on_command(turn, command, argument)
        else:
            await self.resident.on_command(turn, command, argument)

    async def on_choice(self, turn: Turn, key: str) -> None:
        if turn.state.step.startswith("admin_"):
            await self.admin.on_choice(turn, key)
        elif self._in_office(turn):
            await self.office.on_choice(turn, key)
        else:
            await self.resident.on_choice(turn, key)

    async def on_text(self, turn: Turn, text: str) -> None:
        if turn.state.step.startswith("admin_"):
            await self.admin.on_text(turn, text)
        elif self._in_office(turn):
            await self.office.on_text(turn, text)
        else:
            await self.resident.on_text(turn, text)

    async def on_unsupported(self, turn: Turn) -> None:
        if self._in_office(turn):
            # Say so, and keep the step's choices in front of them.
            choices = [Choice(key, label) for key, label in turn.state.choices]
            turn.ask(turn.state.step, turn.t("input.unsupported"), choices)
        else:
            await self.resident.on_unsupported(turn)

    async def on_file(self, turn: Turn) -> None:
        if turn.state.step.startswith("admin_"):
            await self.admin.on_file(turn)
        else:
            await self.on_unsupported(turn)

    async def on_stale_choice(self, turn: Turn) -> None:
        await self.resident.on_stale_choice(turn)
