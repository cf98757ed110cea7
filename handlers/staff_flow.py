"""An office or admin flow, run from its two tables: `handlers` (command name -> function) and
`steps` (step -> On). Every step checks the flow's role again, on each message, so someone whose
role was revoked mid-task is refused there; "no" cancels any step."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from domain.plan import Role
from handlers.engine import Handler, On, Turn
from handlers.steps import parse_step

E = TypeVar("E", bound=StrEnum)


class StaffFlow(Generic[E]):
    def __init__(
        self,
        role: Role,
        steps: type[E],
        table: Mapping[E, On],
        handlers: Mapping[str, Handler],
    ) -> None:
        self.role = role
        self.steps = steps
        self.table = table
        self.handlers = handlers

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        # A command starts its task afresh: whatever was under way is dropped.
        turn.reset()
        await self.handlers[command](turn, argument)

    async def on_choice(self, turn: Turn, key: str) -> None:
        if await self._refused(turn):
            return
        choice = self._on(turn).choice
        if key == "no" or choice is None:
            turn.finish(turn.t("office.cancelled"))
        else:
            await choice(turn, key)

    async def on_text(self, turn: Turn, text: str) -> None:
        if await self._refused(turn):
            return
        take = self._on(turn).text
        if take is None:
            turn.reask(turn.t("input.choose_from"))
        else:
            await take(turn, text)

    async def on_file(self, turn: Turn) -> None:
        if await self._refused(turn):
            return
        take = self._on(turn).file
        if take is None:
            await self.on_unsupported(turn)
        else:
            await take(turn, turn.inbound.file_name)

    async def on_unsupported(self, turn: Turn) -> None:
        # Say so, and keep the step's choices in front of them.
        turn.reask(turn.t("input.unsupported"))

    def _on(self, turn: Turn) -> On:
        step = parse_step(self.steps, turn.state.step)
        return self.table.get(step, On()) if step is not None else On()

    async def _refused(self, turn: Turn) -> bool:
        if turn.may(self.role):
            return False
        await turn.refuse(self.role)
        return True
