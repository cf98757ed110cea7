"""What the office prints and signs, opened and read back: "Khác" last in every list, the annex
naming its report, who answered, rows that stay whole across pages, a spreadsheet that prints
readably, and a paper template that offers only the dialogue's categories."""

from __future__ import annotations

import dataclasses
import io
import math
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from bot.config import parse_settings
from bot.paper.template import write_template
from domain.reports.digest import group_by_category
from domain.reports.docx_report import render_docx
from domain.reports.xlsx_report import (
    LINE_PT,
    MAX_ROW_PT,
    printed_scale,
    render_xlsx,
)
from domain.texts import load_texts
from handlers.reporting import build_report
from tests.harness import OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness
from tests.test_office import office_config
from tests.test_reports import INFRA, LAND, cluster, sample_questions, sample_report

TEXTS = load_texts()
THIRD = 3003
ROAD = "Đề nghị sửa chữa đường bê tông liên thôn Bản Vàng Bó bị sụt lún nhiều đoạn"
LAND_TEXT = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ Bản Nà Khum"
BINS = "Đề nghị bố trí thêm thùng thu gom rác ở chợ trung tâm xã, rác tràn ra đường"
# Characters of 12 pt text per width unit as LibreOffice lays them out (the denser Excel
# holds more): a stored row height must hold the wrapped text at this density.
LIBREOFFICE_CHARS_PER_UNIT = 1.15


def khac_first_config(db: Path) -> dict[str, Any]:
    config = office_config(db)
    # A commune's own category comes after "other" among all categories, and the dialogue
    # lists "other" first: every list a person reads must still end with it, the others as
    # the dialogue lists them.
    config["categories"] = {"youth": "Thanh niên"}
    config["dialogues"][0]["categories"] = ["other", "youth", "land"]
    return config


async def test_khac_comes_last_in_the_picker_the_digest_the_report_and_the_chart(
    tmp_path: Path,
) -> None:
    db = tmp_path / "order.sqlite3"
    harness = Harness(db, khac_first_config(db))
    await harness.start()
    try:
        await harness.consent(RESIDENT)
        await harness.press(RESIDENT, "Gửi ý kiến")
        assert harness.labels(RESIDENT) == ["Thanh niên", "Đất đai", "Khác"]
        await harness.send(RESIDENT, "/huy")
        await harness.submit(RESIDENT, text=BINS, category="Khác")
        await harness.consent(OTHER_RESIDENT)
        await harness.submit(OTHER_RESIDENT, text=ROAD, category="Thanh niên")
        await harness.consent(THIRD)
        await harness.submit(THIRD, text=LAND_TEXT, category="Đất đai")

        await harness.send(OFFICIAL, "/tonghop")
        digest = "\n".join(harness.api.texts(OFFICIAL))
        headings = [line for line in digest.splitlines() if line.startswith("■ ")]
        assert [h.split(":")[0] for h in headings] == ["■ Thanh niên", "■ Đất đai", "■ Khác"]

        harness.api.files.clear()
        await harness.send(OFFICIAL, "/baocao")
        docx, xlsx = [f[3] for f in harness.api.files if f[1] == "document"]
        doc = Document(io.BytesIO(docx))
        body = [p.text for p in doc.paragraphs]
        sections = [t.split(" (")[0] for t in body if t[:2] in ("1.", "2.", "3.") and "(" in t]
        assert sections == ["1. Thanh niên", "2. Đất đai", "3. Khác"]
        totals = next(t for t in doc.tables if t.cell(0, 0).text == "STT")
        listed = [row.cells[1].text for row in totals.rows[1:-1]]
        assert listed == ["Thanh niên", "Đất đai", "Khác"]
        sheet = load_workbook(io.BytesIO(xlsx)).worksheets[1]
        labels = [r[0] for r in sheet.iter_rows(min_row=4, values_only=True)]
        assert labels == ["Thanh niên", "Đất đai", "Khác", "Tổng cộng"]

        # The chart draws the groups the report lists, in this order, first at the top.
        services = harness.app.bot_data["services"]
        async with services.store.reader() as rd:
            dialogue = await rd.dialogue_by_code("BL26")
            assert dialogue is not None
            data = await build_report(
                rd, services.settings.plan, services.texts, dialogue, services.clock(), False
            )
        groups = [g.total.label for g in group_by_category(data.clusters)]
        assert groups == ["Thanh niên", "Đất đai", "Khác"]
    finally:
        await harness.stop()


def test_the_annex_names_its_report_by_number_and_date() -> None:
    for number, shown in (("", "       /BC-UBND"), ("15", "15/BC-UBND")):
        data = dataclasses.replace(sample_report(), number=number)
        doc = Document(io.BytesIO(render_docx(data, TEXTS)))
        assert doc.tables[0].cell(1, 0).paragraphs[0].text == f"Số: {shown}"
        body = [p.text for p in doc.paragraphs]
        annex = body[body.index("PHỤ LỤC") :]
        assert annex[2] == (
            f"(Kèm theo Báo cáo số {shown} ngày 16 tháng 4 năm 2026 của Ủy ban nhân dân xã Bình Lư)"
        )
        assert "không công khai" in annex[3]


def test_an_answer_says_who_gave_it() -> None:
    answered_at = datetime(2026, 4, 18, 9, 0)
    by_commune = dataclasses.replace(
        cluster(1, INFRA, ROAD, ("BL26-0001",), answer="Xã sửa trong tháng 5."),
        answered_at=answered_at,
    )
    by_department = dataclasses.replace(
        cluster(2, LAND, LAND_TEXT, ("BL26-0002",), department="Phòng Kinh tế", answer="Đã cấp."),
        answered_at=answered_at,
    )
    waiting = cluster(3, LAND, BINS, ("BL26-0003",))
    clusters = (by_department, waiting, by_commune)
    data = dataclasses.replace(
        sample_report(), clusters=clusters, questions=sample_questions(clusters)
    )
    body = "\n".join(p.text for p in Document(io.BytesIO(render_docx(data, TEXTS))).paragraphs)
    assert "- Đơn vị trả lời: Ủy ban nhân dân xã Bình Lư; ngày trả lời: 18/04/2026." in body
    assert "- Đơn vị trả lời: Phòng Kinh tế; ngày trả lời: 18/04/2026." in body
    # Only the request nobody has taken up yet says so.
    assert body.count("chưa phân công") == 1
    sheet = load_workbook(io.BytesIO(render_xlsx(data, TEXTS))).worksheets[0]
    answered_by = {r[0]: r[7] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert answered_by == {
        "BL26-0001": "Ủy ban nhân dân xã Bình Lư",
        "BL26-0002": "Phòng Kinh tế",
        "BL26-0003": None,
    }


def test_annex_rows_stay_whole_and_the_header_row_repeats() -> None:
    doc = Document(io.BytesIO(render_docx(sample_report(), TEXTS)))
    annex = doc.tables[-1]
    assert annex.cell(0, 1).text == "Mã tiếp nhận"
    rows = annex._tbl.tr_lst
    assert len(rows) == len(sample_report().questions) + 1
    for tr in rows:
        props = [child.tag for child in tr.trPr]
        assert qn("w:cantSplit") in props
    header = [child.tag for child in rows[0].trPr]
    # In the order the schema gives, or Word calls the file damaged.
    assert header.index(qn("w:cantSplit")) < header.index(qn("w:tblHeader"))
    assert all(tr.trPr.find(qn("w:tblHeader")) is None for tr in rows[1:])
    totals = next(t for t in doc.tables if t.cell(0, 0).text == "STT")
    assert totals._tbl.tr_lst[0].trPr.find(qn("w:tblHeader")) is not None


def test_the_spreadsheet_prints_one_page_wide_at_a_readable_scale() -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(sample_report(), TEXTS)))
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and str(setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide, as tall as needed
        assert ws.print_title_rows == "$3:$3"  # the header row on every page
        assert "&P" in ws.oddFooter.center.text  # page numbers
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJK"[: ws.max_column]]
        # One page wide at no less than three quarters of full size: 12 pt prints at 9 pt or more.
        assert printed_scale(widths) >= 0.75, printed_scale(widths)
        header = list(ws[3])
        assert all(c.font.name == "Times New Roman" and c.font.b for c in header)
        assert all(c.font.name == "Times New Roman" for c in ws[4])
        assert ws["A1"].font.b and "Hội nghị tiếp xúc" in ws["A1"].value
    questions = wb.worksheets[0]
    assert "Hội nghị" not in [c.value for c in questions[3]]  # the same on every row
    # The workbook's own default font is the document's, so widths mean the same everywhere.
    assert wb._fonts[0].name == "Times New Roman"


def test_every_row_is_as_tall_as_its_wrapped_text() -> None:
    long_text = "Đề nghị sửa chữa đường bê tông liên bản, " * 12
    rows = sample_report().questions
    data = dataclasses.replace(
        sample_report(), questions=(*rows, dataclasses.replace(rows[0], text=long_text))
    )
    ws = load_workbook(io.BytesIO(render_xlsx(data, TEXTS))).worksheets[0]
    widths = {c: ws.column_dimensions[c].width for c in "DI"}  # the question and the answer
    heights = []
    for r in range(4, ws.max_row + 1):
        height = ws.row_dimensions[r].height
        assert height is not None and height <= MAX_ROW_PT
        for column, width in widths.items():
            value = ws[f"{column}{r}"].value
            if value:
                lines = math.ceil(len(str(value)) / (width * LIBREOFFICE_CHARS_PER_UNIT))
                assert height >= lines * LINE_PT * 0.9, (r, column, height, lines)
        heights.append(height)
    assert heights[-1] > 2 * min(heights)  # the long question got the room it needs
    header_height = ws.row_dimensions[3].height
    assert header_height is not None and header_height >= 3 * LINE_PT * 0.9  # "Số người đồng tình"


# --- the paper template -------------------------------------------------------------------


def dialogue_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "[storage]\n"
        f'path = "{(tmp_path / "cli.sqlite3").as_posix()}"\n'
        '[commune]\nname = "xã Bình Lư"\nvillages = ["Bản Nà Khum"]\n'
        '[[dialogues]]\ncode = "TN26"\ntitle = "Đối thoại với thanh niên"\n'
        'deadline = 2026-12-15T17:00:00+07:00\ncategories = ["other", "economy_jobs", "land"]\n',
        encoding="utf-8",
    )
    return config


def dropdown(path: Path) -> list[str]:
    wb = load_workbook(path)
    ws = wb["Phiếu ý kiến"]
    by_column = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    sheet, cells = by_column["E2"].formula1.split("!")
    lists = wb[sheet.strip("'")]
    return [c.value for row in lists[cells.replace("$", "")] for c in row]


def test_the_template_offers_the_dialogues_categories(tmp_path: Path) -> None:
    settings = parse_settings({"commune": {"name": "xã Bình Lư"}})
    everything = tmp_path / "all.xlsx"
    write_template(settings, everything, datetime(2026, 11, 23).date(), TEXTS)
    assert dropdown(everything)[-1] == "Khác"
    assert len(dropdown(everything)) == len(settings.categories)

    config = dialogue_config(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot", "--config", str(config), "template", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    out = tmp_path / "tn26.xlsx"
    done = cli("--dialogue", "tn26", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert dropdown(out) == ["Kinh tế - việc làm", "Đất đai", "Khác"]
    guide = "\n".join(
        str(r[0]) for r in load_workbook(out)["Hướng dẫn"].iter_rows(values_only=True)
    )
    assert "Danh sách nhóm vấn đề: Kinh tế - việc làm, Đất đai, Khác." in guide
    unknown = cli("--dialogue", "XX", "--out", str(tmp_path / "xx.xlsx"))
    assert unknown.returncode == 2 and unknown.stderr.strip() == "Không có hội nghị nào mang mã XX."
    assert not (tmp_path / "xx.xlsx").exists()


def test_report_takes_the_number_the_clerk_gave_it(tmp_path: Path) -> None:
    config = dialogue_config(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot", "--config", str(config), "report", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    done = cli("--dialogue", "TN26", "--number", "15", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    [docx] = tmp_path.glob("bao-cao-TN26-*.docx")
    doc = Document(io.BytesIO(docx.read_bytes()))
    assert doc.tables[0].cell(1, 0).paragraphs[0].text == "Số: 15/BC-UBND"
    bad = cli("--dialogue", "TN26", "--number", "mười lăm", "--out", str(tmp_path))
    assert bad.returncode == 2 and "--number" in bad.stderr
