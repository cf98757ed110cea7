"""A village head or official types in a question received on paper, in the chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness import OFFICIAL, RESIDENT, Harness, base_config

COLLECTOR = 950
FORM = "Đề nghị hỗ trợ kinh phí làm nhà văn hóa Bản Vàng Bó đã xuống cấp"


@pytest.fixture
async def bot(tmp_path: Path) -> Any:
    config = base_config(tmp_path / "p.sqlite3")
    config["roles"]["collectors"] = [COLLECTOR]
    harness = Harness(tmp_path / "p.sqlite3", config)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.mark.parametrize("who", [COLLECTOR, OFFICIAL])
async def test_paper_question_entered_in_the_chat(bot: Harness, who: int) -> None:
    await bot.send(who, "/nhapphieu")
    await bot.press(who, "Hạ tầng")
    await bot.send(who, FORM)
    await bot.press(who, "Bản Vàng Bó")  # no similar-question offer for paper forms
    assert "như ghi trên phiếu" in bot.last_text(who)
    await bot.send(who, "Hà Văn Sơn")
    preview = bot.last_text(who)
    assert "nhập hộ" in preview and "Hà Văn Sơn" in preview
    await bot.press(who, "Gửi")
    assert "ghi mã này lên phiếu" in bot.last_text(who)
    assert bot.rows(
        "SELECT receipt_code, source, entered_by, resident_id, author_name, village FROM questions"
    ) == [("BL26-0001", "paper", f"telegram:{who}", None, "Hà Văn Sơn", "Bản Vàng Bó")]
    # The collector never agreed to the residents' notice: nothing about them is kept
    # but their place in the flow (staff).
    assert bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]


async def test_residents_cannot_enter_paper_forms(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    sent = await bot.send(RESIDENT, "/nhapphieu")
    assert "người được giao thu phiếu" in sent[0].text
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_paper_complaint_is_flagged_without_asking(bot: Harness) -> None:
    await bot.send(COLLECTOR, "/nhapphieu")
    await bot.press(COLLECTOR, "Khác")
    await bot.send(COLLECTOR, "Đơn tố cáo trưởng bản Nà Khum thu tiền sai quy định của dân")
    await bot.press(COLLECTOR, "Bản Nà Khum")
    await bot.press(COLLECTOR, "Bỏ qua")
    await bot.press(COLLECTOR, "Gửi")
    assert bot.rows("SELECT flag, source FROM questions") == [("complaint", "paper")]


async def test_paper_question_joins_the_chat_duplicate(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    await bot.submit(RESIDENT, text=FORM, category="Hạ tầng", village="Bản Vàng Bó")
    await bot.send(COLLECTOR, "/nhapphieu")
    await bot.press(COLLECTOR, "Hạ tầng")
    await bot.send(COLLECTOR, "xin kinh phi sua nha van hoa ban vang bo bi xuong cap")
    await bot.press(COLLECTOR, "Bản Vàng Bó")
    await bot.press(COLLECTOR, "Bỏ qua")
    await bot.press(COLLECTOR, "Gửi")
    assert bot.rows("SELECT id, COALESCE(cluster_id, id) FROM questions") == [(1, 1), (2, 1)]
