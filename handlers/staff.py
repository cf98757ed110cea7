"""Admins manage staff in the chat: register the office group, list, grant and revoke roles.

Roles from the config cannot be revoked here; roles granted here are kept in the store and read
again on every message (handlers/engine.py, Engine.role_from).
"""

from __future__ import annotations

from domain.plan import Role, person_id
from handlers.engine import Handler, Turn


async def register_office(turn: Turn, argument: str) -> None:
    if not turn.inbound.chat_id.startswith("-"):
        turn.finish(turn.t("office.register_in_group"))
        return
    await turn.tx.kv_set(f"office_chat:{turn.inbound.channel}", turn.inbound.chat_id)
    await turn.tx.audit(turn.now, turn.inbound.person, "office", turn.inbound.chat_id)
    turn.finish(turn.t("office.registered"))


async def list_staff(turn: Turn, argument: str) -> None:
    roles = turn.plan.roles
    staff = [(p, Role.ADMIN.value, "from_config") for p in sorted(roles.admins)]
    staff += [(p, Role.OFFICIAL.value, "from_config") for p in sorted(roles.officials)]
    staff += [(p, Role.COLLECTOR.value, "from_config") for p in sorted(roles.collectors)]
    staff += [(p, Role.SECRETARY.value, "from_config") for p in sorted(roles.secretaries)]
    staff += [(p, Role.SUPERVISOR.value, "from_config") for p in sorted(roles.supervisors)]
    staff += [(p, r, "from_chat") for p, r in await turn.tx.staff_list()]
    lines = [
        turn.t(
            "office.staff_line",
            person=p,
            role=turn.t(f"roles.{role}"),
            origin=turn.t(f"office.{origin}"),
        )
        for p, role, origin in staff
    ]
    turn.finish(turn.t("office.staff_head") + "\n" + "\n".join(lines))


async def grant_official(turn: Turn, argument: str) -> None:
    await _grant(turn, "themcanbo", argument, Role.OFFICIAL)


async def grant_admin(turn: Turn, argument: str) -> None:
    await _grant(turn, "themquantri", argument, Role.ADMIN)


async def _grant(turn: Turn, command: str, argument: str, role: Role) -> None:
    person = person_id(argument)
    if person is None:
        turn.finish(turn.t("office.usage_staff", command=command))
        return
    await turn.tx.grant_staff(person, role.value, turn.inbound.person, turn.now)
    await turn.tx.audit(turn.now, turn.inbound.person, "grant", f"{person}: {role.value}")
    turn.finish(turn.t("office.granted", person=person, role=turn.t(f"roles.{role.value}")))


async def revoke(turn: Turn, argument: str) -> None:
    person = person_id(argument)
    if person is None:
        turn.finish(turn.t("office.usage_staff", command="xoacanbo"))
        return
    if person in turn.plan.roles.admins or person in turn.plan.roles.officials:
        turn.finish(turn.t("office.in_config", person=person))
        return
    removed = await turn.tx.revoke_staff(person)
    if removed:
        await turn.tx.audit(turn.now, turn.inbound.person, "revoke", person)
    turn.finish(turn.t("office.revoked" if removed else "office.not_staff", person=person))


HANDLERS: dict[str, Handler] = {
    "office": register_office,
    "canbo": list_staff,
    "themcanbo": grant_official,
    "themquantri": grant_admin,
    "xoacanbo": revoke,
}
