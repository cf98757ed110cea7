"""Serving the office's web page: inside `python -m bot run` (next to the channels, on the same
services and the same clustering engine), alone with `python -m bot web`, or with the demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.services import Services, open_services
from bot.web.app import build_web_app

log = logging.getLogger(__name__)
DEFAULT_PORT = 8080


@dataclass
class WebServer:
    runner: web.AppRunner
    address: str  # where it listens, e.g. http://127.0.0.1:8080

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_web(
    services: Services, wake: Callable[[], None] | None = None, port: int | None = None
) -> WebServer:
    """Listen on `[web] listen:port` (`port` overrides; 0: any free port)."""
    settings = services.settings.web
    runner = web.AppRunner(build_web_app(services, wake), access_log=None)
    await runner.setup()
    chosen = port if port is not None else settings.port
    site = web.TCPSite(runner, settings.listen, DEFAULT_PORT if chosen is None else chosen)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else chosen
    host = f"[{settings.listen}]" if ":" in settings.listen else settings.listen
    address = f"http://{host}:{bound}"
    log.info(services.texts("web.serving", address=address))
    return WebServer(runner, address)


def outbox_waker(flush: Callable[[], Coroutine[Any, Any, int]]) -> Callable[[], None]:
    """A `wake` that runs the outbox in the background, keeping its task referenced."""
    running: set[asyncio.Task[int]] = set()

    def wake() -> None:
        task = asyncio.get_running_loop().create_task(flush(), name="outbox")
        running.add(task)
        task.add_done_callback(running.discard)

    return wake


async def serve_alone(settings: Settings) -> None:
    """`python -m bot web`: the page only. What it queues (answers, notices) is sent by the
    bot process (`python -m bot run`) on the same database, on its next outbox round."""
    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = None
    try:
        server = await start_web(services)
        await stop.wait()
    finally:
        if server is not None:
            with contextlib.suppress(Exception):
                await server.stop()
        await services.close()
