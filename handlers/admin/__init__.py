"""Admins in the chat: dialogues' dates and place, broadcasts, and the conclusion.

flows.py       the command and step tables
dialogues.py   /dshoinghi and the commands that set a dialogue's dates and place
notices.py     /thongbao, and start_broadcast (also run by the scheduler)
conclusion.py  /ketluan
draft.py       what is being prepared, as kept between messages
"""

from handlers import commands
from handlers.admin.flows import AdminFlows
from handlers.admin.notices import start_broadcast
from handlers.steps import Flow

# The admin flow's command names (from the registry), for callers that list them.
COMMANDS = commands.names(Flow.ADMIN)

__all__ = ["COMMANDS", "AdminFlows", "start_broadcast"]
