"""Every chat command, in one table.

From this table come Telegram's command menus (each person sees what their role may run, in
this order, described by the catalog's `commands.<name>`), the role check made before a command
runs, the router's choice of flow, which commands need the residents' data notice agreed, and
which ones the bot answers in a group chat.

A new command is one line here, its handler in its flow's `COMMANDS` table, and its description
in domain/locale/vi.toml under [commands].
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.plan import Role, may
from handlers.steps import Flow


@dataclass(frozen=True)
class Command:
    name: str
    flow: Flow  # which flow answers it
    role: Role  # who may run it (and whose menu shows it)
    consent: bool  # only after the residents' data notice is agreed to
    group: bool  # also answered in a group chat (the office's group)
    aliases: tuple[str, ...] = ()
    # Roles off the ladder (supervisors) that may run it too, beside those `role` admits.
    also: tuple[Role, ...] = ()

    def allows(self, held: Role | None) -> bool:
        return may(held, self.role) or any(may(held, other) for other in self.also)


COMMANDS: tuple[Command, ...] = (
    # Command(name, flow, role, consent, group, aliases)
    Command("start", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("gui", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("cuatoi", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("tracuu", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("hoinghi", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("thon", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("tatthongbao", Flow.RESIDENT, Role.RESIDENT, True, False, ("stop",)),
    Command("batthongbao", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("phatbieu", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("danhgia", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("dulieu", Flow.RESIDENT, Role.RESIDENT, True, False),
    Command("huy", Flow.RESIDENT, Role.RESIDENT, True, False, ("cancel",)),
    Command("help", Flow.RESIDENT, Role.RESIDENT, True, False, ("trogiup",)),
    # Staff tools store nothing about the person running them: no data notice needed.
    Command("nhapphieu", Flow.RESIDENT, Role.COLLECTOR, False, False),
    # The meeting's secretariat (and officials): what is raised on the floor, the speakers.
    Command("ghiykien", Flow.MEETING, Role.SECRETARY, False, True),
    Command("hangdoi", Flow.MEETING, Role.SECRETARY, False, True),
    Command("mohangdoi", Flow.MEETING, Role.SECRETARY, False, True),
    Command("moitiep", Flow.MEETING, Role.SECRETARY, False, True),
    Command("xongphatbieu", Flow.MEETING, Role.SECRETARY, False, True),
    Command("donghangdoi", Flow.MEETING, Role.SECRETARY, False, True),
    Command("traloitaicho", Flow.MEETING, Role.SECRETARY, False, True),
    # Supervisors (MTTQ, HĐND) read; officials and admins may read the same.
    Command("giamsat", Flow.FOLLOWUP, Role.SUPERVISOR, False, True),
    Command("thongke", Flow.RESIDENT, Role.OFFICIAL, False, True),
    Command("tonghop", Flow.OFFICE, Role.OFFICIAL, False, True, ("digest",)),
    Command("baocao", Flow.OFFICE, Role.OFFICIAL, False, True, ("report",)),
    Command("phancong", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("hanxuly", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("traloi", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("chuyen", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("gop", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("goiy", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("tach", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("nhatky", Flow.OFFICE, Role.OFFICIAL, False, True),
    Command("camket", Flow.FOLLOWUP, Role.OFFICIAL, False, True),
    Command("tiendo", Flow.FOLLOWUP, Role.OFFICIAL, False, True),
    Command("dscamket", Flow.FOLLOWUP, Role.OFFICIAL, False, True),
    Command("chuahailong", Flow.FOLLOWUP, Role.OFFICIAL, False, True),
    Command("phanhoi", Flow.FOLLOWUP, Role.OFFICIAL, False, True),
    # Never answered in a group: the sign-in link is for the person who asked, alone. The
    # secretariat and the supervisors have pages there too (bot/web/app.py's routes).
    Command("web", Flow.OFFICE, Role.SECRETARY, False, False, also=(Role.SUPERVISOR,)),
    Command("dshoinghi", Flow.ADMIN, Role.OFFICIAL, False, True),
    Command("thongbao", Flow.ADMIN, Role.ADMIN, False, True),
    Command("ketluan", Flow.ADMIN, Role.ADMIN, False, True),
    Command("hannhan", Flow.ADMIN, Role.ADMIN, False, True),
    Command("lichhop", Flow.ADMIN, Role.ADMIN, False, True),
    Command("diadiem", Flow.ADMIN, Role.ADMIN, False, True),
    Command("donghoinghi", Flow.ADMIN, Role.ADMIN, False, True),
    Command("phuctap", Flow.ADMIN, Role.ADMIN, False, True),
    Command("xungho", Flow.ADMIN, Role.ADMIN, False, True),
    Command("themcanbo", Flow.OFFICE, Role.ADMIN, False, True),
    Command("themquantri", Flow.OFFICE, Role.ADMIN, False, True),
    Command("xoacanbo", Flow.OFFICE, Role.ADMIN, False, True),
    Command("canbo", Flow.OFFICE, Role.ADMIN, False, True),
    Command("office", Flow.OFFICE, Role.ADMIN, False, True),
)

_BY_NAME = {name: c for c in COMMANDS for name in (c.name, *c.aliases)}


def find(name: str) -> Command | None:
    """The command a typed name (or alias) stands for."""
    return _BY_NAME.get(name)


def needs_consent(name: str) -> bool:
    """An unknown command is answered like the resident's own: after the data notice."""
    command = find(name)
    return command is None or command.consent


def menu_for(role: Role | None) -> tuple[Command, ...]:
    """The commands someone holding `role` sees in their menu, in the table's order."""
    return tuple(c for c in COMMANDS if c.allows(role))


def names(flow: Flow | None = None, role: Role | None = None) -> frozenset[str]:
    """Every name and alias, of one flow and/or needing exactly one role."""
    return frozenset(
        name
        for c in COMMANDS
        if (flow is None or c.flow is flow) and (role is None or c.role is role)
        for name in (c.name, *c.aliases)
    )


GROUP_COMMANDS = frozenset(name for c in COMMANDS if c.group for name in (c.name, *c.aliases))
