import os

import pytest

from plannlp.data import DataError, Document, Span
from plannlp.records import extract_records
from plannlp.tag.links import link_targets, overall_lead

TEXT = (
    "UBND tỉnh ban hành Kế hoạch.\n"
    "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"
    "Phấn đấu 100% trạm y tế xã có bác sĩ.\n"
    "Tỷ lệ hài lòng của người bệnh đạt trên 90%.\n"
    "1. Sở Y tế chủ trì tổ chức thực hiện Kế hoạch này.\n"
    "2. Bảo hiểm xã hội tỉnh chủ trì, phối hợp với Sở Lao động phát triển người tham gia bảo hiểm y tế.\n"
    "3. Sở Nội vụ chủ trì bố trí bác sĩ cho trạm y tế xã.\n"
)


def _doc_of(text, *items):
    """A document whose spans are (quote, label, role) triples located left to right."""
    spans, cursor = [], 0
    for quote, label, role in items:
        i = text.index(quote, cursor)
        spans.append(Span(i, i + len(quote), label, role=role))
        cursor = i + len(quote)
    return Document("l", text, tuple(spans))


def build(*items):
    return _doc_of(TEXT, *items)


DOC = build(
    ("UBND tỉnh", "AGENCY", "issuer"),
    ("dân số tham gia bảo hiểm y tế", "INDICATOR", None),
    ("trạm y tế xã có bác sĩ", "INDICATOR", None),
    ("Tỷ lệ hài lòng của người bệnh", "INDICATOR", None),
    ("Sở Y tế", "AGENCY", "lead"),
    ("Bảo hiểm xã hội tỉnh", "AGENCY", "lead"),
    ("Sở Lao động", "AGENCY", "partner"),
    ("Sở Nội vụ", "AGENCY", "lead"),
)


def responsible(doc):
    return {doc.span_text(r.indicator): [doc.span_text(a) for a in r.responsible] for r in extract_records(doc)}


def test_each_target_goes_to_the_task_that_names_it_else_the_overall_lead():
    linked = link_targets(DOC)
    assert responsible(linked) == {
        "dân số tham gia bảo hiểm y tế": ["Bảo hiểm xã hội tỉnh", "Sở Lao động"],  # the task names it
        "trạm y tế xã có bác sĩ": ["Sở Nội vụ"],
        "Tỷ lệ hài lòng của người bệnh": ["Sở Y tế"],  # no task: the plan's overall lead
    }


def test_without_an_overall_lead_the_issuer_answers():
    doc = DOC.with_spans(s for s in DOC.spans if DOC.span_text(s) != "Sở Y tế")
    assert overall_lead(doc) == ()
    assert responsible(link_targets(doc))["Tỷ lệ hài lòng của người bệnh"] == ["UBND tỉnh"]


def test_the_issuer_is_kept_apart_and_other_bodies_stay_out():
    [bhyt, *_] = extract_records(link_targets(DOC))
    assert [DOC.span_text(a) for a in bhyt.issuer] == ["UBND tỉnh"]
    assert "Sở Nội vụ" not in [DOC.span_text(a) for a in bhyt.responsible]


def test_learned_linker_round_trips_as_json_and_refuses_bad_files(tmp_path):
    import json

    import pytest

    from plannlp.data import DataError
    from plannlp.tag.links import LinkModel, train_links

    gold = link_targets(DOC)  # the rule's links on the fixture serve as its gold here
    model = train_links([gold] * 4, c=10.0, threshold=0.5, floor=0.0)
    assert responsible(model.link(DOC)) == responsible(gold)
    model.save(tmp_path)
    loaded = LinkModel.load(tmp_path)
    assert loaded.link(DOC).links == model.link(DOC).links
    (tmp_path / "links.json").write_text(json.dumps({"classes": ["a", "b"], "weights": {}}), encoding="utf-8")
    with pytest.raises(DataError, match="classes"):
        LinkModel.load(tmp_path)


def _linked(doc):
    return {doc.span_text(r.indicator): sorted(doc.span_text(a) for a in r.responsible) for r in extract_records(link_targets(doc))}


def test_a_body_heading_answers_for_the_list_under_it():
    # "1. Công an tỉnh" (no colon) heads its task list; the item that names the target has no body
    text = (
        "UBND tỉnh ban hành Kế hoạch.\n"
        "Phấn đấu 100% xã, phường không ma túy.\n"
        "1. Công an tỉnh\n"
        "a) Rà soát, phân loại địa bàn không ma túy trên toàn tỉnh.\n"
        "2. Sở Y tế\n"
        "a) Bảo đảm thuốc điều trị cho người nghiện.\n"
    )
    doc = _doc_of(
        text,
        ("UBND tỉnh", "AGENCY", "issuer"), ("xã, phường không ma túy", "INDICATOR", None),
        ("Công an tỉnh", "AGENCY", "lead"), ("Sở Y tế", "AGENCY", "lead"),
    )  # fmt: skip
    assert _linked(doc) == {"xã, phường không ma túy": ["Công an tỉnh"]}


def test_chu_tri_and_phoi_hop_cells_belong_to_the_task_above_them():
    text = (
        "Phấn đấu 100% công chức làm công tác pháp chế được bồi dưỡng.\n"
        "a) Tổ chức hội nghị tổng kết chương trình.\n"
        "Đơn vị chủ trì: Văn phòng UBND tỉnh.\n"
        "b) Bồi dưỡng công chức làm công tác pháp chế hằng năm.\n"
        "Đơn vị chủ trì: Sở Tư pháp.\n"
        "Đơn vị phối hợp: Sở Nội vụ.\n"
    )
    doc = _doc_of(
        text,
        ("công chức làm công tác pháp chế được bồi dưỡng", "INDICATOR", None),
        ("Văn phòng UBND tỉnh", "AGENCY", "lead"), ("Sở Tư pháp", "AGENCY", "lead"), ("Sở Nội vụ", "AGENCY", "partner"),
    )  # fmt: skip
    assert _linked(doc) == {"công chức làm công tác pháp chế được bồi dưỡng": ["Sở Nội vụ", "Sở Tư pháp"]}


def test_a_table_row_gives_its_bodies_the_row_text_before_or_after_them():
    # one row a line per cell: number, then the target's text and the body (or the bodies first)
    text = (
        "Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo đạt 40%.\n"
        "Tỷ lệ hộ gia đình có cáp quang đạt 90%.\n"
        "3\nTỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo\nSở Khoa học và Công nghệ\n2026 - 2030\n"
        "4\nSở Xây dựng\n- Sở Công Thương;\nPhát triển hạ tầng cáp quang cho hộ gia đình\n"
    )
    doc = _doc_of(
        text,
        ("doanh nghiệp có hoạt động đổi mới sáng tạo", "INDICATOR", None),
        ("hộ gia đình có cáp quang", "INDICATOR", None),
        ("Sở Khoa học và Công nghệ", "AGENCY", "lead"), ("Sở Xây dựng", "AGENCY", "lead"),
        ("Sở Công Thương", "AGENCY", "partner"),
    )  # fmt: skip
    assert _linked(doc) == {
        "doanh nghiệp có hoạt động đổi mới sáng tạo": ["Sở Khoa học và Công nghệ"],
        "hộ gia đình có cáp quang": ["Sở Công Thương", "Sở Xây dựng"],
    }


def test_a_row_does_not_take_the_previous_rows_task_as_its_own():
    # bodies-first rows, the second without its number cell (two rows under one number): the
    # second row's task is the line after its body, not the first row's task line above it
    text = (
        "Tỷ lệ hộ gia đình có cáp quang đạt 90%.\n"
        "Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo đạt 40%.\n"
        "1\nSở Xây dựng\n- Sở Công Thương;\nPhát triển hạ tầng cáp quang cho hộ gia đình\n"
        "Sở Khoa học và Công nghệ\nHỗ trợ doanh nghiệp có hoạt động đổi mới sáng tạo\n"
    )
    doc = _doc_of(
        text,
        ("hộ gia đình có cáp quang", "INDICATOR", None),
        ("doanh nghiệp có hoạt động đổi mới sáng tạo", "INDICATOR", None),
        ("Sở Xây dựng", "AGENCY", "lead"), ("Sở Công Thương", "AGENCY", "partner"),
        ("Sở Khoa học và Công nghệ", "AGENCY", "lead"),
    )  # fmt: skip
    assert _linked(doc) == {
        "hộ gia đình có cáp quang": ["Sở Công Thương", "Sở Xây dựng"],
        "doanh nghiệp có hoạt động đổi mới sáng tạo": ["Sở Khoa học và Công nghệ"],
    }


def test_task_words_match_whatever_the_tone_placement_and_case():
    from plannlp.tag.links import content_syllables

    assert content_syllables("Chăm sóc sức khoẻ") == content_syllables("chăm sóc SỨC KHỎE")
    assert "cac" not in content_syllables("các trạm y tế")  # stop syllables from resources/link_cues.json


def test_learned_linker_keeps_its_decoding_settings(tmp_path):
    from plannlp.tag.links import LinkModel, train_links

    base = train_links([link_targets(DOC)] * 4, c=10.0)
    model = LinkModel(base.model, 0.3, 0.0, {}, 0.5, True, 0.2, True)
    model.save(tmp_path)
    loaded = LinkModel.load(tmp_path)
    assert (loaded.threshold, loaded.floor, loaded.ratio, loaded.fallback_alone, loaded.weak, loaded.weak_lead) == (
        0.3, 0.0, 0.5, True, 0.2, True
    )
    assert loaded.link(DOC).links == model.link(DOC).links


def test_an_abbreviation_matches_the_words_it_stands_for():
    # resources/link_cues.json "aliases": the target's BHYT is the task's bảo hiểm y tế
    text = (
        "Phấn đấu tỷ lệ bao phủ BHYT đạt 95%.\n"
        "1. Sở Nội vụ chủ trì tuyển dụng viên chức.\n"
        "2. Bảo hiểm xã hội tỉnh chủ trì cấp thẻ bảo hiểm y tế cho người dân.\n"
    )
    doc = _doc_of(
        text,
        ("tỷ lệ bao phủ BHYT", "INDICATOR", None),
        ("Sở Nội vụ", "AGENCY", "lead"), ("Bảo hiểm xã hội tỉnh", "AGENCY", "lead"),
    )  # fmt: skip
    assert _linked(doc) == {"tỷ lệ bao phủ BHYT": ["Bảo hiểm xã hội tỉnh"]}


def test_the_linker_knows_how_many_targets_a_task_is_the_best_match_of():
    # a generic duty line that tops every target is weaker evidence than a task that tops one
    from plannlp.tag.links import _pairs

    by_target = {DOC.span_text(ind): {b.key: f for b, f, _ in rows} for ind, rows in _pairs(DOC)}
    lao = by_target["dân số tham gia bảo hiểm y tế"]["bảo hiểm xã hội tỉnh"]
    assert lao["task_best_for=1"] == 1.0  # its task is the best match of this target alone


def test_a_target_no_task_names_goes_to_the_issuer_alone():
    # weak: when even the most probable body's task matches too little of the target, the issuer answers
    from plannlp.tag.links import LinkModel, train_links

    base = train_links([link_targets(DOC)] * 4, c=10.0)
    strict = LinkModel(base.model, 0.5, 0.0, {}, 0.0, False, 1.01)  # no task matches more than all words
    linked = responsible(strict.link(DOC))
    assert len(linked) == 3 and all(bodies == ["UBND tỉnh"] for bodies in linked.values())
    assert responsible(LinkModel(base.model, 0.5, 0.0, {}, 0.0, False, 0.0).link(DOC)) != responsible(strict.link(DOC))


def test_with_weak_lead_a_target_no_task_names_goes_to_the_overall_lead_then_the_issuer():
    # the spec's fallbacks in order: no task names the target -> the plan's overall lead (Sở Y tế
    # "chủ trì tổ chức thực hiện Kế hoạch này"); a plan that names none -> its issuer
    from plannlp.tag.links import LinkModel, train_links

    base = train_links([link_targets(DOC)] * 4, c=10.0)
    lead_first = LinkModel(base.model, 0.5, 0.0, {}, 0.0, False, 1.01, True)
    linked = responsible(lead_first.link(DOC))
    assert len(linked) == 3 and all(bodies == ["Sở Y tế"] for bodies in linked.values())
    no_lead = DOC.with_spans(s for s in DOC.spans if DOC.span_text(s) != "Sở Y tế")
    assert all(bodies == ["UBND tỉnh"] for bodies in responsible(lead_first.link(no_lead)).values())


def test_a_sub_item_lead_inherits_the_item_that_names_the_target():
    # sub_items: "a) Bộ Tài chính chủ trì ...:" under "6. ... phấn đấu tăng trưởng kinh tế ...:"
    from plannlp.tag.links import _pairs

    text = (
        "6. Các bộ, cơ quan phấn đấu tăng trưởng kinh tế đạt trên 8%, cụ thể như sau:\n"
        "a) Bộ Tài chính chủ trì, phối hợp với các bộ, cơ quan:\n"
        "- Tổng hợp tình hình thiệt hại.\n"
        "7. Bộ Y tế chủ trì khám bệnh cho người dân.\n"
        "a) Sở Y tế tỉnh chủ trì tiêm chủng.\n"
    )
    doc = _doc_of(
        text,
        ("Các bộ, cơ quan", "AGENCY", "lead"), ("tăng trưởng kinh tế", "INDICATOR", None),
        ("Bộ Tài chính", "AGENCY", "lead"), ("các bộ, cơ quan", "AGENCY", "partner"),
        ("Bộ Y tế", "AGENCY", "lead"), ("Sở Y tế tỉnh", "AGENCY", "lead"),
    )  # fmt: skip
    (_, rows), = list(_pairs(doc, ("sub_items",)))
    feats = {b.key: f for b, f, _ in rows}
    assert feats["bộ tài chính"]["sub_parent_holds"] == 1.0 and feats["bộ tài chính"]["sub_parent_ov"] == 1.0
    assert "sub_parent_holds" not in feats["sở y tế tỉnh"] and feats["sở y tế tỉnh"]["sub_parent_ov"] < 0.5
    assert "sub_lead" not in feats["bộ y tế"]  # it leads an item, not a sub-item
    (_, plain), = list(_pairs(doc))
    assert all("sub_lead" not in f for _, f, _ in plain)  # off by default


def test_pair_match_needs_the_targets_neighbouring_syllable():
    # pair_match: "hồ sơ" is not held by "hỗ trợ", nor "khai thác" by "triển khai" (diacritic-blind
    # syllables alone would match both)
    from plannlp.tag.links import _pairs

    text = (
        "Phấn đấu 100% hồ sơ được khai thác trên môi trường số.\n"
        "1. Sở Khoa học chủ trì hỗ trợ triển khai các nền tảng.\n"
        "2. Sở Xây dựng chủ trì số hóa hồ sơ để khai thác.\n"
    )
    doc = _doc_of(
        text,
        ("hồ sơ được khai thác trên môi trường số", "INDICATOR", None),
        ("Sở Khoa học", "AGENCY", "lead"), ("Sở Xây dựng", "AGENCY", "lead"),
    )  # fmt: skip
    (_, rows), = list(_pairs(doc, ("pair_match",)))
    feats = {b.key: f for b, f, _ in rows}
    assert feats["sở khoa học"]["ov"] > 0  # the syllable match sees ho and khai
    assert feats["sở khoa học"]["pm"] == 0.0
    assert feats["sở xây dựng"]["pm"] > 0.4 and feats["sở xây dựng"]["pm_is_best"] == 1.0


def test_a_linker_keeps_its_feature_groups_and_older_models_have_none(tmp_path):
    import pytest

    from plannlp.data import DataError
    from plannlp.tag.links import LinkModel, _pairs, train_links

    model = train_links([link_targets(DOC)] * 4, c=10.0, features=("pair_match",))
    model.save(tmp_path)
    loaded = LinkModel.load(tmp_path)
    assert loaded.features == ("pair_match",)
    assert loaded.link(DOC).links == model.link(DOC).links
    assert train_links([link_targets(DOC)] * 4, c=10.0).features == ()
    with pytest.raises(DataError):
        list(_pairs(DOC, ("nonsense",)))


def test_sub_tasks_give_the_item_line_to_the_leads_of_its_sub_items():
    from plannlp.tag.links import _pairs

    text = (
        "6. Các bộ phấn đấu tăng trưởng kinh tế đạt trên 8%, cụ thể như sau:\n"
        "a) Bộ Tài chính chủ trì, phối hợp với các bộ:\n"
        "- Tổng hợp tình hình thiệt hại.\n"
    )
    doc = _doc_of(
        text,
        ("Các bộ", "AGENCY", "lead"), ("tăng trưởng kinh tế", "INDICATOR", None),
        ("Bộ Tài chính", "AGENCY", "lead"), ("các bộ", "AGENCY", "partner"),
    )  # fmt: skip
    (_, plain), = list(_pairs(doc))
    (_, rows), = list(_pairs(doc, ("sub_tasks",)))
    before = {b.key: f for b, f, _ in plain}["bộ tài chính"]
    after = {b.key: f for b, f, _ in rows}["bộ tài chính"]
    assert before["ov"] < 1.0 and after["ov"] == 1.0 and after["kind=parent"] == 1.0


def test_task_match_is_the_same_under_every_string_hash() -> None:
    # a set's iteration order follows PYTHONHASHSEED; the match summed its weights in that order,
    # so one input scored differently (last bits) from one process to the next, and cross-validated
    # link F1 moved with the hash seed (experiments/RESPONSIBILITY.md, session 5)
    import subprocess
    import sys

    code = (
        "from plannlp.tag.links import _Matcher, _Task\n"
        "words = [f'w{i}' for i in range(40)]\n"
        "m = _Matcher({w: 0.1 + 0.37 * i / 7 for i, w in enumerate(words)})\n"
        "task = _Task(0, 1, (), frozenset(words[::3]), frozenset())\n"
        "print(repr(m.weighted(words, task)))\n"
    )
    outs = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": str(seed)},
                       capture_output=True, text=True, check=True).stdout
        for seed in range(6)
    }  # fmt: skip
    assert len(outs) == 1, outs


@pytest.mark.parametrize(
    "extra, message",
    [({"feature": ["pair_match"]}, "unknown keys feature"), ({"grid": {"treshold": [0.3]}}, "grid: unknown keys treshold")],
)
def test_training_refuses_unknown_config_keys_before_fitting(tmp_path, monkeypatch, extra, message):
    from plannlp.tag import links

    for name in ("crossval_links", "train_links", "crossval_rule_links"):
        monkeypatch.setattr(links, name, lambda *a, **k: (_ for _ in ()).throw(AssertionError("a model was fitted")))
    path = tmp_path / "experiments" / "links.yaml"
    with pytest.raises(DataError) as raised:
        links.train_from_config({"system": "links", "train": [], "output": str(tmp_path / "out"), **extra}, path)
    assert str(raised.value) == f"{path}: {message}"
    assert not (tmp_path / "out").exists()
