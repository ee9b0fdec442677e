import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from plannlp.cli import _register
from plannlp.cli.app import app

MINI = Path(__file__).parent / "data" / "corpus" / "mini"
runner = CliRunner()
_register()


def test_build_validate_stats_agreement(tmp_path, monkeypatch):
    shutil.copytree(MINI, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["corpus", "build-gold"])
    assert result.exit_code == 0, result.output
    assert "gold: train" in result.output
    files = [f"corpus/gold/{s}.jsonl" for s in ("train", "dev", "test")]
    result = runner.invoke(app, ["corpus", "validate", *files])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["corpus", "stats", "--json"])
    assert json.loads(result.output)["total"]["spans"]["AGENCY"] == 4
    result = runner.invoke(app, ["corpus", "agreement", "--json"])
    assert json.loads(result.output)["schemes"]["strict"]["per_label"]["VALUE"]["f1"] == 1.0


def test_validate_exits_1_on_problems(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Sở Y tế", "spans": [{"start": 0, "end": 3, "label": "AGENCY"}]}) + "\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["corpus", "validate", str(path), "--corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:1: a:" in result.output


def test_export_import_doccano(tmp_path, monkeypatch):
    shutil.copytree(MINI, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["corpus", "build-gold"])
    result = runner.invoke(app, ["corpus", "export", "--format", "doccano", "corpus/gold/train.jsonl", "d.jsonl"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["corpus", "import", "--format", "doccano", "d.jsonl", "back.jsonl"])
    assert result.exit_code == 0, result.output
    a = [json.loads(x)["spans"] for x in Path("corpus/gold/train.jsonl").read_text(encoding="utf-8").splitlines()]
    b = [json.loads(x)["spans"] for x in Path("back.jsonl").read_text(encoding="utf-8").splitlines()]
    assert a == b


def test_show_quotes_names_a_text_file_it_cannot_read(tmp_path):
    # a non-UTF-8 text once ended in the codec's message without the file (then with the byte, not
    # the line), and a folder in a traceback
    from plannlp.data import DataError

    quotes = tmp_path / "q.tsv"
    quotes.write_text("# status: draft\nVALUE\t95%\n", encoding="utf-8")
    bad = tmp_path / "t.txt"
    bad.write_bytes("Phấn đấu\n95% dân số".encode("utf-8") + b"\xff\n")
    for text_file, message in ((bad, "2: not UTF-8 text"), (tmp_path, " is a folder")):
        result = runner.invoke(app, ["corpus", "show-quotes", str(text_file), str(quotes)])
        assert isinstance(result.exception, DataError), result.exception
        assert str(result.exception).startswith(f"{text_file}:{message}")


def test_export_and_import_refuse_to_write_over_their_input(tmp_path):
    # `corpus export g.jsonl g.jsonl` once replaced the gold documents with Doccano lines (and
    # import a Doccano file with plannlp JSONL)
    source = tmp_path / "g.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Sở Y tế chủ trì", "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    before = source.read_bytes()
    for command in ("export", "import"):
        result = runner.invoke(app, ["corpus", command, str(source), str(source), "--format", "doccano"])
        assert isinstance(result.exception, ValueError) and "also the input" in str(result.exception)
        assert source.read_bytes() == before


def test_an_os_error_is_a_one_line_error_not_a_traceback(tmp_path):
    # the command line printed DataError, FileNotFoundError and ValueError as one line, but any other
    # OSError (a folder given as the quote file, a file it may not read) as a Python traceback
    import subprocess
    import sys

    text = tmp_path / "t.txt"
    text.write_text("Sở Y tế chủ trì\n", encoding="utf-8")
    folder = tmp_path / "quotes"
    folder.mkdir()
    done = subprocess.run([sys.executable, "-m", "plannlp", "corpus", "show-quotes", str(text), str(folder)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("plannlp: error:") and str(folder) in done.stderr


def test_export_refuses_a_hard_link_of_its_input(tmp_path):
    import os

    source = tmp_path / "g.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Sở Y tế chủ trì", "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    before = source.read_bytes()
    os.link(source, tmp_path / "h.jsonl")
    result = runner.invoke(app, ["corpus", "export", str(source), str(tmp_path / "h.jsonl"), "--format", "doccano"])
    assert isinstance(result.exception, ValueError) and "also the input" in str(result.exception)
    assert source.read_bytes() == before


def test_build_gold_refuses_a_folder_that_is_not_a_corpus(tmp_path):
    # `corpus build-gold --corpus corpsu` (a typo) wrote empty gold/{train,dev,test}.jsonl into a new
    # folder and exited 0; a folder without annotations/ but with a gold/ had its gold replaced by nothing
    from plannlp.data import DataError

    gold = tmp_path / "elsewhere" / "gold"
    gold.mkdir(parents=True)
    (gold / "train.jsonl").write_text('{"id": "a", "text": "x", "spans": []}\n', encoding="utf-8")
    for corpus in (tmp_path / "corpsu", tmp_path / "elsewhere"):
        result = runner.invoke(app, ["corpus", "build-gold", "--corpus", str(corpus)])
        assert isinstance(result.exception, DataError) and "not a corpus directory" in str(result.exception)
    assert not (tmp_path / "corpsu").exists()
    assert (gold / "train.jsonl").read_text(encoding="utf-8").startswith('{"id": "a"')
