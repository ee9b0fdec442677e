"""Body-list conjuncts and mined body names (plannlp.tag.baselines.agencyctx) and their CRF flag."""

from __future__ import annotations

from plannlp.segment import segment
from plannlp.tag.baselines.agencyctx import NameList, agency_context_features, mine_names
from plannlp.tag.baselines.crf import CrfSettings, sentence_features, settings_from_config

# underthesea-style words (multi-syllable words are one token)
WORDS = ["Sở", "Y tế", "chủ trì", ",", "phối hợp", "với", "Sở", "Tư pháp", ",", "Trung tâm", "Thông tin", "tỉnh",
         "và", "các", "địa phương", "."]  # fmt: skip


def test_conjunct_kinds_and_neighbours() -> None:
    none = ["O"] * len(WORDS)
    rows = agency_context_features(WORDS, none, none)
    # "Trung tâm Thông tin tỉnh" is a head conjunct between "phối hợp với Sở Tư pháp" (a body after the
    # verb) and "các địa phương" (generic)
    assert rows[9]["cj.kind"] == "head" and rows[9]["cj.prev"] == "late-head" and rows[9]["cj.next"] == "generic"
    assert rows[11]["cj.pos"] == "2" and rows[11]["cj.sep"] == ","
    assert rows[13]["cj.kind"] == "generic" and rows[13]["cj.sep"] == "và" and rows[13]["cj.next"] == "none"
    assert rows[6]["cj.kind"] == "late-head"
    # the list (up to ".") holds 2 head conjuncts: "Sở Y tế chủ trì" and "Trung tâm Thông tin tỉnh"
    assert rows[0]["cj.heads"] == "2"
    assert rows[0]["cj.prev"] == "none"


def test_lowercase_head_is_not_a_body_and_gazetteer_start_is() -> None:
    words = ["trung tâm", "thành phố", ",", "Bộ", "Y tế"]
    rows = agency_context_features(words, ["O"] * 5, ["O"] * 5)
    assert rows[0]["cj.kind"] == "other" and rows[3]["cj.kind"] == "head"
    rows = agency_context_features(["UBND", "tỉnh"], ["B", "I"], ["O", "O"])
    assert rows[0]["cj.kind"] == "head" and rows[1]["mgaz"] == "O"
    assert "mgaz" not in agency_context_features(["UBND"], ["B"], None)[0]


def test_mined_tag_features() -> None:
    rows = agency_context_features(["Hội", "Nông dân", "tỉnh"], ["O"] * 3, ["B", "I", "O"])
    assert rows[0]["mgaz"] == "B" and rows[0]["mgaz|-1"] == "BOS|B" and rows[1]["mgaz|+1"] == "I|O"


def test_mining_keeps_frequent_names_and_drops_prefixes_always_continued() -> None:
    texts = ["Sở Kế hoạch và Đầu tư chủ trì. Hội Nông dân tỉnh phối hợp."] * 5 + ["Sở Tư pháp báo cáo."] * 2
    kept = mine_names(texts, min_count=5)
    assert "sở kế hoạch và đầu tư" in kept and "hội nông dân tỉnh" in kept
    assert "sở kế hoạch" not in kept  # always followed by "và Đầu tư"
    assert not any("chủ" in name.split() for name in kept)  # stops at the verb
    assert "sở tư pháp" not in kept  # seen twice only
    # a lower-case head starts no name
    assert mine_names(["ban Chỉ đạo họp."] * 9, min_count=5) == {}


def test_name_matching_longest_first_and_capitalised() -> None:
    names = NameList.from_lines(["# comment", "sở y tế\t9", "sở y tế tỉnh\t7", "hội nông dân\t5"])
    text = "Giao Sở Y tế tỉnh và Hội Nông dân, hội nông dân xã."
    found = [text[a:b] for a, b in names.matches(text)]
    assert found == ["Sở Y tế tỉnh", "Hội Nông dân"]


def test_flag_defaults_off_and_old_settings_load() -> None:
    assert CrfSettings().agency_context is False
    assert CrfSettings.from_json({"c1": 0.1}).agency_context is False
    assert CrfSettings.from_json({"c1": 0.1}).agency_names is False
    assert settings_from_config({"agency_context": True}, ("AGENCY",)).agency_context is True
    assert settings_from_config({"agency_names": True}, ("AGENCY",)).agency_names is True


def test_mining_drops_rare_ways_on_and_places() -> None:
    texts = ["Bộ Tài chính chủ trì."] * 20 + ["Bộ Tài chính quản lý quỹ."] * 5 + ["Tây Ban Nha, Đài Loan."] * 9
    kept = mine_names(texts, min_count=5)
    assert "bộ tài chính" in kept
    assert not any(name.startswith("bộ tài chính quản") for name in kept)  # 5 of 25: a verb
    assert not any(name.startswith(("ban nha", "đài loan")) for name in kept)


def test_mining_does_not_join_two_bodies() -> None:
    texts = ["Bộ Y tế và Bộ Tài chính."] * 6 + ["Bộ Y tế."] * 6
    kept = mine_names(texts, min_count=5)
    assert "bộ y tế" in kept and not any("và" in name.split() for name in kept)


def test_crf_rows_carry_the_features_only_with_the_flag() -> None:
    text = "Sở Y tế chủ trì, phối hợp với Bộ Tài chính và Hội Nông dân tỉnh."
    sentences = segment(text)
    off = sentence_features(text, sentences, CrfSettings(pos=False))
    on = sentence_features(text, sentences, CrfSettings(pos=False, agency_context=True, agency_names=True))
    names_only = sentence_features(text, sentences, CrfSettings(pos=False, agency_names=True))
    assert "mgaz" in names_only[0][0] and "cj.kind" not in names_only[0][0]
    assert not any(k.startswith(("cj.", "mgaz")) for row in off[0] for k in row)
    first = on[0][0]
    assert first["cj.kind"] == "head" and first["mgaz"] == "B"  # "Sở Y tế" is a mined name
    # the rest of each row is the flag-off row: old features unchanged
    assert all({k: v for k, v in b.items() if not k.startswith(("cj.", "mgaz"))} == a for a, b in zip(off[0], on[0]))
