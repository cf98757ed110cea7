"""Vietnamese text normalisation for matching residents' questions.

Residents type on cheap phones: without diacritics, in teencode ("ko", "dc", "j"), with the
old or new tone placement ("hoà"/"hòa"), with abbreviations officials use too ("UBND", "BHYT",
"GCN QSDĐ") and sometimes in decomposed Unicode (NFD) pasted from elsewhere. Two questions can
only be compared once all of that is folded into one form.

The folded form drops tones and đ on purpose: a resident who types "so do" must meet an official
who wrote "sổ đỏ". The few collisions this causes ("đất"/"đặt") cost less than missing every
unaccented message. Where the accents *are* present and matter (telling "tố cáo" from an
unaccented coincidence) callers can use `pairs`, which keeps each original word next to its
folded form.

Public API:
- `canonical_tones(text)`: NFC with one tone placement ("hoà" → "hòa"), for display and keys.
- `fold(text)`: lower case, no diacritics, đ → d, single spaces (keeps punctuation).
- `normalize(text)`: folded words with abbreviations and teencode expanded ("ko dc" →
  "khong duoc", "ubnd" → "uy ban nhan dan", "so do" → "giay chung nhan quyen su dung dat").
- `tokens(text)`: the content words that carry the request: stop-words dropped and fixed
  administrative phrases merged into one concept token ("so_do", "ubnd", "bhyt").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# --- Unicode and tone placement ---------------------------------------------------------------

# The "old" (traditional) style puts the tone of an open oa/oe/uy syllable on the first vowel
# (hòa, khỏe, thủy), the "new" style on the second (hoà, khoẻ, thuỷ). Both are correct and both
# are typed; we settle on the traditional one, which the commune's own documents mostly use.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_NEW_STYLE = re.compile(
    r"(?<![qQ])([oOuU])([aAeEyY])([" + _TONES + r"])(?![\w])",
)


def canonical_tones(text: str) -> str:
    """NFC text with open oa/oe/uy syllables carrying the tone on the first vowel."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _NEW_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed)
    return unicodedata.normalize("NFC", moved)


def strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space."""
    return " ".join(strip_marks(unicodedata.normalize("NFC", text).casefold()).split())


# --- splitting into words -----------------------------------------------------------------------

# "1.500.000" and "1,5" are one number; "thon3"/"to5" are a marker and a number.
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d)")
_THOUSAND_K = re.compile(r"(?<=\d)\s*k\b", re.IGNORECASE)
_WORD = re.compile(r"\d+(?:/\d+)*|[^\W\d_]+")
# "khônggggg", "điiii": stretched letters are emphasis, not a different word.
_STRETCH = re.compile(r"([a-z])\1{2,}")
_VOWEL = re.compile(r"[aeiouy]")
_HAS_DIGIT = re.compile(r"\d")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x1F00):
        bare = strip_marks(chr(code))
        if len(bare) == 1 and bare != chr(code):
            table[code] = bare
    return table


# One character in, one character out: a folded string lines up with its original, so a word
# found in one is found at the same place in the other.
_FOLD = _fold_table()


def pairs(text: str) -> list[tuple[str, str]]:
    """Each word as (original lower-case NFC form, folded form), in order."""
    prepared = unicodedata.normalize("NFC", text).casefold()
    if _HAS_DIGIT.search(prepared):
        prepared = _THOUSAND_K.sub(" nghin", _THOUSANDS.sub("", prepared))
    return [(word, fold_word(word)) for word in _WORD.findall(prepared)]


def fold_word(word: str) -> str:
    """One lower-case word folded as `pairs` folds it (remembered: words come back often)."""
    bare = _FOLDED.get(word)
    if bare is None:
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        bare = _FOLDED[word] = _fold_word(word)
    return bare


def _fold_word(word: str) -> str:
    # The translation maps one character to one and keeps letters letters.
    bare = word.translate(_FOLD)
    if not bare.isascii():  # a letter outside Vietnamese: fold it the slow way
        bare = strip_marks(bare)
    # Abbreviations have no vowel and are left alone: "cccd" is no stretched "cd".
    if len(bare) > 2 and _STRETCH.search(bare) is not None and _VOWEL.search(bare):
        bare = _STRETCH.sub(r"\1", bare)
    return bare


# Words come back again and again (a commune's questions share most of their vocabulary): each
# is folded once. Bounded, and simply emptied when full.
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 1 << 16


# --- abbreviations, teencode and administrative synonyms ---------------------------------------


@dataclass(frozen=True)
class _Entry:
    expansion: tuple[str, ...]  # what `normalize` writes
    concept: str  # one token `tokens` writes instead; "" keeps the expansion's words


# Each line: variants separated by "|" (folded, space-separated words), the expansion, and a
# concept token for phrases long enough that their word count would swamp a comparison (the
# seven words of "giấy chứng nhận quyền sử dụng đất" are one idea, not seven).
_TABLE: tuple[tuple[str, str, str], ...] = (
    # teencode and chat shorthand
    ("ko|k|kh|khg|hok|hk|hem|khong", "khong", ""),
    ("dc|dk|duoc|duoc k", "duoc", ""),
    ("j|ji|gj", "gi", ""),
    ("ntn|nhu nao|the nao|ra sao", "nhu the nao", ""),
    ("bn|bao nhiu|bao nhieu", "bao nhieu", ""),
    ("bh|bg|bgio|bjo|bay gio", "bao gio", ""),
    ("ng|ngta", "nguoi", ""),
    ("vs", "voi", ""),
    ("r|rui", "roi", ""),
    ("ms", "moi", ""),
    ("cx|cg|cug", "cung", ""),
    ("trc", "truoc", ""),
    ("nc|nuoc", "nuoc", ""),
    ("mk|mik", "minh", ""),
    ("bik|bit", "biet", ""),
    ("dag|dg", "dang", ""),
    ("xog", "xong", ""),
    ("lm", "lam", ""),
    ("ns", "noi", ""),
    ("sdt", "so dien thoai", ""),
    # bodies and officials
    ("ubnd|ub nd|ubnn|uy ban nhan dan|uy ban|ub", "uy ban nhan dan", "ubnd"),
    ("hdnd|hoi dong nhan dan", "hoi dong nhan dan", "hdnd"),
    ("mttq|mat tran to quoc|mat tran", "mat tran to quoc", "mttq"),
    ("ct|chu tich", "chu tich", ""),
    ("ccb|hoi ccb|cuu chien binh", "cuu chien binh", "ccb"),
    ("lhpn|hoi phu nu|hpn", "hoi phu nu", "hoi_phu_nu"),
    ("hnd|hoi nong dan", "hoi nong dan", "hoi_nong_dan"),
    ("dtn|doan thanh nien|doan tn", "doan thanh nien", "doan_thanh_nien"),
    ("cong an|cax|cong an xa", "cong an", "cong_an"),
    ("tnmt|tai nguyen moi truong|tai nguyen va moi truong", "tai nguyen moi truong", "tnmt"),
    (
        "ldtbxh|lao dong thuong binh va xa hoi|lao dong thuong binh xa hoi",
        "lao dong thuong binh xa hoi",
        "ldtbxh",
    ),
    # places
    ("tdp|to dan pho", "to dan pho", "tdp"),
    ("huong lo|duong huong lo|hl", "huong lo", "huong_lo"),
    ("duong lien xa|lien xa", "duong lien xa", "lien_xa"),
    ("kp|khu pho", "khu pho", "khu_pho"),
    ("ql|quoc lo", "quoc lo", "quoc_lo"),
    ("tinh lo", "tinh lo", "tinh_lo"),
    ("nvh|nha van hoa|nha vh", "nha van hoa", "nha_van_hoa"),
    ("ntm|nong thon moi", "nong thon moi", "ntm"),
    # land
    (
        "so do|so hong|so do so hong|bia do|so do dat|giay do|gcn|gcnqsdd|gcn qsdd|qsdd"
        "|giay chung nhan qsdd|giay chung nhan quyen su dung dat|giay chung nhan|giay to dat"
        "|giay chung nhan quyen su dung dat quyen so huu nha o va tai san khac gan lien voi dat"
        "|giay chung nhan quyen su dung dat va tai san gan lien voi dat|quyen su dung dat",
        "giay chung nhan quyen su dung dat",
        "so_do",
    ),
    ("gpmb|giai phong mat bang|giai toa", "giai phong mat bang", "gpmb"),
    ("tdc|tai dinh cu", "tai dinh cu", "tai_dinh_cu"),
    ("tach so|tach thua", "tach thua", "tach_thua"),
    ("chuyen muc dich|chuyen doi muc dich|cmd", "chuyen muc dich su dung dat", "chuyen_muc_dich"),
    # social policy
    ("bhyt|the bhyt|bao hiem y te|the bao hiem y te|bh y te", "bao hiem y te", "bhyt"),
    ("bhxh|bao hiem xa hoi|bh xa hoi", "bao hiem xa hoi", "bhxh"),
    ("bhtn|bao hiem that nghiep", "bao hiem that nghiep", "bhtn"),
    ("hgd|ho gia dinh", "ho gia dinh", "ho_gia_dinh"),
    (
        "nhcsxh|ngan hang chinh sach xa hoi|ngan hang chinh sach|nh chinh sach",
        "ngan hang chinh sach xa hoi",
        "nhcsxh",
    ),
    ("csxh|chinh sach xa hoi", "chinh sach xa hoi", "csxh"),
    ("btxh|bao tro xa hoi", "bao tro xa hoi", "btxh"),
    ("ncc|nguoi co cong|nguoi co cong voi cach mang", "nguoi co cong", "nguoi_co_cong"),
    ("nct|nguoi cao tuoi|nguoi gia", "nguoi cao tuoi", "nguoi_cao_tuoi"),
    ("nkt|nguoi khuyet tat", "nguoi khuyet tat", "nguoi_khuyet_tat"),
    ("ho ngheo", "ho ngheo", "ho_ngheo"),
    ("ho can ngheo|can ngheo", "ho can ngheo", "ho_can_ngheo"),
    ("dtts|dan toc thieu so", "dan toc thieu so", "dtts"),
    # procedures
    ("tthc|thu tuc hanh chinh", "thu tuc hanh chinh", "tthc"),
    ("cccd|can cuoc cong dan|can cuoc|the can cuoc", "can cuoc cong dan", "cccd"),
    ("cmnd|chung minh nhan dan|chung minh thu|cmt", "chung minh nhan dan", "cmnd"),
    ("dvc|dich vu cong", "dich vu cong", "dich_vu_cong"),
    ("vneid", "vneid", "vneid"),
    ("mot cua|bo phan mot cua|1 cua", "bo phan mot cua", "mot_cua"),
    ("khai sinh|giay khai sinh", "giay khai sinh", "khai_sinh"),
    ("gpxd|giay phep xay dung", "giay phep xay dung", "gpxd"),
    # security and order
    ("antt|an ninh trat tu", "an ninh trat tu", "antt"),
    ("atgt|an toan giao thong", "an toan giao thong", "atgt"),
    ("tnxh|te nan xa hoi", "te nan xa hoi", "te_nan"),
    ("pccc|phong chay chua chay", "phong chay chua chay", "pccc"),
    # economy and jobs
    ("xkld|xuat khau lao dong|di xuat khau lao dong", "xuat khau lao dong", "xkld"),
    ("htx|hop tac xa", "hop tac xa", "htx"),
    ("ocop", "ocop", "ocop"),
    # environment
    ("vsmt|ve sinh moi truong", "ve sinh moi truong", "vsmt"),
    ("ont|o nhiem|gay o nhiem|bi o nhiem", "o nhiem", "o_nhiem"),
    ("mui hoi|mui hoi thoi|hoi thoi|boc mui|boc mui hoi|mui hoi nong nac", "mui hoi", "mui_hoi"),
    ("xa thai|xa nuoc thai|thai ra", "xa thai", "xa_thai"),
    # regional words for the same thing
    ("heo|lon", "lon", ""),
    (
        "trai heo|trai lon|trang trai lon|trang trai heo|chuong lon|chuong heo",
        "trai lon",
        "trai_lon",
    ),
    # infrastructure
    ("btxm|be tong xi mang|be tong hoa|be tong", "be tong", "be_tong"),
    (
        "den duong|den chieu sang|den cao ap|den chieu sang cong cong",
        "den chieu sang",
        "den_chieu_sang",
    ),
    ("nuoc sach|nuoc sinh hoat|nuoc may", "nuoc sach", "nuoc_sach"),
    # Wear of roads and buildings. "hỏng" alone is left out: a broken lamp or pump is no
    # worn-out road.
    (
        "xuong cap|hu hong nang|nat|nat bet|o ga|o voi|o ga o voi|sut lun|lun|lun sut|lun nut",
        "xuong cap",
        "xuong_cap",
    ),
    ("hu hong|hu hai|hu|hong|hong hoc|hong nang|bi hong", "hu hong", "hu_hong"),
    ("ngap ung|ngap lut|ngap nuoc|bi ngap|ngap", "ngap ung", "ngap_ung"),
    ("thoat nuoc|tieu thoat nuoc|cong thoat nuoc|muong thoat nuoc", "thoat nuoc", "thoat_nuoc"),
    ("tram bien ap|tba|bien ap", "tram bien ap", "tram_bien_ap"),
    ("can bo|cb|cong chuc|cong chuc xa|can bo xa", "can bo", "can_bo"),
    ("tro cap|tien tro cap|tro cap xa hoi", "tro cap", "tro_cap"),
    ("phu cap", "phu cap", "phu_cap"),
    (
        "boi thuong|den bu|tien den bu|tien boi thuong|don gia boi thuong|gia den bu"
        "|gia boi thuong",
        "boi thuong",
        "boi_thuong",
    ),
    ("tuyen duong|con duong|duong xa|doan duong|cac tuyen duong", "duong", ""),
    ("hem|kiet|ngach|hem nho", "hem", ""),
    (
        "dua xe|net po|no po|lang lach|bop coi|boc dau|chay xe toc do cao|lang lach danh vong"
        "|dua xe trai phep|chay xe lang lach",
        "dua xe",
        "dua_xe",
    ),
    ("tuan tra|di tuan|tuan tra canh gioi|canh gioi", "tuan tra", "tuan_tra"),
    ("trom|trom cap|mat trom|an trom|bi trom", "trom cap", "trom_cap"),
    ("chua chay|cuu hoa|xe cuu hoa|xe chua chay", "chua chay", "chua_chay"),
    ("ong ba gia|ba gia|ong gia|cu gia|nguoi lon tuoi|cac cu", "nguoi cao tuoi", "nguoi_cao_tuoi"),
    ("con nit|tre con|con em|tre nho|chau nho|tre em", "tre em", "tre_em"),
    (
        "mat dien|cup dien|cat dien|dien chap chon|nhay ap|dien yeu|chap chon",
        "mat dien",
        "mat_dien",
    ),
    ("lay loi|lay|bun lay|sinh lay", "lay loi", "lay_loi"),
    ("karaoke|hat karaoke|loa keo|loa keo keo", "karaoke", "karaoke"),
    ("dau xe|do xe|dau o to|dau xe o to", "dau xe", "dau_xe"),
    ("o to|xe hoi|oto|xe o to", "o to", "o_to"),
    (
        "loa phat thanh|loa truyen thanh|dai truyen thanh|he thong loa",
        "loa truyen thanh",
        "loa_truyen_thanh",
    ),
    (
        "dich vu cong truc tuyen|nop truc tuyen|truc tuyen|online|qua mang",
        "truc tuyen",
        "truc_tuyen",
    ),
    ("lua dao|bi lua|lua dao qua mang|gia danh|lua dao qua dien thoai", "lua dao", "lua_dao"),
    ("ma tuy|choi da|choi ke|thuoc lac|hang da|nghien hut", "ma tuy", "ma_tuy"),
    ("thuong lai|lai buon", "thuong lai", "thuong_lai"),
    ("ep gia|mat gia|ban khong co gia|gia bap benh|bap benh|gia re|re", "ep gia", "ep_gia"),
    ("nong san|san pham nong nghiep|hang nong san", "nong san", "nong_san"),
    ("phan bon", "phan bon", "phan_bon"),
    ("hoc nghe|dao tao nghe|day nghe", "dao tao nghe", "dao_tao_nghe"),
    ("viec lam|cong an viec lam|gioi thieu viec lam", "viec lam", "viec_lam"),
    ("xuat ngu|bo doi xuat ngu|di bo doi ve|bo doi ve", "xuat ngu", "xuat_ngu"),
    ("quy hoach treo|dinh quy hoach|vuong quy hoach", "quy hoach treo", "quy_hoach_treo"),
    ("tho cu|dat o|len tho cu", "dat o", "dat_o"),
    ("dat ruong|dat lua|dat nong nghiep|ruong", "dat nong nghiep", "dat_nong_nghiep"),
    ("rac|rac thai|rac sinh hoat", "rac thai", "rac"),
    ("sat lo|xoi lo|sut lo|lo dat|lo bo|lo vo", "sat lo", "sat_lo"),
    ("ke|bo ke|ke chong sat lo|ke chong xoi lo", "ke", "ke"),
    ("binh xet|xet|xet duyet|ra soat", "binh xet", "binh_xet"),
    ("cham|lau|keo dai|tre hen|qua han|chua co ket qua|cham tre", "cham", "cham"),
    # more paraphrase families seen in voters' petitions and dialogue notes
    ("hang xom|nha ben canh|nha hang xom", "hang xom", "hang_xom"),
    ("moi truong|bao ve moi truong", "moi truong", "moi_truong"),
    (
        "ngoai gio|ngoai gio hanh chinh|ngay nghi|cuoi tuan|chu nhat|thu bay|ngay le",
        "ngoai gio",
        "ngoai_gio",
    ),
    ("song dien thoai|song yeu|mat song|song di dong", "song dien thoai", "song_dien_thoai"),
    ("nghia trang|nghia dia|mo ma", "nghia trang", "nghia_trang"),
    (
        "san choi|khu vui choi|cho choi|noi vui choi|san tap|san the thao|san van dong",
        "san choi",
        "san_choi",
    ),
    ("thieu nhi|thieu nien nhi dong", "tre em", "tre_em"),
    ("diem truong|diem le|truong le|phan hieu", "diem truong", "diem_truong"),
    (
        "sap nhap|sat nhap|gop truong|gop lop|gop diem|hop nhat|sap nhap truong",
        "sap nhap",
        "sap_nhap",
    ),
    (
        "giay phep xay nha|phep xay dung|xin phep xay dung|giay phep xay|xin phep xay",
        "giay phep xay dung",
        "gpxd",
    ),
    ("tram y te|tram xa|y te xa|tram y te xa", "tram y te", "tram_y_te"),
    ("bac si|y bac si|bs", "bac si", "bac_si"),
    (
        "truong thon|truong xom|truong ap|truong ban|can bo thon|can bo ap|truong khu pho"
        "|to truong",
        "can bo thon",
        "can_bo_thon",
    ),
    ("gia dinh chinh sach|gia dinh co cong|ho chinh sach", "nguoi co cong", "nguoi_co_cong"),
    ("chat doc da cam|da cam|dioxin|nhiem chat doc hoa hoc", "chat doc da cam", "da_cam"),
    ("sau keo|sau keo mua thu", "sau keo", "sau_keo"),
    (
        "dich ta lon chau phi|dich ta chau phi|dich ta lon|ta lon chau phi|dich ta",
        "dich ta lon",
        "dich_ta_lon",
    ),
    ("hoa don dien tu|hddt", "hoa don dien tu", "hoa_don_dien_tu"),
    ("ke khai thue|khai thue|nop thue|ke khai nop thue", "ke khai thue", "khai_thue"),
    (
        "thu phi rac|tien rac|phi rac|phi ve sinh|phi thu gom rac|phi vsmt|phi ve sinh moi truong",
        "phi rac",
        "phi_rac",
    ),
    ("vay von|vay tien|vay von uu dai", "vay von", "vay_von"),
    ("gui tiet kiem|tiet kiem", "tiet kiem", "tiet_kiem"),
    (
        "xac nhan cu tru|giay xac nhan cu tru|xac nhan thong tin cu tru|ct07",
        "xac nhan cu tru",
        "xac_nhan_cu_tru",
    ),
    ("so ho khau|ho khau", "ho khau", "ho_khau"),
    (
        "dien thoai thong minh|smartphone|dien thoai cam ung",
        "dien thoai thong minh",
        "dien_thoai_thong_minh",
    ),
    ("lan chiem|lan dat|chiem dat|lan chiem dat|chiem dung", "lan chiem", "lan_chiem"),
    ("dat cong|dat cong ich|dat hanh lang", "dat cong", "dat_cong"),
    ("ranh gioi|moc gioi|ranh dat|ranh gioi thua dat", "ranh gioi", "ranh_gioi"),
    ("do dac|do lai|do dat|do ve", "do dac", "do_dac"),
    ("tranh chap|lan ranh", "tranh chap", "tranh_chap"),
    ("cau tran|ngam tran", "cau tran", "cau_tran"),
    ("ro ri|ri nuoc|thung day|ri ri", "ro ri", "ro_ri"),
    ("ton cao|nang cao|cao hon|ton nen|nang cot", "ton cao", "ton_cao"),
    ("mo rong|noi rong", "mo rong", "mo_rong"),
    ("trai ga|chuong ga|trang trai ga", "trai ga", "trai_ga"),
    ("ruoi|ruoi muoi|ruoi nhang", "ruoi muoi", "ruoi_muoi"),
    ("khoi bui|bui ban|bui mu mit|khoi den", "khoi bui", "khoi_bui"),
    ("lo gach|lo gach thu cong|lo nung gach", "lo gach", "lo_gach"),
    (
        "khai thac cat|hut cat|ghe hut cat|khai thac cat trai phep|bom hut cat|cat tac|tau hut cat",
        "khai thac cat",
        "khai_thac_cat",
    ),
    ("camera|camera an ninh|mat than", "camera", "camera"),
    ("cho tha rong|tha rong|cho can nguoi|cho dai|benh dai", "cho tha rong", "cho_tha_rong"),
    ("bao tieu|tieu thu|dau ra|bao tieu san pham|tieu thu san pham", "tieu thu", "tieu_thu"),
    (
        "thuoc tru sau|thuoc bao ve thuc vat|thuoc bvtv|thuoc sau|bvtv",
        "thuoc bao ve thuc vat",
        "thuoc_bvtv",
    ),
    ("dua don|don dua|dua ruoc", "dua don", "dua_don"),
    # generic words of officials' writing: one token each, weighted low (see domain.dedupe)
    ("giai quyet|xu ly dut diem|giai quyet dut diem", "giai quyet", "giai_quyet"),
    ("dut diem|triet de", "dut diem", "dut_diem"),
    ("xay dung", "xay dung", "xay_dung"),
    ("co lap|bi co lap|chia cat", "co lap", "co_lap"),
    ("dau tu|dau tu xay dung", "dau tu", "dau_tu"),
    ("kinh phi|nguon kinh phi|nguon von|ngan sach", "kinh phi", "kinh_phi"),
    ("cong trinh|hang muc", "cong trinh", "cong_trinh"),
    ("thuc hien|trien khai", "thuc hien", "thuc_hien"),
    ("kiem tra|thanh tra|kiem tra xu ly", "kiem tra", "kiem_tra"),
    ("tuyen truyen|pho bien|tuyen truyen van dong", "tuyen truyen", "tuyen_truyen"),
    ("sinh hoat", "sinh hoat", "sinh_hoat"),
    ("chinh sach|che do|che do chinh sach", "chinh sach", "chinh_sach"),
    ("tang cuong|day manh", "tang cuong", "tang_cuong"),
    ("quan ly", "quan ly", "quan_ly"),
    ("bo tri|sap xep", "bo tri", "bo_tri"),
    ("kho khan|vat va", "kho khan", "kho_khan"),
    ("di lai|qua lai|lai qua", "di lai", "di_lai"),
    ("phu hop|hop ly", "phu hop", "phu_hop"),
    ("dieu kien", "dieu kien", "dieu_kien"),
    ("cong tac", "cong tac", "cong_tac"),
    ("bien phap|giai phap|phuong an", "bien phap", "bien_phap"),
    ("ke hoach", "ke hoach", "ke_hoach"),
    ("cong khai|minh bach", "cong khai", "cong_khai"),
    ("hoat dong", "hoat dong", "hoat_dong"),
    # requests written in several ways that mean the same
    ("sua chua|sua|sua lai|sua sang", "sua chua", "sua"),
    ("xem xet|xem lai|xet lai", "xem xet", ""),
    ("huong dan|chi dan|chi cach", "huong dan", "huong_dan"),
    ("nang cap|cai tao|nang cap cai tao|nang cap sua chua", "nang cap", "nang_cap"),
    ("ho tro|tro giup|giup do", "ho tro", "ho_tro"),
    ("lap dat|lap|lap them|bo tri them", "lap dat", "lap_dat"),
    ("thu gom|thu don|gom|don rac", "thu gom", "thu_gom"),
    ("xu ly nghiem|xu ly", "xu ly", "xu_ly"),
    ("cap doi|cap lai", "cap doi", "cap_doi"),
    # words whose halves are stop-words when alone ("xã", "hội", "đăng"/"đang", "chỉ"/"chị")
    ("xa hoi", "xa hoi", "xa_hoi"),
    ("an sinh xa hoi|an sinh", "an sinh xa hoi", "an_sinh"),
    ("nha o xa hoi|nha xa hoi|noxh", "nha o xa hoi", "noxh"),
    ("dang ky|dk ky", "dang ky", "dang_ky"),
    ("dia chi", "dia chi", "dia_chi"),
    ("hoi nghi", "hoi nghi", "hoi_nghi"),
    ("luong huu|tien huu|luong huu tri", "luong huu", "luong_huu"),
    ("ve huu|nghi huu|huu tri|ve nghi huu", "nghi huu", "nghi_huu"),
    ("cong vien|cong vien cay xanh", "cong vien", "cong_vien"),
    ("via he|le duong|vay he", "via he", "via_he"),
    ("trung tam y te|ttyt", "trung tam y te", "trung_tam_y_te"),
)


def _build_table() -> tuple[dict[tuple[str, ...], _Entry], int]:
    table: dict[tuple[str, ...], _Entry] = {}
    longest = 1
    for variants, expansion, concept in _TABLE:
        entry = _Entry(tuple(expansion.split()), concept)
        # The expansion is a variant of itself, so that rewriting twice changes nothing more.
        for variant in [expansion, *variants.split("|")]:
            key = tuple(variant.split())
            table.setdefault(key, entry)
            longest = max(longest, len(key))
    return table, longest


_PHRASES, _LONGEST = _build_table()
CONCEPTS: frozenset[str] = frozenset(e.concept for e in _PHRASES.values() if e.concept)
"""The concept tokens `tokens` writes for merged phrases ("so_do", "bhyt", "ubnd")."""


def _sizes_by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """For each first word, the lengths of the phrases starting with it, longest first."""
    sizes: dict[str, set[int]] = {}
    for phrase in phrases:
        sizes.setdefault(phrase[0], set()).add(len(phrase))
    return {word: tuple(sorted(lens, reverse=True)) for word, lens in sizes.items()}


_PHRASE_SIZES = _sizes_by_first_word(_PHRASES)
# The same table split for the rewriting loop: one-word entries are looked up by the word alone,
# and only words that start a longer phrase pay for slicing out candidates.
_ONE_WORD: dict[str, _Entry] = {p[0]: e for p, e in _PHRASES.items() if len(p) == 1}
_LONGER_SIZES: dict[str, tuple[int, ...]] = {
    w: longer for w, sizes in _PHRASE_SIZES.items() if (longer := tuple(n for n in sizes if n > 1))
}


def _match_at(words: Sequence[str], i: int, n: int) -> int:
    """Length of the longest table phrase starting at words[i] (0 if none)."""
    for size in _PHRASE_SIZES.get(words[i], ()):
        if i + size <= n and tuple(words[i : i + size]) in _PHRASES:
            return size
    return 0


def _overtaken(words: Sequence[str], i: int, size: int, n: int) -> bool:
    """Whether a longer phrase starts inside words[i : i + size] and runs past its end.

    "ở tổ dân phố 5" folds to "o to dan pho 5": "o to" (a car) must give way to "to dan pho".
    """
    for j in range(i + 1, i + size):
        if words[j] in _PHRASE_SIZES:
            other = _match_at(words, j, n)
            if other > size and j + other > i + size:
                return True
    return False


def _rewrite(words: Sequence[str], *, concepts: bool) -> list[str]:
    """Greedy longest-match rewrite of folded words through the phrase table.

    A match gives way to a longer phrase that overlaps its end (see `_overtaken`).
    """
    items = [(w, i, i + 1) for i, w in enumerate(words)]
    return [token for token, _, _ in _rewrite_spans(items, concepts=concepts)]


def rewrite_spans(words: Sequence[str]) -> list[tuple[str, int, int]]:
    """`_rewrite` in both passes (teencode written out, then phrases merged into concepts), each
    token with the span [start, end) of the input words it came from."""
    items = [(w, i, i + 1) for i, w in enumerate(words)]
    return _rewrite_spans(_rewrite_spans(items, concepts=False), concepts=True)


def _rewrite_spans(
    items: Sequence[tuple[str, int, int]], *, concepts: bool
) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    words = [w for w, _, _ in items]
    i, n = 0, len(items)
    while i < n:
        size, entry = _entry_at(words, i, n)
        if entry is None:
            out.append(items[i])
        else:
            start, end = items[i][1], items[i + size - 1][2]
            if concepts and entry.concept:
                out.append((entry.concept, start, end))
            elif len(entry.expansion) == size:
                spans = items[i : i + size]
                out.extend((e, s, t) for e, (_, s, t) in zip(entry.expansion, spans, strict=True))
            else:
                out.extend((e, start, end) for e in entry.expansion)
        i += size
    return out


def _entry_at(words: Sequence[str], i: int, n: int) -> tuple[int, _Entry | None]:
    """The table phrase starting at words[i] (longest first) and its length in words."""
    for longer in _LONGER_SIZES.get(words[i], ()):
        if i + longer <= n:
            found = _PHRASES.get(tuple(words[i : i + longer]))
            if found is not None and not _overtaken(words, i, longer, n):
                return longer, found
    return 1, _ONE_WORD.get(words[i])


def _expand(text: str) -> list[str]:
    # Teencode first ("ng cao tuoi" → "nguoi cao tuoi"), so that the phrases it completes are
    # then recognised as a whole by the second pass.
    return _rewrite([f for _, f in pairs(text)], concepts=False)


def normalize(text: str) -> str:
    """Folded words with abbreviations, teencode and synonyms written out in full."""
    return " ".join(_rewrite(_expand(text), concepts=False))


# --- stop-words ---------------------------------------------------------------------------------

# Words that say *how* something is asked, not *what*: politeness, question words, the people
# asking and the body asked. Two questions that differ only in these are the same request.
# Words whose folded form also spells a content word are left out on purpose ("de" is both "để"
# and "đê", the dike; "cho" is both "for" and "chợ", the market).
_STOP_PHRASES_TEXT = """
de nghi|kien nghi|de xuat|xin|xin hoi|cho hoi|hoi|cho em hoi|cho toi hoi|vui long|xin cam on
cam on|toi|chung toi|em|anh|chi|ong|ba|bac|chu|co|minh|nha minh|gia dinh toi|a|nhe|oi|voi|nha
la|cua|va|hoac|thi|ma|nhung|cac|mot so|mot|nay|kia|day|o|tai|ve|viec|van de|noi dung|khong
duoc|gi|nao|bao gio|khi nao|luc nao|tai sao|vi sao|sao|nhu the nao|lam sao|bao nhieu|the|vay
cu tri|nguoi dan|nhan dan|ba con|dan|ho dan|cac ho|cac ho dan|phan anh|phan anh ve|mong|muon
mong muon|quan tam|xem xet|som|can|phai|nen|da|dang|se|roi|chua|con|lai|rat|nhieu|qua|lam
hien nay|hien|thoi gian|thoi gian qua|thoi gian toi|tinh trang|trinh trang|gay|anh huong
dia ban|dia phuong|chinh quyen|co quan chuc nang|cac cap|cap tren|nganh chuc nang|uy ban nhan dan
ubnd|hdnd|xa|cap xa|cap huyen|cap tinh|phuong|thi tran|huyen|tinh|thanh pho|quan|nha nuoc
duoc|co the|biet|cho biet
tra loi|giai dap|giai thich|ro|lien quan|doi voi|trong|tren|duoi|tu|toi nay|nam nay
khac|tiep tuc|kip thoi|dam bao|tao dieu kien|thuan loi|chi dao|yeu cau|nham|de nghi uy ban
tren dia ban|khu vuc|hien tai|nua|cung|moi|luon|van|tung|tat ca|toan bo|nhu|bi|boi|vi|nen
nghiem trong|nghiem|dao nay|gan day|giup|giup dan|giup dan voi
cac tuyen|mot tuyen|nhieu nam|lau nay|lau|van chua|den nay|den nay van
kinh|kinh de nghi|kinh mong|tha thiet|khan truong|nhanh chong|som nhat|cu the|thuc su|them
"""
_STOP: frozenset[tuple[str, ...]] = frozenset(
    tuple(phrase.split())
    for line in _STOP_PHRASES_TEXT.strip().splitlines()
    for phrase in line.split("|")
    if phrase.strip()
)
_STOP_SIZES = _sizes_by_first_word(_STOP)
STOP_WORDS: frozenset[str] = frozenset(p[0] for p in _STOP if len(p) == 1)
"""Single-word stop-words (folded), for rules that must not take them for names."""
_STOP_LONGER: dict[str, tuple[int, ...]] = {
    w: longer for w, sizes in _STOP_SIZES.items() if (longer := tuple(n for n in sizes if n > 1))
}


def _drop_stop(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        for size in _STOP_LONGER.get(word, ()):
            if i + size <= n and tuple(words[i : i + size]) in _STOP:
                i += size
                break
        else:
            if word not in STOP_WORDS:
                out.append(word)
            i += 1
    return out


def content_tokens(words: Sequence[str]) -> list[str]:
    """The content tokens among `concept_words` output (stop-words and stray letters dropped)."""
    # Single letters left over ("d" for đồng, a stray "v") carry nothing; digits do.
    return [w for w in _drop_stop(words) if len(w) > 1 or w.isdigit()]


def tokens(text: str) -> list[str]:
    """Content tokens of a question: folded, rewritten to concepts, stop-words dropped."""
    return content_tokens(concept_words(text))


def concept_words(text: str) -> list[str]:
    """All folded words with phrases merged into concepts, stop-words kept (for entity rules)."""
    return list(analyse(text)[1])


@lru_cache(maxsize=1 << 12)
def analyse(text: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """`pairs(text)` and `concept_words(text)` in one pass over the text.

    Remembered for the latest texts: matching a question and suggesting its category both
    start from here.
    """
    words = pairs(text)
    expanded = _rewrite([f for _, f in words], concepts=False)
    return tuple(words), tuple(_rewrite(expanded, concepts=True))


def contains_phrase(text_pairs: Iterable[tuple[str, str]], phrase: str) -> bool:
    """Whether `phrase` (written with its diacritics) occurs in the words, accent-aware.

    A word matches when it was typed exactly as in the phrase or typed with no diacritics at all
    and folds to the same letters: "to cao" counts as "tố cáo", but "tô cao" (built up high)
    does not.
    """
    wanted = [(w, strip_marks(w)) for w in unicodedata.normalize("NFC", phrase).casefold().split()]
    words = list(text_pairs)
    size = len(wanted)
    for start in range(len(words) - size + 1):
        for (orig, folded), (want, want_folded) in zip(
            words[start : start + size], wanted, strict=True
        ):
            if folded != want_folded or (orig != want and orig != folded):
                break
        else:
            return True
    return False
