"""The data a digest or report is made from: already grouped, labelled and local-timed.

Storage and handlers build these; the renderers (digest text, chart, DOCX, XLSX) only format them,
so each can be tested on its own and reused by every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ClusterSummary:
    """One distinct request: a duplicate cluster with everyone behind it."""

    cluster_id: int
    dialogue_code: str
    category: str  # key, e.g. "land"
    category_label: str  # e.g. "Đất đai"
    text: str  # the representative text: the cluster's first question
    receipt_codes: tuple[str, ...]  # every question in the cluster, oldest first
    askers: int  # questions in the cluster
    backers: int  # residents who backed it instead of asking again
    villages: tuple[str, ...]  # distinct villages, in order of first appearance
    department: str | None  # department name, None when not assigned
    answer_due: date | None
    answer: str | None
    status_label: str  # e.g. "Đã tiếp nhận"
    forwarded_to: str | None  # authority name when forwarded beyond the commune
    complaint: bool  # reads like a khiếu nại / tố cáo petition
    # Receipt codes of earlier dialogues' answered questions its members resemble.
    earlier: tuple[str, ...] = ()
    answered_at: datetime | None = None  # local; when the answer was recorded

    @property
    def people(self) -> int:
        return self.askers + self.backers


@dataclass(frozen=True)
class QuestionRow:
    """One question, one spreadsheet row."""

    receipt_code: str
    dialogue_code: str
    category_label: str
    cluster_code: str  # receipt code of the cluster's first question
    text: str
    village: str | None
    created_at: datetime  # local time of the commune
    status_label: str
    department: str | None
    answer: str | None
    supporters: int
    author_name: str | None  # personal data: only in the internal version
    source: str  # "chat" or "paper"


@dataclass(frozen=True)
class CommitmentLine:
    """A commitment of the previous dialogue, and how it was kept."""

    code: str  # e.g. "BL25-CK03"
    receipt_code: str  # the question it was made on
    body: str  # the responsible department or body, by name
    text: str
    due: date
    status_label: str  # e.g. "Đã hoàn thành", "Quá hạn"
    done_on: date | None
    last_note: str | None


@dataclass(frozen=True)
class ReportData:
    commune: str  # "xã Bình Lư"
    issuing_body: str  # "ỦY BAN NHÂN DÂN XÃ BÌNH LƯ"
    parent_body: str | None  # optional line above it, e.g. "UBND TỈNH LAI CHÂU"
    place: str  # for "Bình Lư, ngày 23 tháng 11 năm 2026"
    dialogue_code: str
    dialogue_title: str
    deadline: datetime  # local
    generated_at: datetime  # local
    signer_title: str  # e.g. "CHỦ TỊCH"
    signer_name: str | None
    clusters: tuple[ClusterSummary, ...]
    questions: tuple[QuestionRow, ...]
    public: bool  # True: no personal data at all (names dropped)
    # The previous dialogue's commitments (and older ones still open), for their own section.
    commitments: tuple[CommitmentLine, ...] = ()
    number: str = ""  # the report's number when the clerk has one ("15"); blank to write in


@dataclass(frozen=True)
class PairLine:
    """Two clusters the engine thinks may be one request, named by their first receipt codes."""

    code: str
    other_code: str
    confidence: float


@dataclass(frozen=True)
class DigestData:
    commune: str
    dialogue_code: str
    dialogue_title: str
    deadline: datetime  # local
    since: datetime | None  # local; None for "everything so far"
    generated_at: datetime  # local
    clusters: tuple[ClusterSummary, ...]  # only what is new in this digest
    total_questions: int  # in the dialogue so far
    final: bool  # the digest sent at the deadline
    pairs: tuple[PairLine, ...] = ()  # suggested duplicates waiting for an official
