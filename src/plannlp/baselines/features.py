"""What the two baselines share: word lists, the agency gazetteer, NFC offset mapping, CRF features.

The rule tagger and the CRF read the same lists (one source): the CRF's gazetteer and cue
features are the rule tagger's patterns seen from a token. Matching is done on a *key* of the
text (:func:`plannlp.text.text_key`: NFC with one tone placement, ``Uỷ`` -> ``Ủy``, ``hoà`` ->
``hòa``, ``hoàn`` unchanged). The key has exactly the length of the NFC text, so offsets found on
it are offsets into the NFC text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# the text functions live in plannlp.text; these names stay importable from here
from plannlp.text import NfcView, nfc, nfc_view, text_key  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Word lists (spec: ANNOTATION_SPEC.md, "The five labels")

# comparators that make a level a bound or an approximation, longest first when compiled
COMPARATORS: tuple[str, ...] = (
    "trên", "dưới", "ít nhất", "tối thiểu", "tối đa", "không quá", "không dưới", "không vượt quá",
    "không thấp hơn", "không cao hơn", "thấp hơn", "cao hơn", "hơn", "khoảng", "xấp xỉ", "gần",
    "≤", "≥", "<", ">", "=<", ">=", "<=",
)  # fmt: skip
# a change; a comparator only where the level follows it directly (spec)
CHANGE_COMPARATORS: tuple[str, ...] = ("giảm", "tăng")
# units written with a number
UNITS: tuple[str, ...] = (
    "%", "‰", "cm", "kg", "tuổi", "năm", "con", "lần", "tháng", "ngày", "giờ", "điểm",
    "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "triệu đồng", "tỷ đồng", "nghìn tỷ đồng", "triệu USD",
    "tỷ USD", "tỷ đô la", "USD", "triệu tấn", "triệu lượt", "lượt",
)  # fmt: skip
# the denominator of a ratio (``2,1 con/phụ nữ``, ``10 bác sĩ/vạn dân``), after its optional number
DENOMINATORS: tuple[str, ...] = (
    "phụ nữ", "bé gái", "vạn dân", "nghìn dân", "ngàn dân", "dân", "người dân", "người",
    "trẻ đẻ sống", "trẻ sinh sống", "trẻ sinh ra sống", "năm", "hộ", "hộ gia đình", "xã",
)  # fmt: skip
NUMBER_WORDS: tuple[str, ...] = (
    "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "mươi", "trăm",
    "nghìn", "ngàn", "triệu", "nửa", "rưỡi", "lăm", "mốt", "tư",
)  # fmt: skip
# words that make a figure a target (spec: "A target is a commitment ... by a time")
TARGET_CUES: tuple[str, ...] = (
    "phấn đấu", "chỉ tiêu", "mục tiêu", "đạt", "đến năm", "giảm xuống", "tăng lên", "duy trì",
    "bảo đảm", "đảm bảo", "ít nhất", "tối thiểu", "tối đa", "không quá", "không dưới", "vào năm",
    "đến hết năm", "trở lên", "hằng năm", "hàng năm", "giảm", "tăng", "nâng", "xuống", "lên",
)  # fmt: skip
# words that make a figure past or present (spec: not annotated)
PAST_CUES: tuple[str, ...] = (
    "đã đạt", "đã có", "đã được", "hiện nay", "hiện có", "hiện tại", "đến nay", "tính đến",
    "so với cùng kỳ", "so cùng kỳ", "cùng kỳ", "ước đạt", "ước thực hiện", "năm qua", "vừa qua",
    "thực hiện được", "đạt được", "kết quả", "trước đây", "đã", "giảm so với", "tăng so với",
)  # fmt: skip
# words of definitions and entitlements: their figures are conditions, not targets
DEFINITION_CUES: tuple[str, ...] = (
    "trường hợp", "đối tượng", "áp dụng", "được hưởng", "mức hưởng", "đáp ứng", "suy giảm khả năng",
    "dự kiến", "chiếm", "bao gồm", "là người", "là xã", "là thôn", "là tỉnh", "là hộ",
)  # fmt: skip
# what gives a public body a role in a plan (spec, AGENCY rule 7)
ROLE_CUES: tuple[str, ...] = (
    "chủ trì", "phối hợp", "thực hiện", "tham mưu", "báo cáo", "giao", "hướng dẫn", "kiểm tra",
    "chỉ đạo", "triển khai", "theo dõi", "đôn đốc", "giám sát", "chịu trách nhiệm", "trách nhiệm",
    "tổ chức", "xây dựng", "ban hành", "bố trí", "căn cứ", "đề nghị", "phê duyệt", "tổng hợp",
    "cân đối", "đảm bảo", "bảo đảm", "chủ động", "hỗ trợ", "tuyên truyền", "lồng ghép", "cần",
    "đơn vị chủ trì", "đơn vị phối hợp", "cơ quan chủ trì", "cơ quan phối hợp", "nhiệm vụ",
    "phấn đấu", "yêu cầu", "phụ trách", "quản lý", "được giao", "gửi", "trình",
    "thẩm quyền", "giải quyết", "rà soát", "thẩm định",
)
# heads of generic groups ("các cơ quan, đơn vị có liên quan"): agencies only with a qualifier
GROUP_WORDS: tuple[str, ...] = (
    "bộ", "ngành", "sở", "ban", "cơ quan", "đơn vị", "tổ chức", "đoàn thể", "địa phương", "doanh nghiệp",
    "cá nhân", "cơ quan ngang bộ", "hội", "cấp", "cơ sở", "bệnh viện", "trường", "nhà mạng", "chủ đầu tư",
)  # fmt: skip
# level verbs: what stands between an indicator and its level
LEVEL_VERBS: tuple[str, ...] = (
    "đạt", "là", "ở mức", "xuống", "lên", "còn", "chiếm", "bằng", "tới", "đạt mức", "đạt tỷ lệ",
    "duy trì", "duy trì ở mức", "giữ", "giữ ở mức",
)  # fmt: skip
# verbs before an indicator that are not part of it (spec, INDICATOR "out")
LEADING_VERBS: tuple[str, ...] = (
    "phấn đấu", "duy trì", "đạt", "bảo đảm", "đảm bảo", "nâng", "nâng cao", "giảm", "tăng",
    "hạ", "khống chế", "kiểm soát", "giữ", "đưa", "có", "và", "trong đó", "cụ thể", "trong",
    "chỉ tiêu", "mục tiêu", "sẽ", "phải", "cần", "đạt được", "là", "hàng năm", "hằng năm", "cả năm",
    "mỗi năm",
)  # fmt: skip
# a purpose clause or a time phrase ends an indicator
INDICATOR_STOPS: tuple[str, ...] = (
    "hướng tới", "hướng đến", "nhằm", "để", "vào năm", "đến năm", "trong năm", "so với",
    "đối với", "trong đó", "theo", "giai đoạn", "trở lên", "là", "(",
)  # fmt: skip
# job titles: an agency after them is part of a title (spec rule 7: not labelled)
TITLE_WORDS: tuple[str, ...] = (
    "giám đốc", "phó giám đốc", "chủ tịch", "phó chủ tịch", "trưởng", "phó trưởng", "thủ trưởng",
    "bộ trưởng", "thứ trưởng", "lãnh đạo", "chánh văn phòng", "tm.", "kt.", "tm", "kt",
)  # fmt: skip
# administrative levels for an agency's tail (UBND + tỉnh, thành phố Hà Nội, các huyện, ...)
ADMIN_LEVELS: tuple[str, ...] = (
    "tỉnh", "thành phố", "tp.", "tp", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn",
    "cấp tỉnh", "cấp huyện", "cấp xã", "các cấp", "Việt Nam", "trung ương", "thôn", "bản", "ấp",
    "đặc khu", "cấp",
)  # fmt: skip
AGENCY_QUALIFIERS: tuple[str, ...] = (
    "có liên quan", "liên quan", "trên địa bàn", "trực thuộc", "các cấp", "thuộc tỉnh", "cấp tỉnh",
    "cấp huyện", "cấp xã", "trong tỉnh", "trong thành phố",
)  # fmt: skip


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    takes_tail: bool  # may be followed by an administrative tail (tỉnh X, các huyện, ...)


def _parse_gazetteer(lines: Iterable[str]) -> tuple[GazetteerEntry, ...]:
    entries = []
    for line in lines:
        line = nfc(line.strip())
        if not line or line.startswith("#"):
            continue
        tail = line.endswith(" +")
        entries.append(GazetteerEntry(line[:-2].strip() if tail else line, tail))
    return tuple(entries)


@lru_cache(maxsize=1)
def builtin_gazetteer() -> tuple[GazetteerEntry, ...]:
    """The package's agency list (``plannlp/resources/agencies.txt``)."""
    text = resources.files("plannlp").joinpath("resources", "agencies.txt").read_text(encoding="utf-8")
    return _parse_gazetteer(text.splitlines())


# ---------------------------------------------------------------------------------------------
# Regex building blocks (over key text)

UPPER = "".join(
    re.escape(c) for c in map(chr, range(0x41, 0x1F00)) if c.isupper() and c.isalpha()
)
CAPITALISED_WORD = rf"(?-i:[{UPPER}][\w'’]*)"


def literal_pattern(phrase: str, left_bound: bool = True) -> str:
    """A phrase as a regex over key text: flexible white space, word-bounded where it has letters
    (on the left only when ``left_bound``: a unit may touch its number, ``167cm``)."""
    parts = [re.escape(text_key(p)) for p in phrase.split()]
    body = r"\s+".join(parts)
    left = r"(?<!\w)" if left_bound and phrase[:1].isalnum() else ""
    right = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return f"{left}{body}{right}"


def alternation(phrases: Iterable[str], left_bound: bool = True) -> str:
    """A regex matching any of the phrases, longest first (so ``không quá`` wins over ``không``)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(literal_pattern(p, left_bound) for p in ordered) + ")"


def gazetteer_entry_pattern(entry: str) -> str:
    """A gazetteer name as a regex: its first letter keeps its case when upper (``Thanh tra`` the
    body, not ``thanh tra`` the verb); the rest matches in any case."""
    first, rest = entry[:1], entry[1:]
    if first.isupper():
        head = f"(?-i:{re.escape(text_key(first))})"
    else:
        head = f"[{re.escape(first)}{re.escape(first.upper())}]"
    body = literal_pattern(rest.strip(), left_bound=False) if rest.strip() else ""
    sep = r"\s*" if rest[:1].isspace() else ""
    # not inside a document number ("Kế hoạch số 24/KH-UBND")
    return rf"(?<![\w\-/]){head}{sep}{body}" if body else rf"(?<![\w\-/]){head}(?!\w)"


# ---------------------------------------------------------------------------------------------
# CRF token features


def word_shape(word: str) -> str:
    """Character classes with runs collapsed: ``95%`` -> ``d%``, ``Sở`` -> ``Xx``, ``2,1`` -> ``d,d``."""
    out = []
    for ch in word:
        cls = "d" if ch.isdigit() else "X" if ch.isupper() else "x" if ch.isalpha() else ch
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def is_number(word: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", word))


def _lexicon_sets() -> dict[str, frozenset[str]]:
    return {
        "cmp": frozenset(text_key(w).lower() for w in (*COMPARATORS, *CHANGE_COMPARATORS)),
        "unit": frozenset(text_key(w).lower() for w in UNITS),
        "numw": frozenset(NUMBER_WORDS),
        "cue": frozenset(text_key(w).lower() for w in TARGET_CUES),
        "past": frozenset(text_key(w).lower() for w in PAST_CUES),
        "role": frozenset(text_key(w).lower() for w in ROLE_CUES),
        "lvl": frozenset(text_key(w).lower() for w in LEVEL_VERBS),
        "stop": frozenset(text_key(w).lower() for w in INDICATOR_STOPS),
    }


_LEXICON = _lexicon_sets()


def token_features(
    words: Sequence[str],
    pos: Sequence[str] | None,
    gazetteer_tags: Sequence[str],
    window: int = 2,
    rule_tags: Sequence[str] | None = None,
) -> list[dict[str, str | float | bool]]:
    """One feature dict per word: form, lower, shape, syllable prefix/suffix, number, word-list
    and gazetteer membership, POS, the rule tagger's tag when given, and the same (lighter) for
    neighbours within ``window``."""
    keys = [text_key(w) for w in words]
    lowers = [k.lower() for k in keys]

    def own(i: int) -> dict[str, str | float | bool]:
        syllables = lowers[i].split()
        feats: dict[str, str | float | bool] = {
            "w": keys[i],
            "lw": lowers[i],
            "shape": word_shape(words[i]),
            "first_syl": syllables[0] if syllables else "",
            "last_syl": syllables[-1] if syllables else "",
            "n_syl": float(len(syllables)),
            "num": is_number(words[i]),
            "year": bool(re.fullmatch(r"(?:19|20)\d\d", words[i])),
            "title": keys[i][:1].isupper(),
            "gaz": gazetteer_tags[i],
        }
        for name, lexicon in _LEXICON.items():
            if lowers[i] in lexicon:
                feats[f"in_{name}"] = True
        if pos is not None:
            feats["pos"] = pos[i]
        if rule_tags is not None:
            feats["rule"] = rule_tags[i]
        return feats

    rows = []
    n = len(words)
    for i in range(n):
        feats = own(i)
        if i == 0:
            feats["BOS"] = True
        if i == n - 1:
            feats["EOS"] = True
        for d in range(-window, window + 1):
            j = i + d
            if d == 0 or not 0 <= j < n:
                continue
            feats[f"{d}:lw"] = lowers[j]
            feats[f"{d}:shape"] = word_shape(words[j])
            feats[f"{d}:gaz"] = gazetteer_tags[j]
            if pos is not None:
                feats[f"{d}:pos"] = pos[j]
            if rule_tags is not None:
                feats[f"{d}:rule"] = rule_tags[j]
            for name, lexicon in _LEXICON.items():
                if lowers[j] in lexicon:
                    feats[f"{d}:in_{name}"] = True
        if i > 0:
            feats["-1|0:lw"] = f"{lowers[i - 1]}|{lowers[i]}"
        if i < n - 1:
            feats["0|1:lw"] = f"{lowers[i]}|{lowers[i + 1]}"
        rows.append(feats)
    return rows
