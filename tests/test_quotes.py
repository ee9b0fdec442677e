import unicodedata

import pytest

from plannlp.corpus.quotes import format_quotes, parse_quotes, render_spans
from plannlp.corpus.validate import span_problems
from plannlp.data import DataError, Document, Span

TEXT = "Sở Y tế đã ban hành. Sở Y tế chủ trì, phối hợp Sở Tài chính. Đến năm 2030 trên 95% dân số."


def test_quotes_are_found_in_order_with_skip_and_context():
    lines = [
        "# labelled_by: annotator-A",
        "SKIP\tSở Y tế",
        "AGENCY\tSở Y tế",
        "AGENCY\tSở Tài chính\tphối hợp",
        "YEAR\tnăm 2030",
        "VALUE\t95%",
    ]
    spans, meta = parse_quotes(TEXT, lines)
    assert meta == {"labelled_by": "annotator-A"}
    assert [TEXT[s.start : s.end] for s in spans] == ["Sở Y tế", "Sở Tài chính", "năm 2030", "95%"]
    assert spans[0].start == 21


def test_nfd_quotes_match_nfc_text():
    spans, _ = parse_quotes(TEXT, [unicodedata.normalize("NFD", "AGENCY\tSở Tài chính")])
    assert TEXT[spans[0].start : spans[0].end] == "Sở Tài chính"


@pytest.mark.parametrize(
    "line, message",
    [
        ("PERSON\tSở Y tế", "unknown label"),
        ("AGENCY\tSở Xây dựng", "not found"),
        ("AGENCY", "expected LABEL"),
        ("AGENCY\t Sở Y tế", "leading or trailing space"),
    ],
)
def test_bad_lines_name_the_line(line, message):
    with pytest.raises(DataError, match=rf"q\.tsv:2: .*{message}"):
        parse_quotes(TEXT, ["# c", line], source="q.tsv")


def test_format_quotes_round_trips_including_repeated_quotes():
    doc = Document("d", TEXT, (Span(21, 28, "AGENCY"), Span(47, 59, "AGENCY"), Span(79, 82, "VALUE")))
    text = format_quotes(doc, {"status": "draft"})
    spans, meta = parse_quotes(TEXT, text.splitlines())
    assert tuple(spans) == doc.spans and meta == {"status": "draft"}
    assert "[[Sở Tài chính]]" in render_spans(doc)


def test_span_problems():
    assert span_problems(TEXT, Span(79, 82, "VALUE")) == []
    assert span_problems(TEXT, Span(79, 83, "VALUE"))  # trailing space
    assert span_problems(TEXT, Span(1, 7, "AGENCY"))  # starts inside a word
