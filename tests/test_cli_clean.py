"""`plannlp clean --out`: one output per input, never two inputs on one name."""

import subprocess
import sys

import pytest

from plannlp.cli.clean import output_names
from plannlp.data import DataError


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", *args], capture_output=True, text=True, timeout=120
    )

PAGE = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"


def test_two_inputs_with_one_stem_are_refused_not_overwritten(tmp_path):
    for folder, name in (("a", "plan.txt"), ("b", "plan.md")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(PAGE.replace("2030", folder), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("clean", str(tmp_path / "a" / "plan.txt"), str(tmp_path / "b" / "plan.md"), "--out", str(out))
    assert result.returncode == 2 and "would both be written to plan.txt" in result.stderr
    assert "--keep-paths" in result.stderr and not out.exists()  # refused before anything is written


def test_keep_paths_writes_each_input_under_its_own_path(tmp_path, monkeypatch):
    pages = tmp_path / "raw"
    for host in ("moh.gov.vn", "soyte.hanoi.gov.vn"):
        (pages / host).mkdir(parents=True)
        (pages / host / "index.html").write_text(f"<html><body><p>{PAGE} {host}</p></body></html>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    from plannlp.cli import _register
    from plannlp.cli.app import app

    _register()
    args = ["clean", "raw/moh.gov.vn/index.html", "raw/soyte.hanoi.gov.vn/index.html", "--out", "out", "--keep-paths"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for host in ("moh.gov.vn", "soyte.hanoi.gov.vn"):
        assert host in (tmp_path / "out" / "raw" / host / "index.txt").read_text(encoding="utf-8")


def test_output_names_are_stable_and_unique(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a" / "plan.txt", tmp_path / "b" / "plan.md"
    assert [str(n) for n in output_names([a], False)] == ["plan.txt"]  # the old name, alone or not
    assert [str(n) for n in output_names([a, b], True)] == ["a/plan.txt", "b/plan.txt"]
    assert output_names([a, a], False) == [output_names([a], False)[0]] * 2  # the same file twice is fine
    with pytest.raises(DataError, match="would both be written"):
        output_names([tmp_path / "a" / "plan.txt", tmp_path / "a" / "plan.md"], True)
    with pytest.raises(DataError, match="below the current directory"):
        output_names([tmp_path.parent / "elsewhere.txt"], True)


def test_an_input_cleaned_into_its_own_folder_is_refused_not_overwritten(tmp_path):
    # `clean page.txt --out .` wrote the cleaned text over page.txt itself (and a hard link of it likewise)
    import os

    raw = tmp_path / "page.txt"
    raw.write_text("<p>" + PAGE + "</p>\n", encoding="utf-8")
    before = raw.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    os.link(raw, out / "page.txt")
    for folder in (tmp_path, out):
        result = run_cli("clean", str(raw), "--out", str(folder))
        assert result.returncode == 2 and result.stderr.startswith("plannlp: error:"), result.stderr
        assert "the output is also the input" in result.stderr
        assert raw.read_bytes() == before
