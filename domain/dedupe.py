"""Finding residents' questions that ask the same thing, and grouping them.

A question is reduced to `Features`: its content tokens (see `domain.normalize.tokens`), a
weight per token, and the *entities* it names: villages, residential groups, roads, bridges and
canals, and bare numbers. Two questions are scored in two parts:

1. `fuzz.token_set_ratio` (rapidfuzz) on the content tokens. It forgives typos, word order and
   the extra words of a long official summary compared with a short resident message.
2. A weighted overlap of the token sets: how much of the shorter question the longer one
   covers, and how much they share overall. token_set_ratio alone calls any question whose
   words are a subset of another's a perfect match ("sửa đường" inside "lắp đèn đường"); the
   overlap keeps the request itself in view.

Entities then veto: "sửa đường thôn A" and "sửa đường thôn B" share every word but the place,
and are two requests. When both questions name a place of the same kind and no name agrees,
the score is cut below any threshold.

Lookup is not all-pairs: an inverted index maps each token to the questions holding it, and only
the questions sharing the rarest tokens of a new question are scored (see `SimilarityIndex`).

Clustering is incremental (`Clusters`): a question joins the cluster of its best match above the
threshold or starts its own; a cluster's id is its first member's id and never changes. The
mapping question → cluster is stored, not recomputed, so officials can merge and split clusters
and later questions follow their decision.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

from rapidfuzz import fuzz

from domain.categories import OTHER
from domain.normalize import STOP_WORDS, concept_words, contains_phrase, content_tokens, pairs

DEFAULT_THRESHOLD = 64.0
"""Score (0-100) from which two questions count as the same request."""

SUGGEST_THRESHOLD = 45.0
"""Lower bar for *showing* a resident similar questions: they decide, so a near miss costs a look,
while a wrong merge in the clusters would hide a distinct request from the office."""

# --- entities -----------------------------------------------------------------------------------

# Kinds of named place; two questions conflict only when they name places of the same kind.
# Villages (thôn, xóm, ấp, bản) and urban groups (tổ dân phố, khu phố) are one kind: a commune
# has either, and "thôn 3" against "tổ 5" are two places all the same.
_VILLAGE = _QUARTER = "area"
_ROAD, _WORKS = "road", "works"
_MARKERS: dict[str, str] = {
    "thon": _VILLAGE,
    "xom": _VILLAGE,
    "ap": _VILLAGE,
    "ban": _VILLAGE,
    "lang": _VILLAGE,
    "buon": _VILLAGE,
    "plei": _VILLAGE,
    "khom": _VILLAGE,
    "soc": _VILLAGE,
    "doi": _VILLAGE,
    "to": _QUARTER,
    "tdp": _QUARTER,
    "khu_pho": _QUARTER,
    "khu": _QUARTER,
    "cum": _QUARTER,
    "duong": _ROAD,
    "quoc_lo": _ROAD,
    "huong_lo": _ROAD,
    "tinh_lo": _ROAD,
    "ngo": _ROAD,
    "hem": _ROAD,
    "kiet": _ROAD,
    "ngach": _ROAD,
    "cau": _WORKS,
    "kenh": _WORKS,
    "muong": _WORKS,
    "dap": _WORKS,
    "cong": _WORKS,
    "truong": _WORKS,
    "nha_van_hoa": _WORKS,
    "tram_bien_ap": _WORKS,
}
# Markers that are also everyday words: they name a place only before a number ("tổ 5", "đội 3",
# "khu 2") or, for the works, before a word that is no common noun or verb.
_NUMBER_ONLY = frozenset({"to", "doi", "khu", "cum", "ngo", "hem", "cong", "dap"})

# Words that follow a marker without being a name ("đường liên thôn", "cầu bị sập", "thôn em").
_NOT_NAME_TEXT = """
lien noi vao ra di len xuong qua sang ve tu den tai o cua va voi la thi ma de cho bi da dang
se roi chua con lai rat nhieu qua lam co khong nay do kia day ben trong ngoai tren duoi nho lon
moi cu hep rong dat bun nong thon giao thong be_tong nhua san gach ong dan toi em minh chung
nha chinh phu xa huyen tinh ngan hang di lai chay nuoc dien den sach xau hong sap lun nut vo
xuong_cap o_ga ngap_ung thoat_nuoc sua nang_cap lap_dat ho_tro xu_ly het gan xa sau truoc
hoc tieu mam non cap thcs thpt th mn dai hoc nay kia sat canh doc theo noi_dong
ca tat chinh phu nhanh cham som muon khi nao bao gio gi sao hu hai lo vui ket thuy loi
cao thap dai ngan vao cuoi dau mot hai ba bon nam sau bay tam chin muoi nhung cac moi
dem ngay hanh nganh be hang le giao chap tin than chi thuong bo le tay chan ghe ban
"""
# Stop-words that are also common in place names ("thôn Bắc", "xóm Nam", "thôn Hạ").
_PLACE_LIKE = frozenset({"bac", "nam", "dong", "tay", "doai", "ha", "thuong", "trung", "tan", "an"})
_NOT_NAME = (frozenset(_NOT_NAME_TEXT.split()) | STOP_WORDS) - _PLACE_LIKE


def _entities(words: Sequence[str]) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Named places by kind, and the numbers not attached to any place."""
    found: dict[str, set[str]] = {}
    used: set[int] = set()
    n = len(words)
    i = 0
    while i < n:
        word = words[i]
        kind = _MARKERS.get(word)
        # "yêu cầu" is a request, not a bridge; "con đường"/"tuyến đường" still are roads.
        if kind is None or (word == "cau" and i > 0 and words[i - 1] == "yeu"):
            i += 1
            continue
        j = i + 1
        if j < n and words[j] == "so":  # "đường số 5", "tổ số 3"
            j += 1
        if j >= n:
            break
        nxt = words[j]
        if nxt.isdigit():
            found.setdefault(kind, set()).add(nxt)
            used.add(j)
            i = j + 1
            continue
        # "xóm Bản Pát": a marker word may start a name of the same kind of place.
        other_marker = nxt in _MARKERS and _MARKERS[nxt] != kind
        if word in _NUMBER_ONLY or nxt in _NOT_NAME or other_marker or len(nxt) < 2:
            i += 1
            continue
        name = [nxt]
        k = j + 1
        # Place names are mostly one or two syllables ("Đông", "Thanh Kỳ", "Bản Pát").
        if k < n and words[k] not in _NOT_NAME and words[k] not in _MARKERS and words[k].isalpha():
            name.append(words[k])
            k += 1
        found.setdefault(kind, set()).add(" ".join(name))
        i = k
    loose = frozenset(w for idx, w in enumerate(words) if w[:1].isdigit() and idx not in used)
    return {k: frozenset(v) for k, v in found.items()}, loose


# --- features and scoring -----------------------------------------------------------------------

# Words that occur in many unrelated requests: sharing them is weak evidence of a duplicate.
_LOW_WEIGHT_TEXT = """
cho nguoi nha dat ho_gia_dinh thon xom to tdp khu_pho ap duong khu dan cu thuc hien giai quyet
dau tu kinh phi nguon von xay dung cong trinh du an ho_tro tac quan ly tinh hinh chinh sach che
do kiem tra xu_ly lam tang cuong day nhanh tien tuyen truyen van dong huong tiep thu den
mua gia tang giup cap
"""
_LOW_WEIGHT = frozenset(_LOW_WEIGHT_TEXT.split())
_ENTITY_WEIGHT = 1.5
_CONCEPT_WEIGHT = 1.5
_LOW = 0.4
# A question lighter than this is too short to be called the same as another on its own words.
_MIN_WEIGHT = 3.0


@dataclass(frozen=True)
class Features:
    """What the scorer needs to know about one question."""

    key: str  # content tokens joined by spaces: the string rapidfuzz compares
    weights: dict[str, float]
    total: float
    places: dict[str, frozenset[str]]
    numbers: frozenset[str]
    topic: dict[str, float]  # weights without the places and numbers
    topic_total: float


def features(text: str) -> Features:
    words = concept_words(text)
    places, numbers = _entities(words)
    named = {part for names in places.values() for name in names for part in name.split()}
    weights: dict[str, float] = {}
    content = content_tokens(words)
    # Place names count even when they look like stop-words ("thôn Bắc").
    for token in [*content, *sorted(named - set(content))]:
        if token in named or token[:1].isdigit():
            w = _ENTITY_WEIGHT
        elif token in _LOW_WEIGHT:
            w = _LOW
        elif "_" in token:
            w = _CONCEPT_WEIGHT
        else:
            w = 1.0
        weights[token] = w
    # What the question asks about, apart from where: agreeing on the place alone must not make
    # "sửa đường tổ 5" a duplicate of "sửa nhà văn hóa tổ 5".
    topic = {t: w for t, w in weights.items() if t not in named and not t[:1].isdigit()}
    return Features(
        key=" ".join(weights),
        weights=weights,
        total=sum(weights.values()),
        places=places,
        numbers=numbers,
        topic=topic,
        topic_total=sum(topic.values()),
    )


def rapidfuzz_score(a: str, b: str) -> float:
    """The rapidfuzz part of the score, on `Features.key` strings (also the baseline scorer)."""
    return float(fuzz.token_set_ratio(a, b))


def _same_place(names: frozenset[str], others: frozenset[str]) -> bool:
    # "Đông" and "Đông Tây" may be one place written shorter; "Đông Hòa" and "Tây Hòa" are two.
    for name in names:
        parts = set(name.split())
        for other in others:
            other_parts = set(other.split())
            if parts <= other_parts or other_parts <= parts:
                return True
    return False


def _share_place(a: Features, b: Features) -> bool:
    return any(
        (other := b.places.get(kind)) is not None and _same_place(names, other)
        for kind, names in a.places.items()
    )


def conflict(a: Features, b: Features) -> float:
    """Factor (0-1] by which disagreeing places or numbers cut the score."""
    for kind, names in a.places.items():
        other = b.places.get(kind)
        if other and not _same_place(names, other):
            return 0.5
    if a.numbers and b.numbers and not (a.numbers & b.numbers):
        return 0.9
    return 1.0


_PLACE_BONUS = 6.0


def overlap(a: Features, b: Features) -> float:
    """Weighted overlap 0-1 of what two questions ask about (places and numbers left out)."""
    if not a.topic or not b.topic:
        return 0.0
    small, large = (a.topic, b.topic) if len(a.topic) <= len(b.topic) else (b.topic, a.topic)
    shared = sum(w for t, w in small.items() if t in large)
    lighter = min(a.topic_total, b.topic_total)
    # How much of the shorter question the longer one covers (a resident's short message inside
    # an official's long summary), damped for questions too short to say much...
    cover = shared / lighter * min(1.0, lighter / _MIN_WEIGHT)
    # ...and how much they share overall, so that one common word does not carry the match.
    dice = 2.0 * shared / (a.topic_total + b.topic_total)
    return 0.65 * cover + 0.35 * dice


def combine(a: Features, b: Features, fuzzy: float, shared: float | None = None) -> float:
    """Final score 0-100 from the rapidfuzz score and the weighted overlap of the two questions."""
    if shared is None:
        shared = overlap(a, b)
    factor = conflict(a, b)
    bonus = _PLACE_BONUS if factor == 1.0 and _share_place(a, b) else 0.0
    return min(100.0, 0.4 * fuzzy + 60.0 * shared + bonus) * factor


def upper_bound(shared: float) -> float:
    """The highest `combine` can reach with this overlap, whatever the rapidfuzz score."""
    return 40.0 + 60.0 * shared + _PLACE_BONUS


def score(a: Features, b: Features) -> float:
    return combine(a, b, rapidfuzz_score(a.key, b.key))


# --- the index ----------------------------------------------------------------------------------


class SimilarityIndex:
    """Questions of one dialogue, searchable for near duplicates without comparing all pairs.

    Blocking: a new question is compared only with questions sharing at least one of its rarer
    tokens. Tokens held by more than `max_share` of the questions (and more than `min_common`)
    are too common to narrow anything down and are skipped while gathering candidates (they still
    count in the score). Of the candidates, the `candidates` sharing the most tokens are scored.
    """

    def __init__(self, *, candidates: int = 20, max_share: float = 0.02, min_common: int = 300):
        self._candidates = candidates
        self._max_share = max_share
        self._min_common = min_common
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._features: list[Features | None] = []
        self._categories: list[str | None] = []
        self._postings: dict[str, list[int]] = {}
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, qid: object) -> bool:
        return qid in self._slot

    def add(self, qid: str, text: str, category: str | None = None) -> Features:
        """Index a question; adding an id again replaces its text."""
        feats = features(text)
        self.add_features(qid, feats, category)
        return feats

    def add_features(self, qid: str, feats: Features, category: str | None = None) -> None:
        if qid in self._slot:
            self.remove(qid)
        slot = len(self._ids)
        self._ids.append(qid)
        self._slot[qid] = slot
        self._features.append(feats)
        self._categories.append(category)
        for token in feats.weights:
            self._postings.setdefault(token, []).append(slot)
        self._live += 1

    def remove(self, qid: str) -> None:
        """Forget a question (a resident deleting their data); its slot stays empty."""
        slot = self._slot.pop(qid, None)
        if slot is None:
            return
        feats = self._features[slot]
        self._features[slot] = None
        self._live -= 1
        if feats is not None:
            for token in feats.weights:
                posting = self._postings.get(token)
                if posting is not None:
                    # Slots are appended in order, so the list stays sorted.
                    posting.remove(slot)

    def features_of(self, qid: str) -> Features | None:
        slot = self._slot.get(qid)
        return None if slot is None else self._features[slot]

    def similar(
        self,
        text: str,
        limit: int = 3,
        category: str | None = None,
        min_score: float = SUGGEST_THRESHOLD,
    ) -> list[tuple[str, float]]:
        """Up to `limit` indexed questions most like `text`, best first, as (id, score)."""
        return self.similar_to(features(text), limit, category, min_score)

    def similar_to(
        self,
        query: Features,
        limit: int = 3,
        category: str | None = None,
        min_score: float = SUGGEST_THRESHOLD,
        exclude: str | None = None,
    ) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for slot in self._candidate_slots(query):
            feats = self._features[slot]
            if feats is None or (category is not None and self._categories[slot] != category):
                continue
            qid = self._ids[slot]
            if qid == exclude:
                continue
            shared = overlap(query, feats)
            if upper_bound(shared) < min_score:
                continue  # cheap to rule out before rapidfuzz runs
            value = combine(query, feats, rapidfuzz_score(query.key, feats.key), shared)
            if value >= min_score:
                found.append((qid, round(value, 2)))
        # Ties go to the older question: it is the one others have already backed.
        found.sort(key=lambda pair: (-pair[1], self._slot[pair[0]]))
        return found[:limit]

    def _candidate_slots(self, query: Features) -> list[int]:
        cap = max(self._min_common, int(self._max_share * self._live))
        lists = [p for t in query.weights if (p := self._postings.get(t))]
        if not lists:
            return []
        lists.sort(key=len)
        chosen = [p for p in lists if len(p) <= cap]
        if not chosen:
            # Only common words: look at the most recent holders of the rarest one.
            chosen = [lists[0][-cap:]]
        counts: Counter[int] = Counter()
        for posting in chosen:
            counts.update(posting)
        if len(counts) <= self._candidates:
            return list(counts)
        return [s for s, _ in heapq.nlargest(self._candidates, counts.items(), key=itemgetter(1))]


# --- clustering ---------------------------------------------------------------------------------


class Clusters:
    """Incremental, stable grouping of a dialogue's questions into clusters of duplicates.

    The assignment question → cluster is kept explicitly, so that the office can `merge` and
    `split` clusters; later questions join whatever cluster their best match belongs to *now*.
    """

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, index: SimilarityIndex | None = None
    ) -> None:
        self.threshold = threshold
        self.index = index if index is not None else SimilarityIndex()
        self._cluster_of: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}

    def add(self, qid: str, text: str, category: str | None = None) -> str:
        """Place a new question; returns the id of its cluster."""
        if qid in self._cluster_of:
            return self._cluster_of[qid]
        query = features(text)
        best = self.index.similar_to(query, limit=1, min_score=self.threshold)
        self.index.add_features(qid, query, category)
        cluster = self._cluster_of[best[0][0]] if best else qid
        self._cluster_of[qid] = cluster
        self._members.setdefault(cluster, []).append(qid)
        return cluster

    def cluster_of(self, qid: str) -> str:
        return self._cluster_of[qid]

    def members(self, cluster: str) -> list[str]:
        return list(self._members.get(cluster, ()))

    def clusters(self) -> dict[str, list[str]]:
        return {cid: list(ids) for cid, ids in self._members.items()}

    def merge(self, keep: str, other: str) -> str:
        """Move every member of cluster `other` into cluster `keep`; returns `keep`."""
        if keep == other:
            return keep
        moved = self._members.pop(other, [])
        for qid in moved:
            self._cluster_of[qid] = keep
        self._members.setdefault(keep, []).extend(moved)
        return keep

    def split(self, qids: Iterable[str]) -> str:
        """Take questions out of their clusters into a new one named after the first of them.

        If that id still names the old cluster (its first member is taken out), the members
        left behind are renamed after their own first member, so ids stay "first member".
        """
        taken = [q for q in qids if q in self._cluster_of]
        if not taken:
            raise ValueError("no known question to split off")
        new_id = taken[0]
        for qid in taken:
            old = self._cluster_of[qid]
            self._members[old].remove(qid)
            if not self._members[old]:
                del self._members[old]
        for old in {c for c in self._members if c == new_id}:
            rest = self._members.pop(old)
            for qid in rest:
                self._cluster_of[qid] = rest[0]
            self._members[rest[0]] = rest
        for qid in taken:
            self._cluster_of[qid] = new_id
        self._members[new_id] = taken
        return new_id

    def remove(self, qid: str) -> None:
        """Forget a question. The cluster keeps its id even if its first member leaves."""
        cluster = self._cluster_of.pop(qid, None)
        self.index.remove(qid)
        if cluster is None:
            return
        members = self._members[cluster]
        members.remove(qid)
        if not members:
            del self._members[cluster]


# --- category suggestion ------------------------------------------------------------------------

# Folded phrases (concept tokens allowed) → weight, per default category key. Written from what
# commune dialogues are about, not from any one test set: the ordinary words of each field.
_LEXICON_TEXT: dict[str, str] = {
    "land": """
        so_do:3 dat dai:3 thua dat:3 tach_thua:3 hop thua:3 chuyen_muc_dich:3 tranh chap:2
        lan chiem:3 lan dat:3 chiem dat:3 gpmb:3 boi thuong:2 thu hoi dat:3 tai_dinh_cu:3
        quy hoach:2 quy hoach treo:3 do dac:2 ban do dia chinh:3 dia chinh:2 dat o:2
        dat nong nghiep:2 dat cong:2 dat du:2 dat doi du:2 hien dat:2 ranh gioi:2 han muc:2
        giao dat:3 thue dat:2 tien su dung dat:3 trich do:3 mua ban dat:2 chuyen nhuong:2
        dat rung:2 dat lua:2 dat trong:1 ton dong:1 cap dat:2 mot thua:2 dat ruong:2 ruong:1
        dat:1 dien tich:1 giay phep xay dung:1 xay dung trai phep:1 dat thoi cu:2 dat vuon:2
        dat thung:2 cam moc:2 moc gioi:3 sang ten:3 dat nen:2 dat dich vu:3 dat gian dan:3
    """,
    "social_policy": """
        ho_ngheo:3 ho_can_ngheo:3 bhyt:3 bhxh:3 tro cap:3 btxh:3 nguoi_co_cong:3
        thuong binh:3 liet si:3 chat doc da cam:3 nguoi_cao_tuoi:3 nguoi_khuyet_tat:3
        khuyet tat:3 luong huu:3 hoc bong:2 hoc phi:2 mien giam:2 nha tinh nghia:3
        nha dai doan ket:3 nha tam:2 tre em:2 kham chua benh:3 tram y te:3 y te:2 benh vien:2
        giao duc:2 hoc sinh:2 truong hoc:1 gia dinh chinh sach:3 chinh sach:1 tro giup:2
        csxh:2 phu cap:2 don than:2 mo coi:3 tre mo coi:3 bao tro:3 nha o:1 an sinh:3
        hoan canh kho khan:3 kho khan:1 dtts:2 thuoc:2 bac si:2 tiem chung:2 tiem phong:2
        suy dinh duong:2 mai am:2 cuu tro:2 dien chinh sach:3 cong voi cach mang:3 tuat:3
        ve huu:2 bhtn:2 cham soc suc khoe:2 mu chu:2 sach giao khoa:2 giao vien:2 hoc:1
        mam non:1 tuoi gia:2 tuoi cao:2 ngheo:2 cao tuoi:2 nguoi gia:2 gia yeu:2 benh:1
    """,
    "admin_procedures": """
        thu tuc:3 tthc:3 ho so:2 giay to:2 mot_cua:3 chung thuc:3 cong chung:2 khai_sinh:3
        ket hon:3 khai tu:3 ho tich:3 ho khau:3 cu tru:3 tam tru:3 thuong tru:3 tam vang:3
        cccd:3 cmnd:3 dich_vu_cong:3 truc tuyen:2 xac nhan:2 ban sao:2 le phi:2 tre hen:3
        thoi han giai quyet:2 gpxd:2 dang ky:1 thai do phuc vu:3 phuc vu:1 can bo tiep dan:2
        nhung nhieu:2 di lai nhieu lan:3 nhieu lan:1 giay xac nhan:3 vneid:3 dinh danh:3
        chu ky so:3 tiep nhan va tra ket qua:3 tra ket qua:2 hen:1 mat nhieu thoi gian:2
        con dau:2 xac minh:1 giay phep:2 dang ky kinh doanh:1 phuc tap:1 rom ra:3 ruom ra:3
        hanh chinh:2 sap nhap:1 dia chi moi:2 doi dia chi:3 cong dan:1 cai chinh:3
    """,
    "infrastructure": """
        duong:2 giao thong:2 be_tong:2 nang_cap:2 sua:1 cau:2 cong:1 kenh:2 muong:2
        thuy loi:3 den_chieu_sang:3 dien:2 luoi dien:3 tram_bien_ap:3 nuoc_sach:3
        nha_van_hoa:3 san the thao:3 san van dong:3 o_ga:3 xuong_cap:2 thoat_nuoc:3 via he:3
        mat duong:3 lam duong:3 trai nhua:3 duong noi dong:3 duong lang:3 ngo xom:3 ke:2
        ke chong sat lo:3 sat lo:2 tran:1 loa truyen thanh:3 truyen thanh:2 song:1
        cot dien:3 mat dien:3 cup dien:3 dien yeu:3 song dien thoai:3 internet:2 cho:1
        truong:1 phong hoc:2 lop hoc:2 nghia trang:2 ngap_ung:2 cong trinh:1 xay dung:1
        duong dien:3 ong nuoc:3 nuoc may:3 tuong rao:2 ranh:2 ho chua:2 tram bom:3 dap:2
        gieng:1 vet:1 nao vet:2 mo rong:2 lan duong:1 lo gioi:1 hanh lang:1 bao ve:1
    """,
    "environment": """
        moi truong:3 o_nhiem:3 rac:3 rac thai:3 thu_gom:2 nuoc thai:3 xa thai:3 mui hoi:3
        hoi thoi:3 khoi:2 bui:2 khoi bui:3 tieng on:3 vsmt:3 cay xanh:2 chat thai:3
        bai rac:3 dot rac:3 ca chet:3 chan nuoi:1 trang trai:1 trai lon:2 trai ga:2 phan:1
        thuoc tru sau:1 vo chai:2 bao bi:1 khai thac cat:2 khai thac khoang san:2 cat:1
        lo gach:3 lo than:3 nha may:1 xuong:1 co so san xuat:1 ve sinh:2 thu phi rac:3
        phan loai rac:3 ruoi muoi:3 muoi:1 ao tu:2 song ngoi:1 bi o_nhiem:3 chat thai ran:3
        xac dong vat:3 nghia trang:1 chat phe thai:3 phe thai:3 dot:1 nuoc den:2 boc mui:3
    """,
    "security": """
        an ninh:3 trat tu:3 antt:3 trom:3 trom cap:3 cuop:3 cuop giat:3 ma tuy:3 nghien:3
        tu tap:3 dua xe:3 danh nhau:3 co bac:3 danh bac:3 lo de:3 tin dung den:3
        vay nang lai:3 cho vay nang lai:3 lua dao:3 camera:3 tuan tra:3 cong_an:2 dan phong:3
        atgt:3 tai nan:3 tai nan giao thong:3 no:1 nep po:3 lang lach:3 xe qua tai:3
        long duong:2 le duong:2 lan chiem long le duong:3 te_nan:3 pccc:3 chay no:3
        chay:1 phao:2 vu khi:3 cho tha rong:3 tha rong:3 gay roi:3 mat trat tu:3 karaoke:2
        hat karaoke:3 on ao:2 say xin:3 ruou:2 toi pham:3 hinh su:3 an toan:1 bao luc:3
        gia dinh:1 mat cap:3 doi no:3 xa hoi den:3 bao ke:3 danh bai:3 ca do:3 mai dam:3
        giang day bien bao:1 bien bao:2 gio giac:2 quoc phong:2 nghia vu quan su:3
    """,
    "economy_jobs": """
        viec lam:3 lao dong:2 xkld:3 vay von:3 nhcsxh:2 ngan hang:2 san xuat:2 nong san:3
        tieu thu:3 gia ca:2 phan bon:3 giong:2 cay trong:3 vat nuoi:3 chan nuoi:2
        dich benh:2 dich ta:3 lo mo long mong:3 dao tao nghe:3 hoc nghe:3 khoi nghiep:3
        htx:3 kinh doanh:2 thue:2 thu nhap:3 lang nghe:3 du lich:2 ocop:3 lua:2 gia lua:3
        mat mua:3 thien tai:2 bao lu:1 thiet hai:2 nong dan:2 cong nhan:2 doanh nghiep:2
        khu cong nghiep:3 cum cong nghiep:3 tiem nang:1 dau ra:3 bap benh:2 ep gia:3
        thuong lai:3 tieu thuong:2 cho:1 buon ban:2 ho kinh doanh:3 hang rong:1 von:2
        nuoi trong:3 thuy san:3 tom:2 ca:1 cay an qua:3 trong trot:3 thu hoach:2
        may moc:1 co gioi hoa:3 chuyen doi cay trong:3 phat trien kinh te:3 kinh te:2
        lam an:2 that nghiep:3 tuyen dung:3 viec:1 luong:1 gia:1 sau benh:2 sau:1 benh cay:2
        thuoc bao ve thuc vat:2 khuyen nong:3 cong nghiep:1 tieu thu cong nghiep:3 trau bo:2
        khai thac:1 rung:1 trong rung:3 keo:1 ca phe:2 tieu:1 cao su:2
    """,
}


_LEX_ITEM = re.compile(r"([a-z_][a-z_ ]*?):(\d+(?:\.\d+)?)")


def _build_lexicon() -> tuple[dict[tuple[str, ...], list[tuple[str, float]]], int]:
    table: dict[tuple[str, ...], list[tuple[str, float]]] = {}
    longest = 1
    for category, text in _LEXICON_TEXT.items():
        for phrase, weight in _LEX_ITEM.findall(text):
            # Lexicon phrases go through the same rewriting as questions, so "so do" here is the
            # concept "so_do" a question produces, whichever way the resident typed it.
            words = tuple(concept_words(phrase)) if "_" not in phrase else (phrase,)
            if words:
                table.setdefault(words, []).append((category, float(weight)))
                longest = max(longest, len(words))
    return table, longest


_LEXICON, _LEX_LONGEST = _build_lexicon()
_CATEGORY_ORDER = (*_LEXICON_TEXT, OTHER)


def category_scores(text: str) -> dict[str, float]:
    """Keyword evidence per category; each phrase counts once, longest phrases first."""
    words = concept_words(text)
    scores: dict[str, float] = {}
    seen: set[tuple[str, ...]] = set()
    i, n = 0, len(words)
    while i < n:
        for size in range(min(_LEX_LONGEST, n - i), 0, -1):
            phrase = tuple(words[i : i + size])
            hits = _LEXICON.get(phrase)
            if hits is not None:
                if phrase not in seen:
                    seen.add(phrase)
                    for category, weight in hits:
                        scores[category] = scores.get(category, 0.0) + weight
                i += size
                break
        else:
            i += 1
    return scores


def suggest_category(text: str, allowed: Iterable[str] | None = None) -> str:
    """The default category key the text most likely belongs to, or "other".

    `allowed` restricts the answer to a dialogue's own categories (plus "other").
    """
    keep = None if allowed is None else set(allowed)
    scores = category_scores(text)
    best, best_score = OTHER, 0.0
    for category in _CATEGORY_ORDER:
        value = scores.get(category, 0.0)
        if value > best_score and (keep is None or category in keep):
            best, best_score = category, value
    # One weak word ("đường", "chợ") is not enough to leave "other".
    return best if best_score >= 2.0 else OTHER


# --- complaints and denunciations ---------------------------------------------------------------

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
