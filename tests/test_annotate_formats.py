import json
from pathlib import Path

import pytest

from plannlp.annotate import formats
from plannlp.annotate.gold import load_annotation
from plannlp.data import DataError, Document, Span

MINI = Path(__file__).parent / "data" / "corpus" / "mini"


@pytest.fixture(scope="module")
def docs():
    return [load_annotation(MINI / "annotations" / f"{i}.tsv", MINI)
            for i in ("seed-000_test", "news-baomoi-1")]


def surfaces(doc):
    return [(s.label, doc.span_text(s)) for s in doc.spans]


def test_labelstudio_predictions_round_trip(docs, tmp_path):
    out = tmp_path / "tasks.json"
    formats.export_documents(docs, "labelstudio", out)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert "predictions" in tasks[0] and "annotations" not in tasks[0]
    back = formats.import_documents(out, "labelstudio")
    assert [(d.id, d.text, d.spans) for d in back] == [(d.id, d.text, d.spans) for d in docs]
    assert back[0].meta["labelled_by"] == docs[0].meta["labelled_by"]


def test_labelstudio_completed_export_is_read(docs):
    doc = docs[0]
    task = formats.to_labelstudio([doc])[0]
    # what an annotator's export looks like: the latest non-cancelled annotation counts
    first = task["predictions"][0]["result"][:2]
    task["annotations"] = [
        {"id": 1, "completed_by": 7, "was_cancelled": False, "result": first},
        {"id": 2, "completed_by": 8, "was_cancelled": True, "result": []},
    ]
    [back] = formats.from_labelstudio([task])
    assert surfaces(back) == surfaces(doc)[:2]
    assert back.meta["labelled_by"] == "labelstudio:7"


def test_labelstudio_region_text_must_match(docs):
    task = formats.to_labelstudio([docs[0]], as_predictions=False)[0]
    task["annotations"][0]["result"][0]["value"]["text"] = "sai"
    with pytest.raises(DataError, match="says 'sai'"):
        formats.from_labelstudio([task])


def test_doccano_round_trip_and_entities_form(docs, tmp_path):
    out = tmp_path / "d.jsonl"
    formats.export_documents(docs, "doccano", out)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["label"][0] == [docs[0].spans[0].start, docs[0].spans[0].end, docs[0].spans[0].label]
    back = formats.import_documents(out, "doccano")
    assert [(d.id, d.text, d.spans) for d in back] == [(d.id, d.text, d.spans) for d in docs]
    newer = json.dumps({"id": 3, "text": "Sở Y tế", "entities": [{"start_offset": 0, "end_offset": 7, "label": "AGENCY"}]})
    [doc] = formats.from_doccano([newer])
    assert surfaces(doc) == [("AGENCY", "Sở Y tế")]


def test_conll_round_trip_keeps_words_and_labels(docs, tmp_path):
    out = tmp_path / "x.conll"
    misaligned = formats.export_documents(docs, "conll", out)
    assert misaligned == []
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# doc_id = seed-000_test"
    assert "bảo_hiểm_y_tế I-INDICATOR" in lines and "dân_số B-INDICATOR" in lines
    back = formats.import_documents(out, "conll")
    assert [d.id for d in back] == [d.id for d in docs]
    for original, read in zip(docs, back):
        # CoNLL keeps words, not the spaces between them ("95%" is the words "95" and "%")
        assert [(label, text.replace(" ", "")) for label, text in surfaces(read)] == [
            (label, text.replace(" ", "")) for label, text in surfaces(original)]


def test_conll_reports_spans_off_word_boundaries():
    text = "Phấn đấu trên 95% dân số tham gia bảo hiểm y tế"
    start = text.index("hiểm y tế")  # cuts the word "bảo_hiểm_y_tế"
    doc = Document("x", text, (Span(start, len(text), "INDICATOR"),))
    export = formats.to_conll([doc])
    assert [(i, s.label) for i, s, _ in export.misaligned] == [("x", "INDICATOR")]
    assert "INDICATOR" not in export.text


def test_conll_import_turns_word_underscores_back_into_spaces():
    words = "Sở_Y_tế B-AGENCY\nchủ_trì O\n"
    [doc] = formats.from_conll(words.splitlines(keepends=True))
    assert surfaces(doc) == [("AGENCY", "Sở Y tế")]
    assert doc.text == "Sở Y tế chủ trì"


def test_unknown_format_is_an_error(docs, tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        formats.export_documents(docs, "brat", tmp_path / "x")


@pytest.mark.parametrize("fmt", ["labelstudio", "doccano"])
def test_roles_and_links_survive_export_and_import(docs, tmp_path, fmt):
    # the mini corpus's news-baomoi-1 has an oversight and a lead agency and two linked targets
    assert docs[1].links and {s.role for s in docs[1].spans if s.label == "AGENCY"} == {"oversight", "lead"}
    out = tmp_path / f"out.{fmt}"
    formats.export_documents(docs, fmt, out)
    back = formats.import_documents(out, fmt)
    assert [[(s.key, s.label, s.role) for s in d.spans] for d in back] == [
        [(s.key, s.label, s.role) for s in d.spans] for d in docs
    ]
    assert [d.links for d in back] == [d.links for d in docs]


def test_labelstudio_role_of_a_missing_region_is_an_error(docs):
    tasks = formats.to_labelstudio(docs[1:], as_predictions=False)
    result = tasks[0]["annotations"][0]["result"]
    role = next(r for r in result if r["type"] == "choices")
    role["id"] = "nowhere"
    with pytest.raises(DataError, match="names region"):
        formats.from_labelstudio(tasks)


@pytest.mark.parametrize("fmt", ["conll", "doccano", "labelstudio"])
def test_a_file_that_is_not_utf8_names_file_and_line(tmp_path, fmt):
    # the codec's message once reached the user without the file or the line
    path = tmp_path / "in.txt"
    path.write_bytes("Sở\tB-AGENCY\nY\tI-AGENCY\n".encode("utf-8") + b"t\xff\tI-AGENCY\n")
    with pytest.raises(DataError, match=r"in\.txt:3: not UTF-8 text"):
        formats.import_documents(path, fmt)
