"""`/dulieu` deletes: no row, no log and no free page of the database keeps the resident's
name or chat id afterwards, while the bot runs and after it stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.sqlite import SqliteStore
from tests.harness import OFFICIAL, OTHER_RESIDENT, Harness
from tests.test_office import office_config

# Distinctive, so that finding them in the file's bytes means they were left behind.
CHAT = 7350012468
NAME = "Lường Thị Nguyệt"
PHONE = "0987 654 321"
TEXT = (
    f"Tôi là {NAME}, sđt {PHONE}. Đề nghị sửa chữa đường liên thôn Bản Nà Khum bị sụt lún "
    "nhiều đoạn, mùa mưa đi lại rất khó khăn"
)
OTHER = "Đề nghị xem xét hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa bão"


@pytest.fixture
async def office(tmp_path: Path) -> Any:
    harness = Harness(tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


def leftovers(db: Path) -> dict[str, list[str]]:
    """Which of the resident's details each file of the database still holds."""
    found: dict[str, list[str]] = {}
    for path in sorted(db.parent.glob(db.name + "*")):
        data = path.read_bytes()
        found[path.name] = [
            what for what in (NAME, str(CHAT), PHONE, "Nguyệt") if what.encode() in data
        ]
    return found


async def test_deletion_leaves_nothing_in_rows_files_or_the_log(office: Harness) -> None:
    await office.consent(CHAT)
    await office.send(CHAT, "/thon")
    await office.press(CHAT, "Bản Nà Khum")
    await office.submit(CHAT, text=TEXT, category="Hạ tầng", name=NAME)
    # Another resident asks, and ours backs it; ours is answered.
    await office.consent(OTHER_RESIDENT)
    await office.submit(OTHER_RESIDENT, text=OTHER, category="Chính sách xã hội")
    await office.send(OFFICIAL, "/traloi BL26-0001")
    await office.press(OFFICIAL, "Viết câu trả lời")
    await office.send(OFFICIAL, "Xã đã giao Phòng Kinh tế khảo sát, sửa trong quý I năm 2027.")
    await office.press(OFFICIAL, "Ghi nhận và báo người dân")
    await office.app.bot_data["outbox"].flush()
    services = office.app.bot_data["services"]
    async with services.store.transaction() as tx:
        resident = await tx.resident("telegram", str(CHAT))
        await tx.add_support(2, resident.id, services.clock())
    # The answer's notice, and the receipt, kept as a delivery until it was sent (issue 12).
    assert office.rows(
        "SELECT kind FROM deliveries WHERE chat_id = ? ORDER BY kind", str(CHAT)
    ) == [("answer",), ("reply",)]
    assert any(NAME.encode() in p.read_bytes() for p in office.db_path.parent.glob("*-wal"))

    await office.send(CHAT, "/dulieu")
    await office.press(CHAT, "Xóa dữ liệu của tôi")
    await office.press(CHAT, "Có, xóa")
    assert "Đã xóa" in office.last_text(CHAT)

    assert office.rows("SELECT COUNT(*) FROM residents WHERE chat_id = ?", str(CHAT)) == [(0,)]
    assert office.rows("SELECT COUNT(*) FROM conversations WHERE chat_id = ?", str(CHAT)) == [(0,)]
    ours = office.rows(
        "SELECT chat_id, text, status FROM deliveries WHERE chat_id != ? ORDER BY id",
        str(OTHER_RESIDENT),
    )
    assert [row[1:] for row in ours] == [("", "sent"), ("", "sent")]
    assert all(row[0].startswith("deleted:") for row in ours)
    question = office.rows("SELECT resident_id, village, author_name, text FROM questions")[0]
    assert question[:3] == (None, None, None)
    assert "Đề nghị sửa chữa đường liên thôn" in question[3] and NAME not in question[3]
    # The support still counts for the request, no longer says whose it was.
    assert office.rows("SELECT question_id, resident_id FROM supports") == [(2, None)]
    # While the bot runs: neither the database nor its write-ahead log holds them.
    assert not any(leftovers(office.db_path).values()), leftovers(office.db_path)

    await office.stop()
    assert not any(leftovers(office.db_path).values()), leftovers(office.db_path)
    await office.start()  # the fixture stops it again


async def test_the_store_overwrites_what_it_deletes(tmp_path: Path) -> None:
    # Some SQLite builds (Debian's) overwrite deleted content by default, others do not: the
    # store asks for it on every connection, so the file-level test above holds everywhere.
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.open()
    try:
        async with store.transaction() as tx:
            assert list(await tx._conn.execute_fetchall("PRAGMA secure_delete")) == [(1,)]
    finally:
        await store.close()
