"""Admins: dialogues' dates, notices to subscribers, reminders, and the conclusion."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import run_tick
from bot.limiter import Pace
from handlers.admin import COMMANDS as ADMIN_CHAT_COMMANDS
from tests.harness import (
    ADMIN,
    OFFICIAL,
    OTHER_RESIDENT,
    RESIDENT,
    Harness,
    PgTarget,
    write_cli_config,
)
from tests.test_office import POOR, ROAD, office_config, seed

THIRD, DECLINED = 3003, 3004
EVERYONE = "Tất cả người dân đăng ký nhận thông báo"


@pytest.fixture
async def admin(tmp_path: Path, backend: PgTarget | None) -> Any:
    # Notices and broadcasts run on the SQLite file and on a PostgreSQL schema.
    harness = Harness(
        tmp_path / "admin.sqlite3", office_config(tmp_path / "admin.sqlite3"), postgres=backend
    )
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def admin_file(tmp_path: Path) -> Any:
    # Role checks refuse before any query is written: on the SQLite file only.
    harness = Harness(tmp_path / "admin.sqlite3", office_config(tmp_path / "admin.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


async def tick(bot: Harness) -> list[str]:
    return await run_tick(bot.app.bot_data["services"], bot.app.bot_data["senders"])


async def flush(bot: Harness) -> int:
    return int(await bot.app.bot_data["outbox"].flush())


def received(bot: Harness, chat: int, needle: str) -> int:
    return sum(needle in text for text in bot.api.texts(chat))


@pytest.mark.parametrize("command", sorted(ADMIN_CHAT_COMMANDS - {"dshoinghi"}))
async def test_admin_commands_refused_to_residents_and_officials(
    admin_file: Harness, command: str
) -> None:
    admin = admin_file
    await seed(admin)
    for who in (RESIDENT, OFFICIAL):
        sent = await admin.send(who, f"/{command} BL26 28/12/2026 08:00")
        assert "chỉ dành cho quản trị viên" in sent[0].text
    assert admin.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert admin.rows("SELECT meeting_at, closed FROM dialogues") == [(None, 0)]


async def test_dates_set_in_chat_survive_a_restart_with_the_config(admin: Harness) -> None:
    await admin.send(ADMIN, "/lichhop BL26 28/12/2026 08:00")
    text = admin.last_text(ADMIN)
    assert "08:00 ngày 28/12/2026" in text
    # 10 working days after Monday 28/12/2026, skipping the weekend and New Year's Day.
    assert "12/01/2027" in text
    await admin.send(ADMIN, "/hannhan BL26 18/12/2026")
    assert "17:00 ngày 18/12/2026" in admin.last_text(ADMIN)
    await admin.send(ADMIN, "/diadiem BL26 Nhà văn hóa Bản Nà Khum")
    await admin.send(ADMIN, "/phuctap BL26")
    assert "19/01/2027" in admin.last_text(ADMIN)  # 15 working days
    await admin.restart()  # the config still says 15/12 and no meeting
    await admin.send(ADMIN, "/dshoinghi")
    text = admin.last_text(ADMIN)
    assert "17:00 ngày 18/12/2026" in text and "Nhà văn hóa Bản Nà Khum" in text
    await admin.send(OFFICIAL, "/dshoinghi")  # officials see the due dates too
    assert "12/01/2027" not in admin.last_text(OFFICIAL)
    assert "19/01/2027" in admin.last_text(OFFICIAL)


async def test_closing_early_stops_sending(admin: Harness) -> None:
    await admin.send(ADMIN, "/donghoinghi BL26")
    await admin.press(ADMIN, "Đồng ý")
    await admin.consent(RESIDENT)
    await admin.press(RESIDENT, "Gửi ý kiến")
    assert "hết hạn" in admin.last_text(RESIDENT)


async def test_bad_dates_are_explained(admin: Harness) -> None:
    for text in ("/lichhop BL26 28/12/2026", "/hannhan BL26 31/02/2027", "/hannhan XX 1/1/2027"):
        sent = await admin.send(ADMIN, text)
        assert "Gõ /" in sent[0].text
    assert admin.rows("SELECT overrides FROM dialogues") == [("[]",)]


async def subscribers(bot: Harness) -> None:
    await seed(bot)  # RESIDENT asked (Bản Nà Khum), OTHER_RESIDENT asked (Bản Vàng Bó)
    await bot.consent(THIRD)
    await bot.send(THIRD, "/thon")
    await bot.press(THIRD, "Khu dân cư Bình Lư")
    await bot.send(DECLINED, "/start")
    await bot.press(DECLINED, "Không đồng ý")


async def notice(bot: Harness, text: str, audience: str, villages: tuple[str, ...] = ()) -> None:
    await bot.send(ADMIN, "/thongbao")
    await bot.send(ADMIN, text)
    await bot.press(ADMIN, audience)
    for village in villages:
        await bot.press(ADMIN, village)
    if villages:
        await bot.press(ADMIN, "Xong")
    await bot.press(ADMIN, "Gửi ngay")
    await bot.press(ADMIN, "Gửi thông báo")


async def test_broadcast_to_everyone_once_each_with_progress(admin: Harness) -> None:
    await subscribers(admin)
    await admin.send(OTHER_RESIDENT, "dừng")  # stop-like wording turns notices off
    assert "Đã tắt thông báo" in admin.last_text(OTHER_RESIDENT)
    await notice(
        admin,
        "Mời bà con dự hội nghị đối thoại ngày 28/12",
        "Tất cả người dân đăng ký nhận thông báo",
    )
    assert "2 người" in admin.api.texts(ADMIN)[-2] or "tới 2 người" in admin.last_text(ADMIN)
    await flush(admin)
    for chat in (RESIDENT, THIRD):
        assert received(admin, chat, "ngày 28/12") == 1
    for chat in (OTHER_RESIDENT, DECLINED):
        assert received(admin, chat, "ngày 28/12") == 0
    await flush(admin)  # nothing twice
    assert received(admin, RESIDENT, "ngày 28/12") == 1
    final = admin.api.edits[-1][2] if admin.api.edits else admin.last_text(ADMIN)
    assert "Đã gửi xong thông báo" in final and "2/2" in final
    assert admin.rows("SELECT status FROM broadcasts") == [("done",)]


async def test_broadcast_to_villages_and_to_askers(admin: Harness) -> None:
    await subscribers(admin)
    await notice(admin, "Thôn Vàng Bó họp bàn làm đường", "Chọn thôn, tổ dân phố", ("Bản Vàng Bó",))
    await flush(admin)
    assert received(admin, OTHER_RESIDENT, "họp bàn làm đường") == 1
    assert received(admin, RESIDENT, "họp bàn làm đường") == 0
    assert received(admin, THIRD, "họp bàn làm đường") == 0
    await notice(admin, "Cảm ơn bà con đã gửi ý kiến", "Người đã gửi ý kiến hội nghị BL26")
    await flush(admin)
    assert received(admin, RESIDENT, "Cảm ơn bà con") == 1
    assert received(admin, OTHER_RESIDENT, "Cảm ơn bà con") == 1
    assert received(admin, THIRD, "Cảm ơn bà con") == 0


async def test_scheduled_broadcast_goes_out_at_its_time(admin: Harness) -> None:
    await subscribers(admin)
    await admin.send(ADMIN, "/thongbao")
    await admin.send(ADMIN, "Lịch tiêm phòng gia súc tháng 12")
    await admin.press(ADMIN, EVERYONE)
    await admin.press(ADMIN, "Hẹn giờ")
    await admin.send(ADMIN, "25/11/2026 07:00")
    await admin.press(ADMIN, "Gửi thông báo")
    assert "Đã hẹn gửi" in admin.last_text(ADMIN)
    assert not any(d.startswith("broadcast") for d in await tick(admin))
    admin.clock.now = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 07:00 in Việt Nam
    assert any(d.startswith("broadcast:1:3") for d in await tick(admin))
    await admin.restart()
    assert not any(d.startswith("broadcast") for d in await tick(admin))
    await flush(admin)
    assert received(admin, THIRD, "tiêm phòng") == 1


async def test_blocked_residents_are_marked_and_not_retried(admin: Harness) -> None:
    await subscribers(admin)
    admin.api.blocked.add(THIRD)
    await notice(admin, "Thông báo lịch tiếp công dân", EVERYONE)
    await flush(admin)
    assert admin.rows("SELECT active FROM residents WHERE chat_id = ?", str(THIRD)) == [(0,)]
    assert admin.rows("SELECT status FROM deliveries WHERE chat_id = ?", str(THIRD)) == [
        ("blocked",)
    ]
    await notice(admin, "Thông báo thứ hai", EVERYONE)
    assert admin.rows("SELECT COUNT(*) FROM deliveries WHERE chat_id = ?", str(THIRD)) == [(1,)]


async def test_rate_limit_answers_are_obeyed(admin: Harness) -> None:
    await subscribers(admin)
    for chat in range(5000, 5012):
        await admin.consent(chat)
    admin.api.rate_limit = 5
    await notice(admin, "Thông báo thử giới hạn tốc độ", EVERYONE)
    limiter = admin.app.bot_data["limiter"]
    limiter.overall.interval = 0.0  # provoke 429s on purpose
    await flush(admin)
    assert admin.api.too_many > 0 and limiter.retry_afters > 0
    assert admin.rows(
        "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'notice' GROUP BY status"
    ) == [("sent", 15)]


async def test_deadline_reminders_once_to_those_who_have_not_asked(admin: Harness) -> None:
    await subscribers(admin)
    # 3 days before 17:00 15/12 (Hà Nội) is 10:00 UTC on 12/12.
    admin.clock.now = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    assert "deadline:BL26:3:1" in await tick(admin)
    await flush(admin)
    assert received(admin, THIRD, "Thông báo: hạn gửi ý kiến") == 1
    assert received(admin, RESIDENT, "Thông báo: hạn gửi ý kiến") == 0  # already asked
    await admin.restart()
    assert not any(d.startswith("deadline") for d in await tick(admin))
    # The admin moves the deadline: the reminders are planned again from the new date.
    await admin.send(ADMIN, "/hannhan BL26 22/12/2026 17:00")
    admin.clock.now = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert "deadline:BL26:1:1" in await tick(admin)
    await flush(admin)
    assert received(admin, THIRD, "22/12/2026") == 1


async def test_a_reminder_missed_while_down_is_sent_once_if_still_meaningful(
    admin: Harness,
) -> None:
    await subscribers(admin)
    await admin.send(ADMIN, "/lichhop BL26 28/12/2026 08:00")
    # Down from before the 7-day mark until after the 1-day mark: one meeting notice.
    admin.clock.now = datetime(2026, 12, 27, 9, 0, tzinfo=UTC)
    done = await tick(admin)
    assert [d for d in done if d.startswith("meeting")] == ["meeting:BL26:1:3"]
    await flush(admin)
    assert received(admin, THIRD, "diễn ra lúc 08:00 ngày 28/12/2026") == 1
    admin.clock.now = datetime(2026, 12, 29, tzinfo=UTC)  # after the meeting: nothing
    assert not any(d.startswith("meeting") for d in await tick(admin))


async def test_conclusion_reaches_each_asker_with_their_own_answer(admin: Harness) -> None:
    await subscribers(admin)
    services = admin.app.bot_data["services"]
    async with services.store.transaction() as tx:
        backer = await tx.resident("telegram", str(THIRD))
        await tx.add_support(1, backer.id, services.clock())
    await admin.send(OFFICIAL, "/traloi BL26-0001")
    await admin.press(OFFICIAL, "Viết câu trả lời")
    await admin.send(OFFICIAL, "Tuyến đường được sửa trong quý I năm 2027.")
    await admin.press(OFFICIAL, "Ghi nhận và báo người dân")
    await admin.send(ADMIN, "/lichhop BL26 28/12/2026 08:00")
    await admin.send(ADMIN, "/ketluan BL26")
    await admin.send(ADMIN, "Chủ tịch UBND xã đã trả lời 2 nhóm ý kiến tại hội nghị.")
    # The signed notice goes along: the admin sends the file into the chat.
    await admin.media(ADMIN, "document")
    assert "3 người" in admin.last_text(ADMIN) and "don.pdf" in admin.last_text(ADMIN)
    await admin.press(ADMIN, "Công bố và gửi")
    await flush(admin)
    road = [t for t in admin.api.texts(RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
    assert len(road) == 1 and "quý I năm 2027" in road[0] and "BL26-0001" in road[0]
    poor = [t for t in admin.api.texts(OTHER_RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
    assert len(poor) == 1 and "BL26-0002" in poor[0] and "hạn trả lời" in poor[0]
    assert ROAD[:20] not in poor[0] and POOR[:20] in poor[0]
    backed = [t for t in admin.api.texts(THIRD) if "THÔNG BÁO KẾT LUẬN" in t]
    assert len(backed) == 1 and "quý I năm 2027" in backed[0]
    documents = {chat for chat, kind, _, _ in admin.api.files if kind == "document"}
    assert documents == {RESIDENT, OTHER_RESIDENT, THIRD}
    await admin.send(ADMIN, "/ketluan BL26")
    assert "đã được công bố" in admin.last_text(ADMIN)


async def test_office_is_reminded_of_overdue_answers(admin: Harness) -> None:
    await seed(admin)
    await admin.send(OFFICIAL, "/phancong BL26-0002")
    await admin.press(OFFICIAL, "Phòng Văn hóa - Xã hội")  # due Monday 21/12/2026
    admin.clock.now = datetime(2026, 12, 22, 1, 0, tzinfo=UTC)
    done = await tick(admin)
    assert "overdue:1" in done
    group = "\n".join(admin.api.texts(-100777))
    assert "quá hạn" in group and "BL26-0002" in group
    assert not any(d.startswith("overdue") for d in await tick(admin))  # once a day


def test_dialogue_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = write_cli_config(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), "dialogue", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    added = cli(
        "add",
        "--code",
        "tn27",
        "--title",
        "Đối thoại với thanh niên",
        "--deadline",
        "20/03/2027 17:00",
        "--location",
        "Hội trường xã",
    )
    assert added.returncode == 0, added.stderr
    changed = cli("set", "BL26", "--meeting-at", "28/12/2026 08:00", "--complex")
    assert changed.returncode == 0, changed.stderr
    assert cli("close", "TN27").returncode == 0
    listing = cli("list")
    assert listing.returncode == 0
    assert "TN27\tđóng" in listing.stdout and "họp 08:00 ngày 28/12/2026" in listing.stdout
    assert "kết luận 19/01/2027" in listing.stdout
    assert cli("set", "TN27", "--address", "ban").returncode == 0  # typed without diacritics
    wrong = cli("set", "TN27", "--address", "cô/chú")
    assert wrong.returncode == 2 and "--address" in wrong.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        stored = dict(conn.execute("SELECT code, address FROM dialogues"))
    assert stored == {"BL26": "ông/bà", "TN27": "bạn"}
    bad = cli("set", "BL26", "--deadline", "ngày mai")
    assert bad.returncode == 2 and "--deadline" in bad.stderr and "Traceback" not in bad.stderr
    assert cli("set", "XX", "--location", "Sân bóng").returncode == 2


async def test_one_chat_is_sent_at_most_one_message_a_second(admin: Harness) -> None:
    await subscribers(admin)
    for text in ("Thông báo một", "Thông báo hai", "Thông báo ba"):
        await notice(admin, text, EVERYONE)
    # Telegram's own pace for a private chat, not the tests' quick one.
    admin.app.bot_data["limiter"].private = Pace(1.0, burst=1)
    await flush(admin)
    times = [s.at for s in admin.api.by_chat[THIRD] if s.text.startswith("THÔNG BÁO CỦA")]
    assert len(times) == 3
    # Timed where the fake receives them: a busy event loop can delay one send and not the next.
    assert all(b - a >= 0.85 for a, b in itertools.pairwise(times))


async def test_conclusion_without_a_document(admin: Harness) -> None:
    await seed(admin)
    await admin.send(ADMIN, "/ketluan BL26")
    await admin.send(ADMIN, "Hội nghị đã diễn ra, các ý kiến được trả lời trực tiếp.")
    await admin.media(ADMIN, "sticker")  # not a document: asked again, nothing lost
    assert "Không đính kèm" in admin.labels(ADMIN)
    await admin.press(ADMIN, "Không đính kèm")
    assert "Không kèm văn bản" in admin.last_text(ADMIN)
    await admin.press(ADMIN, "Công bố và gửi")
    await flush(admin)
    assert received(admin, RESIDENT, "THÔNG BÁO KẾT LUẬN") == 1
    assert admin.api.files == []
