import dataclasses
import math
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from plannlp.data import DataError, Document, Example, Span, TargetRecord
from plannlp.evaluate import PRF, align, compare, evaluate, flatten, pair_documents
from plannlp.evaluate.metrics import record_score, scheme_scores, score_example
from plannlp.evaluate.stats import compare_counts, counts_array, f1_of
from plannlp.io import read_documents
from plannlp.labels import LABELS
from plannlp.records import extract_records

DATA = Path(__file__).parent / "data" / "evaluate"
IND, VAL, COMP, YEAR, AG = LABELS


def S(start, end, label):
    return Span(start, end, label)


# PRF ------------------------------------------------------------------------------------------


def test_prf_derives_scores_and_adds_up():
    a, b = PRF(3, 1, 2), PRF(1, 1, 0)
    assert (a.precision, a.recall) == (0.75, 0.6)
    assert a.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert a + b == PRF(4, 2, 2)
    assert (a + b).f1 == pytest.approx(8 / 12)
    assert PRF().f1 == PRF().precision == PRF().recall == 0.0
    assert PRF(0, 3, 0).precision == 0.0 and PRF(0, 0, 3).recall == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.tp = 5  # type: ignore[misc]  # counts are values: a sum makes a new PRF


# Alignment and the four schemes, by hand ---------------------------------------------------------
#
# gold:       IND[0,5)  VAL[6,9)   COMP[10,14)             YEAR[20,25)
# predicted:  IND[0,5)  VAL[6,8)   YEAR[10,14)  AG[15,18)
# rows:       correct   boundary   label        spurious   missed
# n_gold = 4, n_pred = 4
# strict  tp = 1            P = R = 1/4
# exact   tp = 1 + 1 = 2    P = R = 2/4
# partial tp = 2 + 0.5 = 2.5  P = R = 2.5/4
# type    tp = 1 + 1 = 2    P = R = 2/4

GOLD = [S(0, 5, IND), S(6, 9, VAL), S(10, 14, COMP), S(20, 25, YEAR)]
PRED = [S(0, 5, IND), S(6, 8, VAL), S(10, 14, YEAR), S(15, 18, AG)]


def test_align_names_each_error_kind():
    rows = align(GOLD, PRED)
    assert [(r.gold, r.predicted, r.kind) for r in rows] == [
        (S(0, 5, IND), S(0, 5, IND), "correct"),
        (S(6, 9, VAL), S(6, 8, VAL), "boundary"),
        (S(10, 14, COMP), S(10, 14, YEAR), "label"),
        (None, S(15, 18, AG), "spurious"),
        (S(20, 25, YEAR), None, "missed"),
    ]


def test_boundary_and_label_error():
    [row] = align([S(0, 10, IND)], [S(2, 10, VAL)])
    assert row.kind == "boundary+label"


def test_scheme_counts_by_hand():
    scores = scheme_scores(align(GOLD, PRED))
    assert scores["strict"] == PRF(1, 3, 3)
    assert scores["exact"] == PRF(2, 2, 2)
    assert scores["partial"] == PRF(2.5, 1.5, 1.5)
    assert scores["type"] == PRF(2, 2, 2)
    assert scores["partial"].f1 == pytest.approx(2.5 / 4)


def test_one_prediction_over_two_gold_spans_takes_the_leftmost():
    # gold VAL[0,4) COMP[5,9); pred VAL[2,7) overlaps both -> boundary with VAL, COMP missed
    rows = align([S(0, 4, VAL), S(5, 9, COMP)], [S(2, 7, VAL)])
    assert [(r.gold, r.kind) for r in rows] == [(S(0, 4, VAL), "boundary"), (S(5, 9, COMP), "missed")]
    assert scheme_scores(rows)["partial"] == PRF(0.5, 0.5, 1.5)


def test_exact_match_wins_over_an_earlier_overlap():
    # gold A[0,4) B[4,8); pred [4,8) overlaps only B exactly; pred [0,3) overlaps A
    rows = align([S(0, 4, IND), S(4, 8, VAL)], [S(0, 3, IND), S(4, 8, VAL)])
    assert [r.kind for r in rows] == ["boundary", "correct"]


def test_per_label_scores_ignore_other_labels():
    ex = Example(Document("x", "x" * 30, tuple(PRED)), Document("x", "x" * 30, tuple(GOLD)))
    score = score_example(ex, LABELS)
    # COMP: one gold, no COMP prediction -> missed; YEAR: gold [20,25) missed, pred [10,14) spurious
    assert score.per_label["strict"][COMP] == PRF(0, 0, 1)
    assert score.per_label["strict"][YEAR] == PRF(0, 1, 1)
    assert score.per_label["exact"][YEAR] == PRF(0, 1, 1)  # the label error gets no credit per label
    assert score.per_label["partial"][VAL] == PRF(0.5, 0.5, 0.5)
    assert score.micro["exact"] == PRF(2, 2, 2)
    # strict counts per label add up to the overall ones
    assert sum((score.per_label["strict"][lab] for lab in LABELS), PRF()) == score.micro["strict"]


# Regions ------------------------------------------------------------------------------------------


def test_predictions_outside_the_gold_regions_are_ignored():
    text = "menu 95% | Tỷ lệ tiêm chủng đạt 98% | footer 50%"
    region = (text.index("Tỷ"), text.index(" | footer"))
    ind = S(text.index("Tỷ"), text.index(" đạt"), IND)
    val = S(text.index("98%"), text.index("98%") + 3, VAL)
    gold = Document("r", text, (ind, val), regions=(region,))
    straddling = S(region[1] - 3, region[1] + 4, VAL)  # "98% | f": touches the region
    outside = [S(5, 8, VAL), S(text.index("50%"), text.index("50%") + 3, VAL)]
    predicted = Document("r", text, (ind, straddling, *outside))
    score = score_example(Example(predicted, gold), LABELS)
    assert score.micro["strict"] == PRF(1, 1, 1)  # the two outside spans count for nothing
    assert [r.kind for r in score.alignment] == ["correct", "boundary"]


# Records -----------------------------------------------------------------------------------------

RECORD_TEXT = "Đến năm 2025, tỷ lệ tiêm chủng đạt trên 95%, tỷ lệ béo phì dưới 10%."


def _record_doc(*items):
    spans = []
    cursor = 0
    for substring, label in items:
        start = RECORD_TEXT.index(substring, cursor)
        spans.append(S(start, start + len(substring), label))
        cursor = start + len(substring)
    return Document("rec", RECORD_TEXT, tuple(spans))


GOLD_RECORD_SPANS = [
    ("năm 2025", YEAR), ("tỷ lệ tiêm chủng", IND), ("trên", COMP), ("95%", VAL),
    ("tỷ lệ béo phì", IND), ("dưới", COMP), ("10%", VAL),
]  # fmt: skip


def test_record_score_by_hand():
    gold = _record_doc(*GOLD_RECORD_SPANS)
    # Prediction: indicator 1 cut short (still overlaps) with all else right -> counts;
    # indicator 2 right but its comparator missed -> does not count.
    predicted = _record_doc(
        ("năm 2025", YEAR), ("tỷ lệ tiêm", IND), ("trên", COMP), ("95%", VAL), ("tỷ lệ béo phì", IND), ("10%", VAL)
    )
    score = record_score(extract_records(gold), extract_records(predicted), RECORD_TEXT)
    assert score == PRF(1, 1, 1)


def test_record_needs_the_same_year():
    gold = _record_doc(*GOLD_RECORD_SPANS)
    no_year = _record_doc(*GOLD_RECORD_SPANS[1:])
    assert record_score(extract_records(gold), extract_records(no_year), RECORD_TEXT) == PRF(0, 2, 2)
    assert record_score(extract_records(gold), extract_records(gold), RECORD_TEXT) == PRF(2, 0, 0)


# evaluate() ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold_docs():
    return list(read_documents(DATA / "gold.jsonl"))


@pytest.fixture(scope="module")
def pred_a():
    return list(read_documents(DATA / "pred_a.jsonl"))


@pytest.fixture(scope="module")
def pred_b():
    return list(read_documents(DATA / "pred_b.jsonl"))


def test_perfect_predictions_score_one(gold_docs):
    result = evaluate(gold_docs, gold_docs, bootstrap=50)
    out = result.to_json()
    for scheme in ("strict", "exact", "partial", "type"):
        assert out[scheme]["micro"]["f1"] == 1.0
        assert out[scheme]["micro"]["f1_ci"] == [1.0, 1.0]
    assert out["records"]["f1"] == 1.0
    assert result.error_counts["correct"] == sum(len(d.spans) for d in gold_docs)


def test_fixture_system_a_by_hand(gold_docs, pred_a):
    """System A's fixture errors (see make_fixtures.py): d2 indicator cut short (boundary); d3
    indicator cut short (boundary) plus a spurious VALUE; d4 a missed AGENCY and a YEAR tagged
    VALUE (label); d5 two false alarms outside the region (ignored). 32 gold spans, 32 scored
    predictions, 28 exactly right."""
    result = evaluate(gold_docs, pred_a, bootstrap=0)
    assert result.error_counts == {
        "correct": 28, "boundary": 2, "label": 1, "boundary+label": 0, "missed": 1, "spurious": 1,
    }  # fmt: skip
    assert result.micro("strict") == PRF(28, 4, 4)
    assert result.micro("exact") == PRF(29, 3, 3)
    assert result.micro("partial") == PRF(30, 2, 2)
    assert result.micro("type") == PRF(30, 2, 2)
    assert result.per_label("strict", "AGENCY") == PRF(2, 0, 1)
    assert result.per_label("strict", "VALUE") == PRF(10, 2, 0)
    # records: 8 gold. d2's first indicator is cut short but still overlaps -> right; d3's first
    # indicator also overlaps, but the spurious VALUE "18 tuổi" joins its values -> wrong.
    assert result.records == PRF(7, 1, 1)


def test_to_json_has_the_documented_keys(gold_docs, pred_a):
    result = evaluate(gold_docs, pred_a, bootstrap=100, seed=3)
    flat = flatten(result.to_json())
    for key in [
        "strict.micro.f1", "strict.micro.f1_ci", "strict.per_label.INDICATOR.f1", "strict.per_label.VALUE.f1_ci",
        "partial.micro.f1", "exact.micro.precision", "type.macro.f1", "records.f1", "records.f1_ci",
        "errors.boundary", "n_documents", "bootstrap.resamples",
    ]:  # fmt: skip
        assert key in flat, key
    assert flat["strict.micro.f1"] == pytest.approx(0.875)
    low, high = flat["strict.micro.f1_ci"]
    assert 0 <= low <= flat["strict.micro.f1"] <= high <= 1
    assert low < high
    assert flat["bootstrap.resamples"] == 100


def test_macro_averages_labels_present(gold_docs, pred_b):
    result = evaluate(gold_docs, pred_b, bootstrap=0)
    f1s = [result.per_label("strict", lab).f1 for lab in LABELS]
    assert result.macro("strict")["f1"] == pytest.approx(sum(f1s) / 5)
    only_values = [d.with_spans([s for s in d.spans if s.label == VAL]) for d in gold_docs]
    assert evaluate(only_values, only_values, bootstrap=0).macro_labels == (VAL,)


def test_bootstrap_is_seeded(gold_docs, pred_b):
    a = evaluate(gold_docs, pred_b, bootstrap=200, seed=1).intervals
    b = evaluate(gold_docs, pred_b, bootstrap=200, seed=1).intervals
    c = evaluate(gold_docs, pred_b, bootstrap=200, seed=2).intervals
    assert a == b
    assert a != c


def test_bootstrap_interval_matches_a_plain_resampling_loop(gold_docs, pred_b):
    """The weighted-sum bootstrap against the textbook one: draw documents, sum their counts."""
    result = evaluate(gold_docs, pred_b, bootstrap=4000, seed=0)
    counts = counts_array([d.micro["strict"] for d in result.documents])
    rng = np.random.default_rng(123)
    samples = [f1_of(counts[rng.integers(0, len(counts), len(counts))].sum(0)) for _ in range(4000)]
    low, high = np.percentile(samples, [2.5, 97.5])
    ours = result.intervals["strict.micro.f1"]
    assert ours[0] == pytest.approx(low, abs=0.03)
    assert ours[1] == pytest.approx(high, abs=0.03)


def test_render_lists_schemes_and_labels(gold_docs, pred_a):
    table = evaluate(gold_docs, pred_a, bootstrap=20).render()
    for word in ("strict", "partial", "records", "INDICATOR", "AGENCY", "95% CI", "boundary 2"):
        assert word in table


def test_no_documents_scores_zero():
    result = evaluate([], [], bootstrap=100)
    assert result.micro("strict") == PRF()
    assert result.to_json()["strict"]["micro"]["f1_ci"] is None


# Pairing --------------------------------------------------------------------------------------------


def test_pairing_reports_missing_and_extra_ids(gold_docs):
    with pytest.raises(DataError, match="1 gold document.*d6.*1 predicted.*zz"):
        pair_documents(gold_docs, [*gold_docs[:5], Document("zz", "x")])


def test_pairing_reports_different_texts(gold_docs):
    changed = [*gold_docs[:-1], replace(gold_docs[-1], text=gold_docs[-1].text + " thêm", spans=())]
    with pytest.raises(DataError, match="d6: predicted and gold texts differ$"):
        evaluate(gold_docs, changed)


def test_pairing_names_an_nfd_prediction(gold_docs):
    doc = gold_docs[0]
    nfd = Document(doc.id, unicodedata.normalize("NFD", doc.text))
    assert nfd.text != doc.text
    with pytest.raises(DataError, match="Unicode normalisation"):
        pair_documents([doc], [nfd])


def test_pairing_keeps_gold_order(gold_docs):
    examples = pair_documents(gold_docs, list(reversed(gold_docs)))
    assert [e.reference.id for e in examples] == [d.id for d in gold_docs]


# Significance ---------------------------------------------------------------------------------------


def test_identical_systems_are_not_different(gold_docs, pred_a):
    comparison = compare(gold_docs, pred_a, pred_a, rounds=500)
    assert comparison.delta == 0
    assert comparison.p_randomisation == 1.0
    assert comparison.p_bootstrap > 0.5


def test_better_system_by_hand_counts():
    # 30 documents: A finds each document's one span, B finds nothing.
    a = np.tile([1.0, 0, 0], (30, 1))
    b = np.tile([0.0, 0, 1], (30, 1))
    comparison = compare_counts(a, b, rounds=2000, seed=0)
    assert (comparison.f1_a, comparison.f1_b) == (1.0, 0.0)
    assert comparison.p_bootstrap == pytest.approx(1 / 2001)
    # |delta| = 1 only when all 30 swaps fall one way: chance 2 / 2**30
    assert comparison.p_randomisation == pytest.approx(1 / 2001)
    worse = compare_counts(b, a, rounds=2000, seed=0)
    assert worse.p_bootstrap == 1.0  # one-sided: B is not better


def test_randomisation_p_is_the_exact_share_for_two_documents():
    # Two documents; swaps give F1 pairs whose |difference| reaches the observed 1.0 in 2 of 4
    # assignments (none swapped, both swapped), so p tends to 1/2.
    a = np.array([[1.0, 0, 0], [1.0, 0, 0]])
    b = np.array([[0.0, 0, 1], [0.0, 0, 1]])
    comparison = compare_counts(a, b, rounds=20_000, seed=5)
    assert comparison.p_randomisation == pytest.approx(0.5, abs=0.02)
    assert math.isclose(comparison.delta, 1.0)


def test_compare_is_seeded_and_checks_shapes(gold_docs, pred_a, pred_b):
    first = compare(gold_docs, pred_a, pred_b, rounds=300, seed=7)
    assert first == compare(gold_docs, pred_a, pred_b, rounds=300, seed=7)
    assert first.delta > 0
    with pytest.raises(ValueError):
        compare_counts(np.zeros((2, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="scheme"):
        compare(gold_docs, pred_a, pred_b, scheme="loose")


# --- roles over found agencies, links over link-annotated documents (spec 2026-12-01) -------


def test_roles_are_scored_over_exactly_found_agencies_and_links_by_body():
    from plannlp.data import Link
    from plannlp.evaluate import evaluate as score

    text = "Phấn đấu 95% dân số có thẻ. Sở Y tế chủ trì, phối hợp với Sở Tài chính. Báo cáo UBND tỉnh."

    def at(quote, label, role=None, nth=0):
        i = -1
        for _ in range(nth + 1):
            i = text.index(quote, i + 1)
        return Span(i, i + len(quote), label, role=role)

    ind = at("dân số có thẻ", "INDICATOR")
    gold_spans = [at("95%", "VALUE"), ind, at("Sở Y tế", "AGENCY", "lead"), at("Sở Tài chính", "AGENCY", "partner"), at("UBND tỉnh", "AGENCY", "oversight")]
    gold = Document("g", text, tuple(gold_spans), links=(Link(ind.key, gold_spans[2].key), Link(ind.key, gold_spans[3].key)))
    # predicted: Sở Tài chính given the wrong role, UBND tỉnh missed; one right link, one wrong
    pred_spans = [at("95%", "VALUE"), ind, at("Sở Y tế", "AGENCY", "lead"), at("Sở Tài chính", "AGENCY", "lead")]
    wrong = at("Sở Tài chính", "AGENCY", "lead")
    pred = Document("g", text, tuple(pred_spans), links=(Link(ind.key, pred_spans[2].key),))
    result = score([gold], [pred], bootstrap=0).to_json()
    assert result["roles"]["agencies_found"] == 2
    assert result["roles"]["accuracy"] == 0.5
    assert result["roles"]["per_role"]["partner"]["fn"] == 1 and result["roles"]["per_role"]["lead"]["fp"] == 1
    assert (result["links"]["tp"], result["links"]["fp"], result["links"]["fn"]) == (1, 0, 1)
    assert wrong.role == "lead"
    # a gold document without links is not link-annotated: its predicted links are not counted
    bare = gold.with_spans(gold.spans)
    assert score([bare], [pred], bootstrap=0).to_json()["links"]["documents"] == 0


def test_record_score_with_responsible_bodies():
    """With responsible=True a record counts only when its bodies match the gold record's, by body key
    (punctuation and case aside), whichever mention they point to."""
    text = "Sở Y tế chủ trì, Sở Tài chính phối hợp: năm 2030 tỷ lệ tiêm chủng đạt 95%. Sở y tế, báo cáo."
    ind = Span(text.index("tỷ lệ"), text.index(" đạt"), IND)
    val = Span(text.index("95%"), text.index("95%") + 3, VAL)
    year = Span(text.index("năm 2030"), text.index("năm 2030") + 8, YEAR)
    lead = Span(0, 7, "AGENCY", role="lead")
    partner = Span(text.index("Sở Tài chính"), text.index("Sở Tài chính") + 12, "AGENCY", role="partner")
    other_mention = Span(text.index("Sở y tế"), text.index("Sở y tế") + 7, "AGENCY", role="lead")
    gold = [TargetRecord("d", ind, (val,), (), year, responsible=(lead,))]
    same_body = [TargetRecord("d", ind, (val,), (), year, responsible=(other_mention,))]
    other_body = [TargetRecord("d", ind, (val,), (), year, responsible=(partner,))]
    assert record_score(gold, other_body, text) == PRF(1, 0, 0)  # bodies are not part of the plain key
    assert record_score(gold, other_body, text, responsible=True) == PRF(0, 1, 1)
    assert record_score(gold, same_body, text, responsible=True) == PRF(1, 0, 0)
