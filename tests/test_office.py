"""The office's workflow in the chat: roles, digests, assignment, answers, merges, documents."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot import office_jobs
from handlers.office import ADMIN_COMMANDS, OFFICIAL_COMMANDS
from tests.harness import (
    ADMIN,
    OFFICIAL,
    OTHER_RESIDENT,
    RESIDENT,
    Harness,
    PgTarget,
    base_config,
    write_cli_config,
)

OFFICE_GROUP = -100777

ROAD = "Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún nhiều đoạn"
POOR = "Đề nghị xem xét hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa bão"


def office_config(db: Path, **answers: Any) -> dict[str, Any]:
    config = base_config(db)
    config["departments"] = [
        {"key": "kinh_te", "name": "Phòng Kinh tế", "categories": ["land", "infrastructure"]},
        {"key": "vh_xh", "name": "Phòng Văn hóa - Xã hội", "categories": ["social_policy"]},
    ]
    config["roles"]["office_chat_id"] = OFFICE_GROUP
    config["digest"] = {"time": "07:30"}
    config["report"] = {"signer_name": "Trần Thanh Tuấn"}
    if answers:
        config["answers"] = answers
    return config


@pytest.fixture
async def office(tmp_path: Path, backend: PgTarget | None) -> Any:
    # Every office flow runs on the SQLite file and on a PostgreSQL schema.
    harness = Harness(
        tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"), postgres=backend
    )
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def office_file(tmp_path: Path) -> Any:
    # Role checks refuse before any query is written: on the SQLite file only, to keep the
    # suite's time for the flows that do reach the store.
    harness = Harness(tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


async def seed(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=ROAD, category="Hạ tầng", name="Lò Văn Minh")
    await bot.consent(OTHER_RESIDENT)
    await bot.submit(
        OTHER_RESIDENT,
        text=POOR,
        category="Chính sách xã hội",
        village="Bản Vàng Bó",
        name="Hoàng Thị Lan",
    )


def group_command(bot: Harness, text: str, user: int = ADMIN) -> dict[str, Any]:
    update = bot.api.text_update(OFFICE_GROUP, text)
    update["message"]["chat"] = {"id": OFFICE_GROUP, "type": "supergroup", "title": "Văn phòng"}
    update["message"]["from"]["id"] = user
    return update


@pytest.mark.parametrize("command", sorted(OFFICIAL_COMMANDS | ADMIN_COMMANDS))
async def test_residents_are_refused_every_office_command(
    office_file: Harness, command: str
) -> None:
    office = office_file
    await seed(office)
    before = office.rows("SELECT status FROM questions ORDER BY id")
    sent = await office.send(RESIDENT, f"/{command} BL26-0002 BL26-0001")
    assert len(sent) == 1 and "chỉ dành cho" in sent[0].text
    assert "Hoàng Thị Lan" not in sent[0].text and POOR not in sent[0].text
    assert office.api.files == []
    assert office.rows("SELECT status FROM questions ORDER BY id") == before
    assert office.rows("SELECT COUNT(*) FROM audit") == [(0,)]


@pytest.mark.parametrize("command", sorted(ADMIN_COMMANDS))
async def test_officials_are_refused_admin_commands(office_file: Harness, command: str) -> None:
    office = office_file
    sent = await office.send(OFFICIAL, f"/{command} 5555")
    assert "quản trị viên" in sent[0].text
    assert office.rows("SELECT COUNT(*) FROM staff") == [(0,)]


async def test_digest_on_demand_groups_and_attaches_a_chart(office: Harness) -> None:
    await seed(office)
    sent = await office.send(OFFICIAL, "/tonghop")
    text = "\n".join(s.text for s in sent)
    assert ROAD in text and POOR in text
    assert "BL26-0001" in text and "BL26-0002" in text
    assert "Hạ tầng" in text and "Chính sách xã hội" in text
    assert "Bản Nà Khum" in text and "Bản Vàng Bó" in text
    assert "Lò Văn Minh" not in text  # names never go into digests
    (chat, kind, _, data) = office.api.files[-1]
    assert chat == OFFICIAL and kind == "photo" and data.startswith(b"\x89PNG")


async def test_assign_answer_and_notify_everyone_behind_the_cluster(office: Harness) -> None:
    await seed(office)
    await office.send(OFFICIAL, "/phancong BL26-0001")
    assert "Phòng Kinh tế" in office.last_text(OFFICIAL)  # the default for infrastructure
    await office.press(OFFICIAL, "Phòng Kinh tế")
    # 5 days after the 15/12 deadline is Sunday 20/12: the due date is the next working day.
    assert "21/12/2026" in office.last_text(OFFICIAL)
    assert office.rows("SELECT status FROM questions WHERE id = 1") == [("assigned",)]
    await office.send(RESIDENT, "/cuatoi")
    assert "Đã chuyển bộ phận trả lời" in office.last_text(RESIDENT)

    # A third resident backs the road question: they must get the answer too.
    services = office.app.bot_data["services"]
    await office.consent(3003)
    async with services.store.transaction() as tx:
        backer = await tx.resident("telegram", "3003")
        await tx.add_support(1, backer.id, services.clock())

    await office.send(OFFICIAL, "/traloi BL26-0001")
    await office.press(OFFICIAL, "Viết câu trả lời")
    await office.send(OFFICIAL, "Xã đã đưa tuyến đường vào kế hoạch sửa chữa quý I năm 2027.")
    assert "2 người" in office.last_text(OFFICIAL)
    await office.press(OFFICIAL, "Ghi nhận và báo người dân")
    assert office.rows("SELECT status FROM questions WHERE id = 1") == [("answered",)]
    assert office.rows("SELECT status FROM questions WHERE id = 2") == [("received",)]
    await office.app.bot_data["outbox"].flush()
    for chat in (RESIDENT, 3003):
        assert "quý I năm 2027" in office.last_text(chat)
        assert "BL26-0001" in office.last_text(chat)
    assert "quý I năm 2027" not in "\n".join(office.api.texts(OTHER_RESIDENT))
    assert office.rows(
        "SELECT status, COUNT(*) FROM deliveries WHERE kind != 'reply' GROUP BY status"
    ) == [("sent", 2)]
    # A second flush sends nothing again.
    await office.app.bot_data["outbox"].flush()
    assert sum("quý I năm 2027" in t for t in office.api.texts(RESIDENT)) == 1


async def test_answers_held_until_conclusion_when_configured(tmp_path: Path) -> None:
    harness = Harness(
        tmp_path / "h.sqlite3", office_config(tmp_path / "h.sqlite3", notify="at_conclusion")
    )
    await harness.start()
    try:
        await seed(harness)
        await harness.send(OFFICIAL, "/traloi BL26-0002")
        await harness.press(OFFICIAL, "Viết câu trả lời")
        await harness.send(OFFICIAL, "Hộ nghèo được hỗ trợ 40 triệu đồng theo Nghị quyết của tỉnh.")
        await harness.press(OFFICIAL, "Ghi nhận và báo người dân")
        await harness.app.bot_data["outbox"].flush()
        assert "40 triệu" not in "\n".join(harness.api.texts(OTHER_RESIDENT))
        assert harness.rows("SELECT status FROM deliveries WHERE kind != 'reply'") == [("held",)]
    finally:
        await harness.stop()


async def test_forward_to_a_higher_authority(office: Harness) -> None:
    await seed(office)
    await office.send(OFFICIAL, "/chuyen BL26-0002")
    await office.send(OFFICIAL, "Sở Nông nghiệp và Môi trường tỉnh Lai Châu")
    await office.press(OFFICIAL, "Đồng ý")
    assert office.rows("SELECT status FROM questions WHERE id = 2") == [("forwarded",)]
    await office.app.bot_data["outbox"].flush()
    assert "Sở Nông nghiệp và Môi trường" in office.last_text(OTHER_RESIDENT)
    await office.send(OTHER_RESIDENT, "/cuatoi")
    assert "Đã chuyển cấp có thẩm quyền" in office.last_text(OTHER_RESIDENT)


async def test_merge_split_and_audit_log(office: Harness) -> None:
    await seed(office)
    await office.send(OFFICIAL, "/gop BL26-0001 BL26-0002")
    await office.press(OFFICIAL, "Đồng ý")
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id") == [(1,), (1,)]
    await office.send(OFFICIAL, "/tach BL26-0002")
    await office.press(OFFICIAL, "Đồng ý")
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id") == [(1,), (2,)]
    await office.send(OFFICIAL, "/nhatky")
    log = office.last_text(OFFICIAL)
    assert "gộp nhóm" in log and "tách nhóm" in log and f"telegram:{OFFICIAL}" in log


async def test_split_first_member_keeps_the_rest_together(office: Harness) -> None:
    await seed(office)
    await office.send(OFFICIAL, "/gop BL26-0001 BL26-0002")
    await office.press(OFFICIAL, "Đồng ý")
    await office.send(OFFICIAL, "/tach BL26-0001")
    await office.press(OFFICIAL, "Đồng ý")
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id") == [(1,), (2,)]
    assert office.rows("SELECT id FROM clusters ORDER BY id") == [(1,), (2,)]


async def test_staff_granted_and_revoked_in_chat_checked_on_every_call(office: Harness) -> None:
    newcomer = 7007
    assert "chỉ dành cho" in (await office.send(newcomer, "/tonghop"))[0].text
    await office.send(ADMIN, f"/themcanbo {newcomer}")
    await office.send(newcomer, "/phancong BL26-0001")  # unknown code, but allowed
    assert "Không có ý kiến nào" in office.last_text(newcomer)
    await seed(office)
    await office.send(newcomer, "/phancong BL26-0001")
    assert office.labels(newcomer) == ["Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]
    await office.send(ADMIN, f"/xoacanbo {newcomer}")
    # Revoked between two steps: the pending press is refused too.
    sent = await office.press(newcomer, "Phòng Kinh tế")
    assert "chỉ dành cho" in sent[0].text
    assert office.rows("SELECT status FROM questions WHERE id = 1") == [("received",)]
    await office.send(ADMIN, "/canbo")
    assert f"telegram:{OFFICIAL}" in office.last_text(ADMIN)


async def test_report_files_internal_and_public(office: Harness) -> None:
    await seed(office)
    await office.send(OFFICIAL, "/baocao")
    docs = [f for f in office.api.files if f[1] == "document"]
    assert [f[2].rsplit(".", 1)[1] for f in docs] == ["docx", "xlsx"]
    doc = Document(io.BytesIO(docs[0][3]))
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body and ROAD in body
    sheet = load_workbook(io.BytesIO(docs[1][3])).worksheets[0]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "BL26-0001" in cells and "Lò Văn Minh" in cells

    office.api.files.clear()
    await office.send(OFFICIAL, "/baocao BL26 congkhai")
    docs = [f for f in office.api.files if f[1] == "document"]
    doc = Document(io.BytesIO(docs[0][3]))
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    sheet = load_workbook(io.BytesIO(docs[1][3])).worksheets[0]
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    for name in ("Lò Văn Minh", "Hoàng Thị Lan"):
        assert name not in body and name not in cells


async def test_office_group_registration_and_scheduled_digests(office: Harness) -> None:
    await seed(office)
    await office.deliver(group_command(office, "/office"))
    assert "Đã đăng ký" in office.last_text(OFFICE_GROUP)
    services = office.app.bot_data["services"]
    senders = office.app.bot_data["senders"]
    # 07:00 in Hà Nội: before the digest time, nothing.
    office.clock.now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert await office_jobs.tick(services, senders) == []
    office.clock.now = datetime(2026, 11, 24, 0, 31, tzinfo=UTC)
    assert await office_jobs.tick(services, senders) == ["daily:BL26"]
    digest = "\n".join(office.api.texts(OFFICE_GROUP))
    assert ROAD in digest and POOR in digest
    assert await office_jobs.tick(services, senders) == []  # once a day
    await office.restart()
    services, senders = office.app.bot_data["services"], office.app.bot_data["senders"]
    assert await office_jobs.tick(services, senders) == []  # not doubled by a restart
    # Next day: only what is new.
    await office.submit(
        RESIDENT, text="Đề nghị lắp thêm đèn chiếu sáng ngã ba Bản Vàng Bó", category="Hạ tầng"
    )
    office.clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    count = len(office.api.texts(OFFICE_GROUP))
    assert await office_jobs.tick(services, senders) == ["daily:BL26"]
    new = "\n".join(office.api.texts(OFFICE_GROUP)[count:])
    assert "ngã ba Bản Vàng Bó" in new and POOR not in new
    # At the deadline: the final digest with the report files, once.
    office.clock.now = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    assert "final:BL26" in await office_jobs.tick(services, senders)
    group_files = [f[2] for f in office.api.files if f[0] == OFFICE_GROUP]
    assert any(n.endswith(".docx") for n in group_files)
    assert any(n.endswith(".xlsx") for n in group_files)
    assert await office_jobs.tick(services, senders) == []


def test_report_command_line(tmp_path: Path) -> None:
    import asyncio

    async def prepare() -> None:
        harness = Harness(tmp_path / "cli.sqlite3", office_config(tmp_path / "cli.sqlite3"))
        await harness.start()
        await seed(harness)
        await harness.stop()

    asyncio.run(prepare())
    config = write_cli_config(tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            "report",
            "--dialogue",
            "BL26",
            "--out",
            str(out),
            "--public",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.suffix for p in out.iterdir())
    assert names == [".docx", ".xlsx"]
