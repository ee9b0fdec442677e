"""The System contract: the registry, the run record, and one predict contract for every system."""

import json
import os
import pickle
import re
from pathlib import Path

import pytest
import yaml

from plannlp.data import DataError, Document, Span
from plannlp.evaluate.report import result_record
from plannlp.io import read_documents
from plannlp.runrecord import RECORD_FORMAT, RunRecord, code_revision
from plannlp.tag.baselines.combine import CombinedTagger
from plannlp.tag.baselines.crf import CrfSettings, CrfTagger, featurise
from plannlp.tag.baselines.rules import RuleTagger
from plannlp.tag.baselines.stacked import StackedTagger, StackSettings, first_pass, merged_rows, stack_features
from plannlp.tag.contract import System, Tagger
from plannlp.tag.systems import SYSTEMS, load_config, load_tagger, read_manifest, register, train
from plannlp.tag.training_data import SentenceCounts, tagged_sentences

DATA = Path(__file__).parent / "data" / "baselines"
TINY = DATA / "tiny.jsonl"
FAST = CrfSettings(c1=0.0, c2=0.01, max_iterations=30, pos=False)


def test_the_registry_holds_one_value_per_system_with_its_load_and_train():
    assert set(SYSTEMS) == {"rules", "crf", "crf-stacked", "transformer", "bilstm", "combined"}
    for name, system in SYSTEMS.items():
        assert isinstance(system, System) and system.name == name
    assert SYSTEMS["crf"].load == CrfTagger.from_record and SYSTEMS["rules"].load == RuleTagger.from_record
    with pytest.raises(ValueError, match="already registered"):
        register(System("crf", SYSTEMS["rules"].load, SYSTEMS["rules"].train))


def test_missing_or_unknown_model_directories_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="not a plannlp model directory"):
        load_tagger(tmp_path)
    RunRecord("hmm").write(tmp_path)
    with pytest.raises(DataError, match="unknown system 'hmm'"):
        load_tagger(tmp_path)
    (tmp_path / "plannlp.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="invalid JSON"):
        read_manifest(tmp_path)
    (tmp_path / "plannlp.json").write_text('{"system": "crf", "model_file": "crf.pkl"}', encoding="utf-8")
    with pytest.raises(DataError, match="not a plannlp-run/1 run record"):
        load_tagger(tmp_path)


@pytest.mark.parametrize("name", ["../outside.crfsuite", "/etc/passwd", "sub/../../x"])
def test_a_record_naming_a_file_outside_the_folder_is_refused(tmp_path, name):
    folder = tmp_path / "m"
    folder.mkdir()
    record = {"format": RECORD_FORMAT, "system": "crf", "settings": {}, "files": {"model": name}}
    (folder / "plannlp.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(DataError, match="leaves the model folder"):
        load_tagger(folder)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (tmp_path / "elsewhere.bin").write_bytes(b"x")
    os.symlink(tmp_path / "elsewhere.bin", folder / "crf.crfsuite")
    RunRecord("crf", settings={}, files={"model": "model.bin"}).write(folder)
    record = json.loads((folder / "plannlp.json").read_text(encoding="utf-8"))
    record["files"]["model"] = "crf.crfsuite"
    (folder / "plannlp.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(DataError, match="leaves the model folder"):
        load_tagger(folder)


class _Payload:
    """Unpickling this object runs a command: the shape of a malicious model file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_in_a_model_folder_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    folder = tmp_path / "m"
    folder.mkdir()
    payload = pickle.dumps(_Payload(marker))
    # the old layout: a manifest naming a pickle
    (folder / "crf.pkl").write_bytes(payload)
    (folder / "plannlp.json").write_text('{"system": "crf", "model_file": "crf.pkl"}', encoding="utf-8")
    with pytest.raises(DataError):
        load_tagger(folder)
    # the new layout with the pickle where the crfsuite model belongs, and one beside transformer weights
    RunRecord("crf", settings={}, files={"model": "crf.pkl"}).write(folder)
    with pytest.raises(Exception):
        load_tagger(folder)
    (folder / "pytorch_model.bin").write_bytes(payload)
    (folder / "config.json").write_text('{"model_type": "roberta"}', encoding="utf-8")
    RunRecord("transformer", files={"weights": "model.safetensors", "model_config": "config.json"}).write(folder)
    with pytest.raises(DataError, match="weights file"):
        load_tagger(folder)
    assert not marker.exists()


def test_checkpoints_load_with_weights_only(tmp_path):
    import torch

    from plannlp.tag.neural import driver

    marker = tmp_path / "ran"
    torch.save({"rng": _Payload(marker)}, tmp_path / "state.pt")
    with pytest.raises(pickle.UnpicklingError):
        driver.load_state(tmp_path / "state.pt")
    assert not marker.exists()
    driver.save_state(tmp_path / "ok.pt", {"rng": driver.rng_state(), "step": 3})
    state = driver.load_state(tmp_path / "ok.pt")
    driver.set_rng_state(state["rng"])
    assert state["step"] == 3


# -- one predict contract, run over every system ---------------------------------------------


def _tiny_bilstm(docs):
    """A BiLSTM-CRF fitted for a few epochs on the tiny fixture, random word vectors."""
    import numpy as np

    from plannlp.tag.neural.bilstm import BilstmSettings, BilstmTagger, document_inputs
    from plannlp.segment import segment
    from plannlp.tag.training_data import SentenceCounts, tagged_sentences

    fast = BilstmSettings(hidden=16, char_filters=8, epochs=3, max_minutes=0.5, empty_keep=1.0, batch_size=8, dropout=0.1)
    sentences = [segment(d.text) for d in docs]
    inputs = [document_inputs(d.text, s, fast) for d, s in zip(docs, sentences)]
    used = tagged_sentences(docs, sentences, "BIO", SentenceCounts())
    words = sorted({w for doc in inputs for s in doc for w in s.words})
    vectors = (words, np.random.default_rng(0).normal(size=(len(words), 8)).astype(np.float32))
    return BilstmTagger.fit([inputs[t.doc_index][t.sentence_index] for t in used], [list(t.tags) for t in used], fast, vectors)


def _stacked_training(data, first):
    """The tiny fixture's training sentences with the second-pass features of ``first``'s tags."""
    extra = {}
    for k, (sents, rows) in enumerate(zip(data.sentences, data.doc_X)):
        extra[k] = stack_features([[t.text for t in s.tokens] for s in sents], first_pass(first, rows), StackSettings())
    used = tagged_sentences(data.docs, data.sentences, "BIO", SentenceCounts())
    X = [merged_rows([data.doc_X[t.doc_index][t.sentence_index]], [extra[t.doc_index][t.sentence_index]])[0] for t in used]
    return X, [list(t.tags) for t in used]


@pytest.fixture
def every_system(tiny_tagger_factory) -> dict[str, Tagger]:
    docs = list(read_documents(TINY))
    data = featurise(docs, FAST)
    crf_tagger = CrfTagger.fit(data.X, data.y, FAST)
    taggers = {
        "rules": RuleTagger(),
        "crf": crf_tagger,
        "transformer": tiny_tagger_factory(),
        "bilstm": _tiny_bilstm(docs),
        "combined": CombinedTagger(crf_tagger, RuleTagger(), ["VALUE", "YEAR"]),
        # the stacked CRF's two passes: the same tiny CRF twice is enough for the contract
        "crf-stacked": StackedTagger(crf_tagger, CrfTagger.fit(*_stacked_training(data, crf_tagger), FAST), StackSettings()),
    }
    assert set(taggers) == set(SYSTEMS)  # a new system must join this contract test
    return taggers


def test_predict_ignores_input_spans_and_regions_and_keeps_ids_and_texts(every_system):
    gold = list(read_documents(TINY))
    first = gold[0]
    regioned = Document(
        "with-regions", first.text, first.spans, meta={"source": "gold"}, regions=((0, len(first.text)),)
    )
    odd = Document("odd-spans", first.text, (Span(0, 3, "FOO"),))
    inputs = [*gold, regioned, odd]
    bare = [Document(d.id, d.text, meta=d.meta) for d in inputs]
    for name, tagger in every_system.items():
        out = tagger.predict(inputs)
        assert [d.id for d in out] == [d.id for d in inputs], name
        assert [d.text for d in out] == [d.text for d in inputs], name
        assert all(d.regions is None for d in out), name
        # links are predicted (targets -> responsible bodies); the gold links of the input are not
        # carried over: predicting on bare texts gives the same documents, links and roles included
        again = tagger.predict(bare)
        assert out == again and [d.links for d in out] == [d.links for d in again], name
        assert [[s.role for s in d.spans] for d in out] == [[s.role for s in d.spans] for d in again], name
        agencies = [s for d in out for s in d.spans if s.label == "AGENCY"]
        assert all(s.role is not None for s in agencies), name  # every system predicts roles
        assert dict(out[-2].meta) == {"source": "gold"}, name
        assert all(s.label in tagger.labels for d in out for s in d.spans), name


def test_every_system_round_trips_through_its_run_record(every_system, tmp_path):
    docs = list(read_documents(TINY))
    for name, tagger in every_system.items():
        record = tagger.save(tmp_path / name)
        assert record == RunRecord.read(tmp_path / name) and record.system == name
        assert record.labels == tagger.labels and record.tags == tagger.tags
        loaded = load_tagger(tmp_path / name)
        assert type(loaded) is type(tagger)
        assert loaded.predict(docs) == tagger.predict(docs), name
        for file in (tmp_path / name).iterdir():  # data only: no pickle anywhere
            assert file.suffix not in {".pkl", ".pickle", ".bin", ".pt"}, file


# -- the run record the real trainers write --------------------------------------------------


def _config(tmp_path: Path, system: str, **extra) -> Path:
    config = {"system": system, "train_file": str(TINY), "dev_file": str(TINY), "output_dir": str(tmp_path / system)}
    path = tmp_path / f"{system}.yaml"
    path.write_text(yaml.safe_dump({**config, **extra}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "system, extra",
    [
        ("rules", {"grid": {"weak_cues": ["all"], "indicators": [True]}, "rounds": 1}),
        ("crf", {"c1": 0.0, "c2": 0.01, "max_iterations": 20, "pos": False}),
    ],
)
def test_trainers_write_a_complete_run_record_that_results_read(tmp_path, system, extra):
    from plannlp.evaluate import evaluate

    out = train(_config(tmp_path, system, **extra))
    assert sorted(p.name for p in out.iterdir() if p.name != "plannlp.json") == sorted(
        RunRecord.read(out).files.values()
    )
    record = RunRecord.read(out)
    assert record.system == system and record.labels == ("INDICATOR", "VALUE", "COMPARATOR", "YEAR", "AGENCY")
    assert record.config["train_file"] == str(TINY) and record.config["system"] == system
    assert record.data["train"]["checksum"].startswith("sha256:") and len(record.data["train"]["checksum"]) == 71
    # the commit of this checkout, as git names it (not "unknown", not a made-up value)
    assert record.code_revision == code_revision() and re.fullmatch(r"[0-9a-f]{7,40}(\+dirty)?", record.code_revision)

    gold = list(read_documents(TINY))
    # the recorded selection score is the saved model's own score on dev (here the tiny file)
    from plannlp.tag.baselines import strict_micro_f1

    assert record.metrics["dev_strict_micro_f1"] == pytest.approx(strict_micro_f1(gold, load_tagger(out).predict(gold)))
    result = result_record(evaluate(gold, load_tagger(out).predict(gold), bootstrap=0), system=system,
                           split="dev", gold=TINY, model=out)  # fmt: skip
    assert result["model_revision"] == record.code_revision
    assert result["config"] == dict(record.config) and result["config_file"] == str(out / "plannlp.json")


@pytest.mark.parametrize(
    "text, message",
    [("system: [unclosed", "invalid YAML"), ("- a\n- b\n", "mapping with a 'system' key"), ("epochs: 3\n", "'system' key")],
)
def test_bad_training_configs(tmp_path, text, message):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_config(path)
    with pytest.raises(DataError, match="no such config"):
        train(tmp_path / "missing.yaml")


def test_each_cross_validated_system_has_a_fold_system_and_an_unknown_one_is_refused(tmp_path):
    from plannlp.tag.baselines.folds import CombinedFolds, RuleFolds
    from plannlp.tag.systems import FOLD_SYSTEMS, fold_system

    assert set(FOLD_SYSTEMS) == {"rules", "crf", "crf-stacked", "combined", "bilstm", "heldout"}
    combined = fold_system({"system": "combined", "primary": {"system": "rules"}, "secondary": {"system": "rules"}})
    # the combination's parts come from the same registry
    assert isinstance(combined, CombinedFolds) and isinstance(combined.primary, RuleFolds) and isinstance(combined.secondary, RuleFolds)
    with pytest.raises(DataError, match="no cross-validation for system 'nope'"):
        fold_system({"system": "nope"})


ROOT = Path(__file__).resolve().parents[1]


def _committed_configs() -> list[Path]:
    """Every committed YAML config with a ``system`` key: experiments/*.yaml and any under tests/."""
    paths = sorted(ROOT.glob("experiments/*.yaml")) + sorted(p for ext in ("yaml", "yml") for p in (ROOT / "tests").rglob(f"*.{ext}"))
    return [p for p in paths if "system" in (yaml.safe_load(p.read_text(encoding="utf-8")) or {})]


def test_every_committed_config_passes_its_systems_key_check_and_a_typo_in_it_does_not():
    # a key list that forgets a key a committed config holds fails here, not in an experiment
    from plannlp.tag.systems import CONFIG_CHECKS, FOLD_SYSTEMS, RESPONSIBILITY_TRAINERS, check_config

    assert set(SYSTEMS) | set(FOLD_SYSTEMS) | set(RESPONSIBILITY_TRAINERS) <= set(CONFIG_CHECKS)
    paths = _committed_configs()
    assert len(paths) >= 30 and {load_config(p)["system"] for p in paths} >= {"crf", "crf-stacked", "rules", "bilstm", "transformer", "roles", "links"}
    for path in paths:
        config = load_config(path)
        check_config(config, path)
        with pytest.raises(DataError) as raised:
            check_config({**config, "c_1": 0.05}, path)
        assert str(raised.value) == f"{path}: unknown keys c_1"
    with pytest.raises(DataError, match="x.yaml: unknown system 'nope'"):
        check_config({"system": "nope"}, Path("x.yaml"))
