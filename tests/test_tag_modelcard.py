"""Model cards from run records: Hugging Face metadata that huggingface_hub reads back, prose kept."""

import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from plannlp.data import DataError
from plannlp.runrecord import RunRecord, config_checksum
from plannlp.tag.baselines.rules import RuleTagger
from plannlp.tag.modelcard import END, model_card, model_folders, write_model_card

ROOT = Path(__file__).resolve().parents[1]


def _check(card: ModelCard, system: str, pipeline_tag: str, library: str) -> None:
    assert card.data.language == ["vi"] and card.data.license == "apache-2.0"
    assert card.data.pipeline_tag == pipeline_tag and card.data.library_name == library
    assert system in card.data.tags


def test_crf_card_has_hub_metadata_and_the_record(tmp_path):
    folder = tmp_path / "crf"
    config = {"system": "crf", "train_file": "corpus/gold/train.jsonl", "dev_file": "corpus/gold/dev.jsonl", "seed": 0}
    RunRecord(
        system="crf", labels=("YEAR",), tags=("O", "B-YEAR", "I-YEAR"), files={"model": "crf.crfsuite"},
        code_revision="abc1234", config=config, metrics={"dev_strict_micro_f1": 0.7123, "grid": [1, 2]},
    ).write(folder)  # fmt: skip
    path = write_model_card(folder)
    card = ModelCard.load(path)
    _check(card, "crf", "token-classification", "plannlp")
    assert card.data.datasets == ["corpus/gold/train.jsonl", "corpus/gold/dev.jsonl"]
    assert card.data.metrics == ["f1"]
    (result,) = card.data.eval_results
    assert (result.metric_type, result.metric_value, result.dataset_split) == ("f1", 0.7123, "dev")
    assert "abc1234" in card.text and config_checksum(config) in card.text


def test_rules_and_transformer_cards(tmp_path, tiny_tagger_factory):
    RuleTagger().save(tmp_path / "rules")
    _check(ModelCard.load(write_model_card(tmp_path / "rules")), "rules", "token-classification", "plannlp")
    tiny_tagger_factory().save(tmp_path / "tiny")
    card = ModelCard.load(write_model_card(tmp_path / "tiny"))
    _check(card, "transformer", "token-classification", "transformers")
    assert "plannlp.tag.neural.hf import pipeline" in card.text


def test_prose_is_kept_and_rewriting_is_stable(tmp_path):
    folder = tmp_path / "m"
    RuleTagger().save(folder)
    (folder / "README.md").write_text("# My rules\n\nTuned by hand; see the limits below.\n", encoding="utf-8")
    first = write_model_card(folder).read_text(encoding="utf-8")
    assert "Tuned by hand" in first and first.count(END) == 1
    assert write_model_card(folder).read_text(encoding="utf-8") == first
    RunRecord(system="rules", metrics={"dev_strict_micro_f1": 0.5}).write(folder)  # retrained
    again = write_model_card(folder).read_text(encoding="utf-8")
    assert "Tuned by hand" in again and "0.5000" in again and again.count(END) == 1


def test_a_folder_without_a_run_record_is_refused(tmp_path):
    with pytest.raises(DataError):
        model_card(tmp_path)


@pytest.mark.parametrize("folder", [p for p in model_folders(ROOT / "models")], ids=lambda p: p.name)
def test_committed_model_cards_follow_their_run_records(folder):
    try:
        RunRecord.read(folder)
    except DataError:
        pytest.skip(f"{folder.name}: not a run record folder yet")
    readme = folder / "README.md"
    assert readme.is_file(), f"run python scripts/write_model_cards.py ({folder.name} has no card)"
    current = readme.read_text(encoding="utf-8")
    assert model_card(folder, current) == current, "run python scripts/write_model_cards.py"
    ModelCard.load(readme)


def test_the_script_writes_every_card(tmp_path):
    RuleTagger().save(tmp_path / "a")
    RuleTagger().save(tmp_path / "b")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "write_model_cards.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "a" / "README.md").is_file() and (tmp_path / "b" / "README.md").is_file()


def test_cards_name_data_files_by_their_repository_path(tmp_path):
    folder = tmp_path / "roles"
    data = {"train0": {"path": "/home/someone/clone/corpus/gold/train.jsonl", "checksum": "sha256:00"}}
    RunRecord(system="roles", data=data, metrics={"cv": {"1.0": {"accuracy": 0.8, "macro_f1": 0.7}}, "chosen_c": 1.0}).write(folder)
    card = ModelCard.load(write_model_card(folder))
    assert card.data.datasets == ["corpus/gold/train.jsonl"] and card.data.pipeline_tag == "text-classification"
    assert sorted(r.metric_value for r in card.data.eval_results) == [0.7, 0.8]


def test_a_stacked_crf_card_is_a_tagger_card(tmp_path):
    # the stacked CRF may become models/default: its card must say how to tag with it
    folder = tmp_path / "stacked"
    RunRecord(system="crf-stacked", labels=("YEAR",), files={"first": "first.crfsuite", "second": "second.crfsuite"}).write(folder)
    card = ModelCard.load(write_model_card(folder))
    _check(card, "crf-stacked", "token-classification", "plannlp")
    assert "plannlp tag PLANS... --model" in card.text
