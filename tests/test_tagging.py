import csv
import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from plannlp.baselines.rules import RuleTagger
from plannlp.data import DataError, Document
from plannlp.tagging import expand_inputs, tag, tag_files

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
    from plannlp.tagging import write_agency_table

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


def test_every_output_says_which_model_and_plannlp_made_it(plans, rules_model, tmp_path):
    from plannlp import __version__
    from plannlp.runrecord import RunRecord, config_checksum, provenance
    from plannlp.tagging import write_agency_table

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
    write_agency_table(out, "jsonl", tmp_path / "agencies.jsonl", summary.provenance)
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
