"""A corpus with other labels (a public NER benchmark's shape) goes through import, train and evaluate."""

import json
import random
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plannlp.cli import _register
from plannlp.cli.app import app
from plannlp.io import read_documents
from plannlp.labels import LABELS, label_set
from plannlp.runrecord import RunRecord

runner = CliRunner()
_register()

PEOPLE = ["Nguyễn_Văn_An", "Trần_Thị_Bình", "Lê_Minh_Châu", "Phạm_Quốc_Dũng"]
PLACES = ["Hà_Nội", "Đà_Nẵng", "Cần_Thơ", "Huế"]
FILLER = ["đã", "đến", "thăm", "bệnh_viện", "ở", "hôm_nay", "và", "làm_việc", "tại"]


def synthetic_conll(n_docs: int, seed: int) -> str:
    """Sentences such as ``Nguyễn_Văn_An đã đến thăm Hà_Nội`` tagged PER and LOC (BIO)."""
    rng = random.Random(seed)
    lines = []
    for d in range(n_docs):
        lines.append(f"# doc_id = ner-{seed}-{d}")
        for _ in range(3):
            words = [(rng.choice(PEOPLE), "PER"), *[(w, "O") for w in rng.sample(FILLER, 3)], (rng.choice(PLACES), "LOC")]
            for word, label in words:
                lines.append(f"{word} {'O' if label == 'O' else 'B-' + label}")
            lines.append("")
    return "\n".join(lines) + "\n"


def test_label_sets_are_checked():
    assert label_set(None) == LABELS and label_set(["PER", "LOC"]) == ("PER", "LOC")
    for bad in (["PER", "PER"], [], "PER", ["B PER"]):
        with pytest.raises(ValueError):
            label_set(bad)


def test_a_conll_benchmark_with_its_own_labels_trains_and_scores(tmp_path: Path):
    for split, seed in (("train", 1), ("dev", 2)):
        (tmp_path / f"{split}.conll").write_text(synthetic_conll(6, seed), encoding="utf-8")
        result = runner.invoke(
            app, ["corpus", "import", str(tmp_path / f"{split}.conll"), str(tmp_path / f"{split}.jsonl"), "--format", "conll"]
        )
        assert result.exit_code == 0, result.output
    docs = list(read_documents(tmp_path / "train.jsonl"))
    assert {s.label for d in docs for s in d.spans} == {"PER", "LOC"}

    config = {
        "system": "crf", "train_file": str(tmp_path / "train.jsonl"), "dev_file": str(tmp_path / "dev.jsonl"),
        "output_dir": str(tmp_path / "ner-crf"), "labels": ["PER", "LOC"], "c1": 0.0, "c2": 0.01,
        "max_iterations": 50, "pos": False,
    }  # fmt: skip
    (tmp_path / "ner.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = runner.invoke(app, ["train", str(tmp_path / "ner.yaml")])
    assert result.exit_code == 0, result.output
    record = RunRecord.read(tmp_path / "ner-crf")
    assert record.labels == ("PER", "LOC") and record.tags == ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")

    result = runner.invoke(
        app, ["evaluate", str(tmp_path / "dev.jsonl"), "--model", str(tmp_path / "ner-crf"), "--json", "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output[result.output.index("{") :])
    assert set(scores["strict"]["per_label"]) == {"PER", "LOC"}
    assert scores["strict"]["micro"]["f1"] > 0.9  # the names recur across the two synthetic splits


def test_the_rule_tagger_refuses_labels_it_has_no_rules_for(tmp_path: Path):
    from plannlp.tag.baselines.rules import RuleTagger
    from plannlp.data import DataError

    with pytest.raises(DataError, match="no rules for PER"):
        RuleTagger(labels=("PER",))
    tagger = RuleTagger(labels=("YEAR",))
    (doc,) = tagger.predict(list(read_documents(Path(__file__).parent / "data" / "baselines" / "tiny.jsonl"))[:1])
    assert doc.spans and {s.label for s in doc.spans} == {"YEAR"}
