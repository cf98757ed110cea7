"""The tables that are the flows: the command registry, each flow's step table, the drafts
kept between messages. They must agree with each other, and with what older versions stored."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from domain.plan import Role
from domain.texts import load_texts
from handlers import commands, office
from handlers.admin import flows as admin_flows
from handlers.admin.draft import AdminDraft
from handlers.drafts import StoredDraft
from handlers.meeting import flows as meeting_flows
from handlers.meeting.draft import MeetingDraft
from handlers.office import OfficeDraft
from handlers.resident import flows as resident_flows
from handlers.resident.draft import Draft
from handlers.resident.rating import RateDraft
from handlers.resident.speak import SpeakDraft
from handlers.steps import (
    STEPS_OF,
    AdminStep,
    Flow,
    FollowupStep,
    MeetingStep,
    OfficeStep,
    ResidentStep,
)
from handlers.suggestions import ReviewDraft
from tests.harness import ADMIN, OFFICIAL, RESIDENT, Harness

HANDLERS = {
    Flow.RESIDENT: resident_flows.HANDLERS,
    Flow.OFFICE: office.HANDLERS,
    Flow.ADMIN: admin_flows.HANDLERS,
    Flow.MEETING: meeting_flows.MEETING_HANDLERS,
    Flow.FOLLOWUP: meeting_flows.FOLLOWUP_HANDLERS,
}
STEP_TABLES = {
    Flow.RESIDENT: resident_flows.STEPS,
    Flow.OFFICE: office.STEPS,
    Flow.ADMIN: admin_flows.STEPS,
    Flow.MEETING: meeting_flows.MEETING_STEPS,
    Flow.FOLLOWUP: meeting_flows.FOLLOWUP_STEPS,
}


@pytest.mark.parametrize("flow", list(Flow))
def test_every_command_has_its_handler_and_no_handler_is_unlisted(flow: Flow) -> None:
    listed = {c.name for c in commands.COMMANDS if c.flow is flow}
    assert set(HANDLERS[flow]) == listed


@pytest.mark.parametrize("flow", list(Flow))
def test_every_step_is_in_its_flow_table(flow: Flow) -> None:
    assert set(STEP_TABLES[flow]) == set(STEPS_OF[flow])


def test_command_names_are_unique_and_described() -> None:
    texts = load_texts()
    names = [name for c in commands.COMMANDS for name in (c.name, *c.aliases)]
    assert len(names) == len(set(names))
    for c in commands.COMMANDS:
        assert texts(f"commands.{c.name}")


def test_menus_follow_the_roles() -> None:
    resident = [c.name for c in commands.menu_for(None)]
    assert resident == [
        "start",
        "gui",
        "cuatoi",
        "tracuu",
        "hoinghi",
        "thon",
        "tatthongbao",
        "batthongbao",
        "phatbieu",
        "danhgia",
        "dulieu",
        "huy",
        "help",
    ]
    collector = [c.name for c in commands.menu_for(Role.COLLECTOR)]
    assert collector == [*resident, "nhapphieu"]
    secretary = [c.name for c in commands.menu_for(Role.SECRETARY)]
    assert secretary[: len(collector)] == collector and "ghiykien" in secretary
    assert not {"camket", "giamsat", "tonghop"} & set(secretary)
    assert "web" in secretary  # the meeting's page in a browser
    # Supervisors read, and change nothing: their menu is a resident's plus the view, in the
    # chat and as a page (the link to it).
    supervisor = [c.name for c in commands.menu_for(Role.SUPERVISOR)]
    assert supervisor == [*resident, "giamsat", "web"]
    official = {c.name for c in commands.menu_for(Role.OFFICIAL)}
    assert {"thongke", "tonghop", "dshoinghi", "nhapphieu", "ghiykien", "giamsat"} <= official
    assert "thongbao" not in official
    assert len(commands.menu_for(Role.ADMIN)) == len(commands.COMMANDS)
    # Only the office's tools are answered in a group; aliases too.
    assert {"tonghop", "digest", "report", "thongke"} <= commands.GROUP_COMMANDS
    assert not {"start", "gui", "dulieu", "nhapphieu"} & commands.GROUP_COMMANDS


def test_stored_step_names_never_change() -> None:
    # Conversations in the database carry these strings; renaming one strands those chats.
    assert [s.value for s in ResidentStep] == [
        "menu",
        "offer_draft",
        "pick_dialogue",
        "pick_category",
        "write_text",
        "complaint_notice",
        "pick_similar",
        "pick_village",
        "write_name",
        "preview",
        "my_data",
        "confirm_forget",
        "home_village",
        "speak_pick",
        "speak_topic",
        "rate_pick",
        "rate_verdict",
        "rate_followup",
    ]
    assert all(s.value.startswith("office_") for s in OfficeStep)
    assert all(s.value.startswith("admin_") for s in AdminStep)
    assert all(s.value.startswith("meeting_") for s in MeetingStep)
    assert all(s.value.startswith("followup_") for s in FollowupStep)


# --- drafts written by the version before the typed drafts --------------------------------


def test_old_drafts_load_and_bad_values_read_as_unset() -> None:
    old = {
        "proxy": True,
        "dialogue": "BL26",
        "category": "land",
        "text": "Đề nghị cấp sổ đỏ",
        "village": None,
        "name": None,
        "flag": "complaint",
        "editing": True,
    }
    draft = Draft.load(old)
    assert (draft.proxy, draft.dialogue, draft.category, draft.flag) == (
        True,
        "BL26",
        "land",
        "complaint",
    )
    assert draft.editing and draft.village is None and draft.name is None
    assert Draft.load({"draft": "một câu hỏi gõ ở menu"}).offered == "một câu hỏi gõ ở menu"
    assert Draft.load({"village": 3, "text": ["x"], "proxy": "yes"}) == Draft()
    # Written back under the same keys, without the values that are not set.
    assert Draft.load(old).dump() == {k: v for k, v in old.items() if v is not None}

    assert OfficeDraft.load({"question": 4, "cluster": 2}) == OfficeDraft(question=4, cluster=2)
    assert OfficeDraft.load({"question": "4", "cluster": True}) == OfficeDraft()
    notice = AdminDraft.load(
        {
            "text": "Thông báo họp",
            "audience": "villages",
            "villages": ["Bản Nà Khum"],
            "send_at": "2026-12-01T08:00:00+07:00",
        }
    )
    assert notice.villages == ("Bản Nà Khum",)
    assert notice.send_at == datetime.fromisoformat("2026-12-01T08:00:00+07:00")
    assert AdminDraft.load({"send_at": "not a date"}).send_at is None
    assert MeetingDraft.load({"m_question": 3, "m_due": "2027-01-15"}).dump() == {
        "m_question": 3,
        "m_due": "2027-01-15",
    }
    assert MeetingDraft.load({"m_question": "3", "m_text": 5}) == MeetingDraft()


FILLED: list[StoredDraft] = [
    Draft(proxy=True, offered="x", dialogue="BL26", text="t", village="v", name="n", editing=True),
    OfficeDraft(question=4, cluster=2, answer="a", authority="UBND huyện", keep=1, absorb=0),
    AdminDraft(
        code="BL26",
        audience="villages",
        villages=("Bản Nà Khum", "Bản Mè"),
        send_at=datetime.fromisoformat("2026-12-01T08:00:00+07:00"),
    ),
    MeetingDraft(dialogue="BL26", question=3, commitment=1, due="2027-01-15"),
    RateDraft(question=7, rating=2),
    SpeakDraft(dialogue="BL26"),
    ReviewDraft(dialogue=1, suggestion=5, skipped=[2, 3]),
]


@pytest.mark.parametrize("draft", FILLED, ids=lambda d: type(d).__name__)
def test_every_draft_comes_back_as_it_was_stored(draft: StoredDraft) -> None:
    stored = json.loads(json.dumps(draft.dump(), ensure_ascii=False))
    assert type(draft).load(stored) == draft
    # Every value in it, of another type, reads as unset: loading never raises.
    assert type(draft).load({k: {"x": 1} for k in stored}) == type(draft)()
    # Flows that can meet in one chat's state keep their own keys.
    if isinstance(draft, MeetingDraft | RateDraft | SpeakDraft):
        assert all(k.startswith(type(draft).PREFIX) for k in stored)


def test_a_draft_refuses_a_type_it_cannot_keep() -> None:
    from dataclasses import dataclass

    @dataclass
    class Odd(StoredDraft):
        ratio: float = 0.0

    with pytest.raises(TypeError):
        Odd.load({"ratio": 0.5})


def store_state(bot: Harness, chat: int, step: str, data: dict[str, object]) -> None:
    """A conversation as an older version left it in the database."""
    with bot.db() as conn:
        conn.execute(
            "UPDATE conversations SET step = ?, data = ?, choices = '[]' WHERE chat_id = ?",
            (step, json.dumps(data, ensure_ascii=False), str(chat)),
        )


async def test_a_draft_stored_by_an_older_version_is_sent(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    store_state(
        bot,
        RESIDENT,
        "write_name",
        {
            "dialogue": "BL26",
            "category": "infrastructure",
            "text": "Đề nghị sửa đường liên thôn Bản Nà Khum bị sụt lún",
            "village": "Bản Nà Khum",
        },
    )
    await bot.send(RESIDENT, "Lò Văn Minh")
    preview = bot.last_text(RESIDENT)
    assert "Hạ tầng" in preview and "Bản Nà Khum" in preview and "Lò Văn Minh" in preview
    sent = await bot.press(RESIDENT, "Gửi")
    assert "BL26-0001" in sent[-1].text
    assert bot.rows("SELECT category, village, author_name FROM questions") == [
        ("infrastructure", "Bản Nà Khum", "Lò Văn Minh")
    ]


async def test_an_office_task_stored_by_an_older_version_goes_on(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT)
    await bot.send(OFFICIAL, "/traloi BL26-0001")
    store_state(bot, OFFICIAL, "office_write_answer", {"question": 1, "cluster": 1})
    await bot.send(OFFICIAL, "Xã đã cử cán bộ địa chính kiểm tra, sẽ sửa trong tháng 12.")
    await bot.press(OFFICIAL, "Ghi nhận và báo người dân")
    assert bot.rows("SELECT answer FROM clusters") == [
        ("Xã đã cử cán bộ địa chính kiểm tra, sẽ sửa trong tháng 12.",)
    ]


async def test_a_notice_stored_by_an_older_version_is_confirmed(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.send(ADMIN, "/thongbao")
    store_state(
        bot,
        ADMIN,
        "admin_notice_time",
        {"text": "Mời bà con dự hội nghị đối thoại", "audience": "all"},
    )
    await bot.send(ADMIN, "01/12/2026 08:00")
    text = bot.last_text(ADMIN)
    assert "Mời bà con dự hội nghị đối thoại" in text and "08:00 ngày 01/12/2026" in text
