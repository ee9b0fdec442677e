"""Clause geometry features (plannlp.tag.baselines.targets) and their CRF flag."""

from __future__ import annotations

from plannlp.tag.baselines.crf import CrfSettings
from plannlp.tag.baselines.targets import bucket, target_features

# underthesea-style words (multi-syllable words are one token)
WORDS = ["Phấn đấu", "tỷ lệ", "trạm", "y tế", "có", "bác sĩ", "đến", "năm", "2030", "đạt", "95", "%", ";",
         "100", "%", "xã", "có", "nữ", "hộ sinh", "."]  # fmt: skip


def test_buckets() -> None:
    assert [bucket(d) for d in (1, 3, 4, 6, 9, 15, 40)] == ["1", "3", "4-5", "6-8", "9-14", "15+", "15+"]


def test_word_between_opening_verb_and_level_reached_through_a_level_verb() -> None:
    rows = target_features(WORDS)
    tyle = rows[1]
    # the level (95 %) is 9 words to the right, reached through "đạt"; "Phấn đấu" opened the clause 1 word before
    assert tyle["X.rnum"] == "9-14L" and tyle["X.lnum"] == "none"
    assert tyle["X.open"] == "1" and tyle["X.open|r"] == "1|9-14L"
    assert rows[0]["X.kind"] == "O" and rows[9]["X.kind"] == "L"
    # a year is not a level: "2030" sees the level two words on, through "đạt"
    assert rows[8]["X.rnum"] == "2L"


def test_word_after_a_level_in_a_new_clause() -> None:
    rows = target_features(WORDS)
    xa = rows[15]
    assert xa["X.cpos"] == "3"  # the clause began after ";" (100 % xã)
    assert xa["X.lnum"] == "1" and xa["X.rnum"] == "none"
    assert "X.open" not in xa  # the opening verb belongs to the previous clause
    # levels across a strong boundary are not seen
    assert rows[5]["X.lnum"] == "none"


def test_colon_and_rule_values() -> None:
    words = ["Thời gian", "thực hiện", ":", "mười", "ngày"]
    rows = target_features(words, rule=["O", "O", "O", "B-VALUE", "I-VALUE"])
    assert rows[0]["X.rnum"] == "3:"  # the level is behind a colon
    assert target_features(words)[0]["X.rnum"] == "none"  # without the rule tags no level is known


def test_flag_is_off_by_default_and_read_from_json() -> None:
    assert CrfSettings().targets is False
    assert CrfSettings.from_json({"targets": True}).targets is True
    assert CrfSettings.from_json({}).targets is False  # models saved before the flag load unchanged


def test_cross_validation_reads_the_flag_too() -> None:
    from plannlp.tag.baselines.folds import crf_settings

    assert crf_settings({"targets": True}).targets is True
    assert crf_settings({}).targets is False
