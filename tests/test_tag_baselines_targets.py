"""Clause geometry features (plannlp.tag.baselines.targets) and their CRF flag."""

from __future__ import annotations

import random

from plannlp.tag.baselines.crf import CrfSettings
from plannlp.tag.baselines.targets import _kinds, _lower_key, _strongest, bucket, indicator_features, target_features

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


def _reference_features(words: list[str], rule: list[str] | None) -> list[dict[str, object]]:
    """The features as first written: every word looks up its nearest levels and the boundaries
    between afresh (quadratic); the one-sweep code must give exactly these."""
    kinds = _kinds([_lower_key(w) for w in words], words, rule)
    levels = [i for i, k in enumerate(kinds) if k == "N"]
    rows, clause_start, last_open = [], 0, -1
    for i, k in enumerate(kinds):
        if i > 0 and kinds[i - 1] == ";":
            clause_start, last_open = i, -1
        feats: dict[str, object] = {}
        if k in ("L", "O", ";", ":", ","):
            feats["X.kind"] = k
        feats["X.cpos"] = bucket(i - clause_start + 1) if i - clause_start else "0"
        left = right = "none"
        prev = next((j for j in reversed(levels) if j < i), None)
        nxt = next((j for j in levels if j > i), None)
        if prev is not None and k != "N" and _strongest(kinds[prev + 1 : i]) != ";":
            left = f"{bucket(i - prev)}{_strongest(kinds[prev + 1 : i])}{'L' if 'L' in kinds[prev + 1 : i] else ''}"
        if nxt is not None and k != "N" and _strongest(kinds[i + 1 : nxt]) != ";":
            j, via = nxt - 1, ""
            while j > i and kinds[j] in ("L", "O"):
                via, j = "L", j - 1
            right = f"{bucket(nxt - i)}{_strongest(kinds[i + 1 : nxt])}{via}"
        feats["X.lnum"], feats["X.rnum"], feats["X.lr"] = left, right, f"{left}|{right}"
        if last_open >= 0 and k != "O":
            has_level = any(kinds[j] == "N" for j in range(last_open + 1, i))
            feats["X.open"] = bucket(i - last_open) + ("N" if has_level else "")
            feats["X.open|r"] = f"{feats['X.open']}|{right}"
        if k == "O":
            last_open = i
        rows.append(feats)
    return rows


def test_one_sweep_gives_the_features_of_the_per_word_lookups() -> None:
    # random sentences over every kind of word (levels, years, boundaries, linking and opening
    # words, rule VALUE tags), long enough for every distance bucket
    vocabulary = sorted(set(WORDS) | {":", ",", "(", "trên", "tăng", "duy trì", "giảm", "mười", "2025", "người"})
    rng = random.Random(0)
    for _ in range(300):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 40))]
        rule = [rng.choice(["O", "O", "O", "B-VALUE", "I-VALUE", "B-YEAR"]) for _ in words] if rng.random() < 0.5 else None
        assert target_features(words, rule) == _reference_features(words, rule)


def test_indicator_side_of_the_clause_levels() -> None:
    rows = indicator_features(WORDS)
    assert rows[1]["I.side"] == "preL"  # tỷ lệ: before the level, which "đạt" links (the year 2030 is no level)
    assert rows[9]["I.side"] == "preL" and "I.side" not in rows[10]  # đạt; the level itself has none
    assert rows[15]["I.side"] == "postV"  # 100 % [xã có nữ hộ sinh]: the clause opens with its level
    words = ["Tỷ lệ", "tiêm chủng", "95", "%", ",", "xã", "có", "bác sĩ"]
    rows = indicator_features(words)
    assert rows[0]["I.side"] == "pre"  # no link word before the level
    assert rows[2] == {} and rows[3] == {}  # the level and its %
    assert rows[5]["I.side"] == "post"  # after it, in a clause that does not open with it
    # no level in the clause: no features (table year cells such as "2026 - 2030" keep their old ones)
    assert indicator_features(["xã", "có", "bác sĩ"]) == [{}, {}, {}]
    assert indicator_features(["2026", "-", "2030"]) == [{}, {}, {}]


def test_indicators_flag_is_off_by_default_and_read_from_configs() -> None:
    from plannlp.tag.baselines.folds import crf_settings

    assert CrfSettings().indicators is False
    assert CrfSettings.from_json({}).indicators is False  # models saved before the flag load unchanged
    assert crf_settings({"indicators": True}).indicators is True
