"""The CRF's prediction input as attribute strings is exactly what python-crfsuite makes of the
feature dicts: the same attributes, weights and order (weight-0 ones left out), for the shipped
settings and lighter ones, and the same predictions; the rule tagger's kept last output is the
output."""

from __future__ import annotations

import dataclasses
import importlib.util
import unicodedata
from pathlib import Path

import pycrfsuite
import pytest

from plannlp.io import read_documents
from plannlp.segment import segment
from plannlp.tag.baselines import crfinput
from plannlp.tag.baselines.crf import CrfSettings, CrfTagger, sentence_features, sentence_inputs
from plannlp.tag.baselines.rules import RuleTagger
from plannlp.tag.baselines.structure import layout_features, layout_parts
from plannlp.tag.baselines.targets import target_features, target_values, values_features

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "baselines"


def _texts() -> list[str]:
    texts = [d.text for d in read_documents(DATA / "tiny.jsonl")]
    # a plan sample (layout: headings, lists, a table) and an NFD copy (keys differ from the words)
    texts.append((ROOT / "corpus" / "samples" / "gov-689f49d25e51cbaa.md").read_text(encoding="utf-8")[:6_000])
    texts.append(unicodedata.normalize("NFD", texts[0]))
    return texts


@pytest.fixture(scope="module")
def analysed() -> list[tuple[str, tuple]]:
    return [(t, segment(t)) for t in _texts()]


def _pairs(item: crfinput.Item) -> list[tuple[bytes, float]]:
    return list(item.items()) if isinstance(item, dict) else [(a, 1.0) for a in item]


def test_attributes_follow_python_crfsuite_conversion() -> None:
    row = {"w": "Sở", "n_syl": 2.0, "num": False, "title": True, "-1:lw": "y tế", "zero": 0.0}
    ours = crfinput.attributes(row)
    assert ours == [(b"w:S\xe1\xbb\x9f", 1.0), (b"n_syl", 2.0), (b"title", 1.0), ("-1:lw:y tế".encode(), 1.0)]
    [theirs] = pycrfsuite.ItemSequence([row]).items()  # crfsuite's own view (as a dict: no order)
    assert {k: v for k, v in theirs.items() if v != 0.0} == {a.decode(): w for a, w in ours}
    assert {k for k, v in theirs.items() if v == 0.0} == {"num", "zero"}


SETTINGS = [
    CrfSettings(window=2, pos=True, rule_features=True, structure=True, targets=True),  # the shipped ones
    CrfSettings(window=2, pos=True, rule_features=True, structure=True),
    CrfSettings(window=1, pos=False),
    CrfSettings(window=3, pos="lexicon", targets=True),
    CrfSettings(window=0, pos=False, structure=True),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"w{s.window}-pos{s.pos}-r{s.rule_features}-s{s.structure}-t{s.targets}")
def test_items_are_the_dict_rows_attributes_in_order(analysed, settings: CrfSettings) -> None:
    crfinput.clear_caches()
    for _ in range(2):  # cold, then from the caches
        for text, sents in analysed:
            rows = sentence_features(text, sents, settings)
            items = sentence_inputs(text, sents, settings)
            assert len(items) == len(rows)
            for row, item in zip(rows, items):
                assert [_pairs(x) for x in item] == [crfinput.attributes(r) for r in row]
                # lists where every weight is 1, dicts only for a word whose n_syl is not 1
                for x, r in zip(item, row):
                    assert isinstance(x, dict) == (r["n_syl"] not in (0.0, 1.0))


def test_layout_and_clause_parts_make_the_dict_features(analysed) -> None:
    for text, sents in analysed:
        parts = layout_parts(text, sents)
        assert [[{**common, **({"T.col": c} if c else {}), **({"L.first": True} if f else {})} for c, f in marks]
                for common, marks in parts] == layout_features(text, sents)  # fmt: skip
        for s in sents:
            words = [t.text for t in s.tokens]
            assert [values_features(v) for v in target_values(words)] == target_features(words)


def test_predictions_from_items_equal_those_from_dicts(analysed) -> None:
    tagger = CrfTagger.load(ROOT / "models" / "crf-targets")
    for text, sents in analysed:
        rows = sentence_features(text, sents, tagger.settings)
        items = sentence_inputs(text, sents, tagger.settings)
        assert repr(tagger._spans(sents, items)) == repr(tagger._spans(sents, rows))  # scores to the last digit


def test_clusters_still_go_through_the_dict_rows(analysed) -> None:
    text, sents = analysed[0]
    settings = dataclasses.replace(SETTINGS[2], clusters="clusters.json")
    assert sentence_inputs(text, sents, settings) == sentence_features(text, sents, settings)


def test_rule_tagger_keeps_its_last_output_exactly() -> None:
    rules = RuleTagger()
    a, b = _texts()[:2]
    first = rules.tag_text(a)
    again = rules.tag_text(a)
    assert again == first and again is not first
    again.clear()  # the caller's list: the kept output is not changed
    assert rules.tag_text(a) == first
    assert rules.tag_text(b) == RuleTagger().tag_text(b)
    assert rules.tag_text("".join(a)) == first  # an equal text, another object


def test_items_are_the_same_when_the_caches_overflow(analysed, monkeypatch) -> None:
    monkeypatch.setattr(crfinput, "_BOUNDED", 3)  # emptied again and again within every sentence
    text, sents = analysed[-2]
    settings = SETTINGS[0]
    crfinput.clear_caches()
    items = sentence_inputs(text, sents, settings)
    assert len(crfinput._words) <= 4
    assert [[_pairs(x) for x in s] for s in items] == [[crfinput.attributes(r) for r in row] for row in sentence_features(text, sents, settings)]
