"""The Vietnamese normaliser: Unicode forms, tone placement, teencode, synonyms, stop-words."""

from __future__ import annotations

import unicodedata

import pytest

from domain.normalize import canonical_tones, contains_phrase, fold, normalize, pairs, tokens


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Hoà Bình", "Hòa Bình"),
        ("uỷ ban", "ủy ban"),
    ],
)
def test_tone_placement_is_settled(new: str, old: str) -> None:
    assert canonical_tones(new) == canonical_tones(old) == unicodedata.normalize("NFC", old)


def test_tone_placement_leaves_closed_syllables_and_qu_alone() -> None:
    assert canonical_tones("hoàn thành quý") == "hoàn thành quý"


def test_nfd_and_nfc_fold_the_same() -> None:
    text = "Đề nghị cấp sổ đỏ"
    assert normalize(unicodedata.normalize("NFD", text)) == normalize(text)
    assert fold(text) == "de nghi cap so do"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ko dc", "khong duoc"),
        ("k đc j", "khong duoc gi"),
        ("UBND xã", "uy ban nhan dan xa"),
        ("the BHYT", "bao hiem y te"),
        ("TDP 5", "to dan pho 5"),
        ("ntn", "nhu the nao"),
        ("HGĐ", "ho gia dinh"),
        ("vay NHCSXH", "vay ngan hang chinh sach xa hoi"),
    ],
)
def test_teencode_and_abbreviations_are_written_out(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    "variant",
    ["sổ đỏ", "so do", "SỔ HỒNG", "GCN QSDĐ", "giấy chứng nhận quyền sử dụng đất", "gcnqsdd"],
)
def test_land_certificate_synonyms_are_one_concept(variant: str) -> None:
    assert tokens(f"cấp {variant} cho dân") == ["cap", "so_do", "cho"]


def test_stop_words_are_dropped_but_requests_kept() -> None:
    assert tokens("Kính đề nghị UBND xã cho biết khi nào sửa đường ạ?") == ["sua", "duong"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("nâng cao hơn nhà dân", "đường tôn cao"),
        ("thu phí vệ sinh môi trường", "tiền rác"),
        ("giấy xác nhận thông tin cư trú", "xac nhan cu tru"),
        ("làm căn cước ngoài giờ hành chính", "lam can cuoc ngay nghi"),
    ],
)
def test_paraphrase_families_share_a_concept(a: str, b: str) -> None:
    assert set(tokens(a)) & set(tokens(b)) & {"ton_cao", "phi_rac", "xac_nhan_cu_tru", "ngoai_gio"}


def test_stretched_letters_and_numbers() -> None:
    assert normalize("khônggggg") == "khong"
    assert normalize("hỗ trợ 1.500.000đ") == "ho tro 1500000 d"
    assert normalize("500k") == "500 nghin"


def test_pairs_keep_original_next_to_folded() -> None:
    assert pairs("Tố cáo!") == [("tố", "to"), ("cáo", "cao")]


def test_contains_phrase_is_accent_aware() -> None:
    assert contains_phrase(pairs("toi muon to cao"), "tố cáo")
    assert contains_phrase(pairs("Tôi muốn TỐ CÁO"), "tố cáo")
    assert not contains_phrase(pairs("nền nhà tô cao"), "tố cáo")
