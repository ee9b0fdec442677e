import json
import unicodedata

import pytest

from plannlp.data import DataError, Document, Example, Span, TargetRecord
from plannlp.io import read_documents, write_documents

TEXT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế."


def test_span_checks_on_construction():
    assert Span(0, 3, "VALUE").end == 3
    with pytest.raises(DataError, match="empty"):
        Span(3, 3, "VALUE")
    # labels are data (a model's config names its label set): any well-formed name is a label,
    # but not one that would break a BIO tag or a quote file
    assert Span(0, 3, "PER").label == "PER"
    for bad in ("", "B I", "1ABC", "X\tY"):
        with pytest.raises(DataError, match="not a label name"):
            Span(0, 3, bad)
    with pytest.raises(DataError, match="only AGENCY"):
        Span(0, 3, "VALUE", role="lead")
    with pytest.raises(DataError, match="unknown agency role"):
        Span(0, 3, "AGENCY", role="boss")
    with pytest.raises(DataError, match="integers"):
        Span(0.0, 3, "VALUE")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="score"):
        Span(0, 3, "VALUE", 1.5)


def test_a_span_changes_only_by_a_copy_that_is_checked_again():
    import dataclasses

    span = Span(0, 3, "VALUE")
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]
    assert dataclasses.replace(span, end=5) == Span(0, 5, "VALUE")
    with pytest.raises(DataError):
        dataclasses.replace(span, start=4)  # past its end
    with pytest.raises(DataError):
        dataclasses.replace(Span(0, 3, "AGENCY"), role="boss")


def test_document_sorts_spans_and_rejects_overlap_and_out_of_bounds():
    doc = Document("d", TEXT, (Span(27, 30, "VALUE"), Span(13, 21, "YEAR")))
    assert [s.label for s in doc.spans] == ["YEAR", "VALUE"]
    assert doc.span_text(doc.spans[0]) == "năm 2030"
    with pytest.raises(DataError, match="overlap"):
        Document("d", TEXT, (Span(13, 21, "YEAR"), Span(17, 25, "VALUE")))
    with pytest.raises(DataError, match="past the text"):
        Document("d", TEXT, (Span(0, len(TEXT) + 1, "INDICATOR"),))


def test_regions_bound_spans():
    Document("d", TEXT, (Span(13, 21, "YEAR"),), regions=((0, 30),))
    with pytest.raises(DataError, match="outside the labelled regions"):
        Document("d", TEXT, (Span(31, 37, "INDICATOR"),), regions=((0, 30),))
    doc = Document("d", TEXT, regions=((0, 30),))
    assert doc.in_regions(13, 21) and not doc.in_regions(25, 35)


def test_with_spans_returns_a_new_document():
    gold = Document("d", TEXT, (Span(13, 21, "YEAR"),))
    pred = gold.with_spans([Span(27, 30, "VALUE", 0.9)])
    assert gold.spans == (Span(13, 21, "YEAR"),)
    assert pred.spans[0].score == 0.9
    assert Example(pred, gold).reference is gold


def test_example_requires_same_text():
    with pytest.raises(DataError, match="texts differ"):
        Example(Document("d", TEXT), Document("d", TEXT + " "))


def test_json_round_trip_keeps_meta_and_scores(tmp_path):
    doc = Document(
        "gov-1",
        TEXT,
        (Span(13, 21, "YEAR"), Span(27, 30, "VALUE", 0.75)),
        meta={"source": "seed", "labelled_by": "annotator-A"},
        regions=((0, len(TEXT)),),
    )
    path = tmp_path / "docs.jsonl"
    assert write_documents(path, [doc]) == 1
    (back,) = list(read_documents(path))
    assert back == doc and back.meta["labelled_by"] == "annotator-A"
    gz = tmp_path / "docs.jsonl.gz"
    write_documents(gz, [doc])
    assert list(read_documents(gz)) == [doc]


def test_checksum_mismatch_is_reported(tmp_path):
    doc = Document("d", TEXT, meta={"checksum": Document("x", TEXT).checksum})
    obj = doc.to_json()
    obj["text"] = TEXT.replace("95", "96")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.jsonl:1: .*checksum"):
        list(read_documents(path))


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "invalid JSON"),
        ('{"text": "a"}', "lacks 'id'"),
        ('{"id": "a", "text": "abc", "spans": [{"start": 0, "end": 9, "label": "YEAR"}]}', "past the text"),
        ('{"id": "a", "text": "abc", "spans": [{"start": 0, "end": 2}]}', "lacks label"),
        ('{"id": "a", "text": "abc", "spans": {}}', "must be a list"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "ok", "text": "x"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"in\.jsonl:3: .*{message}"):
        list(read_documents(path))


def test_duplicate_ids_and_missing_files_are_errors(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="dup.jsonl:2: duplicate"):
        list(read_documents(path))
    with pytest.raises(DataError, match="no such file"):
        list(read_documents(tmp_path / "missing.jsonl"))


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes("{\"id\": \"a\", \"text\": \"Hà Nội\"}\n".encode("utf-16-le"))
    with pytest.raises(DataError, match="not UTF-8"):
        list(read_documents(path))


def test_nfc_and_nfd_texts_are_different_documents():
    nfc = unicodedata.normalize("NFC", TEXT)
    nfd = unicodedata.normalize("NFD", TEXT)
    assert Document("a", nfc).checksum != Document("a", nfd).checksum


def test_metadata_is_read_only_and_documents_pickle():
    import pickle

    doc = Document("d", TEXT, (Span(13, 21, "YEAR"),), meta={"source": "seed"})
    with pytest.raises(TypeError, match="read-only"):
        doc.meta["source"] = "other"  # type: ignore[index]
    assert doc.with_meta(source="other").meta["source"] == "other" and doc.meta["source"] == "seed"
    assert pickle.loads(pickle.dumps(doc)) == doc
