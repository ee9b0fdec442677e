import unicodedata

import pytest

from plannlp.annotate.quotes import format_quotes, parse_quotes, render_spans
from plannlp.annotate.validate import span_problems
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


# --- roles and links (spec: Agency roles and responsibility, 2026-12-01) ---

ROLE_TEXT = "Phấn đấu 95% dân số tham gia bảo hiểm y tế. Bảo hiểm xã hội tỉnh chủ trì, phối hợp với Sở Y tế."


def test_roles_and_links_round_trip():
    from plannlp.annotate.quotes import parse_annotation

    lines = [
        "# status: gold",
        "VALUE\t95%",
        "INDICATOR#bhyt\tdân số tham gia bảo hiểm y tế",
        "AGENCY:lead>bhyt\tBảo hiểm xã hội tỉnh",
        "AGENCY:partner>bhyt\tSở Y tế",
    ]
    spans, links, meta = parse_annotation(ROLE_TEXT, lines)
    assert [s.role for s in spans if s.label == "AGENCY"] == ["lead", "partner"]
    assert len(links) == 2 and {ROLE_TEXT[link.agency[0]:link.agency[1]] for link in links} == {"Bảo hiểm xã hội tỉnh", "Sở Y tế"}
    doc = Document("d", ROLE_TEXT, tuple(spans), links=tuple(links))
    again = parse_annotation(ROLE_TEXT, format_quotes(doc, meta).splitlines())
    assert again.spans == spans and [s.role for s in again.spans] == [s.role for s in spans]
    assert again.links == links
    assert [s.text(ROLE_TEXT) for s in doc.responsible_for(spans[1])] == ["Bảo hiểm xã hội tỉnh", "Sở Y tế"]


@pytest.mark.parametrize(
    "line, message",
    [
        ("AGENCY\tSở Y tế", "has no role"),  # gold files give every AGENCY a role
        ("AGENCY:boss\tSở Y tế", "unknown role"),
        ("VALUE:lead\t95%", "only AGENCY takes a role"),
        ("AGENCY:lead>nothere\tSở Y tế", "names no INDICATOR"),
    ],
)
def test_gold_role_and_link_errors_name_file_and_line(line, message):
    from plannlp.annotate.quotes import parse_annotation

    with pytest.raises(DataError, match=message) as err:
        parse_annotation(ROLE_TEXT, ["# status: gold", line], source="q.tsv")
    # the line too: a role-less AGENCY was once reported by offset only
    assert str(err.value).startswith("q.tsv:2: ")


def test_draft_file_may_leave_roles_out():
    from plannlp.annotate.quotes import parse_annotation

    spans, _, _ = parse_annotation(ROLE_TEXT, ["# status: draft", "AGENCY\tSở Y tế"])
    assert spans[0].role is None


def test_a_quote_file_with_a_bom_reads_and_bad_bytes_name_the_line(tmp_path):
    # a BOM (Windows editors) made line 1 "unknown"; a non-UTF-8 byte raised the codec's error,
    # naming neither file nor line
    from plannlp.annotate.quotes import read_annotation

    path = tmp_path / "q.tsv"
    path.write_bytes("\ufeff# status: gold\r\nVALUE\t95%\r\nAGENCY:lead\tSở Y tế\r\n".encode("utf-8"))
    spans, _, meta = read_annotation(path, ROLE_TEXT)
    assert meta == {"status": "gold"} and [s.text(ROLE_TEXT) for s in spans] == ["95%", "Sở Y tế"]
    path.write_bytes("# status: gold\nVALUE\t95%\nAGENCY:lead\tSở Y tế".encode("utf-8") + b"\xff\n")
    with pytest.raises(DataError, match=r"q\.tsv:3: not UTF-8 text"):
        read_annotation(path, ROLE_TEXT)
