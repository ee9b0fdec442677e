"""Our scores against two well-kept implementations on random span sets: nervaluate (the
SemEval-2013 schemes) and seqeval (strict mode, IOB2 scheme)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from plannlp.bio import spans_to_tags
from plannlp.data import Document, Span
from plannlp.evaluate import evaluate
from plannlp.evaluate.metrics import align, scheme_scores
from plannlp.labels import LABELS


def random_case(rng: random.Random, n_words: int = 30):
    """A text of short words, gold chunks of 1-3 words, and a prediction made by disturbing
    each gold chunk (kept, relabelled, shifted, shrunk, grown, dropped) plus false alarms."""
    words = ["".join(rng.choice("abcdeghiklmnou") for _ in range(rng.randint(1, 5))) for _ in range(n_words)]
    tokens, cursor = [], 0
    for w in words:
        tokens.append((cursor, cursor + len(w)))
        cursor += len(w) + 1
    text = " ".join(words)

    def chunks(density):
        out, i = [], 0
        while i < n_words:
            if rng.random() < density:
                length = rng.randint(1, 3)
                out.append((i, min(n_words, i + length), rng.choice(LABELS)))
                i += length + 1
            else:
                i += 1
        return out

    gold = chunks(0.3)
    predicted = []
    for first, last, label in gold:
        move = rng.random()
        if move < 0.4:
            predicted.append((first, last, label))
        elif move < 0.55:
            predicted.append((first, last, rng.choice(LABELS)))
        elif move < 0.7:
            predicted.append((first, max(first + 1, last - 1), label))
        elif move < 0.8:
            predicted.append((max(0, first - 1), last, rng.choice(LABELS)))
        elif move < 0.9:
            predicted.append((first, min(n_words, last + 1), label))
        # else: dropped
    predicted += chunks(0.05)
    # keep predictions disjoint (an earlier one wins)
    kept, used = [], set()
    for first, last, label in sorted(predicted):
        if used.isdisjoint(range(first, last)):
            kept.append((first, last, label))
            used.update(range(first, last))

    def to_spans(cs):
        return tuple(Span(tokens[f][0], tokens[l - 1][1], lab) for f, l, lab in cs)

    return text, tokens, to_spans(gold), to_spans(kept)


def _nervaluate_dicts(spans):
    # nervaluate's ends are inclusive
    return [{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans]


def _one_gold_per_prediction(gold, predicted):
    return all(sum(g.overlaps(p) for g in gold) <= 1 for p in predicted)


CASES = [random_case(random.Random(seed)) for seed in range(150)]


def test_cases_cover_every_error_kind():
    kinds = {row.kind for _, _, gold, pred in CASES for row in align(gold, pred)}
    assert kinds == {"correct", "boundary", "label", "boundary+label", "missed", "spurious"}


@pytest.mark.parametrize("index", range(0, len(CASES), 10))
def test_schemes_agree_with_nervaluate_per_document(index):
    _, _, gold, predicted = CASES[index]
    ours = scheme_scores(align(gold, predicted))
    theirs = Evaluator([_nervaluate_dicts(gold)], [_nervaluate_dicts(predicted)], tags=list(LABELS), loader="dict")
    overall = theirs.evaluate()["overall"]
    names = {"strict": "strict", "exact": "exact", "partial": "partial"}
    if _one_gold_per_prediction(gold, predicted):
        names["type"] = "ent_type"
    for ours_name, their_name in names.items():
        result = overall[their_name]
        assert ours[ours_name].tp + ours[ours_name].fp == result.actual
        assert ours[ours_name].tp + ours[ours_name].fn == result.possible
        assert ours[ours_name].precision == pytest.approx(result.precision), ours_name
        assert ours[ours_name].recall == pytest.approx(result.recall), ours_name


def test_corpus_scores_agree_with_nervaluate_overall_and_per_label():
    gold_docs = [Document(f"d{i}", text, gold) for i, (text, _, gold, _) in enumerate(CASES)]
    pred_docs = [Document(f"d{i}", text, pred) for i, (text, _, _, pred) in enumerate(CASES)]
    result = evaluate(gold_docs, pred_docs, bootstrap=0)
    theirs = Evaluator(
        [_nervaluate_dicts(d.spans) for d in gold_docs],
        [_nervaluate_dicts(d.spans) for d in pred_docs],
        tags=list(LABELS),
        loader="dict",
    ).evaluate()
    for scheme in ("strict", "exact", "partial"):
        assert result.micro(scheme).f1 == pytest.approx(theirs["overall"][scheme].f1), scheme
        for label in LABELS:
            assert result.per_label(scheme, label).f1 == pytest.approx(theirs["entities"][label][scheme].f1), (
                scheme,
                label,
            )


def test_strict_scores_agree_with_seqeval():
    y_true, y_pred, gold_docs, pred_docs = [], [], [], []
    for i, (text, tokens, gold, predicted) in enumerate(CASES):
        true_tags, lost_gold = spans_to_tags(gold, tokens)
        pred_tags, lost_pred = spans_to_tags(predicted, tokens)
        assert not lost_gold and not lost_pred
        y_true.append(true_tags)
        y_pred.append(pred_tags)
        gold_docs.append(Document(f"d{i}", text, gold))
        pred_docs.append(Document(f"d{i}", text, predicted))
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    result = evaluate(gold_docs, pred_docs, bootstrap=0)
    assert result.micro("strict").f1 == pytest.approx(report["micro avg"]["f1-score"])
    assert result.micro("strict").precision == pytest.approx(report["micro avg"]["precision"])
    for label in LABELS:
        prf = result.per_label("strict", label)
        assert prf.f1 == pytest.approx(report[label]["f1-score"]), label
        assert prf.tp + prf.fn == report[label]["support"]
    assert result.macro("strict")["f1"] == pytest.approx(report["macro avg"]["f1-score"])


def test_a_label_error_counts_once_on_each_side_like_nervaluate():
    text = "Sở Y tế chủ trì"
    gold = (Span(0, 7, "AGENCY"),)
    predicted = (Span(0, 7, "INDICATOR"),)
    result = evaluate([Document("a", text, gold)], [Document("a", text, predicted)], bootstrap=0)
    theirs = Evaluator([_nervaluate_dicts(gold)], [_nervaluate_dicts(predicted)], tags=list(LABELS), loader="dict")
    overall = theirs.evaluate()["overall"]
    assert overall["strict"].incorrect == 1
    assert result.micro("strict").f1 == overall["strict"].f1 == 0
    assert result.micro("exact").f1 == overall["exact"].f1 == 1


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=40))
def test_alignment_invariants(seed, n_words):
    _, _, gold, predicted = random_case(random.Random(seed), n_words)
    rows = align(gold, predicted)
    assert sorted(r.gold for r in rows if r.gold) == sorted(gold)  # every gold span once
    assert sorted(r.predicted for r in rows if r.predicted) == sorted(predicted)  # every prediction once
    assert all((r.gold is None) == (r.kind == "spurious") and (r.predicted is None) == (r.kind == "missed")
               for r in rows)  # fmt: skip
    scores = scheme_scores(rows)
    assert scores["strict"].tp <= scores["exact"].tp <= scores["partial"].tp
    assert scores["strict"].tp <= scores["type"].tp
    for prf in scores.values():
        assert prf.tp + prf.fp == len(predicted) and prf.tp + prf.fn == len(gold)
        assert 0 <= prf.f1 <= 1
