from plannlp.data import Document, Span
from plannlp.links import link_targets, overall_lead
from plannlp.records import extract_records

TEXT = (
    "UBND tỉnh ban hành Kế hoạch.\n"
    "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"
    "Phấn đấu 100% trạm y tế xã có bác sĩ.\n"
    "Tỷ lệ hài lòng của người bệnh đạt trên 90%.\n"
    "1. Sở Y tế chủ trì tổ chức thực hiện Kế hoạch này.\n"
    "2. Bảo hiểm xã hội tỉnh chủ trì, phối hợp với Sở Lao động phát triển người tham gia bảo hiểm y tế.\n"
    "3. Sở Nội vụ chủ trì bố trí bác sĩ cho trạm y tế xã.\n"
)


def build(*items):
    spans, cursor = [], 0
    for quote, label, role in items:
        i = TEXT.index(quote, cursor)
        spans.append(Span(i, i + len(quote), label, role=role))
        cursor = i + len(quote)
    return Document("l", TEXT, tuple(spans))


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
    from plannlp.links import LinkModel, train_links

    gold = link_targets(DOC)  # the rule's links on the fixture serve as its gold here
    model = train_links([gold] * 4, c=10.0, threshold=0.5, floor=0.0)
    assert responsible(model.link(DOC)) == responsible(gold)
    model.save(tmp_path)
    loaded = LinkModel.load(tmp_path)
    assert loaded.link(DOC).links == model.link(DOC).links
    (tmp_path / "links.json").write_text(json.dumps({"classes": ["a", "b"], "weights": {}}), encoding="utf-8")
    with pytest.raises(DataError, match="classes"):
        LinkModel.load(tmp_path)
