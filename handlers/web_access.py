"""Signing in to the office's web page without a password: `/web` sent to the bot.

An official or admin, a member of the secretariat or a supervisor sends /web in a private chat
(Telegram or Zalo) and gets a link that opens one session, once, within 10 minutes; each sees
the pages of their role only. The link's secret is random; the store keeps only
its hash, and the page (bot/web/auth.py) checks the role again on every request, so a link or a
session is worth nothing to someone whose role was taken away.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from domain.timefmt import fmt_datetime
from handlers.engine import Turn
from storage.base import Transaction

LINK_VALID = timedelta(minutes=10)
SIGN_IN_PATH = "/dang-nhap/"


def hash_token(token: str) -> str:
    """What the store keeps of a link's or a session's secret."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def issue_link(tx: Transaction, person: str, now: datetime) -> str:
    """A new one-time sign-in secret for `person`, valid LINK_VALID from `now`."""
    token = new_secret()
    await tx.add_web_link(hash_token(token), person, now, now + LINK_VALID)
    return token


async def send_link(turn: Turn, argument: str) -> None:
    web = turn.plan.web
    if not web.enabled:
        turn.finish(turn.t("web_link.disabled"))
        return
    token = await issue_link(turn.tx, turn.inbound.person, turn.now)
    turn.finish(
        turn.t(
            "web_link.sent",
            url=f"{web.base_url}{SIGN_IN_PATH}{token}",
            minutes=int(LINK_VALID.total_seconds() // 60),
            until=fmt_datetime(turn.now + LINK_VALID, turn.plan.commune.tz),
        )
    )
