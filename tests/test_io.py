"""plannlp.io: the one JSONL reader (strict, or with a journal's torn tail) and document files."""

from __future__ import annotations

import gzip
import json

import pytest

from plannlp.data import DataError, Document
from plannlp.io import iter_jsonl, read_documents, read_jsonl, write_documents


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
