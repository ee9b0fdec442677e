from plannlp.data import Document, Span
from plannlp.records import extract_records
from plannlp.tag.baselines.crf import CrfSettings, settings_from_config
from plannlp.tag.baselines.years import cell_years, date_records

# a heading year above a target, and a target whose sentence holds its own year
TEXT = (
    "Mục tiêu cụ thể đến năm 2030\n"
    "- Phấn đấu 100% hồ sơ được số hóa.\n"
    "Phấn đấu đến năm 2025 trên 95% dân số tham gia bảo hiểm y tế.\n"
)


def _doc(*items):
    spans, cursor = [], 0
    for quote, label in items:
        i = TEXT.index(quote, cursor)
        spans.append(Span(i, i + len(quote), label))
        cursor = i + len(quote)
    return Document("y", TEXT, tuple(spans))


def _years(doc, spans):
    return {doc.span_text(r.indicator): r.year and doc.span_text(r.year) for r in extract_records(doc.with_spans(spans))}


def test_a_rule_year_dates_only_the_records_the_tagger_left_undated():
    # the tagger found the second target's YEAR but not the heading's: only the heading year is added
    doc = _doc(
        ("100%", "VALUE"), ("hồ sơ được số hóa", "INDICATOR"), ("năm 2025", "YEAR"), ("trên", "COMPARATOR"),
        ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"),
    )  # fmt: skip
    assert _years(doc, doc.spans) == {"hồ sơ được số hóa": None, "dân số tham gia bảo hiểm y tế": "năm 2025"}
    dated = date_records(doc)
    assert _years(doc, dated) == {"hồ sơ được số hóa": "năm 2030", "dân số tham gia bảo hiểm y tế": "năm 2025"}
    assert [doc.span_text(s) for s in dated if s not in doc.spans] == ["năm 2030"]


def test_rule_years_that_date_no_record_stay_out():
    # no target under the heading: its year dates nothing and is not added; dated records unchanged
    doc = _doc(("năm 2025", "YEAR"), ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"))
    assert date_records(doc) == list(doc.spans)


def test_the_crf_reads_record_years_from_its_config_and_is_off_without_it():
    assert settings_from_config({"record_years": True}, ("YEAR",)).record_years
    assert not settings_from_config({}, ("YEAR",)).record_years
    assert not CrfSettings.from_json({"c1": 0.1}).record_years  # a model saved before the setting


# an implementation table flattened to lines (spec rule 8): task, lead, partners, time cell, product
TABLE = (
    "Kế hoạch triển khai giai đoạn 2026 - 2030 như sau:\n"
    "1.1\nXây dựng cơ sở dữ liệu y tế\nSở Y tế\nCác sở, ban, ngành\n2026 - 2030\nKế hoạch\n"
    "1.2\nTriển khai bệnh án điện tử\nSở Y tế\nBảo hiểm xã hội tỉnh\n| **Năm 2026** |\nBáo cáo\n"
)


def test_a_time_cell_on_a_line_of_its_own_becomes_a_year():
    doc = Document("t", TABLE)
    added = [doc.span_text(s) for s in cell_years(doc)]
    # the two cells (one inside table pipes and bold markers); the range inside prose stays out
    assert added == ["2026 - 2030", "Năm 2026"]
    assert all(s.label == "YEAR" for s in cell_years(doc))


def test_a_predicted_span_over_a_cell_keeps_it_out():
    i = TABLE.index("2026 - 2030\nKế")
    doc = Document("t", TABLE, (Span(i, i + 4, "YEAR"),))  # the tagger took part of the cell
    assert [doc.span_text(s) for s in cell_years(doc)] == ["2026", "Năm 2026"]


def test_cell_years_in_decomposed_text():
    # cleaned text is NFC; a cell in NFD (`Năm` with a combining breve) must not crash, whatever it finds
    import unicodedata

    doc = Document("t", unicodedata.normalize("NFD", TABLE))
    assert all(doc.span_text(s).strip() for s in cell_years(doc))


def test_the_crf_reads_cell_years_from_its_config_and_is_off_without_it():
    assert settings_from_config({"cell_years": True}, ("YEAR",)).cell_years
    assert not settings_from_config({}, ("YEAR",)).cell_years
    assert not CrfSettings.from_json({"c1": 0.1}).cell_years  # a model saved before the setting
