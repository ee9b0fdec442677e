import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plannlp.cli import _register
from plannlp.cli.app import app
from plannlp.data import DataError, Document
from plannlp.evaluate import evaluate
from plannlp.evaluate.report import (
    load_result,
    result_record,
    results_markdown,
    save_result,
    system_and_split,
    write_results_markdown,
)
from plannlp.io import read_documents, write_documents
from plannlp.runrecord import RunRecord

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "evaluate"
GOLD, PRED_A, PRED_B = DATA / "gold.jsonl", DATA / "pred_a.jsonl", DATA / "pred_b.jsonl"
runner = CliRunner()
_register()


def test_evaluate_pred_json_has_nested_keys():
    result = runner.invoke(app, ["evaluate", str(GOLD), "--pred", str(PRED_A), "--json", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output)
    assert obj["strict"]["micro"]["f1"] == pytest.approx(0.875)
    assert len(obj["strict"]["micro"]["f1_ci"]) == 2
    assert set(obj["strict"]["per_label"]) == {"INDICATOR", "VALUE", "COMPARATOR", "YEAR", "AGENCY"}
    assert obj["partial"]["micro"]["f1"] == pytest.approx(30 / 32)
    assert obj["records"]["f1"] == pytest.approx(7 / 8)
    assert obj["bootstrap"]["resamples"] == 50


def test_evaluate_prints_a_table():
    result = runner.invoke(app, ["evaluate", str(GOLD), "--pred", str(PRED_B), "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert "strict" in result.output and "AGENCY" in result.output and "intervals: none" in result.output


def test_evaluate_rejects_a_prediction_file_for_other_documents(tmp_path):
    docs = list(read_documents(PRED_A))
    write_documents(tmp_path / "other.jsonl", [*docs[:-1], Document("elsewhere", "Sở Y tế")])
    result = runner.invoke(app, ["evaluate", str(GOLD), "--pred", str(tmp_path / "other.jsonl")])
    assert isinstance(result.exception, DataError)
    assert "d6" in str(result.exception) and "elsewhere" in str(result.exception)


def test_evaluate_error_exits_2_with_a_message(tmp_path):
    bad = tmp_path / "pred.jsonl"
    bad.write_text(json.dumps({"id": "d1", "text": "khác"}, ensure_ascii=False) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "evaluate", str(GOLD), "--pred", str(bad)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("plannlp: error:") and "no prediction" in done.stderr
    assert "Traceback" not in done.stderr


def test_evaluate_rejects_model_and_pred_together():
    result = runner.invoke(app, ["evaluate", str(GOLD), "--pred", str(PRED_A), "--model", str(DATA)])
    assert isinstance(result.exception, ValueError)


class _CopyTagger:
    """A stand-in tagger: predicts system A's spans for the documents it is given."""

    system = "fixture"
    seen: list = []

    def __init__(self, by_id):
        self.by_id = by_id

    def predict(self, docs, sentences=None):
        _CopyTagger.seen.extend(docs)
        return [Document(d.id, d.text, self.by_id[d.id].spans) for d in docs]


def _copy_tagger_loaded(monkeypatch) -> list:
    """Make load_tagger give a _CopyTagger of system A; the list it returns records each folder asked for."""
    by_id = {d.id: d for d in read_documents(PRED_A)}
    loaded: list = []

    def fake_load_tagger(directory=None):
        loaded.append(directory)
        return _CopyTagger(by_id)

    monkeypatch.setattr("plannlp.tag.systems.load_tagger", fake_load_tagger)
    return loaded


def test_evaluate_with_a_model_tags_bare_gold_texts_and_saves_a_result(tmp_path, monkeypatch):
    model_dir = tmp_path / "models" / "fixture"
    RunRecord("fixture", config={"system": "fixture", "epochs": 3}, code_revision="feedbee").write(model_dir)
    loaded = _copy_tagger_loaded(monkeypatch)
    _CopyTagger.seen.clear()
    out = tmp_path / "results" / "fixture.dev.json"
    preds = tmp_path / "predictions" / "fixture.dev.jsonl"
    result = runner.invoke(
        app,
        ["evaluate", str(GOLD), "--model", str(model_dir), "--bootstrap", "20", "--save", str(out),
         "--save-predictions", str(preds)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert loaded == [model_dir]
    assert [d.id for d in _CopyTagger.seen] == [d.id for d in read_documents(GOLD)]
    record = load_result(out)
    assert (record["system"], record["split"], record["model"]) == ("fixture", "dev", str(model_dir))
    assert record["config"] == {"system": "fixture", "epochs": 3}
    assert record["model_revision"] == "feedbee"
    assert record["scores"]["strict"]["micro"]["f1"] == pytest.approx(0.875)
    assert [d.id for d in read_documents(preds)] == [d.id for d in read_documents(GOLD)]


def test_compare_prints_both_f1s_and_p_values():
    result = runner.invoke(app, ["compare", str(GOLD), str(PRED_A), str(PRED_B), "--rounds", "500"])
    assert result.exit_code == 0, result.output
    for text in ("0.8750", "0.5455", "+0.3295", "paired bootstrap p", "approximate randomisation p"):
        assert text in result.output
    result = runner.invoke(app, ["compare", str(GOLD), str(PRED_A), str(PRED_B), "--rounds", "500", "--json"])
    obj = json.loads(result.output)
    assert obj["delta"] == pytest.approx(0.875 - 0.5454545, abs=1e-6)
    assert 0 < obj["p_randomisation"] <= 1 and 0 < obj["p_bootstrap"] <= 1
    assert obj["rounds"] == 500


# Result files and RESULTS.md ------------------------------------------------------------------------


def test_result_file_names():
    assert system_and_split("experiments/results/xlmr-large.test.json") == ("xlmr-large", "test")
    assert system_and_split("a.b.dev.json") == ("a.b", "dev")
    with pytest.raises(ValueError, match="SYSTEM.SPLIT.json"):
        system_and_split("crf.json")


def test_result_round_trip(tmp_path):
    gold = list(read_documents(GOLD))
    record = result_record(evaluate(gold, gold, bootstrap=10), system="gold", split="dev", gold=GOLD, revision="r1")
    save_result(tmp_path / "gold.dev.json", record)
    assert load_result(tmp_path / "gold.dev.json") == json.loads(json.dumps(record))
    (tmp_path / "bad.dev.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="not a plannlp-result"):
        load_result(tmp_path / "bad.dev.json")


def test_results_markdown_from_synthetic_result_files():
    records = [load_result(p) for p in sorted((DATA / "results").glob("*.json"))]
    text = results_markdown(records)
    rows = [line for line in text.splitlines() if line.startswith("| crf") or line.startswith("| rules")]
    # three rows in each of the three tables, dev before test
    assert len(rows) == 9
    assert rows[0].startswith("| crf | dev |") and rows[1].startswith("| crf | test |")
    crf_dev = records[0]["scores"]
    low, high = crf_dev["strict"]["micro"]["f1_ci"]
    assert f"{crf_dev['strict']['micro']['f1']:.3f} [{low:.3f}, {high:.3f}]" in rows[0]
    assert "c1=0.1" in text and "abc1234" in text and "0ff1ce5" in text
    assert results_markdown([]).endswith("No result files yet.\n")


def test_make_results_script_regenerates_the_file(tmp_path):
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "make_results.py"), "--results-dir", str(DATA / "results"),
         "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == results_markdown(
        [load_result(p) for p in sorted((DATA / "results").glob("*.json"))]
    )
    assert write_results_markdown(DATA / "results", tmp_path / "again.md") == 3


def test_default_model_and_model_folders_in_compare(tmp_path, monkeypatch):
    loaded = _copy_tagger_loaded(monkeypatch)
    result = runner.invoke(app, ["evaluate", str(GOLD), "--bootstrap", "0", "--json"])
    assert result.exit_code == 0, result.output
    assert loaded == [None]  # load_tagger(None) is the default model
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    result = runner.invoke(app, ["compare", str(GOLD), str(model_dir), str(PRED_A), "--rounds", "100", "--json"])
    assert result.exit_code == 0, result.output
    assert loaded[-1] == model_dir
    obj = json.loads(result.output)
    assert obj["delta"] == 0 and obj["p_randomisation"] == 1.0


def _main(*args):
    return subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", *args], capture_output=True, text=True, timeout=120
    )


def test_an_empty_gold_file_is_refused_not_scored(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    for args in (["evaluate", str(empty), "--pred", str(PRED_A)], ["compare", str(empty), str(PRED_A), str(PRED_B)]):
        run = _main(*args)
        assert run.returncode == 2, run.stdout
        assert "no gold documents; nothing to score against" in run.stderr and "Traceback" not in run.stderr


def test_a_boolean_offset_in_predictions_is_refused(tmp_path):
    rows = [json.loads(line) for line in PRED_A.read_text(encoding="utf-8").splitlines()]
    rows[0]["spans"][0].update(start=0, end=True)  # would read as [0, 1)
    bad = tmp_path / "pred.jsonl"
    bad.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run = _main("evaluate", str(GOLD), "--pred", str(bad), "--bootstrap", "0")
    assert run.returncode == 2
    assert f"{bad}:1: span offsets must be integers" in run.stderr
