"""The secretariat's page at the meeting and the supervisors' view, over the real bot on a real
SQLite file: a floor question typed on the page goes where the chat's /ghiykien puts it (the
same operation, the same clustering engine), the speaker list and on-the-spot answers run from
it, supervisors read without any personal data, and each role reaches its own pages only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.web.app import ROUTES
from tests.conftest import SECRETARY, SUPERVISOR, meeting_config
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_followup import answer as answer_in_chat
from tests.test_followup import commit
from tests.test_meeting import SAME_ROAD, meeting_day
from tests.test_web import engine_cluster_of
from tests.test_web_security import state
from tests.webdesk import WEB_PORT, received, sign_in, submit, web_client

Client = TestClient[Any, Any]
PRIVATE_CHAT = 5550009911  # distinctive: it must never appear on a page
PRIVATE_NAME = "Nông Thị Huệ"
PRIVATE_PHONE = "0912 345 678"
FLOOR_ROAD = "Đường liên thôn Bản Nà Khum sụt lún nhiều đoạn, đề nghị xã sửa chữa sớm"
JOBS = "Đề nghị xã có kế hoạch đào tạo nghề cho thanh niên trong xã"
NEW_PAGES = ("/hop", "/hop/BL26", "/giam-sat", "/giam-sat/BL26")
NEW_POSTS = ("/hop/BL26/y-kien", "/hop/BL26/phat-bieu", "/hop/BL26/tra-loi")
COLLECTING = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
OFFICE_GETS = ("/", "/qua-han", "/nhat-ky", "/hoi-nghi/BL26", "/nhom/1", "/thong-bao")


@pytest.fixture
async def hall(tmp_path: Path) -> AsyncIterator[Harness]:
    db = tmp_path / "hall.sqlite3"
    config = meeting_config(db)
    config["web"] = {"port": WEB_PORT}
    bot = Harness(db, config)
    await bot.start()
    try:
        await meeting_day(bot)
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def client(hall: Harness) -> AsyncIterator[Client]:
    web = await web_client(hall)
    try:
        yield web
    finally:
        await web.close()


@pytest.fixture
async def second(hall: Harness) -> AsyncIterator[Client]:
    """Another browser, for another person."""
    web = await web_client(hall)
    try:
        yield web
    finally:
        await web.close()


FLOOR_ROWS = (
    "SELECT receipt_code, source, entered_by, village, author_name, "
    "COALESCE(cluster_id, id), resident_id FROM questions WHERE source = 'floor' ORDER BY id"
)


async def test_a_floor_question_on_the_page_joins_the_pipeline_like_the_chats(
    hall: Harness, client: Client, second: Client
) -> None:
    csrf = await sign_in(client, hall, SECRETARY)
    page = await (await client.get("/hop")).text()  # the meeting's dialogue, found for them
    assert "Ghi ý kiến nêu tại hội nghị" in page and "Danh sách phát biểu" in page

    stored = await client.post(
        "/hop/BL26/y-kien", data={"csrf": csrf, "noi_dung": FLOOR_ROAD, "thon": "0", "ho_ten": ""}
    )
    text = await stored.text()
    assert stored.status == 200 and "Đã ghi ý kiến BL26-0003" in text
    assert "chung nhóm BL26-0001" in text  # shown in the list of what was recorded
    # The chat's /ghiykien, for the same matter, lands in the same cluster.
    await hall.send(SECRETARY, "/ghiykien")
    await hall.send(SECRETARY, SAME_ROAD)
    await hall.press(SECRETARY, "Bản Vàng Bó")
    await hall.press(SECRETARY, "Bỏ qua")
    assert "nhóm BL26-0001" in hall.last_text(SECRETARY)
    await hall.press(SECRETARY, "Xong")
    named = await client.post(
        "/hop/BL26/y-kien", data={"csrf": csrf, "noi_dung": JOBS, "ho_ten": "Vi Văn Thắng"}
    )
    assert "Đã ghi ý kiến BL26-0005, là ý kiến nêu tại hội nghị." in await named.text()
    assert hall.rows(FLOOR_ROWS) == [
        ("BL26-0003", "floor", f"telegram:{SECRETARY}", "Bản Nà Khum", None, 1, None),
        ("BL26-0004", "floor", f"telegram:{SECRETARY}", "Bản Vàng Bó", None, 1, None),
        ("BL26-0005", "floor", f"telegram:{SECRETARY}", None, "Vi Văn Thắng", 5, None),
    ]
    # The clustering engine the bot's conversations use has them where the store does.
    assert await engine_cluster_of(hall, 3) == await engine_cluster_of(hall, 4) == 1

    # The office sees them with the rest: on its questions page, in the cluster, the digest.
    await sign_in(second, hall, OFFICIAL)
    questions = await (await second.get("/hoi-nghi/BL26")).text()
    assert all(code in questions for code in ("BL26-0003", "BL26-0004", "BL26-0005"))
    cluster = await (await second.get("/nhom/1")).text()
    assert "BL26-0003" in cluster and "BL26-0004" in cluster and FLOOR_ROAD in cluster
    await hall.send(OFFICIAL, "/tonghop")
    digest = "\n".join(hall.api.texts(OFFICIAL)[-3:])
    assert "BL26-0001, BL26-0003, BL26-0004" in digest and "BL26-0005" in digest


async def test_bad_floor_input_and_a_missing_csrf_token_change_nothing(
    hall: Harness, client: Client
) -> None:
    csrf = await sign_in(client, hall, SECRETARY)
    before = state(hall)
    for form in (
        {"noi_dung": FLOOR_ROAD},  # no CSRF token
        {"csrf": "sai", "noi_dung": FLOOR_ROAD},
    ):
        refused = await client.post("/hop/BL26/y-kien", data=form)
        assert refused.status == 403 and "Biểu mẫu đã hết hiệu lực" in await refused.text()
    short = await client.post("/hop/BL26/y-kien", data={"csrf": csrf, "noi_dung": "Sửa đường"})
    page = await short.text()
    assert short.status == 400 and "cần từ 15 đến 1.500 ký tự" in page
    assert "Sửa đường</textarea>" in page  # what was typed is kept
    for bad in ({"thon": "9"}, {"thon": "x"}, {"ho_ten": "Ông 123"}):
        answer = await client.post(
            "/hop/BL26/y-kien", data={"csrf": csrf, "noi_dung": FLOOR_ROAD, **bad}
        )
        assert answer.status == 400 and "chưa ghi gì" in await answer.text()
    unknown = await client.post("/hop/BL99/y-kien", data={"csrf": csrf, "noi_dung": FLOOR_ROAD})
    assert unknown.status == 404
    assert state(hall) == before


async def test_the_speaker_list_and_answers_on_the_spot_from_the_page(
    hall: Harness, client: Client
) -> None:
    csrf = await sign_in(client, hall, SECRETARY)
    opened = await client.post("/hop/BL26/phat-bieu", data={"csrf": csrf, "hanh_dong": "open"})
    assert "Đã mở đăng ký phát biểu." in await opened.text()
    assert "Đang nhận đăng ký" in await opened.text()
    await hall.send(RESIDENT, "/phatbieu")
    await hall.press(RESIDENT, "Về BL26-0001")
    await hall.send(OTHER_RESIDENT, "/phatbieu")
    await hall.press(OTHER_RESIDENT, "Vấn đề khác")
    await hall.send(OTHER_RESIDENT, "Về việc thu gom rác ở Bản Vàng Bó")
    page = await (await client.get("/hop/BL26")).text()
    assert "Đang chờ: 2 người" in page
    assert page.index("Lò Văn Minh: về BL26-0001") < page.index("Hoàng Thị Lan: vấn đề khác")

    called = await client.post("/hop/BL26/phat-bieu", data={"csrf": csrf, "hanh_dong": "next"})
    text = await called.text()
    assert "Đã mời số 1; người đó đã được nhắn tin." in text and "Đang phát biểu:" in text
    assert "Đã đến lượt ông/bà phát biểu (số 1)" in await received(hall, RESIDENT, "(số 1)")
    done = await client.post("/hop/BL26/phat-bieu", data={"csrf": csrf, "hanh_dong": "done"})
    assert "Số 1 đã phát biểu xong." in await done.text()
    closed = await client.post("/hop/BL26/phat-bieu", data={"csrf": csrf, "hanh_dong": "close"})
    assert "Đã đóng đăng ký phát biểu" in await closed.text()
    await hall.send(RESIDENT, "/phatbieu")
    assert "đã đóng" in hall.last_text(RESIDENT)
    bad = await client.post("/hop/BL26/phat-bieu", data={"csrf": csrf, "hanh_dong": "xoa"})
    assert bad.status == 400
    assert hall.rows("SELECT position, status FROM speakers ORDER BY position") == [
        (1, "done"),
        (2, "waiting"),
    ]

    # Answered on the spot: the askers are told that evening, as /traloitaicho does.
    summary = "Chủ tịch xã cam kết sửa đường trong quý I năm 2027."
    answer = await client.post(
        "/hop/BL26/tra-loi", data={"csrf": csrf, "ma": "bl26-1", "tom_tat": summary}
    )
    text = await answer.text()
    assert "Đã ghi nhận BL26-0001 được trả lời tại hội nghị; 1 người dân sẽ được báo." in text
    assert "lúc 19:00 tối nay" in text
    again = await client.post(
        "/hop/BL26/tra-loi", data={"csrf": csrf, "ma": "BL26-0001", "tom_tat": summary}
    )
    assert "đã được ghi là trả lời tại hội nghị từ trước" in await again.text()
    unknown = await client.post(
        "/hop/BL26/tra-loi", data={"csrf": csrf, "ma": "BL26-0099", "tom_tat": summary}
    )
    assert unknown.status == 400 and "Không có ý kiến BL26-0099" in await unknown.text()
    held = "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'onspot' GROUP BY status"
    assert hall.rows(held) == [("held", 1)]
    assert hall.rows("SELECT action FROM audit WHERE action = 'onspot'") == [("onspot",)]
    # Counts a page shows are written as Vietnamese writes numbers.
    big = await client.get(
        "/hop/BL26", params={"xong": "onspot_recorded", "so": "5000", "ma": "BL26-0001"}
    )
    assert "5.000 người dân sẽ được báo" in await big.text()


async def test_supervisors_read_without_personal_data_and_change_nothing(
    hall: Harness, client: Client
) -> None:
    meeting, hall.clock.now = hall.clock.now, COLLECTING  # asked before the deadline
    await submit(hall, PRIVATE_CHAT, SAME_ROAD, "Hạ tầng", "Bản Nà Khum", PRIVATE_NAME)
    hall.clock.now = meeting
    await commit(hall, "BL26-0001", "Phòng Kinh tế", "30", "Sửa 2 km đường liên thôn.")
    await hall.send(OFFICIAL, "/tiendo BL26-CK01")
    await hall.send(OFFICIAL, "Đã khảo sát, đang làm hồ sơ thiết kế.")
    await hall.press(OFFICIAL, "Đang thực hiện")
    await answer_in_chat(hall, "BL26-0002", "Xã hỗ trợ 10 hộ nghèo sửa nhà trước Tết.")
    await hall.send(OTHER_RESIDENT, "/danhgia BL26-0002")
    await hall.press(OTHER_RESIDENT, "Chưa hài lòng")
    await hall.send(OTHER_RESIDENT, f"Tôi là {PRIVATE_NAME}, {PRIVATE_PHONE}, cần làm sớm hơn.")

    csrf = await sign_in(client, hall, SUPERVISOR)
    view = await client.get("/giam-sat")
    page = await view.text()
    assert view.status == 200 and "Giám sát thực hiện cam kết" in page
    assert "BL26-CK01" in page and "Đang thực hiện" in page and "Phòng Kinh tế" in page
    assert "Sửa 2 km đường liên thôn." in page and "Đã khảo sát" in page
    assert "Phòng Văn hóa - Xã hội" in page  # the unsatisfied verdict, counted
    for personal in (
        PRIVATE_NAME,
        "Lò Văn Minh",
        "Hoàng Thị Lan",
        "0912",
        str(PRIVATE_CHAT),
        str(RESIDENT),
        str(OTHER_RESIDENT),
        "Bản Nà Khum",
        "Bản Vàng Bó",
        "cần làm sớm hơn",
        SAME_ROAD,
    ):
        assert personal not in page, personal

    before = state(hall)
    for path in (*NEW_POSTS, "/nhom/1/tra-loi", "/nhom/1/phan-cong", "/hoi-nghi/BL26/gop"):
        answer = await client.post(
            path,
            data={"csrf": csrf, "noi_dung": FLOOR_ROAD, "hanh_dong": "open", "tra_loi": "Xong."},
        )
        assert answer.status == 403, path
    for path in (*OFFICE_GETS, "/hop", "/hop/BL26"):
        answer = await client.get(path)
        assert answer.status == 403, path
        assert "dành cho vai trò khác" in await answer.text() or path == "/thong-bao"
    assert state(hall) == before
    assert hall.rows("SELECT COUNT(*) FROM speaker_lists") == [(0,)]
    signed_out = await client.post("/dang-xuat", data={"csrf": csrf})
    assert signed_out.status == 200 and "Đã đăng xuất" in await signed_out.text()


async def test_each_role_reaches_its_own_pages(
    hall: Harness, client: Client, second: Client
) -> None:
    # No session: nothing.
    for path in NEW_PAGES:
        assert (await client.get(path)).status == 403, path
    for path in NEW_POSTS:
        assert (await client.post(path, data={"csrf": "x"})).status == 403, path
    # A resident is given no link, and a session made out to one opens nothing.
    refused = await hall.send(RESIDENT, "/web")
    assert "dang-nhap" not in refused[-1].text
    # The secretariat: the meeting's page, nothing of the office's or the supervisors'.
    csrf = await sign_in(client, hall, SECRETARY)
    home = await client.get("/")
    assert home.status == 403 and "Quay lại" in await home.text()
    before = state(hall)
    for path in (*OFFICE_GETS, "/giam-sat", "/giam-sat/BL26"):
        assert (await client.get(path)).status == 403, path
    for path in ("/nhom/1/tra-loi", "/hoi-nghi/BL26/gop", "/thong-bao"):
        answer = await client.post(path, data={"csrf": csrf, "tra_loi": "Đã sửa xong."})
        assert answer.status == 403, path
    assert state(hall) == before
    page = await (await client.get("/hop/BL26")).text()
    assert "Tại hội nghị" in page and "/qua-han" not in page and "/giam-sat" not in page
    # Officials and admins may use both pages too.
    await sign_in(second, hall, OFFICIAL)
    for path in NEW_PAGES:
        assert (await second.get(path)).status == 200, path
    await sign_in(second, hall, ADMIN)
    assert (await second.get("/hop/BL26")).status == 200
    # Every new route is in the table the security tests walk.
    paths = {path for _, path, _, _ in ROUTES}
    assert {"/hop/{code}", "/giam-sat/{code}", "/hop/{code}/y-kien"} <= paths
