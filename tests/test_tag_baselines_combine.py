"""Combining two taggers: the primary wins every overlap; the secondary fills chosen labels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from plannlp.data import DataError, Span
from plannlp.io import read_documents
from plannlp.tag.baselines.combine import CombinedTagger
from plannlp.tag.baselines.folds import combine_spans
from plannlp.tag.systems import load_tagger, train

DATA = Path(__file__).parent / "data" / "baselines"


def test_primary_wins_and_only_chosen_labels_are_added() -> None:
    primary = [Span(0, 5, "INDICATOR"), Span(10, 14, "VALUE")]
    secondary = [Span(3, 8, "YEAR"), Span(20, 24, "YEAR"), Span(30, 33, "AGENCY"), Span(21, 26, "VALUE")]
    out = combine_spans(primary, secondary, ["YEAR", "VALUE"])
    assert out == [Span(0, 5, "INDICATOR"), Span(10, 14, "VALUE"), Span(20, 24, "YEAR")]
    assert combine_spans(primary, secondary, []) == primary


def test_train_save_load_a_crf_plus_rules(tmp_path: Path) -> None:
    config = {
        "system": "combined", "train_file": str(DATA / "tiny.jsonl"), "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "comb"), "add_labels": ["VALUE", "YEAR"],
        "primary": {"system": "crf", "c1": 0.0, "c2": 0.01, "max_iterations": 30, "pos": False, "structure": True},
        "secondary": {"system": "rules", "settings": {}},
    }  # fmt: skip
    path = tmp_path / "comb.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = train(path)
    tagger = load_tagger(out)
    assert isinstance(tagger, CombinedTagger) and tagger.add_labels == ("VALUE", "YEAR")
    docs = list(read_documents(DATA / "tiny.jsonl"))[:4]
    predicted = tagger.predict(docs)
    crf_only = tagger.primary.predict(docs)
    for combined, alone in zip(predicted, crf_only):
        assert set(alone.spans) <= set(combined.spans)
        spans = sorted(combined.spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))  # never overlapping


@pytest.mark.parametrize(
    "change, message",
    [
        ({"add_label": ["YEAR"]}, "unknown keys add_label"),
        ({"primary": {"system": "crf", "c_1": 0.05, "pos": False}}, "unknown keys c_1 (in primary)"),
        ({"secondary": {"system": "rules", "settings": {}, "cue_flor": 0.5}}, "unknown keys cue_flor (in secondary)"),
        ({"secondary": {"system": "rules", "settings": {"weak_cue": "none"}}}, "settings: unknown keys weak_cue (in secondary)"),
        ({"secondary": {"system": "crf-stacked", "stack": {"documnet": False}}}, "stack: unknown keys documnet (in secondary)"),
        ({"secondary": {"system": "bilstm", "hiden": 8}}, "unknown keys hiden (in secondary)"),
        ({"secondary": {"system": "transformer", "learnign_rate": 1}}, "unknown keys learnign_rate (in secondary)"),
    ],
)
def test_training_refuses_unknown_keys_of_the_combination_or_a_part_before_either_trains(tmp_path, monkeypatch, change, message):
    # a typo in the secondary was found (or not: a fixed rules part ignored it) after the primary had trained
    from plannlp.tag.baselines import combine
    from plannlp.tag.baselines.crf import CrfTagger

    def fitted(*args, **kwargs):
        raise AssertionError("a part was trained")

    monkeypatch.setattr(CrfTagger, "fit", classmethod(fitted))
    monkeypatch.setattr(combine, "learn_lexicon", fitted)
    config = {
        "system": "combined", "train_file": str(DATA / "tiny.jsonl"), "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "comb"), "add_labels": ["YEAR"],
        "primary": {"system": "crf", "c1": 0.0, "c2": 0.01, "max_iterations": 30, "pos": False},
        "secondary": {"system": "rules", "settings": {}}, **change,
    }  # fmt: skip
    path = tmp_path / "comb.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        train(path)
    assert str(raised.value) == f"{path}: {message}" and not (tmp_path / "comb").exists()
