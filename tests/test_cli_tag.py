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
