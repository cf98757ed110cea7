"""Composition root, configuration, channel adapters and command line of the dialogue bot."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations as timedelta), which our code
# already handles, instead of a deprecation warning on every rate-limit answer.
os.environ.setdefault("PTB_TIMEDELTA", "1")
