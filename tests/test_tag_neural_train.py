import hashlib
import json

import pytest
import yaml

from conftest import MODEL_DATA, TINY_ARCHITECTURE
from plannlp.bio import tag_names
from plannlp.data import DataError, Document, Span
from plannlp.io import read_documents
from plannlp.labels import LABELS
from plannlp.runrecord import RunRecord, code_revision
from plannlp.segment import segment
from plannlp.tag.neural.train import DataCounts, TrainConfig, train_from_config
from plannlp.tag.systems import load_tagger, read_manifest
from plannlp.tag.systems import train as train_system
from plannlp.tag.training_data import tagged_sentences

GOLD = MODEL_DATA / "train_docs.jsonl"  # 22 one-sentence documents, 54 spans of all five labels


def tiny_config(out_dir, **overrides):
    return {
        "system": "transformer",
        "train_file": str(GOLD),
        "dev_file": str(GOLD),
        "output_dir": str(out_dir),
        "architecture": dict(TINY_ARCHITECTURE),
        "vocab_size": 600,
        "min_frequency": 1,
        "learning_rate": 1e-2,
        "epochs": 12,
        "batch_size": 8,
        "warmup_ratio": 0.05,
        "patience": 0,
        "seed": 1,
        "device": "cpu",
        **overrides,
    }


def test_a_few_cpu_epochs_learn_the_training_set(tmp_path):
    from plannlp.evaluate import evaluate

    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(yaml.safe_dump(tiny_config(tmp_path / "run")), encoding="utf-8")
    run_dir = train_system(config_path)
    assert run_dir == tmp_path / "run"

    gold = list(read_documents(GOLD))
    predicted = load_tagger(run_dir).predict([d.with_spans(()) for d in gold])
    f1 = evaluate(gold, predicted, bootstrap=0).to_json()["strict"]["micro"]["f1"]
    assert f1 >= 0.9

    metrics = RunRecord.read(run_dir).metrics
    assert metrics["dev_strict_micro_f1"] == pytest.approx(f1)
    assert metrics["history"][0]["dev_f1"] < 0.5  # it learnt: the first epoch was far off
    assert metrics["data_counts"]["sentences_used"] == 22 and metrics["steps"] == 12 * 3
    sha = "sha256:" + hashlib.sha256(GOLD.read_bytes()).hexdigest()
    record = read_manifest(run_dir)
    assert record.data["train"] == {"path": str(GOLD), "checksum": sha} == record.data["dev"]
    assert record.code_revision == code_revision() != "unknown"  # the tests run in a git checkout
    assert record.system == "transformer" and record.labels == LABELS and record.tags == tuple(tag_names())
    assert sorted(record.files) == ["model_config", *sorted(k for k in record.files if k.startswith("tokenizer:")), "weights"]
    resolved = record.config
    assert resolved["seed"] == 1 and resolved["tags"][:3] == ["O", "B-INDICATOR", "I-INDICATOR"]
    assert resolved["max_length"] == 256 and "F1" in resolved["selection_metric"]
    assert not (run_dir / "checkpoint").exists() and not (run_dir / "best").exists()

    assert train_system(config_path) == run_dir  # finished: rerunning does not train again
    config_path.write_text(yaml.safe_dump(tiny_config(tmp_path / "run", seed=2)), encoding="utf-8")
    with pytest.raises(DataError, match="different config"):
        train_system(config_path)


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    from safetensors.torch import load_file

    gold_copy = tmp_path / "gold.jsonl"
    gold_copy.write_bytes(GOLD.read_bytes())
    short = {"epochs": 3, "checkpoint_steps": 2, "learning_rate": 5e-3, "train_file": str(gold_copy)}
    straight = train_from_config(tiny_config(tmp_path / "straight", **short))

    def crash(step):
        if step == 5:  # mid-epoch 2, one step after the step-4 checkpoint
            raise Interrupted

    config = tiny_config(tmp_path / "resumed", **short)
    with pytest.raises(Interrupted):
        train_from_config(config, on_step=crash)
    assert (tmp_path / "resumed" / "checkpoint" / "state.pt").is_file()
    assert not (tmp_path / "resumed" / "plannlp.json").exists()
    resumed = train_from_config(config)

    a = RunRecord.read(straight).metrics
    b = RunRecord.read(resumed).metrics
    assert a["history"] == b["history"] and b["steps"] == 9
    wa, wb = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)

    with open(gold_copy, "a", encoding="utf-8") as fh:  # the data changed: the finished run is stale
        fh.write(json.dumps({"id": "new", "text": "Sở Y tế chủ trì.", "spans": []}, ensure_ascii=False) + "\n")
    with pytest.raises(DataError, match="different data"):
        train_from_config(tiny_config(tmp_path / "straight", **short))


def test_only_sentences_inside_labelled_regions_are_trained_on():
    text = "Đến năm 2025 đạt 90%. Sở Y tế chủ trì. Năm 2030 đạt 95%. Hiện nay có 120 trạm."
    second = text.index("Sở")
    third = text.index("Năm 2030")
    fourth = text.index("Hiện")
    doc = Document(
        "r",
        text,
        spans=(
            Span(text.index("năm 2025"), text.index("năm 2025") + 8, "YEAR"),
            Span(second, second + 7, "AGENCY"),
            Span(third + 9, third + 12, "COMPARATOR"),  # "đạt" of the third sentence
            Span(third + 13, third + 17, "YEAR"),  # "95%" is no word "95%" alone? see below
        ),
        regions=((0, third - 1), (third, fourth + 5)),  # the last region ends inside sentence 4
    )
    sentences = segment(text)
    assert len(sentences) == 4
    counts = DataCounts()
    out = tagged_sentences([doc], [sentences], "BIO", counts)
    assert counts.sentences == 4 and counts.sentences_partly_in_regions == 1
    used = [" ".join(s.forms) for s in out]
    assert used[0].startswith("Đến năm 2025") and used[1].startswith("Sở Y_tế")
    assert "B-YEAR" in out[0].tags and out[1].tags[:2] == ("B-AGENCY", "I-AGENCY")
    assert counts.sentences_used + counts.sentences_with_misaligned_spans == 3


def test_a_span_off_word_boundaries_drops_its_sentence():
    text = "Phấn đấu đạt 95% dân số."
    doc = Document("m", text, spans=(Span(0, 3, "INDICATOR"),))  # "Phấ": not a word
    counts = DataCounts()
    assert tagged_sentences([doc], [segment(text)], "BIO", counts) == []
    assert counts.sentences_with_misaligned_spans == 1 and counts.misaligned_spans == 1


def test_config_errors_are_reported(tmp_path):
    with pytest.raises(DataError, match="unknown keys"):
        TrainConfig.from_mapping({"system": "transformer", "train_file": "x", "learnign_rate": 1})
    with pytest.raises(DataError, match="train_file"):
        TrainConfig.from_mapping({"system": "transformer"})
    assert TrainConfig.from_mapping({"train_file": "x"}, tmp_path / "exp.yaml").out_dir.as_posix() == "models/exp"


def test_cli_reports_a_missing_config(tmp_path):
    from typer.testing import CliRunner

    import plannlp.cli.train  # noqa: F401  registers `train`
    from plannlp.cli.app import app

    result = CliRunner().invoke(app, ["train", str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0 and isinstance(result.exception, DataError)


def test_epoch_batches_cover_every_example_once_and_group_lengths():
    from plannlp.tag.neural.train import epoch_batches

    lengths = [(i * 37) % 101 + 1 for i in range(1000)]
    batches = epoch_batches(lengths, batch_size=16, seed=3, epoch=2, group=20)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert len(batches) == -(-1000 // 16) and all(len(b) <= 16 for b in batches)
    assert batches == epoch_batches(lengths, 16, 3, 2, group=20)
    assert batches != epoch_batches(lengths, 16, 3, 3, group=20)

    def padded(batches: list[list[int]]) -> int:
        return sum(len(b) * max(lengths[i] for i in b) for b in batches)

    # one chunk over the whole epoch: the batches are runs of the lengths sorted, so the padding
    # is exactly that of cutting the sorted lengths into batches of 16
    ordered = sorted(lengths, reverse=True)
    ideal = sum(len(ordered[i : i + 16]) * ordered[i] for i in range(0, 1000, 16))
    assert padded(epoch_batches(lengths, 16, 3, 2, group=1000)) == ideal
    # chunks of 20 batches pad more than that and less than batches of random examples (group=1)
    assert ideal < padded(batches) < padded(epoch_batches(lengths, 16, 3, 2, group=1))

    positive = [i % 10 == 0 for i in range(1000)]  # 100 examples with spans
    epochs = [epoch_batches(lengths, 16, 3, e, positive=positive, negative_ratio=2.0) for e in (0, 1)]
    for batches in epochs:
        seen = [i for b in batches for i in b]
        assert len(seen) == len(set(seen)) == 300 and len(batches) == -(-300 // 16)
        assert {i for i in seen if positive[i]} == {i for i in range(1000) if positive[i]}
    assert {i for b in epochs[0] for i in b} != {i for b in epochs[1] for i in b}  # fresh negatives
    with pytest.raises(ValueError):
        epoch_batches(lengths, 16, 3, 0, negative_ratio=1.0)


def test_a_time_budget_stops_training_and_keeps_the_scored_model(tmp_path):
    run_dir = train_from_config(tiny_config(tmp_path / "budget", max_minutes=0.0, dev_file=None))
    metrics = RunRecord.read(run_dir).metrics
    assert metrics["steps"] == 1 and metrics["stopped_early"] and metrics["epochs_run"] == 1
    assert metrics["dev_strict_micro_f1"] is None and set(RunRecord.read(run_dir).data) == {"train"}
    assert load_tagger(run_dir).predict([Document("x", "Sở Y tế chủ trì.")])[0].text == "Sở Y tế chủ trì."

