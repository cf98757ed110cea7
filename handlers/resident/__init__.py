"""The resident's conversation: consent, menu, sending a question, my questions, my data.

flows.py    the command and step tables, and the entry points the router calls
menu.py     the menu, the greeting, why sending is closed
compose.py  writing a question: dialogue, category, text, similar questions, village, name,
            preview
submit.py   the preview's buttons; sending stores through handlers/intake.py
info.py     the dialogues, my questions, a receipt code, counts for officials
account.py  the data notice, notices on and off, one's village, one's personal data
draft.py    the question being written, as kept between messages
speak.py    asking to speak at the meeting (/phatbieu)
rating.py   saying whether an answer or a finished commitment satisfies (/danhgia)
follow.py   the answer and commitment under each question; earlier dialogues' answers at the
            preview; a paper form's code looked up with its village
"""

from handlers.resident.flows import ResidentFlows

__all__ = ["ResidentFlows"]
