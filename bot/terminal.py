"""Terminal adapter: the same conversation, choices rendered as numbered lists.

Interactive when stdin is a terminal; otherwise it reads one message per line, echoing each,
so the demo can be scripted (`printf '1\n1\n...' | python -m bot demo`).
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.services import Services
from handlers.io import Inbound, Kind, Reply

CHANNEL = "terminal"


def render(reply: Reply) -> str:
    lines = [reply.text]
    if not reply.listed:
        lines += [f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, start=1)]
    lines += [f"  [{item.filename}, {len(item.data) // 1024 + 1} KB]" for item in reply.attachments]
    return "\n".join(lines)


async def run_terminal(
    services: Services, *, user: str, stdin: TextIO, stdout: TextIO, banner: str
) -> None:
    interactive = stdin.isatty()

    def show(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    async def send(text: str) -> None:
        inbound = Inbound(channel=CHANNEL, chat_id=user, user_id=user, kind=Kind.TEXT, text=text)
        outcome = await services.engine.handle(inbound)
        for reply in outcome.replies:
            show("\n" + render(reply))
        if outcome.toast:
            show("\n(" + outcome.toast + ")")

    show(banner)
    await send("/start")
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "\n> ")
            except EOFError:
                break
        else:
            raw = stdin.readline()
            if not raw:
                break
            line = raw.rstrip("\r\n")
            show(f"\n> {line}")
        await send(line)
    show("\n" + services.texts("cli.demo_bye"))
