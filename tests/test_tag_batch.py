import csv
import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from plannlp.data import DataError, Document
from plannlp.runrecord import RunRecord
from plannlp.tag.baselines.rules import RuleTagger
from plannlp.tag.batch import expand_inputs, tag, tag_files
from plannlp.tag.systems import DEFAULT_MODEL

PLAN = (
    "KẾ HOẠCH\n"
    "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"
    "Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh triển khai kế hoạch.\n"
)


@pytest.fixture(scope="module")
def rules_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "rules"
    RuleTagger().save(path)
    return path


@pytest.fixture
def plans(tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "a.txt").write_text(PLAN, encoding="utf-8")
    (folder / "b.md").write_text("**KẾ HOẠCH**\n\n" + PLAN.replace("2030", "2025"), encoding="utf-8")
    (folder / "ignored.pdf").write_bytes(b"%PDF-1.4")
    return folder


def test_expand_inputs(plans, tmp_path):
    assert [p.split("/")[-1] for p in expand_inputs([str(plans)])] == ["a.txt", "b.md"]
    assert expand_inputs([str(plans / "*.md")]) == [str(plans / "b.md")]
    with pytest.raises(DataError, match="no such file"):
        expand_inputs([str(tmp_path / "nothing*.txt")])


def test_tag_library_function(rules_model):
    doc = tag(PLAN.split("\n")[1], model=rules_model)
    assert isinstance(doc, Document)
    assert {doc.span_text(s) for s in doc.spans} >= {"95%", "năm 2030"}


def test_tag_files_jsonl_resume_and_records(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    first = tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert (first.tagged, first.skipped, first.failed) == (2, 0, [])
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"].split("/")[-1] for r in rows} == {"a.txt", "b.md"}
    for row in rows:
        doc = Document.from_json(row)
        assert any(doc.span_text(s) == "Sở Y tế" for s in doc.spans)
        (record,) = [r for r in row["records"] if r["value"] == "95%"]
        assert record["comparator"] == "trên" and record["unit"] == "%"
    (plans / "c.txt").write_text(PLAN, encoding="utf-8")
    again = tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert (again.tagged, again.skipped) == (1, 2)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_tag_files_table_formats_in_worker_processes(plans, rules_model, tmp_path):
    csv_out = tmp_path / "records.csv"
    tag_files([str(plans)], csv_out, model=rules_model, fmt="csv", n_jobs=2, progress=False)
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("doc_id,indicator") and any("95%" in line for line in lines[1:])
    pq_out = tmp_path / "records.parquet"
    tag_files([str(plans)], pq_out, model=rules_model, fmt="parquet", n_jobs=1, progress=False)
    table = pq.read_table(pq_out)
    assert table.num_rows == len(lines) - 1 and "indicator" in table.column_names


def test_unreadable_files_are_reported_without_stopping(plans, rules_model, tmp_path):
    (plans / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    summary = tag_files([str(plans)], tmp_path / "o.jsonl", model=rules_model, n_jobs=1, progress=False)
    assert summary.tagged == 2
    assert [s.split("/")[-1] for s, _ in summary.failed] == ["broken.txt"]


def test_cli_reads_stdin_and_rejects_unknown_format(rules_model, tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", "-", "--model", str(rules_model), "-j", "1"],
        input=PLAN.encode("utf-8"),
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    (row,) = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert row["id"] == "stdin" and row["spans"]
    bad = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", "-", "--model", str(rules_model),
         "-o", str(tmp_path / "x.xml"), "-f", "xml"],
        input=b"", capture_output=True, timeout=120,
    )
    assert bad.returncode == 2 and b"unknown format" in bad.stderr and b"Traceback" not in bad.stderr


def test_records_table_has_numbers_and_agency_rows_carry_roles(plans, rules_model, tmp_path):
    from plannlp.tag.batch import write_agency_table

    pq_out = tmp_path / "records.parquet"
    tag_files([str(plans)], pq_out, model=rules_model, fmt="parquet", n_jobs=1, progress=False)
    table = pq.read_table(pq_out)
    # numbers and years are numeric columns a table can compute with, not strings
    assert str(table.schema.field("number").type) == "double" and str(table.schema.field("year_start").type) == "int64"
    assert "agencies" not in table.column_names and {"issuer", "responsible"} <= set(table.column_names)
    n = write_agency_table(pq_out, "parquet", tmp_path / "agencies.csv")
    rows = (tmp_path / "agencies.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("doc_id,agency,role,start,end,heading,score,model,") and len(rows) == n + 1
    assert n > 0 and all(row.split(",")[2] in ("issuer", "lead", "partner", "oversight") for row in rows[1:])


def test_cli_levels_table_gives_one_numeric_row_per_value(plans, rules_model, tmp_path):
    # --levels: one row per VALUE of each record, numbers and years as numbers (the records table
    # has numbers for the first value only)
    out, levels = tmp_path / "o.csv", tmp_path / "levels.parquet"
    run = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", str(plans), "--model", str(rules_model),
         "-j", "1", "-o", str(out), "-f", "csv", "--levels", str(levels)],
        capture_output=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()
    with open(out, encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    table = pq.read_table(levels)
    assert table.num_rows == sum(len(r["value"].split(" | ")) for r in records if r["value"]) > 0
    assert str(table.schema.field("number").type) == "double" and str(table.schema.field("year_start").type) == "int64"
    assert sorted(table.column("year_start").to_pylist()) == [2025, 2030]
    assert set(table.column("value").to_pylist()) == {"95%"} and set(table.column("comparator").to_pylist()) == {"trên"}
    bad = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", str(plans), "--model", str(rules_model),
         "-o", str(out), "--levels", str(tmp_path / "levels.xlsx")],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and b"--levels" in bad.stderr and b"Traceback" not in bad.stderr


def test_every_output_says_which_model_and_plannlp_made_it(plans, rules_model, tmp_path):
    from plannlp import __version__
    from plannlp.runrecord import RunRecord, config_checksum, provenance
    from plannlp.tag.batch import write_agency_table

    expected = provenance(rules_model)
    record = RunRecord.read(rules_model)
    assert expected["system"] == "rules" and expected["model"] == rules_model.name
    assert expected["config_checksum"] == config_checksum(record.config) and expected["plannlp_version"] == __version__
    out = tmp_path / "o.jsonl"
    summary = tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert summary.provenance == expected
    assert all(json.loads(line)["provenance"] == expected for line in out.read_text(encoding="utf-8").splitlines())
    csv_out = tmp_path / "o.csv"
    tag_files([str(plans)], csv_out, model=rules_model, fmt="csv", n_jobs=1, progress=False)
    with open(csv_out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["model_system"] == "rules" and r["plannlp_version"] == __version__ for r in rows)
    assert {r["model_config_checksum"] for r in rows} == {expected["config_checksum"]}
    pq_out = tmp_path / "o.parquet"
    tag_files([str(plans)], pq_out, model=rules_model, fmt="parquet", n_jobs=1, progress=False)
    assert set(pq.read_table(pq_out).column("model").to_pylist()) == {rules_model.name}
    write_agency_table(out, "jsonl", tmp_path / "agencies.jsonl")
    agencies = [json.loads(line) for line in (tmp_path / "agencies.jsonl").read_text(encoding="utf-8").splitlines()]
    assert agencies and {a["model_revision"] for a in agencies} == {expected["model_revision"]}


def test_config_checksum_ignores_key_order_but_not_values():
    from plannlp.runrecord import config_checksum

    assert config_checksum({"a": 1, "b": [1, 2]}) == config_checksum({"b": [1, 2], "a": 1})
    assert config_checksum({"a": 1}) != config_checksum({"a": 2})


def test_a_jsonl_of_documents_is_tagged_with_its_ids_and_texts(rules_model, tmp_path):
    from plannlp.data import Span
    from plannlp.evaluate import evaluate
    from plannlp.io import read_documents, write_documents

    # text the cleaner would change (doubled spaces, a Markdown-looking line): it must stay as is
    text = "**KẾ HOẠCH**\n" + PLAN.replace("trên 95%", "trên  95%")
    start = text.index("năm 2030")
    gold = [
        Document("plan-1", text, (Span(start, start + 8, "YEAR"),), meta={"source": "x"}),
        Document("plan-2", PLAN),
    ]
    gold_file = tmp_path / "gold.jsonl"
    write_documents(gold_file, gold)
    out = tmp_path / "p.jsonl"
    summary = tag_files([str(gold_file)], out, model=rules_model, n_jobs=2, progress=False)
    assert (summary.tagged, summary.failed) == (2, [])
    predicted = list(read_documents(out))
    assert [(d.id, d.text) for d in predicted] == [(d.id, d.text) for d in gold]
    assert predicted[0].meta["source"] == "x"
    assert evaluate(gold, predicted, bootstrap=0).documents[0].example.predicted.spans  # scored as is
    again = tag_files([str(gold_file)], out, model=rules_model, n_jobs=1, progress=False)
    assert (again.tagged, again.skipped) == (0, 2)  # resumed by document id
    run = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "evaluate", str(gold_file), "--pred", str(out),
         "--json", "--bootstrap", "0"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["strict"]["micro"]["tp"] >= 1


def test_version_flag_prints_the_version_and_revision():
    from plannlp import __version__

    run = subprocess.run(
        [sys.executable, "-c", "from plannlp.cli import main; main()", "--version"], capture_output=True, timeout=60
    )
    assert run.returncode == 0 and run.stdout.decode().startswith(f"plannlp {__version__} (")


# --- issue 13: nothing lost, nothing mixed -----------------------------------------------------

import errno
import io
import os
import signal
import unicodedata
from pathlib import Path

from plannlp.tag import batch as tagging
from plannlp.tag.batch import DEFAULT_MAX_BYTES, split_pieces


def _rows(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def _names(rows):
    return sorted(r["id"].split("/")[-1] for r in rows)


def test_a_torn_last_journal_line_is_cut_before_appending(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    first, second = out.read_text(encoding="utf-8").splitlines()
    # a run killed while writing its second line: the journal ends mid-line, no output yet
    out.unlink()
    (tmp_path / "out.jsonl.journal.jsonl").write_text(first + "\n" + second[: len(second) // 2], encoding="utf-8")
    summary = tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert (summary.tagged, summary.skipped) == (1, 1)
    assert _names(_rows(out)) == ["a.txt", "b.md"]  # every line parses, nothing lost


def test_a_write_error_fails_the_run_with_a_message(plans, rules_model, tmp_path, monkeypatch):
    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tagging.os, "fsync", disk_full)
    with pytest.raises(DataError, match="writing the results failed: No space left on device"):
        tag_files([str(plans)], tmp_path / "out.jsonl", model=rules_model, n_jobs=1, progress=False)
    assert not (tmp_path / "out.jsonl").exists()


def test_a_changed_input_is_tagged_again_and_replaces_its_old_result(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    (plans / "a.txt").write_text(PLAN.replace("2030", "2035"), encoding="utf-8")
    again = tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert (again.tagged, again.skipped) == (1, 1)
    rows = _rows(out)
    assert _names(rows) == ["a.txt", "b.md"]
    (a,) = [r for r in rows if r["id"].endswith("a.txt")]
    assert "2035" in a["text"] and "2030" not in a["text"]


def test_another_model_refuses_to_continue_unless_fresh(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert {r["meta"]["model"]["system"] for r in _rows(out)} == {"rules"}
    with pytest.raises(DataError, match="another model.*--fresh"):
        tag_files([str(plans)], out, model=None, n_jobs=1, progress=False)  # the embedded default
    redone = tag_files([str(plans)], out, model=None, n_jobs=1, progress=False, fresh=True)
    assert (redone.tagged, redone.skipped) == (2, 0)
    # whatever system the default is today, every row now names it and none the rule tagger
    assert {r["meta"]["model"]["system"] for r in _rows(out)} == {RunRecord.read(DEFAULT_MODEL).system} != {"rules"}


def _stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_a_different_document_on_stdin_is_not_already_done(rules_model, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    _stdin(monkeypatch, PLAN.encode("utf-8"))
    tag_files(["-"], out, model=rules_model, progress=False)
    _stdin(monkeypatch, PLAN.replace("2030", "2040").encode("utf-8"))
    second = tag_files(["-"], out, model=rules_model, progress=False)
    assert (second.tagged, second.skipped) == (1, 0)
    (row,) = _rows(out)
    assert row["id"] == "stdin" and "2040" in row["text"]
    _stdin(monkeypatch, PLAN.replace("2030", "2040").encode("utf-8"))
    assert tag_files(["-"], out, model=rules_model, progress=False).skipped == 1  # the same bytes


def test_one_file_under_two_spellings_is_one_document(plans, rules_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.jsonl"
    both = tag_files(["plans/", "./plans/*.md"], out, model=rules_model, n_jobs=1, progress=False)
    assert (both.tagged, both.skipped) == (2, 0)
    assert sorted(r["id"] for r in _rows(out)) == ["plans/a.txt", "plans/b.md"]
    again = tag_files([str(plans / "." / "b.md"), "plans//a.txt"], out, model=rules_model, n_jobs=1, progress=False)
    assert (again.tagged, again.skipped) == (0, 2)
    assert len(_rows(out)) == 2


def test_a_second_run_on_the_same_output_is_refused(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    with tagging._output_lock(out):  # another run holds the output (flock: per open file, as across processes)
        with pytest.raises(DataError, match="another plannlp tag run is writing"):
            tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    assert tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False).tagged == 2


def test_a_second_process_on_the_same_output_is_refused(plans, rules_model, tmp_path):
    out = tmp_path / "out.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from plannlp.tag.batch import _output_lock\n"
         "with _output_lock(Path(sys.argv[1])):\n print('locked', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DataError, match="another plannlp tag run"):
            tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False)
    finally:
        holder.kill()
        holder.wait()
    assert tag_files([str(plans)], out, model=rules_model, n_jobs=1, progress=False).tagged == 2  # a killed holder frees it


@pytest.fixture
def alarm():
    """Fail instead of hanging for ever (the case under test is a hang)."""

    def hung(signum, frame):
        raise TimeoutError("hung")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_a_fifo_or_a_device_is_refused_without_hanging(rules_model, tmp_path, alarm):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    summary = tag_files([str(fifo), "/dev/zero"], tmp_path / "o.jsonl", model=rules_model, n_jobs=1, progress=False)
    assert summary.tagged == 0
    assert [s for s, _ in summary.failed] == [str(fifo), "/dev/zero"]
    assert all("not a regular file" in err for _, err in summary.failed)


class _Endless:
    """A stdin that never ends (``yes |``): reading it whole would exhaust memory."""

    class buffer:  # noqa: N801 - mimics sys.stdin.buffer
        @staticmethod
        def read(n=-1):
            if n is None or n < 0:
                raise MemoryError("read an endless stream whole")
            return b"a" * n


def test_input_size_is_bounded_for_stdin_and_files(plans, rules_model, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Endless())
    summary = tag_files(["-"], tmp_path / "o.jsonl", model=rules_model, progress=False, max_bytes=1000)
    assert summary.failed == [("-", "DataError: stdin: more than 1,000 bytes; raise the limit with --max-mb")]
    big = tmp_path / "big.txt"
    big.write_text(PLAN * 20, encoding="utf-8")
    summary = tag_files([str(big)], tmp_path / "p.jsonl", model=rules_model, n_jobs=1, progress=False, max_bytes=1000)
    assert "more than 1,000 bytes" in summary.failed[0][1]
    assert tag_files([str(big)], tmp_path / "q.jsonl", model=rules_model, n_jobs=1, progress=False).tagged == 1
    assert DEFAULT_MAX_BYTES == 64 * 1024 * 1024


def test_split_pieces_cover_the_text_and_cut_at_lines_then_sentences():
    text = "Dòng một.\n" * 30 + "Câu dài. " * 200 + "x" * 150 + "\nCuối."
    pieces = split_pieces(text, 100)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
    assert all(0 < e - s <= 100 for s, e in pieces)
    assert text[pieces[0][1] - 1] == "\n"  # lines first
    inside = [text[e - 2 : e] for s, e in pieces if "Câu" in text[s:e]][:-1]
    assert inside and all(cut == ". " for cut in inside)  # a long line after a sentence end
    assert split_pieces("", 10) == [(0, 0)] and split_pieces("abc", 10) == [(0, 3)]


def test_a_long_document_is_segmented_and_tagged_in_pieces(rules_model, tmp_path, monkeypatch, capsys):
    body = PLAN.splitlines()[1:]
    lines = [body[i % 2].replace("2030", str(2000 + i % 50)) for i in range(1400)]
    text = "ỦY BAN NHÂN DÂN TỈNH LÀO CAI\n" + "\n".join(lines) + "\n"  # about 100k characters
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    seen_model, seen_segment = [], []
    real_load, real_segment = tagging_load(), tagging._segment_piece

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def predict(self, docs, sentences=None):
            seen_model.extend(len(d.text) for d in docs)
            return self.inner.predict(docs, sentences)

        def __getattr__(self, name):  # labels, system, ...: the wrapped tagger's
            return getattr(self.inner, name)

    monkeypatch.setattr("plannlp.tag.systems.load_tagger", lambda model=None: Spy(real_load(model)))
    monkeypatch.setattr(tagging, "_segment_piece", lambda t: (seen_segment.append(len(t)), real_segment(t))[1])
    out = tmp_path / "out.jsonl"
    summary = tag_files([str(tmp_path / "long.txt")], out, model=rules_model, n_jobs=1, progress=True, piece_chars=8000)
    assert summary.tagged == 1 and summary.pieces == len(seen_model) >= 12
    (row,) = _rows(out)
    assert max(seen_model) <= 8000 and max(seen_segment) <= 8000 and sum(seen_segment) == len(row["text"])
    assert f"tagged in {summary.pieces} pieces" in capsys.readouterr().err  # progress inside the document
    whole = real_load(rules_model).predict([Document("x", row["text"])])[0]
    assert Document.from_json(row).spans == whole.spans  # the spans of the whole document ...
    assert [s.get("role") for s in row["spans"]] == [s.role for s in whole.spans]  # ... its roles and links
    assert [tuple(map(tuple, (lk["indicator"], lk["agency"]))) for lk in row.get("links", [])] == [
        (lk.indicator, lk.agency) for lk in whole.links
    ]
    assert any(s.get("role") for s in row["spans"]) and row.get("links")


def tagging_load():
    from plannlp.tag.systems import load_tagger

    return load_tagger


def test_tag_api_normalises_nfd_text_and_keeps_offsets_into_it():
    nfc = PLAN
    nfd = unicodedata.normalize("NFD", PLAN)
    assert nfd != nfc
    from_nfc, from_nfd = tag(nfc), tag(nfd)  # the default CRF, which learnt NFC text
    assert from_nfd.text == nfd and len(from_nfd.spans) == len(from_nfc.spans) > 3
    assert [unicodedata.normalize("NFC", from_nfd.span_text(s)) for s in from_nfd.spans] == [
        from_nfc.span_text(s) for s in from_nfc.spans
    ]


def test_cli_input_limit_and_fresh(rules_model, tmp_path):
    cli = [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", "-", "--model", str(rules_model), "-j", "1"]
    big = subprocess.run([*cli, "--max-mb", "0.0001"], input=PLAN.encode("utf-8"), capture_output=True, timeout=120)
    assert big.returncode == 1 and b"raise the limit with --max-mb" in big.stderr and b"Traceback" not in big.stderr
    out = tmp_path / "o.jsonl"
    first = subprocess.run([*cli, "-o", str(out)], input=PLAN.encode("utf-8"), capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr.decode()
    other = subprocess.run([*cli[:-4], "-j", "1", "-o", str(out)], input=PLAN.encode("utf-8"), capture_output=True, timeout=120)
    assert other.returncode == 2 and b"another model" in other.stderr  # the default CRF on a rules output
    fresh = subprocess.run([*cli[:-4], "-j", "1", "-o", str(out), "--fresh"], input=PLAN.encode("utf-8"), capture_output=True, timeout=120)
    assert fresh.returncode == 0 and b"tagged 1 documents" in fresh.stderr


def test_beyond_the_whole_document_limit_roles_and_links_stay_per_piece(rules_model, tmp_path, monkeypatch, capsys):
    body = PLAN.splitlines()[1:]
    # every line different: the cleaner drops repeated paragraphs
    text = "\n".join(body[i % 2].replace("2030", str(1800 + i)).replace("kế hoạch", f"kế hoạch số {i}") for i in range(200)) + "\n"
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(tagging, "WHOLE_LAYER_CHARS", 10_000)
    out = tmp_path / "out.jsonl"
    summary = tag_files([str(tmp_path / "long.txt")], out, model=rules_model, n_jobs=1, progress=False, piece_chars=3000)
    assert summary.pieces >= 5
    assert "roles and target links were found within each piece" in capsys.readouterr().err
    (row,) = _rows(out)
    whole = RuleTagger().predict([Document("x", row["text"])])[0]
    assert Document.from_json(row).spans == whole.spans  # the spans do not depend on the pieces


def test_output_keeps_input_order_when_a_long_document_comes_first(rules_model, tmp_path):
    # the long document is tagged piece by piece in the main process, the short ones whole in the
    # workers; the batch that finishes the long one holds short ones after it
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-long.txt").write_text("\n".join([PLAN] * 6), encoding="utf-8")
    for name in ("b.txt", "c.txt", "d.txt"):
        (folder / name).write_text(PLAN, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = tag_files([str(folder)], out, model=rules_model, n_jobs=2, batch_docs=4, progress=False, piece_chars=len(PLAN) + 10)
    assert summary.tagged == 4 and summary.pieces > 4
    assert [Path(r["id"]).name for r in _rows(out)] == ["a-long.txt", "b.txt", "c.txt", "d.txt"]


@pytest.mark.parametrize("fresh", [False, True])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(plans, rules_model, tmp_path, fresh):
    # once, -o naming the input copied it into the journal, and --fresh then replaced a plan (or a
    # gold JSONL) with its own tagging
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "d1", "text": PLAN, "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    for source, output in ((plans / "a.txt", plans / "a.txt"), (plans, plans / "b.md"), (gold, gold)):
        before = output.read_bytes()
        with pytest.raises(DataError, match="also an input"):
            tag_files([str(source)], output, model=rules_model, n_jobs=1, progress=False, fresh=fresh)
        assert output.read_bytes() == before
        assert not (output.parent / (output.name + ".journal.jsonl")).exists()


def test_an_output_that_is_a_folder_is_refused_before_tagging(plans, rules_model, tmp_path, monkeypatch):
    # once every document was tagged and only the final write failed ("rerun to resume", which
    # failed the same way)
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(tagging, "_tag_locked", lambda *a, **k: pytest.fail("tagging started"))
    with pytest.raises(DataError, match="is a folder"):
        tag_files([str(plans)], folder, model=rules_model, n_jobs=1, progress=False)
    assert set(tmp_path.iterdir()) == {plans, folder}  # no lock or journal left beside it


def test_a_folder_without_input_files_is_said_not_silent(tmp_path, caplog):
    # an empty folder (or one of PDFs only) used to give an empty output and nothing else; it stays
    # no error, since a watched folder may be empty, but the run now says why nothing was tagged
    import logging

    from plannlp.tag.batch import expand_inputs

    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4")
    with caplog.at_level(logging.WARNING, logger="plannlp.tag.batch"):
        assert expand_inputs([str(tmp_path)]) == []
    assert str(tmp_path) in caplog.text and "nothing to tag" in caplog.text
