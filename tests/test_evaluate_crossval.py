"""Cross-validation: stratified document folds, domains, subsamples, scoring per fold, the CLI."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plannlp.data import DataError, Document, Span
from plannlp.evaluate.crossval import (
    HEALTH,
    OTHER,
    assign_folds,
    crossval,
    document_domain,
    subsample,
)
from plannlp.io import read_documents

DATA = Path(__file__).parent / "data" / "baselines"


def _doc(i: int, source: str, domain: str | None = None, text: str = "Phấn đấu đạt 95%.") -> Document:
    meta = {"source": source}
    if domain:
        meta["domain"] = domain
    return Document(id=f"d{i:02d}", text=text, spans=(Span(13, 16, "VALUE"),), meta=meta)


def test_folds_are_stratified_balanced_and_seeded() -> None:
    docs = [_doc(i, "gov" if i < 12 else "news", HEALTH if i % 3 == 0 else OTHER) for i in range(20)]
    folds = assign_folds(docs, 4, seed=1)
    assert sorted(Counter(folds).values()) == [5, 5, 5, 5]
    assert folds == assign_folds(docs, 4, seed=1)
    assert folds != assign_folds(docs, 4, seed=2)
    for key in {("gov", HEALTH), ("gov", OTHER), ("news", HEALTH), ("news", OTHER)}:
        members = [folds[i] for i, d in enumerate(docs) if (d.meta["source"], d.meta["domain"]) == key]
        counts = Counter(members)
        assert max(counts.values()) - min(counts.get(f, 0) for f in range(4)) <= 1, key
    with pytest.raises(DataError):
        assign_folds(docs[:3], 4)
    with pytest.raises(ValueError):
        assign_folds(docs, 1)


def test_domain_reads_meta_first_then_keywords() -> None:
    health_text = "Ngành y tế phấn đấu tăng số bác sĩ, giường bệnh viện và tỷ lệ tiêm chủng đạt 95%. " * 3
    assert document_domain(_doc(0, "gov", "health", "Kế hoạch xuất khẩu hàng hóa.")) == HEALTH
    assert document_domain(_doc(0, "gov", "other", health_text)) == OTHER
    assert document_domain(_doc(0, "gov", None, health_text)) == HEALTH
    assert document_domain(_doc(0, "gov", None, "Kế hoạch xuất khẩu hàng hóa và lao động năm 2026.")) == OTHER


def test_subsample_is_seeded_ordered_and_never_empty() -> None:
    items = list(range(10, 30))
    half = subsample(items, 0.5, 3)
    assert len(half) == 10 and half == sorted(half) and set(half) <= set(items)
    assert half == subsample(items, 0.5, 3)
    assert subsample(items, 1.0, 0) == items
    assert len(subsample(items, 0.01, 0)) == 1
    with pytest.raises(ValueError):
        subsample(items, 0.0, 0)


class _Oracle:
    """Returns gold spans for documents it saw in no training fold, and counts what it was given."""

    def __init__(self, drop_label: str | None = None) -> None:
        self.drop = drop_label
        self.calls: list[tuple[list[int], list[int]]] = []

    def prepare(self, docs):
        self.docs = list(docs)

    def fit_predict(self, train, test):
        assert not set(train) & set(test)
        self.calls.append((list(train), list(test)))
        return [
            dataclasses.replace(self.docs[i], spans=tuple(s for s in self.docs[i].spans if s.label != self.drop))
            for i in test
        ]


def test_crossval_scores_each_fold_and_pools_them() -> None:
    docs = list(read_documents(DATA / "tiny.jsonl"))
    oracle = _Oracle(drop_label="YEAR")
    result = crossval({"system": "test"}, docs, k=3, seed=0, fractions=(0.5, 1.0), system=oracle)
    assert len(oracle.calls) == 6
    held_out = sorted(i for _, test in oracle.calls[3:] for i in test)
    assert held_out == list(range(len(docs)))  # every document is held out exactly once
    full, half = result.runs["1.0"], result.runs["0.5"]
    assert len(oracle.calls[0][0]) < len(oracle.calls[3][0])  # half the training documents
    assert full["mean_sd"]["strict_p"]["mean"] == pytest.approx(1.0)
    assert full["pooled"]["per_label"]["YEAR"] == 0.0 and full["pooled"]["per_label"]["VALUE"] == 1.0
    assert 0 < full["pooled"]["strict"]["recall"] < 1
    assert full["mean_sd"]["strict_f1"]["sd"] >= 0
    assert sum(f["n_documents"] for f in full["per_fold"]) == len(docs)
    text = result.render()
    assert "mean" in text and "sd" in text and "pooled" in text
    json.dumps(result.to_json())


def test_cli_crossval_runs_the_rule_tagger(tmp_path: Path) -> None:
    from plannlp.cli import _register
    from plannlp.cli.app import app

    _register()
    config = {"system": "rules", "train_file": str(DATA / "tiny.jsonl"), "settings": {}}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = tmp_path / "cv.json"
    result = CliRunner().invoke(app, ["crossval", str(path), "--folds", "3", "--out", str(out), "--fractions", "0.5,1"])
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["k"] == 3 and set(saved["runs"]) == {"0.5", "1.0"}
    assert saved["runs"]["1.0"]["pooled"]["strict"]["f1"] > 0.3  # the rules find the tiny targets
    assert "training fraction 1.0" in result.output


def test_a_bad_fraction_is_refused_before_any_fold_is_trained() -> None:
    # the fraction was checked per fold, so `--fractions 1,2` trained every fold of 1 and then failed
    docs = list(read_documents(DATA / "tiny.jsonl"))
    oracle = _Oracle(drop_label="YEAR")
    with pytest.raises(ValueError, match=r"fractions lie in \(0, 1\], got 2"):
        crossval({"system": "test"}, docs, k=3, seed=0, fractions=(1.0, 2.0), system=oracle)
    assert oracle.calls == []
