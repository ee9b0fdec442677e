import json
import sys

import pytest

from plannlp.cli import main

PLAN = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\nSở Y tế chủ trì, phối hợp với Sở Tài chính.\n"


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """``plannlp ARGS`` in this process, through the CLI's own error path; (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["plannlp", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    return exit_.value.code, capsys.readouterr().err


def test_extra_tables_that_would_overwrite_the_output_or_an_input_are_refused_first(tmp_path, monkeypatch, capsys):
    # the tables are written after the run over whatever has their name: once, --levels gold.jsonl
    # replaced the gold input with a level table and --agencies o.csv the records table
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "d1", "text": PLAN, "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    before = gold.read_bytes()
    out = tmp_path / "o.csv"
    cases = (
        (["--levels", str(gold)], "--levels"),
        (["--agencies", str(out)], "--agencies"),
        (["--agencies", str(tmp_path / "t.csv"), "--levels", str(tmp_path / "t.csv")], "--levels"),
    )
    for extra, flag in cases:
        code, err = _main(monkeypatch, capsys, "tag", str(gold), "-o", str(out), "-f", "csv", "-j", "1", *extra)
        assert code == 2 and f"plannlp: error: {flag}" in err and "same file" in err, err
        assert "tagged" not in err  # refused before any tagging
    assert gold.read_bytes() == before and not out.exists()


def test_a_hard_link_of_an_input_is_refused_as_the_output_or_a_table_before_any_work(tmp_path, monkeypatch, capsys):
    # the check compared real paths only: -o (or --levels) naming a hard link of the gold input passed,
    # and the run (with --fresh) replaced the gold with its own tagging through the other name
    import os

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "d1", "text": PLAN, "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    before = gold.read_bytes()
    link = tmp_path / "link.jsonl"
    os.link(gold, link)
    missing_model = str(tmp_path / "no-model")  # read after the check: its error would mean the check came late
    cases = (
        (["-o", str(link), "--fresh"], "also an input"),
        (["-o", str(tmp_path / "o.jsonl"), "--levels", str(link)], "--levels"),
    )
    for extra, expected in cases:
        code, err = _main(monkeypatch, capsys, "tag", str(gold), "-m", missing_model, "-j", "1", *extra)
        assert code == 2 and "plannlp: error:" in err and expected in err, err
    assert gold.read_bytes() == before and not (tmp_path / "o.jsonl").exists()
    assert not list(tmp_path.glob("*.journal.jsonl"))


def test_tag_with_tables_expands_the_inputs_once(tmp_path, monkeypatch, capsys):
    # the table check globbed the inputs, then tag_files globbed them again (twice over 100k files)
    import plannlp.tag.batch as batch
    from plannlp.tag.baselines.rules import RuleTagger

    model = tmp_path / "rules"
    RuleTagger().save(model)
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(PLAN, encoding="utf-8")
    calls = []
    expand = batch.expand_inputs

    def counted(inputs):
        calls.append(list(inputs))
        return expand(inputs)

    monkeypatch.setattr(batch, "expand_inputs", counted)
    out, agencies = tmp_path / "o.jsonl", tmp_path / "agencies.csv"
    code, err = _main(monkeypatch, capsys, "tag", str(folder), "-m", str(model), "-o", str(out), "-j", "1", "--agencies", str(agencies))
    assert code == 0 and "tagged 2 documents" in err, err
    assert calls == [[str(folder)]]
    assert agencies.read_text(encoding="utf-8").count("Sở Y tế") == 2


@pytest.mark.parametrize("option, value, named", [
    ("-j", "0", "--jobs"), ("--jobs", "-3", "--jobs"), ("--batch-docs", "0", "--batch-docs"), ("--workers", "0", "--workers"),
    ("--max-mb", "0", "--max-mb"), ("--gpus-per-worker", "-1", "--gpus-per-worker"),
])  # fmt: skip
def test_counts_below_one_are_refused_before_any_work(tmp_path, monkeypatch, capsys, option, value, named):
    # -j 0, -j -3 and --batch-docs 0 were accepted and ran as if unset
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    code, err = _main(monkeypatch, capsys, "tag", str(plan), "-o", str(out), "-m", str(tmp_path / "no-model"), option, value)
    assert code == 2 and "plannlp: error:" in err and named in err, err
    assert not out.exists()
