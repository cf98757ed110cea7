"""Pages from the templates (bot/web/templates/), every word from the message catalog
(domain/locale/vi/web.toml), and the headers every response carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.web.context import VISITOR, Visitor, context_of, home_path
from domain.numfmt import fmt_number
from domain.plan import Role, may
from domain.timefmt import fmt_datetime, fmt_day

# No script runs on these pages at all; styles are inline in the one template that has them,
# images come from the page itself, forms post only to it, and no other site may frame it.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The sign-in link's secret is in its address: never pass it on to another site.
    "Referrer-Policy": "no-referrer",
    # Pages hold residents' data: no copy in a shared PC's cache.
    "Cache-Control": "no-store",
}

# Messages after an action (Post/Redirect/Get): the key in the address, the words here.
DONE = frozenset(
    {
        "assigned",
        "due",
        "answered",
        "forwarded",
        "merged",
        "split",
        "dismissed",
        "text_saved",
        "text_cleared",
        "notice_sent",
        "notice_scheduled",
        "floor_stored",
        "floor_joined",
        "speakers_open",
        "speakers_closed",
        "speakers_not_open",
        "speaker_called",
        "speaker_finished",
        "speakers_none_left",
        "nobody_speaking",
        "onspot_recorded",
        "onspot_already",
    }
)


def done_url(path: str, key: str, n: int = 0, code: str = "") -> str:
    """`code`: the receipt code the message names (a floor question just stored)."""
    assert key in DONE
    query: dict[str, str | int] = {"xong": key, "so": n}
    if code:
        query["ma"] = code
    return f"{path}?{urlencode(query)}"


def _done_message(request: web.Request) -> str | None:
    key = request.query.get("xong", "")
    if key not in DONE:
        return None
    number = request.query.get("so", "0")
    # Only a receipt code's letters and digits come back from the address into the message.
    code = "".join(ch for ch in request.query.get("ma", "")[:20] if ch.isalnum() or ch == "-")
    n = int(number) if number.isdigit() else 0
    return context_of(request).texts(f"web.done.{key}", n=fmt_number(n), code=code)


def _local_day(value: date | None) -> str:
    return fmt_day(value) if value is not None else ""


def _values(request: web.Request) -> dict[str, Any]:
    """What every template may use: the catalog, addresses, dates, the visitor."""
    ctx = context_of(request)
    found = request.get(VISITOR)
    visitor = found if isinstance(found, Visitor) else None
    tz = ctx.plan.commune.tz

    def when(moment: datetime | None) -> str:
        return fmt_datetime(moment, tz) if moment is not None else ""

    def channel(name: str) -> str:
        key = f"web.channel.{name}"
        return ctx.texts(key) if key in ctx.texts else name

    return {
        "t": ctx.texts,
        "url": ctx.url,
        "commune": ctx.plan.commune.name,
        "csrf": visitor.session.csrf if visitor else "",
        "person": visitor.person if visitor else "",
        "signed_in": visitor is not None,
        "admin": visitor is not None and may(visitor.role, Role.ADMIN),
        # Which pages' links the header shows: those of the visitor's role only.
        "office": visitor is not None and may(visitor.role, Role.OFFICIAL),
        "secretariat": visitor is not None and may(visitor.role, Role.SECRETARY),
        "supervision": visitor is not None and may(visitor.role, Role.SUPERVISOR),
        "home": ctx.url(home_path(visitor.role)) if visitor else ctx.url("/"),
        "num": fmt_number,  # counts as Vietnamese writes them: 5.000
        "day": _local_day,
        "when": when,
        "channel": channel,
        "done": _done_message(request),
    }


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    page = context_of(request).env.get_template(template).render(**_values(request), **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def fragments(request: web.Request) -> Callable[..., Markup]:
    """Parts of a page, already escaped, to be put into a page by `render`: `make(template,
    **values)`. What every template may use is gathered once for all the parts."""
    env = context_of(request).env
    common = _values(request)

    def make(template: str, **values: Any) -> Markup:
        # Escaped already: the environment autoescapes.
        return Markup(env.get_template(template).render(**common, **values))

    return make


def refusal(
    request: web.Request,
    status: int,
    key: str,
    fields: Mapping[str, object] | None = None,
    back: str | None = None,
) -> web.Response:
    """A page saying why, in the catalog's words (`web.refused.<key>`); `back`: a link on."""
    texts = context_of(request).texts
    extra = {"back": back} if back else {}
    return render(
        request,
        "refused.html",
        status=status,
        title=texts(f"web.refused.{key}_title"),
        message=texts(f"web.refused.{key}", **(fields or {})),
        **extra,
    )


def file_response(data: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=data,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
