"""The pictures of the office's web page in README.md, taken in Debian's chromium (playwright)
from the page served on a fresh database: an example dialogue whose questions went in through
the pipeline the chat uses (`store_question`, so they are clustered as there), some of them
assigned, answered and backed; an admin signs in through a one-time link as /web gives one.

Run: python docs/screenshots.py [--out docs/]
(writes web-dialogues.png, web-questions.png, web-cluster.png, web-report.png, web-notices.png,
web-meeting.png and web-supervise.png at an office screen's 1366×768, and web-phone.png, the
questions page on a phone)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.resident_flow import write_config  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.services import Services, open_services  # noqa: E402
from bot.web.server import start_web  # noqa: E402
from domain.meeting import CommitmentStatus  # noqa: E402
from domain.models import NewQuestion  # noqa: E402
from domain.plan import Role  # noqa: E402
from handlers.commitment_ops import add_commitment, add_note  # noqa: E402
from handlers.desk import Desk  # noqa: E402
from handlers.intake import store_question  # noqa: E402
from handlers.meeting_ops import Actor, enter_floor_question  # noqa: E402
from handlers.web_access import SIGN_IN_PATH, issue_link  # noqa: E402
from tests.browser import PHONE, browser  # noqa: E402

ADMIN = "telegram:901"
AT = datetime(2026, 11, 20, 2, tzinfo=UTC)
# (category, village, name, text); close wordings join one cluster, as in the chat.
QUESTIONS = (
    (
        "infrastructure",
        "Bản Nà Khum",
        "Lò Văn Minh",
        "Đề nghị sửa chữa đường liên thôn Bản Nà Khum bị sụt lún nhiều đoạn, đi lại khó khăn",
    ),
    (
        "infrastructure",
        "Bản Vàng Bó",
        "Hoàng Thị Mai",
        "Đường liên thôn bản Nà Khum sụt lún nhiều đoạn, đề nghị xã sửa chữa sớm cho dân đi",
    ),
    (
        "infrastructure",
        "Bản Nà Khum",
        "Vi Văn Sáng",
        "duong lien thon ban na khum sut lun nhieu doan, de nghi xa sua som",
    ),
    (
        "infrastructure",
        "Khu dân cư Bình Lư",
        "Nguyễn Văn Hùng",
        "Đèn chiếu sáng ở khu dân cư Bình Lư hỏng cả tháng nay, đề nghị thay bóng",
    ),
    (
        "land",
        "Bản Nà Khum",
        "Lò Thị Hoa",
        "xin cap so do cho cac ho ban na khum, nop ho so 2 nam roi ko thay tra loi",
    ),
    (
        "land",
        "Bản Nà Khum",
        "Lường Văn Thắng",
        "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ Bản Nà Khum đã nộp hồ sơ",
    ),
    (
        "land",
        "Bản Vàng Bó",
        "Tòng Văn Dũng",
        "Đề nghị xã làm rõ ranh giới đất rừng giữa Bản Vàng Bó và xã bên cạnh",
    ),
    (
        "social_policy",
        "Bản Vàng Bó",
        "Đinh Thị Lan",
        "Đề nghị xem xét hỗ trợ hộ nghèo sửa chữa nhà ở trước mùa mưa bão năm nay",
    ),
    (
        "social_policy",
        "Khu dân cư Bình Lư",
        "Phạm Văn Tư",
        "Đề nghị chi trả trợ cấp người cao tuổi đúng hạn, tháng trước chậm gần 20 ngày",
    ),
    (
        "other",
        "Bản Nà Khum",
        "Lò Văn Quý",
        "Đề nghị xã tổ chức lớp học nghề may và sửa xe máy cho thanh niên trong bản",
    ),
)
PAGES = (
    ("web-dialogues.png", "/", None),
    ("web-questions.png", "/hoi-nghi/BL26", None),
    ("web-cluster.png", "/nhom/1", None),
    ("web-report.png", "/hoi-nghi/BL26/bao-cao", None),
    ("web-notices.png", "/thong-bao", None),
    ("web-phone.png", "/hoi-nghi/BL26", PHONE),
    ("web-meeting.png", "/hop/BL26", None),
    ("web-supervise.png", "/giam-sat/BL26", None),
)


def configure(path: Path, db: Path) -> None:
    write_config(path, "http://127.0.0.1:9", db)  # no channel runs: the page alone
    # The plan's own deadline, not the benchmarks' far-away one.
    path.write_text(path.read_text("utf-8").replace("2099-12-15", "2026-12-15"), "utf-8")
    with path.open("a", encoding="utf-8") as out:
        out.write(
            '\n[web]\nport = 0\n\n[[departments]]\nkey = "kinh_te"\nname = "Phòng Kinh tế"\n'
            'categories = ["land", "infrastructure"]\n\n'
            '[[departments]]\nkey = "vh_xh"\nname = "Phòng Văn hóa - Xã hội"\n'
            'categories = ["social_policy", "other"]\n'
        )


async def fill(services: Services) -> None:
    async with services.store.transaction() as tx:
        for n, (category, village, name, text) in enumerate(QUESTIONS):
            await store_question(
                tx,
                services.engine.finder,
                NewQuestion(
                    dialogue_id=1,
                    resident_id=None,
                    category=category,
                    text=text,
                    village=village,
                    author_name=name,
                    created_at=AT + timedelta(hours=5 * n),
                    source="paper",
                    entered_by=ADMIN,
                ),
            )
    async with services.store.transaction() as tx:
        clusters = sorted(await tx.clusters_of(1))
        desk = Desk(
            tx,
            services.engine.finder,
            services.engine.plan,
            services.texts,
            "telegram:900",
            AT + timedelta(days=3),
        )
        await desk.assign(clusters[0], "kinh_te")
        await desk.set_report_text(
            clusters[0], "Đề nghị sửa chữa đường liên thôn Bản Nà Khum bị sụt lún nhiều đoạn"
        )
        await desk.assign(clusters[-1], "vh_xh")
        await desk.answer(
            clusters[-1], "Xã phối hợp Trung tâm Giáo dục nghề nghiệp mở lớp trong quý I năm 2027."
        )
    # The meeting: a question from the floor (as the secretariat's page stores it), and a
    # commitment with a progress note for the supervisors' view.
    meeting = AT + timedelta(days=38)
    admin = Actor(ADMIN, Role.ADMIN)
    async with services.store.transaction() as tx:
        dialogue = await tx.dialogue_by_code("BL26")
        assert dialogue is not None
        await enter_floor_question(
            tx,
            services.engine.finder,
            admin,
            dialogue,
            "Đường liên thôn Bản Nà Khum sụt lún nhiều đoạn, đề nghị xã sửa chữa trước mùa mưa",
            "Bản Nà Khum",
            None,
            meeting,
        )
        first = (await tx.questions_by_ids([clusters[0]]))[0]
        made, _ = await add_commitment(
            tx, admin, first, "kinh_te", "Sửa 2 km đường liên thôn.", date(2027, 2, 26), meeting
        )
        await add_note(
            tx,
            services.engine.plan,
            services.texts,
            admin,
            made,
            "Đã khảo sát, đang làm hồ sơ thiết kế.",
            CommitmentStatus.IN_PROGRESS,
            meeting + timedelta(days=10),
        )


async def shoot(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="web-shots-") as folder:
        work = Path(folder)
        configure(work / "config.toml", work / "bot.sqlite3")
        services = await open_services(load_settings(work / "config.toml"))
        server = None
        try:
            await fill(services)
            server = await start_web(services, port=0)
            for name, path, viewport in PAGES:
                async with browser(work / f"profile-{name}", viewport) as context:
                    page = await context.new_page()
                    # A link opens one session once: each browser gets its own.
                    async with services.store.transaction() as tx:
                        token = await issue_link(tx, ADMIN, services.clock())
                    await page.goto(f"{server.address}{SIGN_IN_PATH}{token}")
                    await page.get_by_role("button", name="Đăng nhập").click()
                    await page.wait_for_load_state("load")
                    await page.goto(f"{server.address}{path}")
                    await page.wait_for_load_state("load")
                    await page.screenshot(path=str(out / name))
                    print(out / name)
        finally:
            if server is not None:
                await server.stop()
            await services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    asyncio.run(shoot(parser.parse_args().out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
