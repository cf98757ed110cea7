"""Plain-Python domain of the dialogue bot: no channel, no database, no network."""
