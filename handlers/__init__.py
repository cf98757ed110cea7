"""Platform-neutral conversation flows: an `Inbound` goes in, an `Outcome` comes out.

Nothing here knows about Telegram or Zalo; choices are data that each channel adapter renders
(inline keyboards on Telegram, numbered lists on Zalo and in the terminal).
"""
