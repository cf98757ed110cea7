"""The clustering engine: text analysis, the score, the index, clusters and officials' decisions."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dedupe.clusters import DEFAULT_JOIN, DEFAULT_SUGGEST, Clusters
from domain.dedupe.index import SimilarityIndex, prepare
from domain.dedupe.score import DEFAULT_MODEL, FEATURES
from domain.dedupe.text import analyse

# What a commune's dialogue holds besides the questions under test: IDF needs a background.
BACKGROUND = [
    "Đề nghị nạo vét kênh thủy lợi Bà Tư trước vụ lúa",
    "Xin hỗ trợ bò giống cho hộ nghèo thôn Nà Pục",
    "Chợ tự phát họp ngay lòng đường gây mất an toàn giao thông",
    "Trạm y tế xã thiếu thuốc, người dân phải ra huyện mua",
    "Đề nghị lắp camera an ninh ở ngã ba trường tiểu học",
    "Cấp giấy khai sinh cho trẻ còn chậm, đi lại nhiều lần",
    "Nước thải của lò mổ chảy ra mương gây hôi thối",
    "Điện chập chờn, trạm biến áp quá tải vào mùa hè",
    "Xin mở lớp dạy nghề may cho phụ nữ nông thôn",
    "Đường vào nghĩa trang lầy lội mỗi khi mưa",
    "Chó thả rông cắn người, đề nghị xử lý chủ nuôi",
    "Hộ cận nghèo chưa được cấp thẻ bảo hiểm y tế năm nay",
    "Trâu bò thả rông phá lúa của bà con",
    "Giá phân bón tăng cao, nông dân lỗ vốn",
    "Đề nghị xây nhà văn hóa cho tổ dân phố 7",
    "Thủ tục chuyển mục đích sử dụng đất quá rườm rà",
    "Học sinh phải qua sông bằng đò, xin làm cầu",
    "Karaoke hát đến nửa đêm, ảnh hưởng giấc ngủ",
    "Lúa bị sâu cuốn lá, xin cán bộ khuyến nông hướng dẫn",
    "Xin công khai danh sách hộ được hỗ trợ sau bão",
]


def confidence_among(a: str, b: str, category: str | None = None) -> float:
    """How the engine scores `a` against `b` in a dialogue holding the background too."""
    index = SimilarityIndex()
    for i, text in enumerate(BACKGROUND):
        index.add(f"bg{i}", prepare(text))
    index.add("b", prepare(b, category))
    return float(index.confidence(prepare(a, category), index.slots_of(["b"]))[0])


OFFICIAL = (
    "Cử tri đề nghị sớm cấp giấy chứng nhận quyền sử dụng đất cho các hộ đã hiến đất làm "
    "đường ở thôn 3"
)
RESIDENT = "nha e hien dat lam duong o thon 3 ma chua dc cap so do"


def test_official_summary_joins_resident_teencode() -> None:
    assert confidence_among(RESIDENT, OFFICIAL) >= DEFAULT_JOIN


def test_nfd_and_unaccented_copies_are_duplicates() -> None:
    text = "Đề nghị nâng cấp Hương lộ 8 đang hư hỏng nặng"
    assert confidence_among(unicodedata.normalize("NFD", text), text) >= 99
    assert confidence_among("de nghi nang cap huong lo 8 dang hu hong nang", text) >= 95


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sửa đường thôn Đông", "Sửa đường thôn Tây"),
        ("Đề nghị nâng cấp Hương lộ 8", "Đề nghị nâng cấp Hương lộ 12"),
        ("Trộm cắp ở xóm 5, xin tăng cường tuần tra", "Trộm cắp ở xóm 9, xin tăng cường tuần tra"),
        ("Mương thủy lợi xóm Bản Pát bị rò rỉ", "Mương thủy lợi xóm Roỏng Búa bị rò rỉ"),
        ("Đề nghị sửa đèn ngõ 4 bị hỏng", "Đề nghị sửa đèn xóm Bãi bị hỏng"),
        ("Xin tăng mức trợ cấp cho người cao tuổi", "Xin hạ tuổi hưởng trợ cấp người cao tuổi"),
        ("Thu gom rác thường xuyên hơn ở thôn 2", "Dời điểm tập kết rác ở thôn 2 đi chỗ khác"),
    ],
)
def test_other_place_or_other_request_does_not_join(a: str, b: str) -> None:
    assert confidence_among(a, b) < DEFAULT_JOIN


# --- analysis -------------------------------------------------------------------------------


def test_markers_are_checked_word_by_word_with_their_accents() -> None:
    # "bán" (to sell) folds like "bản" (a hamlet) but is no place marker; "bản" is one.
    assert analyse("Xin cho bán đất ở Bản Nà Khum").places == frozenset({"na khum"})
    assert analyse("Mua bán Đất Đai").places == frozenset()


def test_lower_case_words_after_a_marker_are_no_names() -> None:
    found = analyse("duong thon minh hu het roi")
    assert found.places == frozenset()
    assert "minh" not in found.places


def test_numbered_places_keep_their_family() -> None:
    assert analyse("Sửa đèn tổ dân phố 5").places == analyse("sua den to 5").places
    assert analyse("khu phố 5 ngập").places != analyse("thôn 5 ngập").places
    assert analyse("hẻm 12 tối om").places == analyse("ngõ 12 tối om").places


def test_abbreviations_without_vowels_keep_their_letters() -> None:
    assert "cccd" in analyse("lam cccd o dau").tokens
    assert "khong" in analyse("khônggggg").tokens or analyse("khônggggg").tokens == ()


def test_stop_words_are_accent_aware() -> None:
    # "xã" is a stop-word, "xả" (to discharge) is not; typed bare, "xa" is dropped only in a
    # text written without diacritics.
    assert "xa_thai" in analyse("Nhà máy xả thải ra sông").tokens
    assert "xa" in analyse("Trường học ở quá xa nhà").tokens
    assert "xa" not in analyse("xin xa sua duong").tokens


def test_administrative_names_say_where_the_asker_lives() -> None:
    found = analyse("Cử tri xã Long Hiệp (huyện Minh Long, Quảng Ngãi) đề nghị sửa đường")
    assert not {"long", "hiep", "minh", "quang", "ngai"} & set(found.tokens)


def test_people_named_with_a_title() -> None:
    found = analyse("Nhà bà Hồ Thị Vân ở thôn Kim Cương bị nứt")
    assert found.persons == frozenset({"ho thi van"})


# --- the score: one formula, vectorised or not ------------------------------------------------

TEXTS = [*BACKGROUND, OFFICIAL, RESIDENT, "Sửa đường thôn Đông", "sua duong thon dong di"]


@settings(max_examples=40, deadline=None)
@given(
    order=st.permutations(range(len(TEXTS))),
    query=st.sampled_from(TEXTS),
    batch=st.integers(min_value=1, max_value=len(TEXTS)),
)
def test_batched_scores_equal_scores_one_by_one(order: list[int], query: str, batch: int) -> None:
    index = SimilarityIndex()
    for i in order:
        index.add(str(i), prepare(TEXTS[i]))
    q = prepare(query)
    slots = index.live_slots()
    together = index.confidence(q, slots)
    one_by_one = np.array([index.confidence(q, slots[i : i + 1])[0] for i in range(len(slots))])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12)
    # Any split into batches gives the same, and the pruned path agrees above its floor.
    parts = np.concatenate(
        [index.confidence(q, slots[i : i + batch]) for i in range(0, len(slots), batch)]
    )
    np.testing.assert_allclose(parts, together, rtol=1e-12)
    pruned = index.confidence(q, slots, DEFAULT_SUGGEST)
    above = together >= DEFAULT_SUGGEST
    np.testing.assert_allclose(pruned[above], together[above], rtol=1e-12)
    assert (pruned[~above] < DEFAULT_SUGGEST).all()
    # The evidence matrix through the shipped model gives the same confidences.
    np.testing.assert_allclose(
        DEFAULT_MODEL.confidence(index.features(q, slots)), together, rtol=1e-12
    )


def test_features_stay_between_zero_and_one() -> None:
    index = SimilarityIndex()
    for i, text in enumerate(TEXTS):
        index.add(str(i), prepare(text, "land" if i % 2 else "infrastructure"))
    matrix = index.features(prepare(RESIDENT, "land"), index.live_slots())
    assert matrix.shape == (len(TEXTS), len(FEATURES))
    assert (matrix >= 0).all() and (matrix <= 1 + 1e-9).all()


def test_a_question_read_back_scores_as_it_did_when_new() -> None:
    index = SimilarityIndex()
    for i, text in enumerate(TEXTS):
        index.add(str(i), prepare(text))
    slots = index.live_slots()
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(
            index.confidence(index.query_at(index.slot_of(str(i))), slots),
            index.confidence(prepare(text), slots),
            rtol=1e-9,
        )


def test_blocking_finds_what_scoring_every_question_finds() -> None:
    blocked = SimilarityIndex(exhaustive_up_to=0)
    every = SimilarityIndex(exhaustive_up_to=10_000)
    for i, text in enumerate(TEXTS):
        blocked.add(str(i), prepare(text))
        every.add(str(i), prepare(text))
    for text in (RESIDENT, "duong thon dong hu", "xin sua duong thon Tay"):
        q = prepare(text)
        assert blocked.similar(q, 5, DEFAULT_SUGGEST) == every.similar(q, 5, DEFAULT_SUGGEST)


# --- clusters ---------------------------------------------------------------------------------


def background_clusters(**options: float) -> Clusters:
    clusters = Clusters(**options)
    for i, text in enumerate(BACKGROUND):
        clusters.add(f"bg{i}", text)
    return clusters


def test_duplicates_join_the_first_one_and_keep_its_id() -> None:
    clusters = background_clusters()
    assert clusters.add("a", OFFICIAL).cluster == "a"
    placed = clusters.add("b", RESIDENT)
    assert placed.joined and placed.cluster == "a" and placed.confidence >= DEFAULT_JOIN
    assert clusters.members("a") == ["a", "b"]


def test_decide_then_apply_is_add() -> None:
    one, two = background_clusters(), background_clusters()
    for qid, text in (("a", OFFICIAL), ("b", RESIDENT), ("c", "Sửa đường thôn Đông")):
        assert one.add(qid, text) == two.apply(qid, two.decide(text))
    assert one.clusters() == two.clusters()


ROAD = "Đề nghị sửa chữa đường trục thôn 3 bị lún, ổ gà nhiều"
BOTH = "Đường trục thôn 3 bị lún, ổ gà nhiều, đèn chiếu sáng cũng hỏng, đề nghị sửa cả hai"
LIGHT = "Đèn chiếu sáng ở thôn 3 hỏng cả tháng nay, đề nghị thay bóng"


def test_one_alike_member_is_not_enough_to_join() -> None:
    # The middle question matches each end; the ends do not match each other. Joining on the
    # best match would chain them; average link keeps the third out and suggests it instead.
    assert confidence_among(BOTH, ROAD) >= DEFAULT_JOIN
    assert confidence_among(LIGHT, BOTH) >= DEFAULT_JOIN
    assert confidence_among(LIGHT, ROAD) < DEFAULT_SUGGEST
    clusters = background_clusters()
    clusters.add("road", ROAD)
    assert clusters.add("both", BOTH).cluster == "road"
    light = clusters.add("light", LIGHT)
    assert light.cluster == "light"
    assert [s.other for s in light.suggestions] == ["road"]


def test_an_official_split_is_never_undone() -> None:
    clusters = background_clusters()
    clusters.add("a", OFFICIAL)
    clusters.add("b", RESIDENT)
    clusters.split(["b"])
    assert clusters.cluster_of("b") == "b"
    again = clusters.add("c", RESIDENT + " a")
    assert clusters.cluster_of("a") != clusters.cluster_of("b")
    assert not any(s.other in {"a", "b"} and s.cluster in {"a", "b"} for s in again.suggestions)


def test_a_dismissed_pair_is_never_suggested_or_merged_again() -> None:
    clusters = background_clusters(join=100.5, suggest=30)  # nothing joins
    clusters.add("a", OFFICIAL)
    placed = clusters.add("b", RESIDENT)
    assert [(s.cluster, s.other) for s in placed.suggestions] == [("b", "a")]
    clusters.keep_apart("a", "b")
    later = clusters.add("c", "Các hộ hiến đất làm đường thôn 3 chưa được cấp sổ đỏ")
    pairs = {frozenset((s.cluster, s.other)) for s in later.suggestions}
    assert frozenset(("a", "b")) not in pairs


def test_a_question_bridging_two_clusters_merges_them_unless_an_official_handled_one() -> None:
    texts = (
        "Đề nghị cấp sổ đỏ cho các hộ hiến đất làm đường thôn 3",
        "cac ho hien dat lam duong thon 3 chua dc cap so do",
    )
    for locked in (False, True):
        clusters = background_clusters(join=100.5)  # nothing joins while the two arrive
        clusters.add("a", texts[0])
        clusters.add("b", texts[1])
        assert clusters.cluster_of("a") != clusters.cluster_of("b")
        if locked:
            clusters.lock("b")
        clusters.join = DEFAULT_JOIN
        placed = clusters.add("c", "Hộ hiến đất làm đường thôn 3 chưa được cấp sổ đỏ")
        if locked:
            assert placed.merged == ()
        else:
            assert placed.merged and clusters.cluster_of("b") == clusters.cluster_of("a") == "a"


def test_restore_and_resync_put_back_the_stored_clusters() -> None:
    live = background_clusters()
    live.add("a", OFFICIAL)
    live.add("b", RESIDENT)
    live.add("c", "Sửa đường thôn Đông")
    live.merge("a", "c")
    saved = live.clusters()
    restored = Clusters()
    for qid in [f"bg{i}" for i in range(len(BACKGROUND))] + ["a", "b", "c"]:
        text = {"a": OFFICIAL, "b": RESIDENT, "c": "Sửa đường thôn Đông"}.get(qid)
        text = text if text is not None else BACKGROUND[int(qid[2:])]
        restored.restore(qid, text, None, live.cluster_of(qid))
    assert restored.clusters() == saved
    # A question the store does not hold (a rolled-back transaction) is forgotten.
    restored.add("phantom", "Xin sửa đường thôn Đông bị ổ gà")
    assignment = {q: live.cluster_of(q) for q in live.index.ids()}
    restored.resync(assignment, ["a"], [])
    assert "phantom" not in restored and restored.clusters() == saved
    assert restored.is_locked("a")


def test_the_same_questions_in_the_same_order_cluster_the_same() -> None:
    texts = [*BACKGROUND, OFFICIAL, RESIDENT, "Sửa đường thôn Đông", "sua duong thon dong"]
    one, two = Clusters(), Clusters()
    for i, text in enumerate(texts):
        one.add(str(i), text)
    for i, text in enumerate(texts):
        two.add(str(i), text)
    assert one.clusters() == two.clusters()


def test_a_restarted_engine_places_later_questions_as_the_running_one() -> None:
    # A restart restores the first questions with their stored clusters (no matching) and must
    # then place the rest exactly as an engine that never stopped: same IDF snapshots, same
    # clusters, same suggestions.
    texts = [*BACKGROUND, OFFICIAL, RESIDENT, ROAD, BOTH, LIGHT, "sua duong truc thon 3 bi lun"]
    texts += [f"{t} nhé" for t in texts[:8]]
    half = len(texts) // 2
    running = Clusters()
    for i, text in enumerate(texts[:half]):
        running.add(str(i), text)
    stored = {str(i): running.cluster_of(str(i)) for i in range(half)}
    restarted = Clusters()
    for i, text in enumerate(texts[:half]):
        restarted.restore(str(i), text, None, stored[str(i)])
    for i, text in enumerate(texts[half:], start=half):
        assert restarted.add(str(i), text) == running.add(str(i), text)
    assert restarted.clusters() == running.clusters()
