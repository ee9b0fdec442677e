from pathlib import Path

import pandas as pd
import pytest

from plannlp.data import Span
from plannlp.evaluate import analysis
from plannlp.evaluate import evaluate
from plannlp.io import read_documents

DATA = Path(__file__).parent / "data" / "evaluate"


@pytest.fixture(scope="module")
def results():
    gold = list(read_documents(DATA / "gold.jsonl"))
    return {
        name: evaluate(gold, read_documents(DATA / f"pred_{name}.jsonl"), bootstrap=50) for name in ("a", "b")
    }


def test_confusion_matrix_by_hand(results):
    matrix = analysis.confusion_matrix(results["a"])
    assert list(matrix.index) == ["INDICATOR", "VALUE", "COMPARATOR", "YEAR", "AGENCY", "O"]
    assert list(matrix.columns) == list(matrix.index)
    # system A: 8 indicators paired (2 with a boundary error), a YEAR tagged VALUE, a missed AGENCY,
    # a false-alarm VALUE; nothing else off the diagonal.
    assert matrix.loc["INDICATOR", "INDICATOR"] == 8
    assert matrix.loc["YEAR", "VALUE"] == 1
    assert matrix.loc["YEAR", "YEAR"] == 4
    assert matrix.loc["AGENCY", "O"] == 1
    assert matrix.loc["O", "VALUE"] == 1
    assert matrix.loc["O", "O"] == 0
    assert matrix.to_numpy().sum() == 33  # 28 correct + 2 boundary + 1 label + 1 missed + 1 spurious


def test_plot_confusion_draws_every_cell(results):
    import matplotlib

    matplotlib.use("Agg")
    matrix = analysis.confusion_matrix(results["b"])
    ax = analysis.plot_confusion(matrix, title="B")
    assert len(ax.texts) == matrix.size
    assert ax.get_title() == "B"


def test_error_summary_counts_kinds_per_label(results):
    table = analysis.error_summary(results["a"])
    assert table.loc["INDICATOR", "boundary"] == 2
    assert table.loc["YEAR", "label"] == 1
    assert table.loc["AGENCY", "missed"] == 1
    assert table.loc["VALUE", "spurious"] == 1
    assert table.loc["total"].to_dict() == results["a"].error_counts


def test_worst_documents_come_first(results):
    worst = analysis.worst_documents(results["a"], n=3)
    assert list(worst["doc_id"]) == ["d4", "d3", "d2"]
    assert list(worst["errors"]) == [3, 3, 2]
    assert worst.loc[0, "f1"] < worst.loc[1, "f1"]
    with pytest.raises(ValueError):
        analysis.worst_documents(results["a"], scheme="nope")


def test_error_table_has_every_error_in_context(results):
    errors = analysis.error_table(results["a"], context=10)
    assert len(errors) == 5
    row = errors[errors["kind"] == "label"].iloc[0]
    assert (row.gold_label, row.pred_label, row.gold_text) == ("YEAR", "VALUE", "năm 2022")
    assert "[năm 2022]" in row.context
    spurious = errors[errors["kind"] == "spurious"].iloc[0]
    assert pd.isna(spurious.gold_label) and spurious.pred_text == "18 tuổi"
    assert len(analysis.error_table(results["a"], kinds=["missed"])) == 1
    with pytest.raises(ValueError):
        analysis.error_table(results["a"], kinds=["typo"])


def test_highlight_html_escapes_and_marks():
    text = "a <b> Sở Y tế & c\nd"
    html = analysis.highlight_html(text, [Span(6, 13, "AGENCY")])
    assert html.startswith("a &lt;b&gt; <mark")
    assert "Sở Y tế<sub" in html and "&amp; c<br>d" in html
    assert analysis.LABEL_COLOURS["AGENCY"] in html
    # a window cuts spans at its edges
    assert analysis.highlight_html(text, [Span(6, 13, "AGENCY")], start=8, end=10).count("<mark") == 1


def test_error_and_document_html(results):
    html = analysis.errors_html(results["a"], limit=2)
    assert html.count("<tr>") == 3 and "2 of 5 errors shown" in html
    doc = analysis.document_html(results["a"].document("d5"))
    # the two false alarms outside d5's region are not shown as predictions
    assert "92%" in doc and "92%<sub" not in doc


def test_two_systems_side_by_side(results):
    table = analysis.system_table(results)
    assert list(table.index) == ["a", "b"]
    assert table.loc["a", "strict_f1"] == pytest.approx(0.875)
    differing = analysis.disagreements(results["a"], results["b"], n=2)
    assert list(differing["doc_id"]) == ["d5", "d4"]
    assert differing.loc[0, "delta"] == pytest.approx(0.6)
    html = analysis.side_by_side_html(results, "d1")
    assert html.count("<th>") == 3 and "strict F1 1.000" in html


def test_exclusive_errors_are_errors_the_other_system_does_not_make(results):
    a, b = results["a"], results["b"]
    only_a = analysis.exclusive_errors(a, b)
    # A's two INDICATOR boundary errors B gets exactly right, and A's false alarm "18 tuổi"
    assert sorted(zip(only_a["doc_id"], only_a["kind"], only_a["b_did"])) == [
        ("d2", "boundary", "correct"), ("d3", "boundary", "correct"), ("d3", "spurious", "nothing"),
    ]  # fmt: skip
    assert list(only_a.loc[only_a["kind"] == "spurious", "pred_text"]) == ["18 tuổi"]
    # every error B alone makes is an error of B's whose gold span A got right (or a false alarm of B's only)
    only_b = analysis.exclusive_errors(b, a)
    b_errors = analysis.error_table(b)
    assert len(only_b) <= len(b_errors) and set(only_b["kind"]) <= set(b_errors["kind"])
    counts = analysis.exclusive_error_counts(a, b)
    assert counts.loc["total", "only A"] == len(only_a) and counts.loc["total", "only B"] == len(only_b)
    assert analysis.exclusive_errors(a, a).empty  # a system never differs from itself


def test_record_errors_are_what_records_f1_counts(results):
    for result in results.values():
        table = analysis.record_errors(result)
        prf = result.records
        assert (table["kind"] == "missed").sum() == prf.fn and (table["kind"] == "spurious").sum() == prf.fp
    a = analysis.record_errors(results["a"])
    assert set(a["why"]) == {"differs in value"} and set(a["doc_id"]) == {"d3"}


def test_per_label_scores_carry_their_intervals(results):
    table = analysis.per_label_scores(results)
    assert len(table) == 2 * len(results["a"].labels)
    row = table[(table.system == "a") & (table.label == "VALUE")].iloc[0]
    assert row.f1 == pytest.approx(results["a"].per_label("strict", "VALUE").f1)
    assert row.f1_low <= row.f1 <= row.f1_high
    ax = analysis.plot_per_label(table)
    assert len(ax.patches) == len(table)  # one bar per system and label
