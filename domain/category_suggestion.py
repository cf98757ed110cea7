"""Which category a question most likely belongs to, suggested when a resident picks "Khác".

The suggestion is only ever offered (to the resident at the preview, to the office in the
digest), never put in place of the resident's choice.

Two sources of evidence, added up per category:

- a lexicon of phrases per default category (`_LEXICON_TEXT`), written from what commune
  dialogues are about and from the labelling rules the office follows (fake goods, cadre
  allowances, textbooks and the quality of health care are "other"; prices of fertiliser and
  fuel are "economy"; relocation around a landfill and houses cracked by road works are
  "land"; roadside markets, stray animals and traffic police are "security");
- a small linear model over the question's words (`category_model.json`, fitted by
  `benchmarks/category_fit.py` on the labelled petitions), which learns the rest of the
  vocabulary.

Phrases go through the same rewriting as questions (`domain.normalize.concept_words`), so "so
do" in the lexicon is the concept "so_do" a question produces, however the resident typed it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from math import log, sqrt
from pathlib import Path

from domain.categories import OTHER
from domain.dedupe.grams import word_grams
from domain.dedupe.text import analyse
from domain.normalize import concept_words

# The default categories in a fixed order: the columns of the word model.
CATEGORIES = (
    "land",
    "social_policy",
    "admin_procedures",
    "infrastructure",
    "environment",
    "security",
    "economy_jobs",
    OTHER,
)
MODEL_PATH = Path(__file__).resolve().parent / "category_model.json"

# Folded phrases (concept tokens allowed) → weight, per default category key.
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
        quy_hoach_treo:3 du an treo:3 nut nha:3 nha nut:3 nut:1 di doi:2 tai dinh cu:3
        cap nen:3 nen tai dinh cu:3 giao dat:2 dat cong:2 dat_cong:3 so hong:3 chu dau tu:2
        ghi no tien su dung dat:3 tien su dung dat:3 bang gia dat:3 gia dat:3
    """,
    "social_policy": """
        ho_ngheo:3 ho_can_ngheo:3 bhyt:2 bhxh:3 tro cap:3 btxh:3 nguoi_co_cong:3
        thuong binh:3 liet si:3 chat doc da cam:3 da_cam:3 nguoi_cao_tuoi:3 nguoi_khuyet_tat:3
        khuyet tat:3 luong_huu:3 nghi_huu:2 tuoi nghi_huu:3 hoc bong:2 mien giam:2
        nha tinh nghia:3 nha dai doan ket:3 nha tam:2 gia dinh chinh sach:3 chinh sach:1
        tro giup:2 csxh:2 don than:2 mo coi:3 tre mo coi:3 bao tro:3 nha o:1 an_sinh:3
        hoan canh kho khan:3 kho khan:1 dtts:2 suy dinh duong:2 mai am:2 cuu tro:2
        dien chinh sach:3 cong voi cach mang:3 tuat:3 bhtn:2 mu chu:2 tuoi gia:2 tuoi cao:2
        ngheo:2 cao tuoi:2 nguoi gia:2 gia yeu:2 noxh:3 tro_cap:3 thu nhap thap:2
        the bhyt:2 mua bhyt:3 cap the bhyt:3 ho tro bhyt:3
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
        dia_chi:2 doi giay to:3 can cuoc:3 dinh danh dien tu:3 quyet toan thue:2 cap doi:1
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
        giang day bien bao:1 bien bao:2 gio giac:2 quoc phong:2
        cho tu phat:3 lan chiem long duong:3 long le duong:3 via_he:2 trau bo:2 bo tha rong:3
        tha rong:3 gia suc:2 csgt:3 canh sat giao thong:3 mai lo:3 lua dao:3 lua_dao:3
        gia danh:3 cong_an:1 bao hanh:1 trom_cap:3 ma_tuy:3 dua_xe:3 ruou bia:2
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
        phan bon gia:3 vat tu nong nghiep:3 gia vat tu:3 gia xang:3 xang dau:3 gia xang dau:3
        gia dien:2 thi truong:2 xuat khau:2 gia nong san:3 ho tieu:2 ca phe:2 lua gao:3
        nguoi lao dong:2 cong ty moi gioi:3 moi gioi:2 xkld:3
    """,
    "other": """
        sach giao khoa:3 giao vien:2 hoc sinh:2 truong hoc:2 lop hoc:1 si so:3 qua tai:1
        mam non:1 hoc phi:2 giao duc:2 bao luc hoc duong:3 hoc duong:2
        benh vien:3 kham chua benh:3 chat luong kham chua benh:3 bac si:2 thuoc:2 thieu thuoc:3
        vat tu y te:3 tram y te:2 trung_tam_y_te:2 y te:2 tiem chung:2 tiem phong:2 vac xin:3
        hang gia:3 thuoc gia:3 sua gia:3 thuc pham chuc nang:3 thuc pham:3 an toan thuc pham:3
        ve sinh an toan thuc pham:3 thuc an:2 quang cao:2 hang kem chat luong:3
        phu cap:2 phu_cap:2 khong chuyen trach:3 nguoi hoat dong khong chuyen trach:3
        can_bo_thon:3 chi hoi truong:3 nhiem ky:3 truong ap:3 truong thon:3 dan quan:2
        mat tran:2 mttq:2 doan the:2 hoi doan the:3 chi hoi:2 cong chuc:2 tinh gian:3
        doi du:2 sap xep can bo:3 nghia vu quan su:3 tai san:2 tham nhung:3 loi ich nhom:2
        dien nang:1 tien dien:2 giam tien dien:3 ton giao:2 van hoa:1 le hoi:2
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
_CATEGORY_ORDER = tuple(_LEXICON_TEXT)


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


def lexicon_features(text: str) -> list[float]:
    """The lexicon's evidence per category (in `CATEGORIES` order), damped: ln(1 + score) / 2."""
    scores = category_scores(text)
    return [log(1.0 + scores.get(c, 0.0)) / 2.0 for c in CATEGORIES]


def word_features(tokens: Sequence[str], idf: dict[str, float] | None) -> dict[str, float]:
    """TF-IDF of the word grams over the model's vocabulary, L2-normalised; with no `idf`,
    every gram with weight 1 (for counting how many questions hold it)."""
    grams = word_grams(tokens)
    if idf is None:
        return dict.fromkeys(grams, 1.0)
    weighted = {g: tf * idf[g] for g, tf in grams.items() if g in idf}
    norm = sqrt(sum(v * v for v in weighted.values())) or 1.0
    return {g: v / norm for g, v in weighted.items()}


@dataclass(frozen=True)
class WordModel:
    """A softmax regression over word grams and the lexicon (see benchmarks/category_fit.py)."""

    idf: dict[str, float] = field(default_factory=dict)
    weights: dict[str, list[float]] = field(default_factory=dict)  # gram → one per category
    lexicon: list[list[float]] = field(default_factory=list)  # lexicon category → per category
    bias: list[float] = field(default_factory=list)

    @staticmethod
    def empty() -> WordModel:
        return WordModel()

    def to_json(self) -> dict[str, object]:
        return {
            "categories": list(CATEGORIES),
            "idf": self.idf,
            "weights": self.weights,
            "lexicon": self.lexicon,
            "bias": self.bias,
        }

    @staticmethod
    def from_json(data: dict[str, object]) -> WordModel:
        if data.get("categories") != list(CATEGORIES):
            raise ValueError("category model written for other categories")
        return WordModel(
            idf=dict(data["idf"]),  # type: ignore[call-overload]
            weights=dict(data["weights"]),  # type: ignore[call-overload]
            lexicon=list(data["lexicon"]),  # type: ignore[call-overload]
            bias=list(data["bias"]),  # type: ignore[call-overload]
        )

    def scores(self, text: str) -> list[float]:
        totals = list(self.bias)
        for lex_value, row in zip(lexicon_features(text), self.lexicon, strict=True):
            if lex_value:
                for k, weight in enumerate(row):
                    totals[k] += lex_value * weight
        for gram, value in word_features(analyse(text).tokens, self.idf).items():
            for k, weight in enumerate(self.weights[gram]):
                totals[k] += value * weight
        return totals


@cache
def shipped_model() -> WordModel:
    """The model in `category_model.json`; the lexicon alone if the file is missing."""
    try:
        return WordModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return WordModel.empty()


def suggest_category(
    text: str, allowed: Iterable[str] | None = None, model: WordModel | None = None
) -> str:
    """The default category key the text most likely belongs to, or "other".

    `allowed` restricts the answer to a dialogue's own categories (plus "other").
    """
    keep = None if allowed is None else {*allowed, OTHER}
    model = shipped_model() if model is None else model
    if not model.bias:
        return _by_lexicon(text, keep)
    scores = model.scores(text)
    ranked = sorted(range(len(CATEGORIES)), key=lambda k: -scores[k])
    return next(CATEGORIES[k] for k in ranked if keep is None or CATEGORIES[k] in keep)


def _by_lexicon(text: str, keep: set[str] | None) -> str:
    scores = category_scores(text)
    best, best_score = OTHER, 0.0
    for category in _CATEGORY_ORDER:
        value = scores.get(category, 0.0)
        if value > best_score and (keep is None or category in keep):
            best, best_score = category, value
    # One weak word ("đường", "chợ") is not enough to leave "other".
    return best if best_score >= 2.0 else OTHER
