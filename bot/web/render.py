"""Pages from the templates (bot/web/templates/), every word from the message catalog
(domain/locale/vi/web.toml), and the headers every response carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.web.context import VISITOR, Visitor, context_of
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
    }
)


def done_url(path: str, key: str, n: int = 0) -> str:
    assert key in DONE
    return f"{path}?{urlencode({'xong': key, 'so': n})}"


def _done_message(request: web.Request) -> str | None:
    key = request.query.get("xong", "")
    if key not in DONE:
        return None
    number = request.query.get("so", "0")
    return context_of(request).texts(f"web.done.{key}", n=int(number) if number.isdigit() else 0)


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
    request: web.Request, status: int, key: str, fields: Mapping[str, object] | None = None
) -> web.Response:
    """A page saying why, in the catalog's words (`web.refused.<key>`)."""
    texts = context_of(request).texts
    return render(
        request,
        "refused.html",
        status=status,
        title=texts(f"web.refused.{key}_title"),
        message=texts(f"web.refused.{key}", **(fields or {})),
    )


def file_response(data: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=data,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
