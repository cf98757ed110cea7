"""Complaints and denunciations (khiếu nại, tố cáo) told apart from dialogue questions.

By law such petitions go through the citizen reception (tiếp công dân), not the dialogue: the
resident is told where and when, politely, and may still send the text, which is flagged for
the office.
"""

from __future__ import annotations

from domain.normalize import contains_phrase, pairs

# Written with diacritics; matched accent-aware (see `contains_phrase`), so "khieu nai" counts
# but an accented word that merely folds the same does not.
_COMPLAINT_PHRASES = (
    "khiếu nại",
    "khiếu kiện",
    "tố cáo",
    "tố giác",
    "đơn thư",
    "đơn kiện",
    "khởi kiện",
    "kiện cáo",
    "đi kiện",
    "sẽ kiện",
    "kiện ra tòa",
    "kiện ra toà",
    "vượt cấp",
    "nhận hối lộ",
    "hối lộ",
    "ăn hối lộ",
    "ăn chặn",
    "ăn bớt",
    "vòi tiền",
    "đòi tiền",
    "bao che",
    "trù dập",
    "lạm quyền",
    "lộng quyền",
    "tham ô",
    "biển thủ",
    "làm sai",
    "sai phạm",
    "đơn khiếu",
    "khiếu nai",
    "tố cao",
)


def looks_like_complaint(text: str) -> bool:
    """Whether the text reads like a complaint or denunciation (khiếu nại, tố cáo).

    Such petitions go through citizen reception (tiếp công dân), not the dialogue; the caller
    tells the resident so and still lets them send the text.
    """
    words = pairs(text)
    return any(contains_phrase(words, phrase) for phrase in _COMPLAINT_PHRASES)
