"""A minimal python-telegram-bot echo bot: the framework's own ceiling for the benchmark.

    python benchmarks/echo_bot.py BASE_URL TOKEN [--concurrency N]

It long-polls like `python -m bot run` (same allowed updates, same number of updates handled at
once, same logging), and answers every private text message with the same text.
"""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await context.bot.send_message(chat_id=message.chat.id, text=message.text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="Bot API base URL, e.g. http://127.0.0.1:8081/bot")
    parser.add_argument("token")
    parser.add_argument(
        "--concurrency", type=int, default=64, help="updates handled at once (as bot/app.py)"
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        .concurrent_updates(args.concurrency)
        .build()
    )
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, echo))
    # Stops cleanly on SIGINT, SIGTERM and SIGABRT, like the real bot.
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
