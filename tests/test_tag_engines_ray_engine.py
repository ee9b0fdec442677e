"""`plannlp tag --engine ray` on a local Ray (2 CPUs): the same output as the local engine,
document for document; a run stopped midway and restarted ends with each document once; a bad
document is reported and the rest written. Skipped where Ray is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from plannlp.tag.engines import ray_engine  # noqa: E402
from plannlp.tag.engines.ray_engine import tag_files_ray  # noqa: E402
from plannlp.io import read_documents  # noqa: E402
from plannlp.tag.batch import tag_files  # noqa: E402

DATA = Path(__file__).parent / "data" / "baselines"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Seven tiny plans (a target sentence and an agency sentence each) and one empty file."""
    folder = tmp_path_factory.mktemp("plans")
    for i, doc in enumerate(list(read_documents(DATA / "tiny.jsonl"))[:7]):
        (folder / f"plan-{i}.txt").write_text(f"{doc.text}\nSở Y tế chủ trì, phối hợp với Sở Tài chính.\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    return folder


def _lines(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        doc_id = json.loads(line)["id"]
        assert doc_id not in out, f"{doc_id} written twice"
        out[doc_id] = line
    return out


def test_same_output_as_local_engine_and_bad_document_reported(local_ray, inputs, tmp_path) -> None:
    local = tag_files([str(inputs)], tmp_path / "local.jsonl", progress=False, n_jobs=1)
    remote = tag_files_ray([str(inputs)], tmp_path / "ray.jsonl", workers=2, batch_docs=3, progress=False)
    assert _lines(tmp_path / "ray.jsonl") == _lines(tmp_path / "local.jsonl")
    assert len(_lines(tmp_path / "ray.jsonl")) == 7 and remote.tagged == 7 and remote.words == local.words
    assert [source for source, _ in remote.failed] == [str(inputs / "empty.txt")]
    assert "empty" in remote.failed[0][1]
    # the records table too
    tag_files_ray([str(inputs)], tmp_path / "ray.csv", fmt="csv", workers=1, progress=False)
    tag_files([str(inputs)], tmp_path / "local.csv", fmt="csv", progress=False, n_jobs=1)
    assert (tmp_path / "ray.csv").read_text(encoding="utf-8") == (tmp_path / "local.csv").read_text(encoding="utf-8")


def test_killed_run_restarts_with_each_document_once(local_ray, inputs, tmp_path, monkeypatch) -> None:
    output = tmp_path / "out.jsonl"
    real_write = ray_engine._journal_write
    calls = []

    def write_then_die(out, lines):
        if calls:
            # killed while writing the second batch: half a line reaches the journal
            out.write(lines[0][: len(lines[0]) // 2])
            out.flush()
            raise KeyboardInterrupt
        calls.append(len(lines))
        real_write(out, lines)

    monkeypatch.setattr(ray_engine, "_journal_write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        tag_files_ray([str(inputs)], output, workers=1, batch_docs=2, progress=False)
    journal = output.with_name(output.name + ".journal.jsonl")
    assert not output.exists() and calls == [2]
    monkeypatch.setattr(ray_engine, "_journal_write", real_write)

    summary = tag_files_ray([str(inputs)], output, workers=2, batch_docs=2, progress=False)
    assert summary.skipped == 2 and summary.tagged == 5
    lines = _lines(output)  # every line parses, none twice
    assert sorted(lines) == sorted(str(inputs / f"plan-{i}.txt") for i in range(7))
    assert not journal.exists()
    again = tag_files_ray([str(inputs)], output, workers=1, progress=False)
    assert again.tagged == 0 and again.skipped == 7 and _lines(output) == lines


def test_long_documents_cut_in_pieces_as_the_local_engine_cuts_them(local_ray, inputs, tmp_path) -> None:
    tag_files([str(inputs)], tmp_path / "local.jsonl", progress=False, n_jobs=1, piece_chars=60)
    remote = tag_files_ray([str(inputs)], tmp_path / "ray.jsonl", workers=1, piece_chars=60, progress=False)
    assert remote.tagged == 7
    assert _lines(tmp_path / "ray.jsonl") == _lines(tmp_path / "local.jsonl")


def test_command_line_engine_ray(local_ray, inputs, tmp_path, monkeypatch, capsys) -> None:
    import sys

    from plannlp.cli import main

    out = tmp_path / "records.csv"
    monkeypatch.setattr(sys, "argv", ["plannlp", "tag", str(inputs), "--engine", "ray", "--workers", "1", "-o", str(out), "-f", "csv"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1  # the empty file failed
    assert "tagged 7 documents" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("doc_id,indicator,")


def test_jsonl_documents_tagged_as_they_are_like_the_local_engine(local_ray, tmp_path) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(line + "\n" for line in (DATA / "tiny.jsonl").read_text(encoding="utf-8").splitlines()[:5]), encoding="utf-8")
    local = tag_files([str(source)], tmp_path / "local.jsonl", progress=False, n_jobs=1)
    remote = tag_files_ray([str(source)], tmp_path / "ray.jsonl", workers=2, batch_docs=2, progress=False)
    assert remote.tagged == local.tagged == 5
    assert _lines(tmp_path / "ray.jsonl") == _lines(tmp_path / "local.jsonl")
    again = tag_files_ray([str(source)], tmp_path / "ray.jsonl", workers=1, progress=False)
    assert again.skipped == 5 and again.tagged == 0


def test_sharded_output_holds_each_document_once_and_resumes(local_ray, inputs, tmp_path, monkeypatch) -> None:
    import pyarrow.parquet as pq

    tag_files([str(inputs)], tmp_path / "local.parquet", fmt="parquet", progress=False, n_jobs=1)
    whole = pq.read_table(tmp_path / "local.parquet").to_pylist()
    folder = tmp_path / "records"
    tag_files_ray([str(inputs)], folder, fmt="parquet", workers=2, shards=3, progress=False)
    parts = sorted(p.name for p in folder.iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    # the shards in order are the single file's rows, no document split between two shards
    rows = [r for p in parts for r in pq.read_table(folder / p).to_pylist()]
    assert rows == whole and rows
    docs_per_part = [{r["doc_id"] for r in pq.read_table(folder / p).to_pylist()} for p in parts]
    assert sum(len(d) for d in docs_per_part) == len({r["doc_id"] for r in whole})

    # JSONL shards, killed midway: the rerun tags the rest, and every document is in one shard once
    out = tmp_path / "docs"
    real_write = ray_engine._journal_write
    calls = []

    def write_then_die(fh, lines):
        if calls:
            raise KeyboardInterrupt
        calls.append(len(lines))
        real_write(fh, lines)

    monkeypatch.setattr(ray_engine, "_journal_write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        tag_files_ray([str(inputs)], out, workers=1, batch_docs=2, shards=2, progress=False)
    assert not out.exists()
    monkeypatch.setattr(ray_engine, "_journal_write", real_write)
    summary = tag_files_ray([str(inputs)], out, workers=2, batch_docs=2, shards=2, progress=False)
    assert summary.skipped == 2 and summary.tagged == 5
    merged: dict[str, str] = {}
    for part in sorted(out.iterdir()):
        for doc_id, line in _lines(part).items():
            assert doc_id not in merged
            merged[doc_id] = line
    tag_files([str(inputs)], tmp_path / "local.jsonl", progress=False, n_jobs=1)
    assert merged == _lines(tmp_path / "local.jsonl")
    assert out.with_name("docs.journal.jsonl").exists()  # the resume point stays beside the folder
    again = tag_files_ray([str(inputs)], out, workers=1, shards=2, progress=False)
    assert again.tagged == 0 and again.skipped == 7
    # a file where the folder should be is refused
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ray_engine.DataError, match="folder"):
        tag_files_ray([str(inputs)], tmp_path / "file", shards=2, progress=False)
