"""The rule tagger: the spec's worked examples, its negative cases, agencies, training and I/O."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from plannlp.annotate.validate import document_problems
from plannlp.data import DataError, Document, Span
from plannlp.io import read_documents
from plannlp.tag.baselines import rules
from plannlp.tag.baselines.rules import RuleLexicon, RuleSettings, RuleTagger, learn_lexicon
from plannlp.tag.systems import load_tagger, train

DATA = Path(__file__).parent / "data" / "baselines"


@pytest.fixture(scope="module")
def tagger() -> RuleTagger:
    return RuleTagger()


def labelled(tagger: RuleTagger, text: str) -> list[tuple[str, str]]:
    doc = tagger.predict([Document("d", text)])[0]
    return [(s.label, doc.span_text(s)) for s in doc.spans]


# The spec's worked examples ("Worked examples (from the seed pages)") and rule cases.
SPEC_CASES = [
    (
        "phấn đấu đến năm 2030 mỗi trạm y tế xã, phường, thị trấn có ít nhất một bác sĩ cơ hữu",
        [("YEAR", "năm 2030"), ("COMPARATOR", "ít nhất"), ("VALUE", "một"), ("INDICATOR", "bác sĩ cơ hữu")],
    ),
    (
        "Trên 95% dân số tham gia bảo hiểm y tế",
        [("COMPARATOR", "Trên"), ("VALUE", "95%"), ("INDICATOR", "dân số tham gia bảo hiểm y tế")],
    ),
    (
        "Tỷ lệ tham gia bảo hiểm y tế đạt trên 95% dân số",
        [("INDICATOR", "Tỷ lệ tham gia bảo hiểm y tế"), ("COMPARATOR", "trên"), ("VALUE", "95%")],
    ),
    (
        "người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ ít nhất mỗi năm một lần, "
        "hướng tới kiểm tra sức khỏe định kỳ cho toàn dân",
        [
            ("INDICATOR", "người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ"),
            ("COMPARATOR", "ít nhất"),
            ("VALUE", "mỗi năm một lần"),
        ],
    ),
    (
        "UBND các quận, huyện, thị xã cần đưa các chỉ tiêu về y tế cơ sở vào chương trình",
        [("AGENCY", "UBND các quận, huyện, thị xã")],
    ),
    (  # rule 1: numbers inside an indicator belong to it
        "Tỷ lệ tiêm chủng đầy đủ các loại vắc xin cho trẻ dưới 1 tuổi đạt trên 95%.",
        [
            ("INDICATOR", "Tỷ lệ tiêm chủng đầy đủ các loại vắc xin cho trẻ dưới 1 tuổi"),
            ("COMPARATOR", "trên"),
            ("VALUE", "95%"),
        ],
    ),
    (  # rule 2: one indicator, two levels
        "Chiều cao trung bình người dân 18 tuổi đạt 167cm đối với nam, đạt 156cm đối với nữ.",
        [("INDICATOR", "Chiều cao trung bình người dân 18 tuổi"), ("VALUE", "167cm"), ("VALUE", "156cm")],
    ),
    (  # rule 2: sub-groups after a shared head are not labelled
        "Đến năm 2030, tỷ suất tử vong trẻ em: Dưới 5 tuổi ≤1,5‰; dưới 1 tuổi ≤1‰",
        [
            ("YEAR", "năm 2030"),
            ("INDICATOR", "tỷ suất tử vong trẻ em"),
            ("COMPARATOR", "≤"),
            ("VALUE", "1,5‰"),
            ("COMPARATOR", "≤"),
            ("VALUE", "1‰"),
        ],
    ),
    (  # giảm ... xuống: only the bound; rule 5: two comparators in a row; giảm + value
        "Phấn đấu giảm tỷ lệ béo phì xuống dưới 10% vào năm 2025; tăng ít nhất 10% số người tập thể dục; "
        "giảm 50% số cặp tảo hôn.",
        [
            ("INDICATOR", "tỷ lệ béo phì"),
            ("COMPARATOR", "dưới"),
            ("VALUE", "10%"),
            ("YEAR", "năm 2025"),
            ("COMPARATOR", "tăng"),
            ("COMPARATOR", "ít nhất"),
            ("VALUE", "10%"),
            ("INDICATOR", "số người tập thể dục"),
            ("COMPARATOR", "giảm"),
            ("VALUE", "50%"),
            ("INDICATOR", "số cặp tảo hôn"),
        ],
    ),
    (  # rule 5: a ratio keeps its unit
        "Tổng tỷ suất sinh đạt 2,1 con/phụ nữ, tỷ số giới tính khi sinh dưới 109 bé trai/100 bé gái.",
        [
            ("INDICATOR", "Tổng tỷ suất sinh"),
            ("VALUE", "2,1 con/phụ nữ"),
            ("INDICATOR", "tỷ số giới tính khi sinh"),
            ("COMPARATOR", "dưới"),
            ("VALUE", "109 bé trai/100 bé gái"),
        ],
    ),
    (  # rule 3: a heading sets the year of the list under it
        "a) Đến năm 2025:\n- 100% xã đạt tiêu chí quốc gia về y tế;\n- Tuổi thọ bình quân đạt 75 tuổi.",
        [
            ("YEAR", "năm 2025"),
            ("VALUE", "100%"),
            ("INDICATOR", "xã đạt tiêu chí quốc gia về y tế"),
            ("INDICATOR", "Tuổi thọ bình quân"),
            ("VALUE", "75 tuổi"),
        ],
    ),
    (  # YEAR: a range with giai đoạn
        "Phấn đấu giai đoạn 2021-2025 có 100% trạm y tế có bác sĩ.",
        [("YEAR", "giai đoạn 2021-2025"), ("VALUE", "100%"), ("INDICATOR", "trạm y tế có bác sĩ")],
    ),
]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize(("text", "expected"), SPEC_CASES, ids=[c[0][:30] for c in SPEC_CASES])
def test_spec_examples(tagger: RuleTagger, text: str, expected: list[tuple[str, str]], form: str) -> None:
    source = unicodedata.normalize(form, text)
    got = labelled(tagger, source)
    # offsets point into the text as given; compare in NFC
    assert [(label, unicodedata.normalize("NFC", surface)) for label, surface in got] == expected


NEGATIVE_CASES = [
    "Hiện nay đã có trên 92% dân số tham gia bảo hiểm y tế.",  # the present
    "Năm 2023 đạt 85% dân số tham gia bảo hiểm y tế.",  # the past
    "Thực hiện Quyết định số 281/QĐ-TTg ngày 5-4-2024 về khám sức khỏe hàng năm.",  # decree, date, hàng năm
    "Căn cứ Chỉ thị số 25-CT/TW ngày 25/10/2023 về y tế cơ sở.",
    "Doanh thu tăng 10% so với cùng kỳ năm trước.",  # a result
]


@pytest.mark.parametrize("text", NEGATIVE_CASES)
def test_negative_cases_give_no_span(tagger: RuleTagger, text: str) -> None:
    assert labelled(tagger, text) == []


def test_past_figure_beside_a_target(tagger: RuleTagger) -> None:
    text = "Tỷ lệ bao phủ đã đạt 79% và sẽ phấn đấu đến năm 2020 đạt trên 90%."
    got = labelled(tagger, text)
    assert ("VALUE", "79%") not in got
    assert ("VALUE", "90%") in got and ("COMPARATOR", "trên") in got and ("YEAR", "năm 2020") in got


def test_agencies_need_a_role(tagger: RuleTagger) -> None:
    text = (
        "Sở Y tế chủ trì, phối hợp với Sở Tài chính, Bảo hiểm xã hội tỉnh và các sở, ban, ngành có liên quan "
        "tham mưu Ủy ban nhân dân tỉnh.\n"
        "Quyết định số 281/QĐ-TTg của Thủ tướng Chính phủ về y tế cơ sở.\n"
        "Giám đốc Sở Y tế ký.\n"
        "Nơi nhận:\n- Sở Y tế;"
    )
    got = [surface for label, surface in labelled(tagger, text) if label == "AGENCY"]
    assert got == [
        "Sở Y tế",
        "Sở Tài chính",
        "Bảo hiểm xã hội tỉnh",
        "các sở, ban, ngành có liên quan",
        "Ủy ban nhân dân tỉnh",
    ]


def test_old_tone_placement_and_table_cells(tagger: RuleTagger) -> None:
    text = "Đơn vị phối hợp: Uỷ ban nhân dân các huyện, thành phố\nSở Nội vụ\nThời gian thực hiện: Năm 2022"
    got = labelled(tagger, text)
    assert ("AGENCY", "Uỷ ban nhân dân các huyện, thành phố") in got
    assert ("AGENCY", "Sở Nội vụ") in got  # a table cell holding only agencies
    assert ("YEAR", "Năm 2022") in got


def test_spans_meet_the_spec_on_a_long_text(tagger: RuleTagger) -> None:
    # speed: python benchmarks/bench_rules.py
    text = "\n".join(case for case, _ in SPEC_CASES) + "\n" + "\n".join(NEGATIVE_CASES)
    big = "\n".join([text] * 60)  # ~50,000 characters
    doc = tagger.predict([Document("big", big)])[0]
    assert len(doc.spans) == 60 * len(tagger.predict([Document("one", text)])[0].spans)
    assert document_problems(doc) == []


def test_predict_ignores_input_spans_and_regions(tagger: RuleTagger) -> None:
    gold = Document("g", "Trên 95% dân số tham gia bảo hiểm y tế", (Span(0, 4, "AGENCY"),), regions=((0, 8),))
    pred = tagger.predict([gold])[0]
    assert pred.regions is None and Span(0, 4, "COMPARATOR") in pred.spans
    assert gold.spans == (Span(0, 4, "AGENCY"),)  # the input is not changed


def test_learned_lexicon_adds_gold_words() -> None:
    text = "Tổ công tác đặc biệt phối hợp thực hiện; phấn đấu đạt 20 điểm chuẩn vào năm 2030."
    start = text.index("Tổ công tác đặc biệt")
    gold = Document("g", text, (Span(start, start + len("Tổ công tác đặc biệt"), "AGENCY"),))
    lexicon = learn_lexicon([gold])
    assert "Tổ công tác đặc biệt" in lexicon.agencies
    assert ("AGENCY", "Tổ công tác đặc biệt") not in labelled(RuleTagger(), text)
    assert ("AGENCY", "Tổ công tác đặc biệt") in labelled(RuleTagger(lexicon=lexicon), text)


def test_save_load_round_trip(tmp_path: Path) -> None:
    tagger = RuleTagger(RuleSettings(weak_cues="none"), RuleLexicon(agencies=("Tổ công tác đặc biệt",)))
    tagger.save(tmp_path / "m")
    loaded = load_tagger(tmp_path / "m")
    assert isinstance(loaded, RuleTagger)
    assert loaded.settings == tagger.settings and loaded.lexicon == tagger.lexicon
    docs = list(read_documents(DATA / "tiny.jsonl"))
    assert loaded.predict(docs) == tagger.predict(docs)


def test_load_rejects_bad_settings(tmp_path: Path) -> None:
    from plannlp.runrecord import RunRecord

    (tmp_path / "lexicon.json").write_text("{}", encoding="utf-8")
    RunRecord("rules", settings={"no_such_setting": 1}, files={"lexicon": "lexicon.json"}).write(tmp_path)
    with pytest.raises(DataError, match="bad rule settings"):
        RuleTagger.load(tmp_path)


def test_train_picks_settings_on_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in scorer that prefers taggers without indicators: tuning must find that setting
    def scorer(gold, pred):
        return -sum(s.label == "INDICATOR" for d in pred for s in d.spans)

    monkeypatch.setattr("plannlp.tag.baselines.strict_micro_f1", scorer)  # the trainers' default scorer
    config = {
        "system": "rules",
        "train_file": str(DATA / "tiny.jsonl"),
        "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "rules"),
        "grid": {"indicators": [True, False], "weak_cues": ["all"]},
        "rounds": 1,
    }
    config_path = tmp_path / "rules.yaml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = train(config_path)
    loaded = load_tagger(out)
    assert loaded.settings.indicators is False
    from plannlp.runrecord import RunRecord

    record = RunRecord.read(out)
    assert record.metrics["selected_settings"]["indicators"] is False and record.settings["indicators"] is False
    assert record.metrics["dev_strict_micro_f1"] == 0 and record.config["rounds"] == 1
    assert "Sở Tài chính" in loaded.lexicon.agencies


def test_train_rejects_unknown_keys(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown keys"):
        rules.train_from_config({"system": "rules", "epochs": 3}, tmp_path / "x.yaml")


def test_year_cells_of_task_tables_but_not_of_statistics(tagger: RuleTagger) -> None:
    task_table = "Xây dựng kho dữ liệu y tế\nSở Y tế\nCác sở, ngành liên quan\n2026-2030"
    assert ("YEAR", "2026-2030") in labelled(tagger, task_table)
    statistics = "Dân số trung bình (người)\n2021\n1.779.420\n2022\n1.805.000"
    assert labelled(tagger, statistics) == []


def test_rule_resources_have_notes_and_every_entry_is_used() -> None:
    """Each phrase list and pattern of the resource files carries a note and is read by the code."""
    import json
    import re
    from importlib import resources
    from pathlib import Path

    import plannlp.tag.baselines.features as fx

    source = "".join(
        Path(m.__file__).read_text(encoding="utf-8") for m in (fx, __import__("plannlp.tag.baselines.rules", fromlist=["x"]))
    )
    root = resources.files("plannlp").joinpath("resources")
    patterns = [json.loads(line) for line in root.joinpath("rule_patterns.jsonl").read_text(encoding="utf-8").splitlines()]
    words = [json.loads(line) for line in root.joinpath("rule_words.jsonl").read_text(encoding="utf-8").splitlines()]
    referenced = set(re.findall(r"\$\{(\w+)\}", "".join(p["pattern"] for p in patterns)))
    for p in patterns:
        assert p["note"] and (f'"{p["name"]}"' in source or p["name"] in referenced), p["name"]
        re.compile(fx.rule_pattern_source(p["name"], **{k: "x" for k in referenced}))
    for w in words:
        assert w["note"] and w["words"] and (f'"{w["list"]}"' in source), w["list"]


def test_named_rule_taggers() -> None:
    from plannlp.tag.baselines.rules import RuleTagger, builtin_rules, preannotation_rules, stacked_rules, tuned_rules

    assert stacked_rules() is builtin_rules() and preannotation_rules() is builtin_rules()
    assert builtin_rules().lexicon.agencies == ()
    tuned = tuned_rules(Path(__file__).resolve().parents[1] / "models" / "rules")
    assert isinstance(tuned, RuleTagger) and tuned.lexicon.agencies
