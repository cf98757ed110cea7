"""Phone-width check: every catalog message as a person reads it, the long ones listed.

A cheap phone shows some 400 characters of text on one screen; past about 600 a reader
scrolls. Each message is rendered with realistic values (the example config's commune and
titles, a question and an answer of typical length) and those over the limit are printed,
longest first, with who reads them. A message that quotes what someone wrote (the resident's
own question sent back to be shortened, an answer, a conclusion) grows with that text: it
is marked, since only the text around the quote is ours to shorten.

Run: python benchmarks/phone_width.py [--limit 600] [--all]
"""

from __future__ import annotations

import argparse
import string
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.texts import Texts, load_texts
from handlers.common import snippet
from handlers.resident.compose import SIMILAR_CHARS

LIMIT = 600
# Sections residents read; the rest is for the office, admins or the operator.
RESIDENT_SECTIONS = frozenset(
    {
        "common",
        "start",
        "consent",
        "menu",
        "help",
        "cancel",
        "draft",
        "send",
        "notices",
        "closed",
        "about",
        "mine",
        "status",
        "lookup",
        "data",
        "input",
        "conclusion",
        "remind",
        "notify",
        "zalo",
        "error",
        # The conference day and after (locale/vi/meeting.toml).
        "speak",
        "follow",
        "rate",
        "memory",
    }
)
# In a staff section, but sent to residents.
RESIDENT_KEYS = frozenset(
    {
        "speakers.your_turn",
        "onspot.notice",
        "commitments.done_notice",
        "commitments.in_conclusion",
        "unsatisfied.reply_notice",
    }
)

TITLE = "Hội nghị tiếp xúc, đối thoại giữa Chủ tịch UBND xã với đoàn viên, hội viên năm 2027"
QUESTION = (
    "Đề nghị UBND xã sớm sửa chữa tuyến đường bê tông liên thôn từ Bản Nà Khum đi Bản Vàng Bó, "
    "nhiều đoạn bị sụt lún, ổ gà, mùa mưa xe máy không đi được, học sinh đi học rất nguy hiểm. "
    "Đề nghị xã kiểm tra, có kế hoạch sửa chữa trước mùa mưa năm nay."
)
ANSWER = (
    "Tuyến đường đã được đưa vào kế hoạch duy tu năm 2027; UBND xã đã giao Phòng Kinh tế khảo "
    "sát, lập dự toán và tổ chức sửa chữa các đoạn hư hỏng nặng trước ngày 30/6/2027."
)
# Fields whose value someone else wrote and whose length is theirs.
QUOTED = frozenset({"text", "answer", "summary", "items", "first", "second"})
# In a resident section, but read by the office.
STAFF_KEYS = frozenset(
    {
        "remind.overdue",
        "remind.overdue_line",
        "remind.conclusion_due",
        "memory.office_notice",
        "memory.digest_line",
    }
)
SAMPLES: dict[str, str] = {
    "commune": "xã Bình Lư",
    "title": TITLE,
    "dialogue": TITLE,
    "deadline": "17:00 ngày 15/06/2027",
    "meeting": "08:00 ngày 28/07/2027",
    "location": "Hội trường lớn, Trung tâm Hội nghị - Văn hóa xã",
    "host": "Chủ tịch UBND xã Bình Lư",
    "audience": "Đoàn viên, hội viên các tổ chức chính trị - xã hội trên địa bàn xã",
    "reception": (
        "Bộ phận tiếp công dân, trụ sở UBND xã Bình Lư, sáng thứ Năm hằng tuần và các ngày làm việc"
    ),
    "code": "BL27-0001",
    "first": "BL27-0001",
    "code1": "BL27-0001",
    "code2": "BL27-0007",
    "last": "BL27-0042",
    "text": QUESTION,
    "second": QUESTION,
    "answer": ANSWER,
    "summary": ANSWER,
    "department": "Phòng Văn hóa - Xã hội",
    "authority": "Sở Nông nghiệp và Môi trường tỉnh Lai Châu",
    "village": "Khu dân cư Bình Lư",
    "villages": "Bản Nà Khum, Bản Vàng Bó, Bản Nà Bỏ, Bản Thẩm Phé",
    "name": "Lò Văn Minh",
    "category": "Kinh tế - việc làm",
    "label": "Kinh tế - việc làm",
    "dialogues": "\n".join(
        [
            "1. Đối thoại giữa Chủ tịch UBND xã với đoàn viên thanh niên năm 2027 "
            "(hạn gửi: 17:00 ngày 20/03/2027)",
            f"2. {TITLE} (hạn gửi: 17:00 ngày 15/06/2027)",
        ]
    ),
    # As the conversation quotes them: the first SIMILAR_CHARS characters of each.
    "lines": "\n".join(
        f"{n}. “{snippet(QUESTION, SIMILAR_CHARS)}” ({n + 2} người gửi hoặc đồng tình)"
        for n in (1, 2, 3)
    ),
    "items": "\n\n".join(f"BL27-000{n} “{QUESTION[:120]}…”\nTrả lời: {ANSWER}" for n in (1, 2)),
    "consent_at": "09:30 ngày 20/05/2027",
    "date": "20/05/2027",
    "due": "20/06/2027",
    "when": "07:30 ngày 20/05/2027",
    "moment": "10 giờ 00 ngày 20/05/2027",
    "as_of": "10 giờ 00 ngày 20/05/2027",
    "since": "07:30 ngày 19/05/2027",
    "until": "07:30 ngày 20/05/2027",
    "state": "đang nhận ý kiến",
    "status": "Đã chuyển bộ phận trả lời",
    "who": "telegram:123456789",
    "person": "telegram:123456789",
    "role": "cán bộ",
    "origin": "thêm trong trò chuyện",
    "command": "phancong",
    "reason": "nội dung quá ngắn",
    "problem": "không đọc được tệp",
    "path": "reports/bao-cao-BL27.docx",
}


@dataclass(frozen=True)
class Rendered:
    key: str
    text: str
    resident: bool  # read by residents (else by the office, admins, the operator)
    quotes: bool  # holds text someone else wrote, whose length is theirs

    @property
    def length(self) -> int:
        return len(self.text)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render_all(texts: Texts | None = None) -> list[Rendered]:
    """Every catalog message, rendered with the sample values (numbers as 12, else "…")."""
    texts = texts or load_texts()
    out: list[Rendered] = []
    for key in list(texts.keys()):
        names = _fields(texts.template(key)) - {"you", "You"}
        values = {n: SAMPLES.get(n, "12") for n in names}
        out.append(
            Rendered(
                key=key,
                text=texts(key, **values),
                resident=(key.split(".")[0] in RESIDENT_SECTIONS and key not in STAFF_KEYS)
                or key in RESIDENT_KEYS,
                quotes=bool(names & QUOTED),
            )
        )
    return out


def long_messages(limit: int = LIMIT) -> list[Rendered]:
    return sorted(
        (r for r in render_all() if r.length > limit), key=lambda r: r.length, reverse=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=LIMIT)
    parser.add_argument("--all", action="store_true", help="list every message, longest first")
    args = parser.parse_args()
    rows = long_messages(0 if args.all else args.limit)
    print(f"{len(rows)} messages over {args.limit if not args.all else 0} characters as rendered:")
    for r in rows:
        who = "resident" if r.resident else "staff"
        quoted = "  (quotes someone's text)" if r.quotes else ""
        print(f"{r.length:5d}  {who:8s}  {r.key}{quoted}")


if __name__ == "__main__":
    main()
