"""What every page of the office's web page shares: the bot's services, the path it is served
under, how to wake the outbox, and the templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.services import Services
from bot.web.listing import Listings
from domain.models import WebSession
from domain.plan import Plan, Role, WebSettings, may
from domain.texts import Texts
from handlers.desk import Desk
from handlers.duplicates import DuplicateFinder
from storage.base import Transaction


def _base_path(settings: WebSettings) -> str:
    """The path prefix the reverse proxy serves the page under ("" at the root)."""
    path = urlsplit(settings.public_url).path if settings.public_url else ""
    clean = str(PurePosixPath("/" + path.strip("/"))) if path.strip("/") else ""
    return clean.rstrip("/")


@dataclass
class WebContext:
    services: Services
    # Runs the outbox after answers or notices were queued (None: the bot process's outbox
    # picks them up on its next round, as when the page runs alone).
    wake: Callable[[], None] | None = None
    env: jinja2.Environment = field(init=False)
    base: str = field(init=False)
    listings: Listings = field(init=False)

    def __post_init__(self) -> None:
        self.base = _base_path(self.services.settings.web)
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("bot.web", "templates"),
            autoescape=True,  # every resident's text is untrusted: escaped everywhere
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,  # templates are package data: no stat() of them per page
        )
        self.listings = Listings(self.plan, self.texts)

    @property
    def plan(self) -> Plan:
        return self.services.engine.plan

    @property
    def texts(self) -> Texts:
        return self.services.texts

    @property
    def finder(self) -> DuplicateFinder:
        # The engine the bot's own conversations use: a change made here keeps it right.
        return self.services.engine.finder

    @property
    def web(self) -> WebSettings:
        return self.services.settings.web

    def now(self) -> datetime:
        return self.services.clock()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def desk(self, tx: Transaction, person: str, now: datetime) -> Desk:
        return Desk(tx, self.finder, self.plan, self.texts, person, now)

    def woken(self, desk: Desk) -> None:
        """After the commit: deliveries the desk queued go out now."""
        if desk.wake_outbox and self.wake is not None:
            self.wake()


CONTEXT = web.AppKey("context", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


@dataclass(frozen=True)
class Visitor:
    """Who is signed in for this request (checked by bot/web/auth.py before any handler)."""

    session: WebSession
    role: Role
    token_hash: str

    @property
    def person(self) -> str:
        return self.session.person


VISITOR = web.RequestKey("visitor", Visitor)
# The POSTed form, read (and its CSRF token checked) by the guard; its text fields alone.
Posted = MultiDictProxy[str | bytes | bytearray | FileField]
POST: web.RequestKey[Posted] = web.RequestKey("post")
FORM = web.RequestKey("form", dict[str, str])


def home_path(role: Role) -> str:
    """The first page of someone holding `role`: the office's, the secretariat's at the meeting,
    or the supervisors' view."""
    if may(role, Role.OFFICIAL):
        return "/"
    return "/hop" if may(role, Role.SECRETARY) else "/giam-sat"


def visitor_of(request: web.Request) -> Visitor:
    return request[VISITOR]


def form_of(request: web.Request) -> dict[str, str]:
    return request[FORM]


def redirect(location: str) -> web.Response:
    """After a change, back to a page (Post/Redirect/Get): a reload never repeats it."""
    return web.Response(status=303, headers={"Location": location})
