"""After the meeting through the real Application: commitments with working-day due dates,
reminders before and after them, progress notes; the askers following their matter, paper
codes looked up with their village; ratings and the office's reply; supervisors read only."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.plan import Role
from handlers import commands
from tests.conftest import DEPARTMENT_HEAD, SECRETARY, SUPERVISOR
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_meeting import THIRD, flush, meeting_day, tick
from tests.test_office import OFFICE_GROUP, group_command

CONCLUSION_DAY = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)  # Monday 04/01/2027, 09:00


async def answer(bot: Harness, code: str, text: str) -> None:
    await bot.send(OFFICIAL, f"/traloi {code}")
    await bot.press(OFFICIAL, "Viết câu trả lời")
    await bot.send(OFFICIAL, text)
    await bot.press(OFFICIAL, "Ghi nhận và báo người dân")


async def commit(bot: Harness, code: str, department: str, days: str, text: str) -> str:
    await bot.send(OFFICIAL, f"/camket {code}")
    await bot.press(OFFICIAL, department)
    await bot.send(OFFICIAL, days)
    await bot.send(OFFICIAL, text)
    await bot.press(OFFICIAL, "Ghi cam kết")
    return bot.last_text(OFFICIAL)


# --- commitments -------------------------------------------------------------------------


async def test_commitment_due_in_working_days_reminded_and_closed(hall: Harness) -> None:
    await meeting_day(hall)
    hall.clock.now = CONCLUSION_DAY
    # 7 working days from Monday 04/01/2027 is Wednesday 13/01/2027.
    made = await commit(hall, "BL26-0001", "Phòng Kinh tế", "7", "Sửa 2 km đường liên thôn.")
    assert "BL26-CK01" in made and "hạn 13/01/2027" in made and "Chưa thực hiện" in made
    assert "đã có cam kết BL26-CK01" in await_text(await hall.send(OFFICIAL, "/camket BL26-0001"))
    # A date typed on a day off moves to the next working day.
    await hall.send(OFFICIAL, "/camket BL26-0002")
    await hall.press(OFFICIAL, "Phòng Văn hóa - Xã hội")
    await hall.send(OFFICIAL, "16/01/2027")  # a Saturday
    assert "18/01/2027" in hall.last_text(OFFICIAL)
    await hall.send(OFFICIAL, "Hỗ trợ 10 hộ nghèo sửa nhà trước Tết.")
    await hall.press(OFFICIAL, "Ghi cam kết")

    # 3 working days before 13/01 is Friday 08/01: the department's official is reminded.
    hall.clock.now = datetime(2027, 1, 8, 2, 0, tzinfo=UTC)
    assert "commitment:BL26-CK01:before3" in await tick(hall)
    assert not any(d.startswith("commitment:") for d in await tick(hall))  # once
    await flush(hall)
    reminded = [t for t in hall.api.texts(DEPARTMENT_HEAD) if "BL26-CK01" in t]
    assert len(reminded) == 1 and "còn 3 ngày làm việc" in reminded[0]
    # No official named for the other department: its reminder goes to the office group.
    hall.clock.now = datetime(2027, 1, 13, 2, 0, tzinfo=UTC)
    await tick(hall)
    await flush(hall)
    assert any("BL26-CK02" in t and "còn 3" in t for t in hall.api.texts(OFFICE_GROUP))

    await hall.send(OFFICIAL, "/tiendo BL26-CK01")
    await hall.send(OFFICIAL, "Đã khảo sát, đang làm hồ sơ thiết kế.")
    await hall.press(OFFICIAL, "Đang thực hiện")
    assert "Đã ghi tiến độ cam kết BL26-CK01" in hall.last_text(OFFICIAL)
    # The day after the due date: overdue, reminded, and listed for the office group.
    hall.clock.now = datetime(2027, 1, 14, 2, 0, tzinfo=UTC)
    done = await tick(hall)
    assert "commitment:BL26-CK01:after1" in done and "commitments_overdue:1" in done
    await flush(hall)
    assert any("quá hạn 1 ngày làm việc" in t for t in hall.api.texts(DEPARTMENT_HEAD))
    assert any("1 cam kết quá hạn" in t for t in hall.api.texts(OFFICE_GROUP))
    await hall.send(OFFICIAL, "/dscamket quahan")
    overdue = hall.last_text(OFFICIAL)
    assert "BL26-CK01 · Quá hạn" in overdue and "BL26-CK02" not in overdue

    await hall.send(OFFICIAL, "/tiendo BL26-0001")  # by the question's code too
    await hall.send(OFFICIAL, "Đã thảm nhựa xong 2 km, nghiệm thu ngày 20/01.")
    await hall.press(OFFICIAL, "Đã hoàn thành")
    assert "1 người dân được báo" in hall.last_text(OFFICIAL)
    await flush(hall)
    told = [t for t in hall.api.texts(RESIDENT) if "thực hiện xong" in t]
    assert len(told) == 1 and "nghiệm thu" in told[0] and "/danhgia BL26-0001" in told[0]
    notes = hall.rows("SELECT COUNT(*) FROM commitment_notes")
    await hall.send(OFFICIAL, "/tiendo BL26-CK01")  # closed: refused, nothing written
    assert "đã hoàn thành ngày 14/01/2027 nên không ghi thêm" in hall.last_text(OFFICIAL)
    assert hall.rows("SELECT COUNT(*) FROM commitment_notes") == notes
    hall.clock.now = datetime(2027, 1, 28, 2, 0, tzinfo=UTC)  # done: no more reminders
    assert not any("CK01" in d for d in await tick(hall))


def await_text(sent: list[object]) -> str:
    return str(getattr(sent[-1], "text", ""))


# --- the askers follow their matter, and rate it -----------------------------------------


async def test_askers_see_the_answer_commitment_and_rate_once(hall: Harness) -> None:
    await meeting_day(hall)
    await hall.consent(THIRD)
    services = hall.app.bot_data["services"]
    async with services.store.transaction() as tx:
        backer = await tx.resident("telegram", str(THIRD))
        await tx.add_support(1, backer.id, services.clock())
    await hall.send(RESIDENT, "/danhgia BL26-0001")
    assert "chưa có trả lời" in hall.last_text(RESIDENT)
    await answer(hall, "BL26-0001", "Xã bố trí vốn sửa đường trong quý I năm 2027.")
    await commit(hall, "BL26-0001", "Phòng Kinh tế", "30", "Sửa 2 km đường liên thôn.")
    # The conclusion tells each asker who carries out the matter, by when.
    await hall.send(ADMIN, "/ketluan BL26")
    await hall.send(ADMIN, "Chủ tịch UBND xã đã trả lời các ý kiến tại hội nghị.")
    await hall.press(ADMIN, "Không đính kèm")
    await hall.press(ADMIN, "Công bố và gửi")
    await hall.send(RESIDENT, "/cuatoi")
    mine = hall.last_text(RESIDENT)
    assert "Trả lời: Xã bố trí vốn sửa đường trong quý I năm 2027." in mine
    assert "Cam kết BL26-CK01: Chưa thực hiện, hạn 16/02/2027 (Phòng Kinh tế)" in mine
    assert "/danhgia BL26-0001" in mine

    await hall.send(RESIDENT, "/danhgia")  # the only one to rate: asked at once
    await hall.press(RESIDENT, "Chưa hài lòng")
    await hall.send(RESIDENT, "Quý I là quá lâu, mùa mưa đường sẽ hỏng thêm.")
    assert "đã nhận tin nhắn" in hall.last_text(RESIDENT)
    before = hall.rows("SELECT * FROM ratings")
    await hall.send(RESIDENT, "/danhgia BL26-0001")  # twice: refused, nothing changes
    assert "đã đánh giá ý kiến BL26-0001" in hall.last_text(RESIDENT)
    await hall.send(OTHER_RESIDENT, "/danhgia BL26-0001")  # someone else's: like unknown
    assert hall.last_text(OTHER_RESIDENT).startswith("Không tìm thấy mã BL26-0001")
    assert hall.rows("SELECT * FROM ratings") == before
    await hall.send(THIRD, "/danhgia BL26-0001")  # who backed it may rate it
    await hall.press(THIRD, "Hài lòng")
    await hall.press(THIRD, "Bỏ qua")
    await hall.send(RESIDENT, "/tracuu BL26-0001")
    assert "Ông/bà đã đánh giá: chưa hài lòng." in hall.last_text(RESIDENT)

    await hall.send(OFFICIAL, "/chuahailong")
    listed = hall.last_text(OFFICIAL)
    assert "Phòng Kinh tế: 1/2 chưa hài lòng" in listed and "Quý I là quá lâu" in listed
    assert "chưa trả lời lại" in listed
    await hall.send(OFFICIAL, "/phanhoi BL26-0001")
    await hall.send(OFFICIAL, "Xã sẽ vá tạm các ổ gà trong tháng 1 trước khi làm lại đường.")
    await hall.press(OFFICIAL, "Ghi nhận và báo người dân")
    assert "tới 1 người dân" in hall.last_text(OFFICIAL)
    await flush(hall)
    conclusion = [t for t in hall.api.texts(RESIDENT) if "THÔNG BÁO KẾT LUẬN" in t]
    assert "Cam kết BL26-CK01: Phòng Kinh tế thực hiện, hạn 16/02/2027" in conclusion[0]
    assert any("vá tạm các ổ gà" in t for t in hall.api.texts(RESIDENT))
    assert not any("vá tạm các ổ gà" in t for t in hall.api.texts(THIRD))
    await hall.send(OFFICIAL, "/chuahailong")
    assert "đã trả lời lại" in hall.last_text(OFFICIAL)  # still counted, never dropped
    await hall.send(OFFICIAL, "/phanhoi BL26-0001")
    assert "không có ai chưa hài lòng đang chờ" in hall.last_text(OFFICIAL)


async def test_paper_code_is_looked_up_with_the_village_on_the_form(hall: Harness) -> None:
    await meeting_day(hall)
    hall.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # before the deadline
    await hall.send(OFFICIAL, "/nhapphieu")
    await hall.press(OFFICIAL, "Chính sách xã hội")
    await hall.send(OFFICIAL, "Tôi là Lường Văn Sáu, đề nghị xét hỗ trợ hộ cận nghèo cho gia đình")
    await hall.press(OFFICIAL, "Bản Vàng Bó")
    await hall.send(OFFICIAL, "Lường Văn Sáu")
    await hall.press(OFFICIAL, "Gửi")
    assert "BL26-0003" in hall.last_text(OFFICIAL)
    await answer(hall, "BL26-0003", "Gia đình đủ điều kiện, xã đã lập hồ sơ đề nghị.")
    await hall.consent(THIRD)
    await hall.send(THIRD, "/tracuu BL26-0003")  # the code alone reveals nothing
    assert hall.last_text(THIRD).startswith("Không tìm thấy mã BL26-0003")
    await hall.send(THIRD, "/tracuu BL26-0003 Bản Nà Khum")  # another village: nothing
    assert "Không tìm thấy phiếu" in hall.last_text(THIRD)
    await hall.send(THIRD, "bl26-3 ban vang bo")  # typed at the menu, without diacritics
    found = hall.last_text(THIRD)
    assert "Gia đình đủ điều kiện" in found and "Lường Văn Sáu" not in found
    assert "/danhgia" not in found
    await hall.send(THIRD, "/tracuu BL26-0001 Bản Nà Khum")  # sent in the chat: only its asker
    assert "Không tìm thấy phiếu" in hall.last_text(THIRD)


async def test_deletion_takes_the_residents_words_and_keeps_the_counts(hall: Harness) -> None:
    await meeting_day(hall)
    await answer(hall, "BL26-0001", "Xã bố trí vốn sửa đường trong quý I năm 2027.")
    await hall.send(RESIDENT, "/danhgia BL26-0001")
    await hall.press(RESIDENT, "Chưa hài lòng")
    await hall.send(RESIDENT, "Nhà tôi ở đầu bản, đường trước nhà hỏng nặng nhất.")
    await hall.send(SECRETARY, "/mohangdoi")
    await hall.send(RESIDENT, "/phatbieu")
    await hall.press(RESIDENT, "Vấn đề khác")
    await hall.send(RESIDENT, "Về nước sạch cho nhà tôi ở đầu bản")
    await hall.send(RESIDENT, "/dulieu")
    await hall.press(RESIDENT, "Xóa dữ liệu của tôi")
    await hall.press(RESIDENT, "Có, xóa")
    assert hall.rows("SELECT resident_id, satisfied, followup FROM ratings") == [(None, 0, None)]
    assert hall.rows("SELECT resident_id, position, topic FROM speakers") == [(None, 1, None)]


# --- supervisors -------------------------------------------------------------------------


def snapshot(hall: Harness) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the bookkeeping of updates and conversations, on either store."""
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if hall.postgres is None
        else "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema()"
    )
    tables = [
        name for (name,) in hall.rows(listing) if name not in ("processed_updates", "conversations")
    ]
    assert "ratings" in tables
    return {t: sorted(hall.rows(f"SELECT * FROM {t}"), key=repr) for t in tables}


STAFF_COMMANDS = [
    c.name for c in commands.COMMANDS if not c.allows(Role.SUPERVISOR) and c.name != "office"
]


async def test_supervisors_read_commitments_and_change_nothing(hall: Harness) -> None:
    await meeting_day(hall)
    await answer(hall, "BL26-0001", "Xã bố trí vốn sửa đường trong quý I năm 2027.")
    await commit(hall, "BL26-0001", "Phòng Kinh tế", "30", "Sửa 2 km đường liên thôn.")
    await hall.send(RESIDENT, "/danhgia BL26-0001")
    await hall.press(RESIDENT, "Chưa hài lòng")
    await hall.send(RESIDENT, "Tôi là Lò Văn Minh, 0912 345 678, cần làm sớm hơn.")
    before = snapshot(hall)
    for name in STAFF_COMMANDS:
        sent = await hall.send(SUPERVISOR, f"/{name} BL26-0001")
        assert "chỉ dành cho" in sent[-1].text or "dành cho" in sent[-1].text, name
    # A button of an official's task in the office group does nothing for a supervisor.
    await hall.deliver(group_command(hall, "/tiendo BL26-CK01", user=OFFICIAL))
    assert "Nhập tiến độ" in hall.last_text(OFFICE_GROUP)
    note = group_command(hall, "Đã xong", user=SUPERVISOR)
    await hall.deliver(note)
    assert snapshot(hall) == before

    await hall.send(SUPERVISOR, "/giamsat")
    view = hall.last_text(SUPERVISOR)
    assert "GIÁM SÁT THỰC HIỆN CAM KẾT" in view and "BL26-CK01 · Chưa thực hiện" in view
    assert "Phòng Kinh tế: 0 hài lòng, 1 chưa hài lòng" in view
    for personal in ("Lò Văn Minh", "0912", "Bản Nà Khum", "Hoàng Thị Lan", str(RESIDENT)):
        assert personal not in view
    await hall.send(RESIDENT, "/giamsat")
    assert "giám sát" in hall.last_text(RESIDENT)
    await hall.send(OFFICIAL, "/giamsat BL26")  # the office may read it too
    assert "GIÁM SÁT" in hall.last_text(OFFICIAL)
    assert snapshot(hall)["ratings"] == before["ratings"]


async def test_admin_keeps_every_tool(hall: Harness) -> None:
    await meeting_day(hall)
    await hall.send(ADMIN, "/hangdoi BL26")
    assert "DANH SÁCH PHÁT BIỂU BL26" in hall.last_text(ADMIN)
    await hall.send(SECRETARY, "/camket BL26-0001")
    assert "chỉ dành cho cán bộ" in hall.last_text(SECRETARY)
