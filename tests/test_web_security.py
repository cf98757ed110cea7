"""Bad input and security on the office's web page, each case on its own: no session or a
resident's session gets 403 everywhere, links are one-time and expire, sessions expire and
follow the roles, every POST needs its CSRF token, uploads are bounded, residents' texts are
escaped, and no page shows a resident's chat id."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.web.app import ROUTES
from bot.web.render import SECURITY_HEADERS
from handlers.web_access import hash_token, issue_link, new_secret
from tests.harness import ADMIN, OFFICIAL, Harness, base_config
from tests.webdesk import (
    ROAD,
    csrf_of,
    desk_config,
    link_for,
    services_of,
    sign_in,
    submit,
    web_client,
)

Client = TestClient[Any, Any]
RESIDENT_CHAT = 5550001237  # distinctive: they must never appear on a page
OTHER_CHAT = 5550001238
SCRIPT = "<script>alert('xin chào')</script> Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún"


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Harness]:
    bot = Harness(tmp_path / "web.sqlite3", desk_config(tmp_path / "web.sqlite3"))
    await bot.start()
    try:
        await submit(bot, RESIDENT_CHAT, SCRIPT, "Hạ tầng", "Bản Nà Khum")
        await submit(bot, OTHER_CHAT, ROAD, "Hạ tầng", "Bản Vàng Bó")
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def client(office: Harness) -> AsyncIterator[Client]:
    web = await web_client(office)
    try:
        yield web
    finally:
        await web.close()


SAMPLE = {"{code}": "BL26", "{cluster}": "1", "{broadcast}": "1", "{file}": "bao-cao.docx"}


def staff_routes() -> list[tuple[str, str]]:
    paths = []
    for method, path, _, role in ROUTES:
        if role is None:
            continue  # the sign-in link itself
        for key, value in SAMPLE.items():
            path = path.replace(key, value)
        paths.append((method, path))
    return paths


def state(bot: Harness) -> list[list[tuple[Any, ...]]]:
    """Everything the office's work changes."""
    tables = (
        "questions",
        "clusters",
        "deliveries",
        "audit",
        "suggestions",
        "kept_apart",
        "broadcasts",
        "staff",
    )
    return [bot.rows(f"SELECT * FROM {table} ORDER BY rowid") for table in tables]


async def _session_for(bot: Harness, person: str) -> tuple[str, str]:
    """A session stored for `person` as a sign-in would store it: (cookie, CSRF token)."""
    services = services_of(bot)
    secret, csrf = new_secret(), new_secret()
    now = bot.clock()
    async with services.store.transaction() as tx:
        await tx.add_web_session(hash_token(secret), person, csrf, now, now + timedelta(hours=8))
    return secret, csrf


async def test_no_session_gets_403_on_every_route(office: Harness, client: Client) -> None:
    before = state(office)
    for method, path in [*staff_routes(), ("GET", "/no-such-page"), ("GET", "/static/x.css")]:
        answer = await client.request(method, path, data={"csrf": "x"})
        assert answer.status == 403, (method, path)
        assert "nhắn /web cho bot" in await answer.text()
    assert state(office) == before


async def test_a_residents_session_gets_403_on_every_route(office: Harness, client: Client) -> None:
    before = state(office)
    secret, csrf = await _session_for(office, f"telegram:{RESIDENT_CHAT}")
    client.session.cookie_jar.update_cookies({"vp_phien": secret})
    for method, path in staff_routes():
        answer = await client.request(
            method, path, data={"csrf": csrf, "tra_loi": "Đã xử lý xong rồi nhé bà con."}
        )
        assert answer.status == 403, (method, path)
        assert "không còn quyền cán bộ" in await answer.text()
    assert state(office) == before
    # And a link made out to a resident (never sent by the bot) opens nothing either.
    services = services_of(office)
    async with services.store.transaction() as tx:
        token = await issue_link(tx, f"telegram:{RESIDENT_CHAT}", office.clock())
    assert (await client.get(f"/dang-nhap/{token}")).status == 403


async def test_web_is_for_officials_in_a_private_chat(office: Harness, tmp_path: Path) -> None:
    refused = await office.send(RESIDENT_CHAT, "/web")
    assert "dành cho Tổ thư ký hội nghị và cán bộ" in refused[-1].text
    assert "dang-nhap" not in refused[-1].text
    group = office.api.text_update(-100777, "/web")
    group["message"]["chat"] = {"id": -100777, "type": "supergroup", "title": "Văn phòng"}
    group["message"]["from"]["id"] = OFFICIAL
    assert await office.deliver(group) == []  # a link is never posted where others read it
    sent = await office.send(OFFICIAL, "/web")
    assert "http://127.0.0.1:8765/dang-nhap/" in sent[-1].text and "10 phút" in sent[-1].text
    off = Harness(tmp_path / "off.sqlite3", base_config(tmp_path / "off.sqlite3"))
    await off.start()
    try:
        answer = await off.send(OFFICIAL, "/web")
        assert "chưa được bật" in answer[-1].text
    finally:
        await off.stop()


async def test_a_link_opens_one_session_once_and_expires(office: Harness, client: Client) -> None:
    path = await link_for(office)
    first = await client.get(path)
    again = await client.get(path)  # opening it (a chat app's preview) does not use it
    assert first.status == again.status == 200
    form = csrf_of(await again.text())
    answer = await client.post(path, data={"csrf": form}, allow_redirects=False)
    assert answer.status == 303
    cookie = answer.headers["Set-Cookie"]
    assert "vp_phien=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain http here
    reused = await client.post(path, data={"csrf": form})
    assert reused.status == 403 and "đã được dùng rồi" in await reused.text()
    assert "đã được dùng rồi" in await (await client.get(path)).text()

    late = await link_for(office)
    office.clock.now += timedelta(minutes=10, seconds=1)
    expired = await client.get(late)
    assert expired.status == 403 and "đã hết hạn" in await expired.text()
    unknown = await client.get("/dang-nhap/khong-co-lien-ket-nay")
    assert unknown.status == 403 and "không đúng" in await unknown.text()
    assert office.rows("SELECT COUNT(*) FROM web_sessions") == [(1,)]


async def test_the_sign_in_button_needs_the_browser_that_opened_the_link(
    office: Harness, client: Client
) -> None:
    # Another site posting the link's form (login CSRF) has no cookie of ours.
    path = await link_for(office)
    answer = await client.post(path, data={"csrf": "bi-mat-doan-bua"})
    assert answer.status == 403 and "Biểu mẫu đã hết hiệu lực" in await answer.text()
    assert office.rows("SELECT COUNT(*) FROM web_sessions") == [(0,)]


async def test_the_cookie_is_secure_behind_https(office: Harness) -> None:
    services = services_of(office)
    settings = dataclasses.replace(
        services.settings,
        web=dataclasses.replace(services.settings.web, public_url="https://vp.xa.gov.vn/van-phong"),
    )
    web = await web_client(office, dataclasses.replace(services, settings=settings))
    try:
        # The proxy serves https://vp.xa.gov.vn/van-phong/... as /... on the bot's port.
        async with services.store.transaction() as tx:
            token = await issue_link(tx, f"telegram:{OFFICIAL}", office.clock())
        opened = await web.get(f"/dang-nhap/{token}")
        page = await opened.text()
        assert f'action="/van-phong/dang-nhap/{token}"' in page
        form_cookie = opened.headers["Set-Cookie"]
        assert "Secure" in form_cookie and "Path=/van-phong/dang-nhap/" in form_cookie
        # The browser sends it back over https under /van-phong; the proxy passes it on.
        value = form_cookie.split(";")[0]
        answer = await web.post(
            f"/dang-nhap/{token}",
            data={"csrf": csrf_of(page)},
            headers={"Cookie": value},
            allow_redirects=False,
        )
        cookie = answer.headers["Set-Cookie"]
        assert "Secure" in cookie and "Path=/van-phong" in cookie
        assert answer.headers["Location"] == "/van-phong/"
    finally:
        await web.close()


async def test_sessions_expire_and_follow_the_roles(office: Harness, client: Client) -> None:
    await office.send(ADMIN, "/themcanbo 4242")
    csrf = await sign_in(client, office, 4242)
    assert (await client.get("/hoi-nghi/BL26")).status == 200
    await office.send(ADMIN, "/xoacanbo 4242")
    before = state(office)
    removed = await client.post("/nhom/1/tra-loi", data={"csrf": csrf, "tra_loi": "Đã sửa xong."})
    assert removed.status == 403 and state(office) == before

    await sign_in(client, office)
    office.clock.now += timedelta(hours=8, seconds=1)
    expired = await client.get("/")
    assert expired.status == 403 and "phiên làm việc đã hết hạn" in await expired.text()


async def test_officials_get_403_on_admin_pages(office: Harness, client: Client) -> None:
    csrf = await sign_in(client, office)
    assert (await client.get("/thong-bao")).status == 403
    sent = await client.post(
        "/thong-bao",
        data={
            "csrf": csrf,
            "noi_dung": "Thông báo họp",
            "doi_tuong": "all",
            "khi": "now",
            "hanh_dong": "send",
        },
    )
    assert sent.status == 403 and office.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_a_post_without_the_csrf_token_is_refused(office: Harness, client: Client) -> None:
    await sign_in(client, office, ADMIN)
    before = state(office)
    for method, path in staff_routes():
        if method != "POST":
            continue
        for token in ({}, {"csrf": "sai"}):
            answer = await client.post(
                path,
                data={
                    **token,
                    "tra_loi": "Đã sửa xong đường.",
                    "bo_phan": "kinh_te",
                    "noi_dung": "Thông báo họp toàn xã",
                    "hanh_dong": "send",
                },
            )
            assert answer.status == 403, path
            assert "Biểu mẫu đã hết hiệu lực" in await answer.text()
    assert state(office) == before


async def test_huge_or_malformed_uploads_change_nothing(office: Harness, client: Client) -> None:
    csrf = await sign_in(client, office)
    before = state(office)
    for name, data in (
        ("to-qua.xlsx", b"PK\x03\x04" + b"\0" * 6_000_000),
        ("hong.xlsx", b"PK\x03\x04 not really a zip"),
        ("bang.xlsx", b"<html>not a spreadsheet</html>"),
        ("anh.png", b"\x89PNG\r\n"),
    ):
        form = FormData()
        form.add_field("csrf", csrf)
        form.add_field("tep", data, filename=name)
        answer = await client.post("/hoi-nghi/BL26/bang-tinh", data=form)
        page = await answer.text()
        assert answer.status == (413 if name == "to-qua.xlsx" else 400), name
        assert "không có gì thay đổi" in page.lower() or "Không có gì thay đổi" in page, name
    assert state(office) == before


async def test_residents_texts_are_escaped(office: Harness, client: Client) -> None:
    await sign_in(client, office)
    for path in ("/hoi-nghi/BL26", "/nhom/1", "/hoi-nghi/BL26?q=script"):
        page = await (await client.get(path)).text()
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#39;xin chào&#39;)&lt;/script&gt;" in page


async def test_no_page_shows_a_residents_chat_id(office: Harness, client: Client) -> None:
    csrf = await sign_in(client, office, ADMIN)
    await client.post("/nhom/1/tra-loi", data={"csrf": csrf, "tra_loi": "Xã sẽ sửa trong tháng."})
    await client.post(
        "/thong-bao",
        data={
            "csrf": csrf,
            "noi_dung": "Mời họp tại hội trường",
            "doi_tuong": "all",
            "khi": "now",
            "hanh_dong": "send",
        },
    )
    chats = {str(RESIDENT_CHAT), str(OTHER_CHAT)}
    pages = [
        p
        for m, p in staff_routes()
        if m == "GET" and "/tai/" not in p and not p.endswith((".png", ".xlsx"))
    ]
    for path in pages:
        answer = await client.get(path)
        assert answer.status == 200, path
        page = await answer.text()
        found = set(re.findall(r"\d{4,}", page)) & chats
        assert not found, (path, found)
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value
