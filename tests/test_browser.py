"""One official's morning in a real browser (Debian's chromium, driven by playwright): sign in
through the link /web sent, merge two clusters, record an answer (the residents receive it on
Telegram), download the report to sign; and the secretariat typing in a question from the floor
at the meeting. The page runs on the bot's own services, on a port."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from bot.web.server import outbox_waker, start_web
from tests.browser import browser, chromium
from tests.conftest import SECRETARY
from tests.harness import Harness
from tests.webdesk import (
    LAND,
    ROAD,
    ROAD_AGAIN,
    desk_config,
    link_for,
    received,
    services_of,
    submit,
)

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed")

OTHER_ROAD = "Đề nghị làm lại mặt đường trục thôn 3 bị lún, ổ gà nhiều, mưa xuống ngập nước"


async def test_an_official_signs_in_merges_answers_and_downloads_the_report(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path / "browser.sqlite3", desk_config(tmp_path / "browser.sqlite3"))
    await bot.start()
    server = None
    try:
        await submit(bot, 6660001, ROAD, "Hạ tầng", "Bản Nà Khum")
        await submit(bot, 6660002, LAND, "Đất đai", "Bản Nà Khum")
        await submit(bot, 6660003, OTHER_ROAD, "Hạ tầng", "Bản Vàng Bó")
        assert bot.rows("SELECT COUNT(DISTINCT COALESCE(cluster_id, id)) FROM questions") == [(3,)]
        # Port 0: any free port, so that tests in parallel workers never meet on one.
        server = await start_web(
            services_of(bot), outbox_waker(bot.app.bot_data["outbox"].flush), 0
        )
        link = f"{server.address}{await link_for(bot)}"
        async with browser(tmp_path / "profile") as context:
            page = await context.new_page()
            await page.goto(link)
            await page.get_by_role("button", name="Đăng nhập").click()
            await page.get_by_role("heading", name="Các hội nghị").wait_for()

            await page.get_by_role("link", name="Xem ý kiến").click()
            await page.get_by_label("Chọn nhóm BL26-0001 để gộp").check()
            await page.get_by_label("Chọn nhóm BL26-0003 để gộp").check()
            await page.get_by_role("button", name="Gộp các nhóm đã chọn").click()
            await page.get_by_text("Đã gộp nhóm: 1 ý kiến được chuyển vào nhóm này.").wait_for()
            assert bot.rows("SELECT COALESCE(cluster_id, id) FROM questions WHERE id = 3") == [(1,)]

            answer = "Xã đã đưa hai đoạn đường vào kế hoạch sửa chữa, thi công trong tháng 12."
            await page.get_by_label("Nội dung trả lời").fill(answer)
            await page.get_by_role("button", name="Ghi nhận và báo người dân").click()
            await page.get_by_text("2 người dân sẽ nhận được thông báo").wait_for()
            for chat in (6660001, 6660003):
                await received(bot, chat, answer)

            await page.get_by_role("link", name="← BL26").click()
            await page.get_by_role("link", name="Báo cáo, biểu đồ").click()
            await page.wait_for_load_state("load")  # the chart is drawn by the server first
            chart_width = await page.locator("img").evaluate("image => image.naturalWidth")
            assert chart_width > 0
            async with page.expect_download() as waiting:
                await page.get_by_role("link", name="Tải bản Word (DOCX)").first.click()
            download = await waiting.value
            assert download.suggested_filename.startswith("bao-cao-BL26-")
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            document = Document(str(saved))
            cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
            assert any(answer in text for text in cells + [p.text for p in document.paragraphs])
    finally:
        if server is not None:
            await server.stop()
        await bot.stop()


async def test_the_secretariat_records_a_floor_question_in_a_browser(tmp_path: Path) -> None:
    config = desk_config(tmp_path / "hall.sqlite3")
    config["roles"]["secretaries"] = [SECRETARY]
    bot = Harness(tmp_path / "hall.sqlite3", config)
    await bot.start()
    server = None
    try:
        await submit(bot, 6660001, ROAD, "Hạ tầng", "Bản Nà Khum")
        server = await start_web(services_of(bot), None, 0)
        link = f"{server.address}{await link_for(bot, SECRETARY)}"
        async with browser(tmp_path / "profile") as context:
            page = await context.new_page()
            await page.goto(link)
            await page.get_by_role("button", name="Đăng nhập").click()
            await page.get_by_role("heading", name="Ghi ý kiến nêu tại hội nghị").wait_for()
            await page.get_by_label("Nội dung người phát biểu nêu").fill(ROAD_AGAIN)
            await page.get_by_label("Thôn, tổ dân phố của người phát biểu").select_option(
                label="Bản Vàng Bó"
            )
            await page.get_by_role("button", name="Ghi ý kiến").click()
            await page.get_by_text("Đã ghi ý kiến BL26-0002").wait_for()
        assert bot.rows("SELECT source, village, COALESCE(cluster_id, id) FROM questions") == [
            ("chat", "Bản Nà Khum", 1),
            ("floor", "Bản Vàng Bó", 1),
        ]
    finally:
        if server is not None:
            await server.stop()
        await bot.stop()
