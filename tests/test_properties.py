"""Random update sequences through the real Application never break it or the database."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.steps import STEPS_OF
from tests.harness import Harness

CHATS = (3001, 3002)
TEXTS = [
    "/start",
    "/huy",
    "/cancel",
    "/help",
    "/gui",
    "/cuatoi",
    "/hoinghi",
    "/dulieu",
    "/tracuu BL26-0001",
    "/tracuu",
    "/thongke",
    "/phatbieu",
    "/danhgia",
    "/danhgia BL26-0001",
    "/tracuu BL26-0001 Bản Nà Khum",
    "/giamsat",
    "/khonglenh",
    "1",
    "2",
    "3",
    "4",
    "9",
    "0",
    "toi dong y",
    "khong dong y",
    "dat dai",
    "bo qua",
    "",
    "   ",
    "BL26-0001",
    "bl26-1",
    "Lò Văn Minh",
    "ko dc so do",
    "Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún",
    "xin hỏi chế độ hộ nghèo năm nay thế nào ạ, nhà em chưa được nhận hỗ trợ",
    "Đề nghị cấp sổ đỏ " * 120,
    "🙂🙂🙂",
    "/start@hoichutichxa_bot",
]
MEDIA = ["sticker", "photo", "voice", "location", "document"]
# Every step of every flow, from the enums themselves: a new step is known here at once.
KNOWN_STEPS = {step.value for steps in STEPS_OF.values() for step in steps}

action = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(CHATS), st.sampled_from(TEXTS)),
    st.tuples(st.just("press"), st.sampled_from(CHATS), st.integers(0, 9)),
    st.tuples(st.just("old_press"), st.sampled_from(CHATS), st.integers(0, 9)),
    st.tuples(st.just("media"), st.sampled_from(CHATS), st.sampled_from(MEDIA)),
    st.tuples(st.just("garbage"), st.sampled_from(CHATS), st.text(max_size=64)),
    st.tuples(st.just("redeliver"), st.sampled_from(CHATS), st.just(0)),
    st.tuples(st.just("clock"), st.sampled_from(CHATS), st.integers(0, 30)),
    st.tuples(st.just("restart"), st.sampled_from(CHATS), st.just(0)),
)


async def scenario(actions: list[tuple[str, int, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = Harness(Path(tmp) / "p.sqlite3")
        await bot.start()
        last_update: dict[int, dict[str, object]] = {}
        try:
            for kind, chat, arg in actions:
                api = bot.api
                update: dict[str, object] | None = None
                keyboards = [s for s in api.by_chat[chat] if s.buttons]
                if kind == "text":
                    update = api.text_update(chat, str(arg))
                elif kind in ("press", "old_press") and keyboards:
                    message = keyboards[-1] if kind == "press" else keyboards[0]
                    assert isinstance(arg, int)
                    _, data = message.buttons[arg % len(message.buttons)]
                    update = api.callback_update(chat, data, message.message_id)
                elif kind == "media":
                    update = api.media_update(chat, str(arg))
                elif kind == "garbage":
                    update = api.callback_update(chat, str(arg) or "x")
                elif kind == "redeliver" and chat in last_update:
                    await bot.deliver(last_update[chat])
                elif kind == "clock":
                    assert isinstance(arg, int)
                    bot.clock.now += timedelta(days=arg)
                elif kind == "restart":
                    await bot.restart()
                if update is not None:
                    last_update[chat] = update
                    await bot.deliver(update)
            check_invariants(bot)
        finally:
            await bot.stop()


def check_invariants(bot: Harness) -> None:
    sent = [s.text for s in bot.api.sent]
    assert not any("sự cố" in text for text in sent), "the error handler ran"
    codes = [c for (c,) in bot.rows("SELECT receipt_code FROM questions ORDER BY seq")]
    assert codes == [f"BL26-{n:04d}" for n in range(1, len(codes) + 1)]
    assert bot.rows("SELECT next_seq FROM dialogues") == [(len(codes),)]
    receipts = [m for text in sent for m in re.findall(r"Mã tiếp nhận: (\S+)", text)]
    # Every stored question got exactly one receipt, and no receipt names a missing question.
    assert sorted(receipts) == sorted(codes)
    for text, category in bot.rows("SELECT text, category FROM questions"):
        assert 15 <= len(text) <= 1500
        assert category in {"land", "social_policy", "infrastructure", "other"}
    steps = {s for (s,) in bot.rows("SELECT step FROM conversations")}
    assert steps <= KNOWN_STEPS
    orphans = bot.rows(
        "SELECT COUNT(*) FROM questions q LEFT JOIN residents r ON r.id = q.resident_id "
        "WHERE q.resident_id IS NOT NULL AND (r.id IS NULL OR r.consent != 'granted')"
    )
    assert orphans == [(0,)]
    assert bot.rows(
        "SELECT COUNT(*) FROM residents WHERE consent = 'declined' "
        "AND (village IS NOT NULL OR name IS NOT NULL)"
    ) == [(0,)]
    assert bot.rows(
        "SELECT COUNT(*) FROM conversations c JOIN residents r "
        "ON r.channel = c.channel AND r.chat_id = c.chat_id WHERE r.consent = 'declined'"
    ) == [(0,)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(action, min_size=1, max_size=40))
def test_random_update_sequences(actions: list[tuple[str, int, object]]) -> None:
    asyncio.run(scenario(actions))


# A guided walk that reaches deep steps far more often than uniform random presses do.
guided = st.lists(
    st.one_of(
        st.just(("press", CHATS[0], 0)),
        st.just(("text", CHATS[0], "Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún")),
        st.tuples(st.just("press"), st.just(CHATS[0]), st.integers(0, 3)),
        st.tuples(st.just("text"), st.just(CHATS[0]), st.sampled_from(["/start", "1", "/huy"])),
        st.tuples(st.just("old_press"), st.just(CHATS[0]), st.integers(0, 3)),
        st.tuples(st.just("redeliver"), st.just(CHATS[0]), st.just(0)),
        st.tuples(st.just("restart"), st.just(CHATS[0]), st.just(0)),
    ),
    min_size=5,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.just([("text", CHATS[0], "/start")]), guided)
def test_guided_walks_keep_receipts_and_state_consistent(
    prefix: list[tuple[str, int, object]], walk: list[tuple[str, int, object]]
) -> None:
    asyncio.run(scenario(prefix + walk))
