import unicodedata

from plannlp.data import Document, Span
from plannlp.tag.baselines.agencycells import cell_agencies, fills_its_line, recipient_lines
from plannlp.tag.baselines.crf import CrfSettings, settings_from_config

# an implementation table flattened to lines, then a recipient list (spec: not labelled)
TABLE = (
    "Các sở, ngành phối hợp thực hiện như sau:\n"
    "1\nXây dựng cơ sở dữ liệu y tế\n| Sở Y tế |\n- Bảo hiểm xã hội tỉnh;\n2026 - 2030\n"
    "Sở Y tế chủ trì triển khai kế hoạch.\n"
    "Nơi nhận:\n- Bộ Y tế;\n- Sở Tài chính;\n- Lưu: VT.\n"
    "TM. ỦY BAN NHÂN DÂN\n"
)


def added(doc, spans=None):
    return [doc.span_text(s) for s in cell_agencies(doc, spans) if s not in (spans or ())]


def test_a_body_on_a_line_of_its_own_becomes_an_agency_but_not_in_a_recipient_list():
    doc = Document("t", TABLE)
    # the table cell (inside pipes) and the list line; the body in prose and the recipients stay out
    assert added(doc) == ["Sở Y tế", "Bảo hiểm xã hội tỉnh"]
    assert all(s.label == "AGENCY" and s.role is None for s in cell_agencies(doc))


def test_a_predicted_span_over_the_line_keeps_it_out():
    i = TABLE.index("Sở Y tế |")
    pred = [Span(i, i + 2, "AGENCY")]  # the tagger took part of the cell
    assert added(Document("t", TABLE), pred) == ["Bảo hiểm xã hội tỉnh"]


def test_recipient_block_ends_at_the_first_line_that_is_not_a_list_line():
    lines = [TABLE[s:e] for s, e in recipient_lines(TABLE)]
    assert lines == ["Nơi nhận:", "- Bộ Y tế;", "- Sở Tài chính;", "- Lưu: VT."]


def test_fills_its_line_ignores_edge_marks_only():
    text = "- Sở Y tế;\nSở Y tế chủ trì"
    assert fills_its_line(text, Span(2, 9, "AGENCY")) and not fills_its_line(text, Span(11, 18, "AGENCY"))


def test_cell_agencies_in_decomposed_text():
    # cleaned text is NFC; NFD input must not crash, whatever it finds
    doc = Document("t", unicodedata.normalize("NFD", TABLE))
    assert all(doc.span_text(s).strip() for s in cell_agencies(doc))


def test_the_crf_reads_cell_agencies_from_its_config_and_is_off_without_it():
    assert settings_from_config({"cell_agencies": True}, ("AGENCY",)).cell_agencies
    assert not settings_from_config({}, ("AGENCY",)).cell_agencies
    assert not CrfSettings.from_json({"c1": 0.1}).cell_agencies  # a model saved before the setting


def test_coordinated_agencies_grow_a_list_from_one_found_body():
    from plannlp.tag.baselines.agencycells import coordinated_agencies

    text = "Sở Y tế chủ trì, phối hợp với Sở Tài chính, Bảo hiểm xã hội tỉnh và Sở Nội vụ thực hiện."
    doc = Document("t", text)
    i = text.index("Sở Tài chính")
    found = [Span(i, i + len("Sở Tài chính"), "AGENCY")]
    grown = [doc.span_text(s) for s in coordinated_agencies(doc, found)]
    # each body joined by "," or "và" to one already found comes in; "Sở Y tế" is joined by
    # ", phối hợp với", not a coordinator, so it stays out
    assert grown == ["Sở Tài chính", "Bảo hiểm xã hội tỉnh", "Sở Nội vụ"]
    assert coordinated_agencies(doc, []) == []  # nothing found, nothing to join to
