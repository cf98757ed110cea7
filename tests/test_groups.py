"""The office group: only staff act there, a group is never a resident, and commands addressed
to another bot are not ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram_api import BOT_USER
from tests.harness import ADMIN, OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_office import OFFICE_GROUP, group_command, office_config, seed

GROUP_CHAT = {"id": OFFICE_GROUP, "type": "supergroup", "title": "Văn phòng"}


@pytest.fixture
async def office(tmp_path: Path) -> Any:
    harness = Harness(tmp_path / "office.sqlite3", office_config(tmp_path / "office.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


def group_press(bot: Harness, label: str, user: int) -> dict[str, Any]:
    update = bot.api.press_update(OFFICE_GROUP, label)
    update["callback_query"]["from"]["id"] = user
    update["callback_query"]["message"]["chat"] = GROUP_CHAT
    return update


def group_state(bot: Harness) -> list[tuple[Any, ...]]:
    return bot.rows("SELECT step, nonce FROM conversations WHERE chat_id = ?", str(OFFICE_GROUP))


async def test_a_member_pressing_an_officials_button_changes_nothing(office: Harness) -> None:
    await seed(office)
    await office.deliver(group_command(office, "/phancong BL26-0001", user=OFFICIAL))
    assert office.labels(OFFICE_GROUP) == ["Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]
    before = group_state(office)
    for member in (RESIDENT, 55555):
        assert await office.deliver(group_press(office, "Phòng Kinh tế", member)) == []
        assert "chỉ dành cho cán bộ" in str(office.api.answers[-1].get("text"))
    assert group_state(office) == before
    assert office.rows("SELECT status FROM questions WHERE id = 1") == [("received",)]
    # The official goes on where they were: no consent request, the press does its work.
    sent = await office.deliver(group_press(office, "Phòng Kinh tế", OFFICIAL))
    assert "Tôi đồng ý" not in [label for s in sent for label, _ in s.buttons]
    assert office.rows("SELECT status FROM questions WHERE id = 1") == [("assigned",)]


async def test_an_official_cannot_take_over_an_admins_task(office: Harness) -> None:
    await seed(office)
    await office.deliver(group_command(office, "/donghoinghi BL26", user=ADMIN))
    before = group_state(office)
    labels = office.labels(OFFICE_GROUP)
    assert await office.deliver(group_press(office, labels[0], OFFICIAL)) == []
    assert group_state(office) == before
    assert office.rows("SELECT closed FROM dialogues") == [(0,)]


async def test_a_member_typing_a_staff_command_interrupts_nothing(office: Harness) -> None:
    await seed(office)
    await office.deliver(group_command(office, "/phancong BL26-0001", user=OFFICIAL))
    before = group_state(office)
    sent = await office.deliver(group_command(office, "/tonghop", user=RESIDENT))
    assert len(sent) == 1 and "chỉ dành cho cán bộ" in sent[0].text
    assert group_state(office) == before and office.api.files == []


async def test_a_group_is_never_a_resident(office: Harness) -> None:
    await seed(office)
    # A consent button (from an old message, or forged) pressed in the group by anyone.
    for member in (OTHER_RESIDENT, OFFICIAL):
        update = office.api.callback_update(OFFICE_GROUP, "0|agree")
        update["callback_query"]["from"]["id"] = member
        update["callback_query"]["message"]["chat"] = GROUP_CHAT
        await office.deliver(update)
    assert office.rows("SELECT COUNT(*) FROM residents WHERE chat_id = ?", str(OFFICE_GROUP)) == [
        (0,)
    ]
    # An official's command in the group is answered without asking anyone to agree.
    sent = await office.deliver(group_command(office, "/dshoinghi", user=OFFICIAL))
    assert sent and all("Tôi đồng ý" not in label for s in sent for label, _ in s.buttons)
    assert "BL26" in sent[0].text


async def test_commands_for_another_bot_are_not_run(office: Harness) -> None:
    await seed(office)
    assert await office.deliver(group_command(office, "/baocao@otherbot", user=OFFICIAL)) == []
    assert await office.deliver(group_command(office, "/baocao@otherbot BL26", OFFICIAL)) == []
    assert office.api.files == []
    await office.deliver(group_command(office, f"/baocao@{BOT_USER['username'].upper()}", OFFICIAL))
    assert len(office.api.files) == 2  # DOCX and XLSX
    # In a private chat too.
    assert await office.send(RESIDENT, "/cuatoi@otherbot") == []
    assert "BL26-0001" in (await office.send(RESIDENT, f"/cuatoi@{BOT_USER['username']}"))[0].text
