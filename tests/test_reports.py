"""The office's documents, opened and read back: digest text, chart PNG, DOCX and XLSX."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table
from openpyxl import load_workbook

from domain.reports.chart import render_chart
from domain.reports.data import ClusterSummary, DigestData, QuestionRow, ReportData
from domain.reports.digest import format_digest, format_empty_digest
from domain.reports.docx_report import render_docx
from domain.reports.xlsx_report import render_xlsx
from domain.texts import Texts, load_texts

CODE = "BL26"
TITLE = "Hội nghị tiếp xúc, đối thoại giữa Chủ tịch UBND xã với Nhân dân năm 2026"
GENERATED = datetime(2026, 4, 16, 8, 30)
DEADLINE = datetime(2026, 4, 15, 17, 0)

LAND_TEXT = (
    "Đề nghị UBND xã đẩy nhanh việc cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở bản "
    "Nà Lại đã nộp hồ sơ từ năm 2024 nhưng đến nay chưa được cấp."
)
LAND_ANSWER = (
    "Hồ sơ của 12 hộ đã được chuyển Văn phòng đăng ký đất đai; dự kiến trả kết quả "
    "trong tháng 5/2026."
)
COMPLAINT_TEXT = (
    "Gia đình tôi bị hộ bên cạnh lấn chiếm đất vườn, đã làm đơn khiếu nại hai lần "
    "nhưng chưa được giải quyết."
)
ROAD_TEXT = (
    "Đường liên bản từ bản Mè đi bản Nà Lại xuống cấp nghiêm trọng, mùa mưa xe máy không "
    "đi được; đề nghị sớm sửa chữa, đổ bê tông."
)
POLICY_TEXT = (
    "Đề nghị rà soát lại việc bình xét hộ cận nghèo năm 2026 ở bản Mè, một số hộ khó khăn "
    "thực sự chưa có tên trong danh sách."
)
FORMULA_TEXTS = (
    '=HYPERLINK("http://vi-du.example/x","Bấm vào đây")',
    "+84 912 345 678 là số đường dây nóng của xã phải không?",
    "-5 triệu đồng hỗ trợ làm nhà năm 2025 đến nay chưa được chi trả",
    "@mention Chủ tịch xã: khi nào sửa đèn đường ở tổ dân phố số 2?",
)
NAMES = ("Nguyễn Văn An", "Lò Thị Bình", "Hoàng Văn Dũng", "Vàng A Sử", "Tòng Thị Ểnh")


@pytest.fixture(scope="module")
def texts() -> Texts:
    return load_texts("vi")


def cluster(
    cid: int,
    category: tuple[str, str],
    text: str,
    codes: tuple[str, ...],
    *,
    backers: int = 0,
    villages: tuple[str, ...] = ("Bản Mè",),
    department: str | None = None,
    answer: str | None = None,
    forwarded_to: str | None = None,
    complaint: bool = False,
    status: str = "Đã tiếp nhận",
) -> ClusterSummary:
    return ClusterSummary(
        cluster_id=cid,
        dialogue_code=CODE,
        category=category[0],
        category_label=category[1],
        text=text,
        receipt_codes=codes,
        askers=len(codes),
        backers=backers,
        villages=villages,
        department=department,
        answer_due=date(2026, 4, 20) if department else None,
        answer=answer,
        status_label=status,
        forwarded_to=forwarded_to,
        complaint=complaint,
    )


LAND = ("land", "Đất đai")
INFRA = ("infrastructure", "Hạ tầng")
SOCIAL = ("social_policy", "Chính sách xã hội")
OTHER = ("other", "Khác")


def sample_clusters() -> tuple[ClusterSummary, ...]:
    return (
        cluster(
            1,
            LAND,
            LAND_TEXT,
            ("BL26-0001", "BL26-0004", "BL26-0009"),
            backers=4,
            villages=("Bản Nà Lại", "Bản Mè"),
            department="Phòng Kinh tế",
            answer=LAND_ANSWER,
            status="Đã có trả lời",
        ),
        cluster(2, LAND, COMPLAINT_TEXT, ("BL26-0002",), complaint=True),
        cluster(
            3,
            INFRA,
            ROAD_TEXT,
            ("BL26-0003", "BL26-0005"),
            backers=9,
            villages=("Bản Mè", "Bản Nà Lại"),
            department="Phòng Kinh tế",
            forwarded_to="Sở Xây dựng tỉnh Lai Châu",
            status="Đã chuyển cấp có thẩm quyền",
        ),
        cluster(
            4,
            SOCIAL,
            POLICY_TEXT,
            ("BL26-0006",),
            backers=1,
            department="Phòng Văn hóa - Xã hội",
            status="Đã chuyển bộ phận trả lời",
        ),
        *(
            cluster(5 + i, OTHER, text, (f"BL26-001{i}",), villages=("Tổ dân phố số 2",))
            for i, text in enumerate(FORMULA_TEXTS)
        ),
    )


def sample_questions(clusters: tuple[ClusterSummary, ...]) -> tuple[QuestionRow, ...]:
    rows: list[QuestionRow] = []
    for c in clusters:
        for n, code in enumerate(c.receipt_codes):
            index = len(rows)
            rows.append(
                QuestionRow(
                    receipt_code=code,
                    dialogue_code=CODE,
                    category_label=c.category_label,
                    cluster_code=c.receipt_codes[0],
                    text=c.text,
                    village=c.villages[n % len(c.villages)],
                    created_at=datetime(2026, 4, 1, 9, 15) + timedelta(hours=7 * index),
                    status_label=c.status_label,
                    department=c.department,
                    answer=c.answer,
                    supporters=c.backers,
                    author_name=NAMES[index % len(NAMES)],
                    source="paper" if index % 3 == 0 else "chat",
                )
            )
    return tuple(rows)


def sample_report(*, public: bool = False) -> ReportData:
    clusters = sample_clusters()
    return ReportData(
        commune="xã Bình Lư",
        issuing_body="Ủy ban nhân dân xã Bình Lư",
        parent_body="UBND tỉnh Lai Châu",
        place="Bình Lư",
        dialogue_code=CODE,
        dialogue_title=TITLE,
        deadline=DEADLINE,
        generated_at=GENERATED,
        signer_title="Chủ tịch",
        signer_name="Trần Thanh Tuấn",
        clusters=clusters,
        # The rows keep their names even in the public variant: the renderer must drop them.
        questions=sample_questions(clusters),
        public=public,
    )


def sample_digest(clusters: tuple[ClusterSummary, ...], **changes: object) -> DigestData:
    data = DigestData(
        commune="xã Bình Lư",
        dialogue_code=CODE,
        dialogue_title=TITLE,
        deadline=DEADLINE,
        since=datetime(2026, 4, 8, 7, 0),
        generated_at=datetime(2026, 4, 9, 7, 0),
        clusters=clusters,
        total_questions=57,
        final=False,
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


# --- reading the documents back ---


def open_docx(blob: bytes) -> DocxDocument:
    return Document(io.BytesIO(blob))


def iter_tables(tables: list[Table]) -> Iterator[Table]:
    for table in tables:
        yield table
        for row in table.rows:
            for cell in row.cells:
                yield from iter_tables(cell.tables)


def docx_lines(doc: DocxDocument) -> list[str]:
    """Every paragraph of the body, tables (nested too), headers and footers."""
    lines = [p.text for p in doc.paragraphs]
    for table in iter_tables(doc.tables):
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.footer):
            lines.extend(p.text for p in part.paragraphs)
    return lines


def package_text(blob: bytes) -> str:
    """Every XML part of an Office file, metadata included, for a search no layout can hide."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        )


# --- DOCX ---


def test_docx_has_the_nd30_frame(texts: Texts) -> None:
    doc = open_docx(render_docx(sample_report(), texts))
    section = doc.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01
    assert abs(section.page_height.cm - 29.7) < 0.01
    assert round(section.top_margin.cm, 2) == 2.0
    assert round(section.bottom_margin.cm, 2) == 2.0
    assert round(section.left_margin.cm, 2) == 3.0
    assert round(section.right_margin.cm, 2) == 2.0

    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman"
    assert normal.size is not None and 13 <= normal.size.pt <= 14
    fonts = {run.font.name for p in doc.paragraphs for run in p.runs}
    assert fonts <= {None, "Times New Roman"}  # None inherits Normal

    header = doc.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in header.cell(0, 1).paragraphs if p.text]
    # Broken where offices break it, not wherever the narrow column runs out.
    assert left == ["UBND TỈNH LAI CHÂU", "ỦY BAN NHÂN DÂN\nXÃ BÌNH LƯ"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    issuing = header.cell(0, 0).paragraphs[1].runs[0]
    assert issuing.bold
    assert all(p.runs[0].bold for p in header.cell(0, 1).paragraphs if p.text)
    number = header.cell(1, 0).paragraphs[0].text
    assert number.startswith("Số:") and number.endswith("/BC-UBND")
    dated = header.cell(1, 1).paragraphs[0]
    assert dated.text == "Bình Lư, ngày 16 tháng 4 năm 2026"
    assert dated.runs[0].italic
    # The header table draws no borders; only the short rules under the text do.
    assert 'w:val="nil"' in header._tbl.xml

    body = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in body
    assert f"Tổng hợp ý kiến, kiến nghị của Nhân dân gửi {TITLE}" in body


def test_docx_date_takes_leading_zeros_as_nd30_says(texts: Texts) -> None:
    data = dataclasses.replace(sample_report(), generated_at=datetime(2027, 2, 5, 9, 0))
    doc = open_docx(render_docx(data, texts))
    assert doc.tables[0].cell(1, 1).paragraphs[0].text == "Bình Lư, ngày 05 tháng 02 năm 2027"


def test_docx_reports_each_category_and_cluster(texts: Texts) -> None:
    doc = open_docx(render_docx(sample_report(), texts))
    body = "\n".join(p.text for p in doc.paragraphs)

    # 11 questions, 14 backers, 8 distinct requests in 4 categories.
    assert "đã tiếp nhận 11 ý kiến, kiến nghị của Nhân dân và 14 lượt đồng tình" in body
    assert "còn 8 nội dung kiến nghị thuộc 4 nhóm vấn đề" in body
    assert "17 giờ 00 ngày 15/04/2026" in body

    assert "I. NỘI DUNG Ý KIẾN, KIẾN NGHỊ THEO NHÓM VẤN ĐỀ" in body
    assert "1. Đất đai (2 nội dung, 8 lượt người dân)" in body
    assert "2. Hạ tầng (1 nội dung, 11 lượt người dân)" in body
    assert "3. Chính sách xã hội (1 nội dung, 2 lượt người dân)" in body
    assert "4. Khác (4 nội dung, 4 lượt người dân)" in body
    assert f"1.1. {LAND_TEXT}" in body
    assert "Số người kiến nghị: 7 (3 người gửi ý kiến, 4 người đồng tình)." in body
    assert "Thôn, tổ dân phố: Bản Nà Lại, Bản Mè." in body
    assert "Mã tiếp nhận: BL26-0001, BL26-0004, BL26-0009." in body
    assert f"Nội dung trả lời: {LAND_ANSWER}" in body
    assert "hạn trả lời: 20/04/2026" in body
    assert "Đã chuyển Sở Xây dựng tỉnh Lai Châu" in body
    assert "Nội dung trả lời: Chưa trả lời." in body
    assert "khiếu nại, tố cáo" in body  # the complaint is flagged
    assert "II. TỔNG HỢP SỐ LIỆU THEO NHÓM VẤN ĐỀ" in body

    totals = next(t for t in doc.tables if t.cell(0, 0).text == "STT")
    rows = [[cell.text for cell in row.cells] for row in totals.rows]
    assert rows[0][:3] == ["STT", "Nhóm vấn đề", "Số ý kiến"]
    assert rows[1] == ["1", "Đất đai", "4", "4", "2", "1", "0", "1"]
    assert rows[2] == ["2", "Hạ tầng", "2", "9", "1", "0", "1", "0"]
    assert rows[-1] == ["", "Tổng cộng", "11", "14", "8", "1", "1", "6"]


def test_docx_ends_with_recipients_and_signer(texts: Texts) -> None:
    doc = open_docx(render_docx(sample_report(public=True), texts))
    block = doc.tables[-1]
    left = [p.text for p in block.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in block.cell(0, 1).paragraphs if p.text]
    assert left[0] == "Nơi nhận:"
    assert left[-1] == "- Lưu: VT, VP."
    assert right == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Thanh Tuấn"]


def test_docx_names_only_in_the_internal_version(texts: Texts) -> None:
    internal = render_docx(sample_report(public=False), texts)
    lines = "\n".join(docx_lines(open_docx(internal)))
    for name in NAMES:
        assert name in lines
    assert "PHỤ LỤC" in lines

    public = render_docx(sample_report(public=True), texts)
    everything = "\n".join(docx_lines(open_docx(public))) + package_text(public)
    for name in NAMES:
        assert name not in everything
    assert "PHỤ LỤC" not in everything
    # The signer is a public office holder, not a resident: the signature stays.
    assert "Trần Thanh Tuấn" in everything


def test_docx_without_questions_still_renders(texts: Texts) -> None:
    data = dataclasses.replace(sample_report(), clusters=(), questions=())
    body = "\n".join(docx_lines(open_docx(render_docx(data, texts))))
    assert "chưa tiếp nhận ý kiến, kiến nghị nào" in body
    assert "TM. ỦY BAN NHÂN DÂN" in body


# --- XLSX ---


def test_xlsx_one_row_per_question(texts: Texts) -> None:
    data = sample_report()
    wb = load_workbook(io.BytesIO(render_xlsx(data, texts)))
    ws = wb.worksheets[0]
    # The title and a note above the header: the dialogue is there, not in a column.
    assert ws["A1"].value == f"Danh sách ý kiến, kiến nghị gửi {TITLE}"
    assert ws["A2"].value.startswith(f"Mã hội nghị: {CODE}. Số liệu đến 08:30 ngày 16/04/2026.")
    header = [c.value for c in ws[3]]
    assert header == [
        "Mã tiếp nhận",
        "Nhóm vấn đề",
        "Nhóm trùng",
        "Nội dung ý kiến, kiến nghị",
        "Thôn, tổ dân phố",
        "Ngày gửi",
        "Tình trạng",
        "Bộ phận trả lời",
        "Nội dung trả lời",
        "Số người đồng tình",
        "Họ tên",
    ]
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:K{len(data.questions) + 3}"
    assert ws.max_row == len(data.questions) + 3

    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {q.receipt_code for q in data.questions}
    first = rows["BL26-0004"]
    assert first[:3] == ("BL26-0004", "Đất đai", "BL26-0001")
    assert first[3] == LAND_TEXT
    assert first[4] == "Bản Mè"
    assert first[6:10] == ("Đã có trả lời", "Phòng Kinh tế", LAND_ANSWER, 4)

    date_cell = ws.cell(row=4, column=6)
    assert isinstance(date_cell.value, datetime)
    assert date_cell.value == data.questions[0].created_at
    assert date_cell.number_format == "dd/mm/yyyy"
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width
    assert ws.cell(row=4, column=4).alignment.wrap_text


def test_xlsx_never_stores_a_formula(texts: Texts) -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(sample_report(), texts)))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts_column = [c.value for c in wb.worksheets[0]["D"]]
    for dangerous in FORMULA_TEXTS:
        assert dangerous in texts_column
        cell = next(c for c in wb.worksheets[0]["D"] if c.value == dangerous)
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel and LibreOffice keep showing it as typed
    # No formula element anywhere in the package either, whatever a reader makes of it.
    assert "<f>" not in package_text(render_xlsx(sample_report(), texts))


def test_xlsx_public_has_no_names(texts: Texts) -> None:
    blob = render_xlsx(sample_report(public=True), texts)
    wb = load_workbook(io.BytesIO(blob))
    assert "Họ tên" not in [c.value for c in wb.worksheets[0][3]]
    assert "Bản công khai, không có thông tin cá nhân." in wb.worksheets[0]["A2"].value
    values = "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    everything = values + package_text(blob)
    for name in NAMES:
        assert name not in everything


def test_xlsx_totals_sheet(texts: Texts) -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(sample_report(), texts)))
    ws = wb.worksheets[1]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[2][0] == "Nhóm vấn đề"
    by_label = {r[0]: r for r in rows[3:]}
    assert by_label["Đất đai"][1:3] == [4, 4]  # questions, backers
    assert by_label["Tổng cộng"][1:4] == [11, 14, 25]


# --- digest ---


def long_clusters(count: int) -> tuple[ClusterSummary, ...]:
    categories = (LAND, INFRA, SOCIAL, OTHER)
    return tuple(
        cluster(
            100 + i,
            categories[i % 4],
            f"Kiến nghị số {i}: " + "đường bản Mè lầy lội, đề nghị đổ bê tông. " * (5 + i % 40),
            tuple(f"BL26-{i:02d}{n:02d}" for n in range(1 + i % 7)),
            backers=i % 5,
            villages=("Bản Mè", "Bản Nà Lại", "Tổ dân phố số 2")[: 1 + i % 3],
            complaint=i % 9 == 0,
        )
        for i in range(60)
    )


@pytest.mark.parametrize("limit", [4096, 2000, 700])
def test_digest_split_keeps_items_whole(texts: Texts, limit: int) -> None:
    clusters = long_clusters(60)
    chunks = format_digest(sample_digest(clusters), texts, limit=limit)

    assert len(chunks) > 1
    assert all(len(chunk) <= limit for chunk in chunks)
    assert chunks[0].startswith(f"(Phần 1/{len(chunks)})")
    # Every item appears in exactly one chunk, with all its receipt codes beside its text.
    for c in clusters:
        holders = [chunk for chunk in chunks if f"Kiến nghị số {c.cluster_id - 100}: " in chunk]
        assert len(holders) == 1, c.cluster_id
        assert all(code in holders[0] for code in c.receipt_codes)
    numbers = [int(n) for chunk in chunks for n in re.findall(r"^(\d+)\. “", chunk, re.M)]
    assert numbers == list(range(1, len(clusters) + 1))
    # A chunk never opens on an unlabelled item: the category comes first.
    for chunk in chunks[1:]:
        assert chunk.splitlines()[1].startswith("■ ")


def test_digest_header_and_item(texts: Texts) -> None:
    [message] = format_digest(sample_digest(sample_clusters()), texts)
    assert TITLE in message and f"({CODE})" in message
    assert "Từ 07:00 ngày 08/04/2026 đến 07:00 ngày 09/04/2026" in message
    assert "Bản này gồm 8 nội dung (11 ý kiến, 14 lượt đồng tình)" in message
    assert "Tổng số ý kiến của hội nghị đến nay: 57" in message
    assert "■ Đất đai: 2 nội dung, 8 người" in message
    assert "Số người: 7 (3 gửi, 4 đồng tình)" in message
    assert "Thôn, tổ dân phố: Bản Nà Lại, Bản Mè" in message
    assert "Mã: BL26-0001, BL26-0004, BL26-0009" in message
    assert "Đã chuyển Sở Xây dựng tỉnh Lai Châu" in message
    assert "Bộ phận: Phòng Văn hóa - Xã hội, hạn trả lời 20/04/2026" in message
    complaint = message[message.index(COMPLAINT_TEXT[:30]) :].split("\n\n")[0]
    assert "⚠️" in complaint
    assert "<b>" not in message and "**" not in message  # plain text, no parse mode
    assert "Phần" not in message  # one message needs no part numbers


def test_digest_shortens_a_very_long_question(texts: Texts) -> None:
    long_text = "Đề nghị sửa đường bản Mè. " * 200
    [message] = format_digest(sample_digest((cluster(1, INFRA, long_text, ("BL26-0001",)),)), texts)
    assert len(message) < 1500
    assert "…”" in message


def test_digest_item_longer_than_limit_is_the_only_one_cut(texts: Texts) -> None:
    huge = cluster(1, INFRA, "Đường hỏng. " * 100, tuple(f"BL26-{n:04d}" for n in range(400)))
    small = cluster(2, INFRA, "Đèn đường tổ dân phố số 2 bị hỏng.", ("BL26-9999",))
    chunks = format_digest(sample_digest((huge, small)), texts, limit=400)
    assert all(len(chunk) <= 400 for chunk in chunks)
    joined = "\n".join(chunks)
    assert "BL26-0000" in joined and "mã khác" in joined
    assert "Đèn đường tổ dân phố số 2 bị hỏng." in joined


def test_digest_final_and_empty(texts: Texts) -> None:
    [final] = format_digest(sample_digest(sample_clusters(), final=True), texts)
    assert final.startswith("BẢN TỔNG HỢP CUỐI")

    empty = format_empty_digest(sample_digest(()), texts)
    assert "\n" not in empty
    assert "không có ý kiến mới kể từ 07:00 ngày 08/04/2026" in empty
    assert "57" in empty
    assert "chưa có ý kiến nào" in format_empty_digest(sample_digest((), since=None), texts)


def test_digest_counts_emoji_as_telegram_does(texts: Texts) -> None:
    # 😡 is one Python character but two UTF-16 units, which is what Telegram counts.
    angry = tuple(
        cluster(i, INFRA, "Đường hỏng quá 😡" * 60, (f"BL26-{i:04d}",)) for i in range(1, 30)
    )
    chunks = format_digest(sample_digest(angry), texts, limit=1000)
    assert all(len(chunk.encode("utf-16-le")) // 2 <= 1000 for chunk in chunks)


def test_digest_rejects_a_useless_limit(texts: Texts) -> None:
    with pytest.raises(ValueError):
        format_digest(sample_digest(sample_clusters()), texts, limit=50)


# --- chart ---


@pytest.mark.parametrize(
    "make",
    [
        lambda: sample_report(),
        lambda: sample_digest(sample_clusters()),
        lambda: sample_digest(long_clusters(60)),
        lambda: sample_digest(()),
    ],
    ids=["report", "digest", "many", "empty"],
)
def test_chart_is_a_png(texts: Texts, make: object) -> None:
    data = make()  # type: ignore[operator]
    with warnings.catch_warnings():
        # A missing Vietnamese glyph would only warn; make it fail instead.
        warnings.simplefilter("error")
        png = render_chart(data, texts)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 5_000 < len(png) < 2_000_000
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert 600 <= width <= 1200 and 300 <= height <= 4000


def test_control_characters_do_not_break_the_files(texts: Texts) -> None:
    pasted = "Đèn đường\x0bbản Mè\x00 hỏng\x1f từ tháng 3"
    c = cluster(1, INFRA, pasted, ("BL26-0001",))
    data = dataclasses.replace(sample_report(), clusters=(c,), questions=sample_questions((c,)))
    body = "\n".join(docx_lines(open_docx(render_docx(data, texts))))
    assert "Đèn đường bản Mè  hỏng  từ tháng 3" in body
    wb = load_workbook(io.BytesIO(render_xlsx(data, texts)))
    assert wb.worksheets[0]["D4"].value == "Đèn đường bản Mè  hỏng  từ tháng 3"
