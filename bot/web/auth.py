"""Who may see the office's web page, checked on every request.

- **Signing in** (`/dang-nhap/<secret>`): the link /web sent (handlers/web_access.py). Opening
  it shows a button; only pressing it (a POST) uses the link, so a chat app or a mail scanner
  that fetches the address to preview it does not spend it. The button's form is tied to the
  browser that opened the link by a short-lived cookie (login CSRF). The link opens one
  session, once, within 10 minutes.
- **Sessions**: a random secret in an HttpOnly, SameSite=Lax cookie (Secure behind https);
  the store keeps its hash and an expiry (`[web] session_hours`).
- **Every request** reads the session and the role again (the config's roles, and those granted
  in the chat): a resident, someone whose role was taken away, or nobody gets 403 on every
  route; each route needs its roles (bot/web/app.py): the office's pages officials, notices
  admins, the meeting's page the secretariat, the supervisors' view supervisors (and officials).
- **Every POST** carries the session's CSRF token in its form; without it nothing is done.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot.web.context import FORM, POST, VISITOR, Visitor, context_of, home_path, redirect
from bot.web.render import SECURITY_HEADERS, refusal, render
from domain.plan import Role, may
from handlers.web_access import hash_token, new_secret

log = logging.getLogger(__name__)

SESSION_COOKIE = "vp_phien"
SIGN_IN_COOKIE = "vp_dang_nhap"
# route name -> the roles it needs (any one of them)
ROLES = web.AppKey("roles", dict[str, tuple[Role, ...]])
PUBLIC = frozenset({"sign_in_page", "sign_in"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The security headers on every response, errors included; an error is a page in
    Vietnamese, never a stack trace."""
    try:
        response = await handler(request)
    except web.HTTPRequestEntityTooLarge:
        response = refusal(request, 413, "too_big")
    except web.HTTPNotFound:
        response = refusal(request, 404, "not_found")
    except web.HTTPMethodNotAllowed:
        response = refusal(request, 405, "not_found")
    except Exception:
        log.exception("the office page failed on %s", request.path)
        response = refusal(request, 500, "internal")
    response.headers.update(SECURITY_HEADERS)
    return response


def _admits(role: Role | None, needed: tuple[Role, ...]) -> bool:
    return any(may(role, one) for one in needed)


def _staff_role(request: web.Request, person: str, granted: str | None) -> Role | None:
    """The person's role if some page is theirs; None for a resident (or a collector, who has
    no page), who then gets nothing at all."""
    role = context_of(request).services.engine.role_from(person, granted)
    if role is None or not any(_admits(role, n) for n in request.app[ROLES].values()):
        return None
    return role


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route
    if route.name in PUBLIC:
        return await handler(request)
    ctx = context_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    session = None
    if secret:
        async with ctx.services.store.reader() as rd:
            session = await rd.web_session(hash_token(secret), ctx.now())
    role = _staff_role(request, session.person, session.granted) if session else None
    if session is None or role is None:
        # No difference between an unknown address and a page one may not see: nothing about
        # the page is told to someone who is not signed in as staff.
        return refusal(request, 403, "no_session" if session is None else "no_role")
    if request.match_info.http_exception is not None:
        raise request.match_info.http_exception
    needed = request.app[ROLES].get(route.name or "", (Role.ADMIN,))
    if not _admits(role, needed):
        # Said as what it is (admins only, or another role's page), with the way to one's own.
        key = "admins_only" if needed == (Role.ADMIN,) else "not_yours"
        return refusal(request, 403, key, back=ctx.url(home_path(role)))
    request[VISITOR] = Visitor(session, role, hash_token(secret))
    if request.method == "POST":
        post = await request.post()  # bounded by the app's client_max_size (413 beyond)
        sent = post.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
            return refusal(request, 403, "csrf")
        request[POST] = post
        request[FORM] = {k: v for k, v in post.items() if isinstance(v, str)}
    return await handler(request)


def _cookie_path(request: web.Request) -> str:
    return context_of(request).base or "/"


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """GET of the link: say whether it can be used, and offer the button that uses it."""
    ctx = context_of(request)
    token = request.match_info["token"]
    async with ctx.services.store.reader() as rd:
        status, person = await rd.web_link(hash_token(token), ctx.now())
        granted = await rd.staff_role(person) if person else None
    if status != "ok" or person is None:
        return refusal(request, 403, f"link_{status}")
    if _staff_role(request, person, granted) is None:
        return refusal(request, 403, "no_role")
    form_secret = new_secret()
    response = render(request, "sign_in.html", token=token, form_secret=form_secret)
    response.set_cookie(
        SIGN_IN_COOKIE,
        form_secret,
        max_age=600,
        path=ctx.url("/dang-nhap/"),
        httponly=True,
        samesite="Strict",
        secure=ctx.web.secure,
    )
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    """POST of the button: use the link once, open a session, go to the visitor's first page
    (the dialogues for the office, the meeting's page, the supervisors' view)."""
    ctx = context_of(request)
    token = request.match_info["token"]
    async with ctx.services.store.reader() as rd:
        status, _ = await rd.web_link(hash_token(token), ctx.now())
    if status != "ok":
        # Said first: a link opened again says it was used, whatever else came with it.
        return refusal(request, 403, f"link_{status}")
    form = await request.post()
    sent, expected = form.get("csrf"), request.cookies.get(SIGN_IN_COOKIE, "")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        return refusal(request, 403, "csrf")
    now = ctx.now()
    hours = ctx.web.session_hours
    secret, csrf = new_secret(), new_secret()
    home = "/"
    async with ctx.services.store.transaction() as tx:
        status, person = await tx.use_web_link(hash_token(token), now)
        if status != "ok" or person is None:
            refused = f"link_{status}"
        else:
            granted = await tx.staff_role(person)
            role = _staff_role(request, person, granted)
            if role is None:
                refused = "no_role"
            else:
                refused, home = "", home_path(role)
                await tx.prune_web(now - timedelta(days=1))
                await tx.add_web_session(
                    hash_token(secret), person, csrf, now, now + timedelta(hours=hours)
                )
                await tx.audit(now, person, "web_signin", "")
    if refused:
        return refusal(request, 403, refused)
    response = redirect(ctx.url(home))
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=hours * 3600,
        path=_cookie_path(request),
        httponly=True,
        samesite="Lax",
        secure=ctx.web.secure,
    )
    response.del_cookie(SIGN_IN_COOKIE, path=ctx.url("/dang-nhap/"))
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    visitor = request[VISITOR]
    async with ctx.services.store.transaction() as tx:
        await tx.end_web_session(visitor.token_hash)
    del request[VISITOR]  # the page saying so is shown as to someone signed out
    response = refusal(request, 200, "signed_out")
    response.del_cookie(SESSION_COOKIE, path=_cookie_path(request))
    return response
