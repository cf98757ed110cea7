"""The office's page as an administrator starts it: inside `python -m bot run` (an official on
Zalo asks for the link with /web) and alone with `python -m bot web`, as subprocesses."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp

from tests.fakes.zalo_api import TOKEN as ZALO_TOKEN
from tests.fakes.zalo_api import FakeZaloApi
from tests.processes import free_port
from tests.test_cli import ROOT, minimal, start_run
from tests.webdesk import csrf_of, link_path

ZALO_OFFICIAL = "zalo-can-bo-7"


async def get(url: str, within: float = 20) -> aiohttp.ClientResponse:
    """The first answer of a server that is still starting."""
    deadline = asyncio.get_running_loop().time() + within
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                response = await session.get(url)
                await response.read()
                return response
            except aiohttp.ClientConnectionError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def test_run_serves_the_page_and_a_zalo_official_signs_in(tmp_path: Path) -> None:
    # Zalo only (no Telegram token): the page is served all the same, and /web works there.
    zalo = FakeZaloApi()
    zalo_url = await zalo.start()
    port = free_port()
    config = minimal(tmp_path, token="")
    with config.open("a", encoding="utf-8") as out:
        out.write(
            f'\n[roles]\nofficials = ["zalo:{ZALO_OFFICIAL}"]\n'
            f'[zalo]\ntoken = "{ZALO_TOKEN}"\nbase_url = "{zalo_url}"\n'
            f"[web]\nport = {port}\n"
        )
    proc = await start_run(config)
    try:
        zalo.push(zalo.text_update(ZALO_OFFICIAL, "/web"))
        await zalo.wait_sent(ZALO_OFFICIAL, 1, within=20)
        path = link_path(zalo.last(ZALO_OFFICIAL))
        home = f"http://127.0.0.1:{port}"
        assert (await get(f"{home}/")).status == 403
        # Cookies for an address like 127.0.0.1, as a browser keeps them.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            page = await (await browser.get(f"{home}{path}")).text()
            signed = await browser.post(f"{home}{path}", data={"csrf": csrf_of(page)})
            assert signed.status == 200 and "BL27" in await signed.text()
            listed = await browser.get(f"{home}/hoi-nghi/BL27")
            assert listed.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        await zalo.stop()
    assert proc.returncode == 0, stderr.decode()


async def test_web_serves_the_page_alone_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    config = minimal(tmp_path)
    with config.open("a", encoding="utf-8") as out:
        out.write(f"\n[web]\nport = {port}\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "web",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        refused = await get(f"http://127.0.0.1:{port}/")
        assert refused.status == 403
        assert refused.headers["Content-Security-Policy"].startswith("default-src 'none'")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
