"""Residents submitting while the bot is SIGKILLed again and again: nothing lost, nothing twice.

    python benchmarks/crash.py [--residents 100] [--kills 20]

The fake Bot API (tests/fakes/telegram_api.py) is served over HTTP in this process; the bot runs
as `python -m bot run` and is killed with SIGKILL at random moments (every 2 to 5 seconds) and
restarted at once. Residents type their whole submission (typed labels, a few tenths of a second
apart, without waiting for replies a kill may have lost); after the question text each one looks
at where the conversation is (as at their phone) and confirms sending their own question when
the bot showed similar ones. At the end every update the fake handed out must be handled once:

- lost: updates handed out but never handled (processed_updates), or left in the inbox;
- handled twice: residents with more than one question, or a conversation not back at the menu;
- receipts missing: stored questions whose code never reached the resident.

The baseline, measured first in the same run, is the same residents with no kill: how long the
whole run takes, next to how long it takes with the kills.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import TOKEN, FakeBotApi, serve_http  # noqa: E402
from tests.processes import SUBJECTS, Bot, poll_until, query, write_config  # noqa: E402

CODE = re.compile(r"BL27-\d{4}")
PLACES = ("Bản Nà Khum", "Bản Vàng Bó")
GO_ON = {"pick_similar": "Vẫn gửi ý kiến của tôi", "complaint_notice": "Vẫn gửi như một ý kiến"}


def question(i: int) -> str:
    return f"Hộ số {i + 1} ở {PLACES[i % 2]} hỏi về {SUBJECTS[i % len(SUBJECTS)]}, mong xã trả lời"


def step_of(db: Path, chat: int) -> str | None:
    try:
        rows = query(db, "SELECT step FROM conversations WHERE chat_id = ?", str(chat))
    except Exception:
        return None  # the file is being created
    return rows[0][0] if rows else None


async def resident(api: FakeBotApi, db: Path, i: int, chat: int, rng: random.Random) -> None:
    async def say(text: str) -> None:
        api.push_text(chat, text)
        await asyncio.sleep(rng.uniform(0.2, 0.8))

    for text in ("/start", "Tôi đồng ý", "Gửi ý kiến", "Hạ tầng", question(i)):
        await say(text)
    # Where is the conversation now? Wait until the text was handled (the bot may be down).
    waited = 0.0
    while step_of(db, chat) in (None, "write_text", "pick_category", "menu") and waited < 120:
        await asyncio.sleep(0.3)
        waited += 0.3
    step = step_of(db, chat)
    if step in GO_ON:
        await say(GO_ON[step])
    for text in (PLACES[i % 2], "Lò Văn Minh", "Gửi"):
        await say(text)


@dataclass
class Run:
    seconds: float
    pushed: int
    lost: int
    left_in_inbox: int
    twice: int
    receipts_missing: int
    kills: int


async def run(folder: Path, residents: int, kills: int, seed: int) -> Run:
    rng = random.Random(seed)
    api = FakeBotApi()
    runner, base_url = await serve_http(api)
    db = folder / "bot.sqlite3"
    bot = Bot(write_config(folder, TOKEN, base_url, db), folder / "bot.log")
    chats = [760_001 + i for i in range(residents)]
    started = time.monotonic()
    done = 0
    try:
        await bot.start()

        async def staggered(i: int, chat: int) -> None:
            await asyncio.sleep(rng.uniform(0, residents / 10))
            await resident(api, db, i, chat, rng)

        typing = asyncio.gather(*(staggered(i, c) for i, c in enumerate(chats)))
        while done < kills:
            await asyncio.sleep(rng.uniform(2.0, 5.0))
            bot.kill()
            await bot.wait()
            done += 1
            await bot.start()
            print(f"    kill {done}: {len(api.pushed_at)} updates pushed so far", flush=True)
        await typing
        pushed = len(api.pushed_at)
        handled = "SELECT COUNT(*) FROM processed_updates"
        await poll_until(lambda: query(db, handled) == [(pushed,)], "all handled", bot, 120)
        left = "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')"
        await poll_until(lambda: query(db, left) == [(0,)], "receipts sent", bot, 120)
        seconds = time.monotonic() - started
        await bot.stop()
    finally:
        if bot.proc is not None:
            bot.kill()
            await bot.wait()
        await runner.cleanup()
    keys = {int(k) for (k,) in query(db, "SELECT update_key FROM processed_updates")}
    per_resident = dict(
        query(
            db,
            "SELECT r.chat_id, COUNT(q.id) FROM residents r LEFT JOIN questions q "
            "ON q.resident_id = r.id GROUP BY r.chat_id",
        )
    )
    steps = dict(query(db, "SELECT chat_id, step FROM conversations"))
    twice = sum(1 for c in chats if per_resident.get(str(c)) != 1 or steps.get(str(c)) != "menu")
    codes = query(
        db,
        "SELECT r.chat_id, q.receipt_code FROM questions q JOIN residents r "
        "ON r.id = q.resident_id",
    )
    missing = sum(1 for chat, code in codes if code not in "\n".join(api.texts(int(chat))))
    return Run(
        seconds=seconds,
        pushed=pushed,
        lost=len(set(api.pushed_at) - keys),
        left_in_inbox=query(db, "SELECT COUNT(*) FROM inbox")[0][0],
        twice=twice,
        receipts_missing=missing,
        kills=done,
    )


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="crash-bench-") as tmp:
        root = Path(tmp)
        (root / "baseline").mkdir()
        (root / "kills").mkdir()
        print("  baseline: no kill", flush=True)
        base = await run(root / "baseline", args.residents, 0, args.seed)
        print(f"  with {args.kills} kills", flush=True)
        hit = await run(root / "kills", args.residents, args.kills, args.seed)
    print()
    print(f"{args.residents} residents submitting; `python -m bot run` SIGKILLed at random")
    print(f"{'figure':44} {'no kill':>10} {'kills':>10}  target")
    rows = [
        ("SIGKILLs", base.kills, hit.kills, ""),
        ("updates handed out", base.pushed, hit.pushed, ""),
        ("updates lost (never handled)", base.lost, hit.lost, "0"),
        ("updates left in the inbox", base.left_in_inbox, hit.left_in_inbox, "0"),
        ("residents with a step handled twice/skipped", base.twice, hit.twice, "0"),
        ("receipt codes never received", base.receipts_missing, hit.receipts_missing, "0"),
        ("seconds until all handled and sent", f"{base.seconds:.0f}", f"{hit.seconds:.0f}", ""),
    ]
    for name, a, b, target in rows:
        print(f"{name:44} {a!s:>10} {b!s:>10}  {target}")
    bad = hit.lost + hit.left_in_inbox + hit.twice + hit.receipts_missing
    return 0 if bad == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
