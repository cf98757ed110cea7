"""Composition root, configuration, channel adapters and command line of the dialogue bot."""
