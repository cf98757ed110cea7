"""The pictures in README.md: the report (DOCX) and the question list (XLSX) of the example
plan, made through the real pipeline and printed by LibreOffice as a clerk would print them.

Questions go in through `store_question` (so they are clustered as in the chat), some are
backed, assigned, answered (one by the commune itself, without a department) and forwarded;
then the files are built exactly as `/baocao` builds them, converted to PDF by LibreOffice
headless and to PNG by pdftoppm.

Needs Debian's libreoffice-writer, libreoffice-calc, poppler-utils and fonts-liberation2
(the Vietnamese letters of Times New Roman's metric twin, Liberation Serif 2).

Run: python docs/samples.py [--out docs/]   (writes report-page1.png, report-annex.png,
xlsx-page1.png and the digest's chart digest-chart.png, prints the digest's text, and keeps
the DOCX, XLSX and PDFs in a temporary folder it names)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings
from bot.services import open_services
from domain.models import Consent, NewQuestion
from domain.reports.chart import render_chart
from domain.reports.digest import format_digest
from domain.reports.docx_report import render_docx
from domain.reports.xlsx_report import render_xlsx
from handlers.intake import store_question
from handlers.reporting import build_digest, build_report

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2027, 6, 16, 8, 30, tzinfo=TZ)  # the morning after the deadline
OFFICE = "telegram:900"
DPI = 100  # a page readable in README.md, and a PNG under 300 KB

# (category, village, name, text); questions close in wording join one cluster.
QUESTIONS = (
    (
        "land",
        "Bản Nà Khum",
        "Lò Văn Minh",
        "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở Bản Nà Khum đã nộp hồ sơ "
        "từ năm 2025 nhưng đến nay chưa được cấp.",
    ),
    (
        "land",
        "Bản Nà Khum",
        "Lò Thị Hoa",
        "xin cap so do cho cac ho ban na khum, nop ho so tu nam 2025 ma den nay ko thay tra",
    ),
    (
        "infrastructure",
        "Bản Vàng Bó",
        "Hoàng Văn Dũng",
        "Đề nghị sửa chữa đường bê tông liên thôn Bản Vàng Bó bị sụt lún nhiều đoạn, mùa mưa "
        "xe máy không đi được.",
    ),
    (
        "other",
        "Khu dân cư Bình Lư",
        None,
        "Đề nghị xã bố trí thêm thùng thu gom rác ở chợ trung tâm, hiện rác để tràn ra đường.",
    ),
    (
        "jobs_training",
        "Bản Nà Bỏ",
        "Vàng A Sử",
        "Đề nghị mở lớp dạy nghề trồng, chế biến chè cho hội viên nông dân Bản Nà Bỏ, có hỗ "
        "trợ tìm đầu ra cho sản phẩm.",
    ),
    (
        "social_policy",
        "Bản Thẩm Phé",
        "Tòng Thị Ểnh",
        "Đề nghị rà soát lại danh sách hộ cận nghèo năm 2027 ở Bản Thẩm Phé, một số hộ khó "
        "khăn thực sự chưa có tên.",
    ),
    (
        "digital",
        "Khu dân cư Bình Lư",
        "Nguyễn Văn An",
        "Đề nghị hướng dẫn người cao tuổi cài đặt và dùng ứng dụng VNeID, dịch vụ công trực "
        "tuyến tại nhà văn hóa.",
    ),
    (
        "admin_procedures",
        "Bản Phìn Ngan",
        "Lù Văn Páo",
        "Thủ tục đăng ký khai sinh cho con còn phải đi lại nhiều lần, đề nghị Trung tâm hành "
        "chính công hướng dẫn một lần đủ giấy tờ.",
    ),
    (
        "members_policy",
        "Bản Vàng Bó",
        "Hà Thị Lan",
        "Đề nghị xã quan tâm hỗ trợ kinh phí sinh hoạt cho chi hội phụ nữ các bản vùng cao.",
    ),
    (
        "other",
        "Bản Nà Khum",
        "Lò Văn Pọm",
        "Đề nghị lắp đèn chiếu sáng đoạn đường từ trường tiểu học Bản Nà Khum ra quốc lộ, "
        "buổi tối học sinh đi lại nguy hiểm.",
    ),
    (
        "infrastructure",
        "Bản Nà Bỏ",
        "Điêu Chính Tâm",
        "Đề nghị nạo vét mương thủy lợi Bản Nà Bỏ trước vụ mùa, mương bị bồi lấp nhiều đoạn.",
    ),
    (
        "land",
        "Bản Phìn Ngan",
        "Sùng A Chứ",
        "Gia đình tôi bị hộ bên cạnh lấn chiếm đất vườn, đã làm đơn khiếu nại hai lần nhưng "
        "chưa được giải quyết.",
    ),
)


async def _fill(config: Path, db: Path) -> tuple[bytes, bytes, list[str], bytes]:
    settings = load_settings(config)
    settings = replace(settings, storage=replace(settings.storage, path=db))
    services = await open_services(settings, clock=lambda: NOW)
    try:
        async with services.store.transaction() as tx:
            dialogue = await tx.dialogue_by_code("BL27")
            assert dialogue is not None
            stored = []
            for i, (category, village, name, text) in enumerate(QUESTIONS):
                at = datetime(2027, 5, 20, 9, 0, tzinfo=TZ) + timedelta(days=2 * i, hours=i)
                new = NewQuestion(
                    dialogue_id=dialogue.id,
                    resident_id=None,
                    category=category,
                    text=text,
                    village=village,
                    author_name=name,
                    created_at=at,
                    flag="complaint" if "khiếu nại" in text else None,
                    source="chat" if i % 3 else "paper",
                )
                stored.append((await store_question(tx, services.engine.finder, new)).question)
            # Residents who backed a question instead of repeating it.
            for n in range(5):
                chat = f"50{n}"
                backer = await tx.record_consent("telegram", chat, chat, Consent.GRANTED, NOW)
                await tx.add_support(stored[2 if n < 4 else 4].id, backer.id, NOW)
            clusters = [q.cluster_id for q in stored]
            due = date(2027, 6, 20)
            await tx.assign(clusters[0], "kinh_te", due, NOW)
            await tx.assign(clusters[2], "kinh_te", due, NOW)
            await tx.assign(clusters[5], "van_hoa_xa_hoi", due, NOW)
            await tx.record_answer(
                clusters[2],
                "Tuyến đường đã có trong kế hoạch duy tu năm 2027; Phòng Kinh tế khảo sát, lập "
                "dự toán và sửa các đoạn hư hỏng nặng trước ngày 30/7/2027.",
                OFFICE,
                NOW,
            )
            # Answered by the office itself, given to no department.
            await tx.record_answer(
                clusters[3],
                "UBND xã đã giao tổ vệ sinh môi trường đặt thêm 4 thùng rác tại chợ trung tâm "
                "từ ngày 01/7/2027.",
                OFFICE,
                NOW,
            )
            await tx.record_forward(clusters[7], "Sở Tư pháp tỉnh Lai Châu", OFFICE, NOW)
        async with services.store.reader() as rd:
            dialogue = await rd.dialogue_by_code("BL27")
            assert dialogue is not None
            data = await build_report(rd, settings.plan, services.texts, dialogue, NOW, False)
            digest = await build_digest(rd, settings.plan, services.texts, dialogue, NOW)
        texts = services.texts
        return (
            render_docx(data, texts),
            render_xlsx(data, texts),
            format_digest(digest, texts),
            render_chart(digest, texts),
        )
    finally:
        await services.close()


def _pdf(source: Path, folder: Path) -> Path:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / (source.stem + ".pdf")


def _png(pdf: Path, page: int, out: Path) -> None:
    stem = out.with_suffix("")
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), *pages, "-singlefile", str(pdf), str(stem)],
        check=True,
        timeout=120,
    )


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    for tool in ("soffice", "pdftoppm", "pdfinfo"):
        if shutil.which(tool) is None:
            sys.exit(
                f"{tool} is missing: apt-get install libreoffice-writer libreoffice-calc "
                "poppler-utils fonts-liberation2"
            )
    work = Path(tempfile.mkdtemp(prefix="samples-"))
    docx, xlsx, digest, chart = asyncio.run(
        _fill(ROOT / "config.example.toml", work / "samples.sqlite3")
    )
    (args.out / "digest-chart.png").write_bytes(chart)
    print("\n\n".join(digest), end="\n\n")
    (work / "bao-cao-BL27.docx").write_bytes(docx)
    (work / "tong-hop-BL27.xlsx").write_bytes(xlsx)
    report = _pdf(work / "bao-cao-BL27.docx", work)
    sheet = _pdf(work / "tong-hop-BL27.xlsx", work)
    _png(report, 1, args.out / "report-page1.png")
    # The annex is the report's last section: its first page follows the signature.
    _png(report, _pages(report) - _annex_pages(report) + 1, args.out / "report-annex.png")
    _png(sheet, 1, args.out / "xlsx-page1.png")
    print(f"PNGs in {args.out}; DOCX, XLSX and PDFs in {work}")


def _annex_pages(pdf: Path) -> int:
    """Pages from the one that says "PHỤ LỤC" to the end."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    first = next(i for i, page in enumerate(pages) if "PHỤ LỤC" in page)
    return len([p for p in pages[first:] if p.strip()])


if __name__ == "__main__":
    main()
