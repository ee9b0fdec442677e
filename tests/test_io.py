"""plannlp.io: the one JSONL reader (strict, or with a journal's torn tail) and document files."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from plannlp.data import DataError, Document
import plannlp.io as plannlp_io
from plannlp.io import REPO_ROOT, cache_root, iter_jsonl, models_root, read_documents, read_jsonl, write_documents


def test_read_jsonl_numbers_lines_and_skips_blank_ones(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('{"a": 1}\n\n{"a": 2}\n')
    assert list(read_jsonl(path)) == [(1, {"a": 1}), (3, {"a": 2})]


def test_torn_tail_is_skipped_only_when_asked_and_only_at_the_end(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c', encoding="utf-8")
    with pytest.raises(DataError, match=r"journal.jsonl:3: invalid JSON"):
        list(read_jsonl(path))
    assert [obj["id"] for _, obj in read_jsonl(path, torn_tail=True)] == ["a", "b"]
    path.write_text('{"id": "a"}\n{"id": \n{"id": "c"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r":2: invalid JSON"):
        list(read_jsonl(path, torn_tail=True))
    # a complete last line that is bad is no torn tail
    path.write_text('{"id": "a"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r":2: invalid JSON"):
        list(read_jsonl(path, torn_tail=True))


def test_iter_jsonl_on_lines_without_newlines():
    assert list(iter_jsonl(['{"x": 1}', '{"x": 2}'], "<mem>")) == [(1, {"x": 1}), (2, {"x": 2})]
    with pytest.raises(DataError, match=r"<mem>:1: invalid JSON"):
        list(iter_jsonl(["{", '{"x": 2}'], "<mem>", torn_tail=True))


def test_read_documents_keeps_its_signature_and_checks(tmp_path):
    path = tmp_path / "docs.jsonl"
    assert write_documents(path, [Document("d1", "một"), Document("d2", "hai")]) == 2
    assert [d.id for d in read_documents(path)] == ["d1", "d2"]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "d1", "text": "x", "spans": []}) + "\n")
    with pytest.raises(DataError, match=r"docs.jsonl:3: duplicate document id"):
        list(read_documents(path))
    with pytest.raises(DataError, match="no such file"):
        list(read_documents(tmp_path / "missing.jsonl"))
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataError, match="not UTF-8"):
        list(read_documents(tmp_path / "bin.jsonl"))


# Where the embedded models are found. An editable install reads the checkout; a plain `pip install .` has
# no checkout, and used to fail with "no run record" for the default model: the wheel carries the models now.


def test_models_root_prefers_the_environment_then_the_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNLP_MODELS", str(tmp_path))
    assert models_root() == tmp_path
    monkeypatch.delenv("PLANNLP_MODELS")
    assert models_root() == REPO_ROOT / "models"  # this test runs from the checkout


def test_models_root_without_a_checkout_is_the_installed_copy(monkeypatch, tmp_path):
    # as in site-packages: the folder two levels above the package has no models/ and no pyproject.toml
    monkeypatch.delenv("PLANNLP_MODELS", raising=False)
    monkeypatch.setattr(plannlp_io, "REPO_ROOT", tmp_path / "lib")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert models_root() == tmp_path / "env" / "share" / "plannlp" / "models"
    assert cache_root() == tmp_path / "cache" / "plannlp"


def test_cache_root_of_a_checkout_is_its_runs_folder():
    assert cache_root() == REPO_ROOT / "runs" / "cache"


def test_the_wheel_carries_the_models_a_tag_run_loads(tmp_path):
    # the files models_root() expects under <prefix>/share/plannlp/models, for every model tagging loads
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO_ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("plannlp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).relative_to(Path(n).parts[0], "data", "share", "plannlp", "models").as_posix() for n in names if "/data/share/plannlp/models/" in n}
    for model in ("default", "roles", "links", "doctype"):
        committed = {f"{model}/{f.name}" for f in (REPO_ROOT / "models" / model).iterdir() if f.is_file()}
        assert committed and committed <= shipped, model


def test_writing_over_a_folder_is_a_data_error_naming_it(tmp_path):
    # an output path that is a folder once failed only at the final rename, with an
    # IsADirectoryError traceback (report -o DIR, corpus export/import to a folder)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(DataError, match=r"out: is a folder"):
        write_documents(folder, [Document("d1", "văn bản")])
    assert folder.is_dir() and list(tmp_path.iterdir()) == [folder]  # no temporary file left behind


def test_bytes_that_are_not_utf8_are_named_by_file_and_line(tmp_path):
    # the decoder's error gave only a byte offset into the file, not the line to look at
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"id": "a"}\n\n{"id": "b\xff"}\n')
    with pytest.raises(DataError, match=r"docs\.jsonl:3: not UTF-8 text \(column 10\)"):
        list(read_jsonl(path))
    # a journal's last line cut inside a character is a torn tail like any other
    path.write_bytes('{"id": "a"}\n{"id": "ấ'.encode("utf-8")[:-1])
    assert [obj["id"] for _, obj in read_jsonl(path, torn_tail=True)] == ["a"]


def test_same_file_by_path_symlink_and_hard_link(tmp_path, monkeypatch):
    import os

    from plannlp.io import same_file

    a = tmp_path / "a.txt"
    a.write_text("x", encoding="utf-8")
    os.link(a, tmp_path / "hard.txt")
    os.symlink(a, tmp_path / "soft.txt")
    monkeypatch.chdir(tmp_path)
    assert same_file(a, "a.txt") and same_file("./sub/../a.txt", a)
    assert same_file(a, tmp_path / "hard.txt") and same_file(tmp_path / "soft.txt", a)
    assert same_file("new.txt", tmp_path / "new.txt")  # neither exists: by path
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    assert not same_file(a, "b.txt") and not same_file(a, "new.txt") and not same_file("new.txt", a)


def test_read_json_names_the_line_of_bytes_that_are_not_utf8(tmp_path):
    from plannlp.io import read_json

    path = tmp_path / "lexicon.json"
    path.write_bytes(b'{\n "a": 1,\n "b": "caf\xe9"\n}\n')
    with pytest.raises(DataError, match=r"lexicon\.json:3: not UTF-8 text \(invalid continuation byte\)$"):
        read_json(path)
    path.write_bytes('{\r\n "b": "cà phê"\r\n}\r\n'.encode("utf-8"))
    assert read_json(path) == {"b": "cà phê"}
