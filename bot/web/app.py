"""The office's web page as one aiohttp application, and the table of its routes with the role
each needs (checked on every request by bot/web/auth.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.services import Services
from bot.web import auth, cluster, meeting, notices, pages, questions, reports, sheet, supervise
from bot.web.context import CONTEXT, WebContext
from domain.plan import Role

# Sheets of a few thousand rows are a few hundred KB; anything near this is not one of ours,
# and aiohttp refuses it (413) while reading, before any handler or the store sees it.
MAX_UPLOAD_BYTES = 5_000_000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What a route needs: any one of these roles (as domain/plan.py's `may` reads them). Supervisors
# stand off the ladder the others climb, so "anyone with a page" takes both ends.
OFFICIAL, ADMIN = (Role.OFFICIAL,), (Role.ADMIN,)
SECRETARY, SUPERVISOR = (Role.SECRETARY,), (Role.SUPERVISOR,)
SIGNED_IN = (Role.SECRETARY, Role.SUPERVISOR)

# (method, path, handler, the roles it needs); names are the handlers' own. Someone may sign in
# when at least one route here is theirs (bot/web/auth.py).
ROUTES: tuple[tuple[str, str, Handler, tuple[Role, ...] | None], ...] = (
    ("GET", "/dang-nhap/{token}", auth.sign_in_page, None),
    ("POST", "/dang-nhap/{token}", auth.sign_in, None),
    ("POST", "/dang-xuat", auth.sign_out, SIGNED_IN),
    ("GET", "/", pages.dialogues, OFFICIAL),
    ("GET", "/qua-han", pages.overdue, OFFICIAL),
    ("GET", "/nhat-ky", pages.audit, OFFICIAL),
    ("GET", "/hoi-nghi/{code}", questions.questions_page, OFFICIAL),
    ("POST", "/hoi-nghi/{code}/gop", questions.merge_selected, OFFICIAL),
    ("GET", "/hoi-nghi/{code}/goi-y", reports.suggestions, OFFICIAL),
    ("GET", "/hoi-nghi/{code}/bao-cao", reports.report_page, OFFICIAL),
    ("GET", "/hoi-nghi/{code}/bieu-do.png", reports.chart, OFFICIAL),
    ("GET", "/hoi-nghi/{code}/tai/{file}", reports.download, OFFICIAL),
    ("GET", "/hoi-nghi/{code}/bang-tinh.xlsx", sheet.download, OFFICIAL),
    ("POST", "/hoi-nghi/{code}/bang-tinh", sheet.upload, OFFICIAL),
    ("GET", "/nhom/{cluster}", cluster.show, OFFICIAL),
    ("POST", "/nhom/{cluster}/phan-cong", cluster.assign, OFFICIAL),
    ("POST", "/nhom/{cluster}/tra-loi", cluster.answer, OFFICIAL),
    ("POST", "/nhom/{cluster}/chuyen", cluster.forward, OFFICIAL),
    ("POST", "/nhom/{cluster}/gop", cluster.merge, OFFICIAL),
    ("POST", "/nhom/{cluster}/tach", cluster.split, OFFICIAL),
    ("POST", "/nhom/{cluster}/goi-y", cluster.decide, OFFICIAL),
    ("POST", "/nhom/{cluster}/noi-dung", cluster.report_text, OFFICIAL),
    # The secretariat at the meeting (handlers/meeting_ops.py), and the supervisors' view.
    ("GET", "/hop", meeting.choose, SECRETARY),
    ("GET", "/hop/{code}", meeting.meeting_page, SECRETARY),
    ("POST", "/hop/{code}/y-kien", meeting.floor_question, SECRETARY),
    ("POST", "/hop/{code}/phat-bieu", meeting.speakers, SECRETARY),
    ("POST", "/hop/{code}/tra-loi", meeting.on_spot, SECRETARY),
    ("GET", "/giam-sat", supervise.choose, SUPERVISOR),
    ("GET", "/giam-sat/{code}", supervise.supervise_page, SUPERVISOR),
    ("GET", "/thong-bao", notices.notices_page, ADMIN),
    ("POST", "/thong-bao", notices.submit, ADMIN),
    ("GET", "/thong-bao/{broadcast}", notices.progress_page, ADMIN),
)


def route_name(method: str, handler: Handler) -> str:
    return f"{method.lower()}_{handler.__module__.rsplit('.', 1)[-1]}_{handler.__name__}"


def build_web_app(services: Services, wake: Callable[[], None] | None = None) -> web.Application:
    """`wake`: runs the outbox now (in `python -m bot run`); without it, answers and notices
    queued here go out on the bot process's next outbox round."""
    app = web.Application(middlewares=[auth.headers, auth.guard], client_max_size=MAX_UPLOAD_BYTES)
    app[CONTEXT] = WebContext(services, wake)
    roles: dict[str, tuple[Role, ...]] = {}
    for method, path, handler, role in ROUTES:
        name = route_name(method, handler)
        if role is None:
            # The sign-in routes: the only ones open without a session.
            name = {"GET": "sign_in_page", "POST": "sign_in"}[method]
        else:
            roles[name] = role
        app.router.add_route(method, path, handler, name=name)
    app[auth.ROLES] = roles
    return app
