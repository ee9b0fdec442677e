"""The BiLSTM-CRF: it learns the tiny fixture, round-trips through data-only files, and cross-validates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from plannlp.data import Document
from plannlp.evaluate import evaluate
from plannlp.io import read_documents
from plannlp.runrecord import RunRecord
from plannlp.segment import segment
from plannlp.tag.neural.bilstm import BilstmSettings, BilstmTagger, bilstm_folds, document_inputs
from plannlp.tag.systems import load_tagger, train
from plannlp.tag.training_data import SentenceCounts, tagged_sentences

DATA = Path(__file__).parent / "data" / "baselines"
FAST = BilstmSettings(hidden=32, char_filters=16, epochs=25, max_minutes=1.0, empty_keep=1.0, batch_size=8, dropout=0.1)


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return list(read_documents(DATA / "tiny.jsonl"))


@pytest.fixture(scope="module")
def trained(docs: list[Document]) -> BilstmTagger:
    sentences = [segment(d.text) for d in docs]
    inputs = [document_inputs(d.text, s, FAST) for d, s in zip(docs, sentences)]
    used = tagged_sentences(docs, sentences, "BIO", SentenceCounts())
    words = sorted({w for doc in inputs for s in doc for w in s.words})
    vectors = (words, np.random.default_rng(0).normal(size=(len(words), 12)).astype(np.float32))
    return BilstmTagger.fit(
        [inputs[t.doc_index][t.sentence_index] for t in used], [list(t.tags) for t in used], FAST, vectors
    )


def test_it_learns_the_training_documents(docs: list[Document], trained: BilstmTagger) -> None:
    bare = [Document(d.id, d.text, (), meta=d.meta) for d in docs]
    predicted = trained.predict(bare)
    score = evaluate(docs, predicted, bootstrap=0).to_json()["strict"]["micro"]["f1"]
    assert score >= 0.6, score
    assert all(0 <= s.score <= 1 for d in predicted for s in d.spans)


def test_save_load_round_trip_without_pickles(tmp_path: Path, docs: list[Document], trained: BilstmTagger) -> None:
    trained.save(tmp_path / "m")
    names = {p.name for p in (tmp_path / "m").iterdir()}
    assert {"bilstm.safetensors", "bilstm.json"} <= names and not any(n.endswith((".pkl", ".pt")) for n in names)
    loaded = load_tagger(tmp_path / "m")
    assert isinstance(loaded, BilstmTagger)
    assert loaded.predict(docs[:6]) == trained.predict(docs[:6])


def test_train_from_config(tmp_path: Path) -> None:
    config = {
        "system": "bilstm", "train_file": str(DATA / "tiny.jsonl"), "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "out"), "hidden": 16, "char_filters": 8, "epochs": 2,
    }  # fmt: skip
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = train(path)
    metrics = RunRecord.read(out).metrics
    assert metrics["train_documents"] == 22 and 0 <= metrics["dev_strict_micro_f1"] <= 1


def test_fold_system_predicts_held_out_documents(docs: list[Document]) -> None:
    folds = bilstm_folds({"system": "bilstm", "hidden": 16, "char_filters": 8, "epochs": 1}, None)
    folds.prepare(docs)
    out = folds.fit_predict(list(range(0, 16)), [16, 17])
    assert [d.id for d in out] == [docs[16].id, docs[17].id]


def test_training_refuses_unknown_config_keys_before_fitting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `hiden: 16` once trained the default 128 hidden units
    from plannlp.data import DataError

    monkeypatch.setattr(BilstmTagger, "fit", classmethod(lambda *a, **k: (_ for _ in ()).throw(AssertionError("fitted"))))
    config = {"system": "bilstm", "train_file": str(DATA / "tiny.jsonl"), "dev_file": str(DATA / "tiny.jsonl"),
              "output_dir": str(tmp_path / "out"), "hiden": 16, "epochs": 1}  # fmt: skip
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        train(path)
    assert str(raised.value) == f"{path}: unknown keys hiden" and not (tmp_path / "out").exists()
