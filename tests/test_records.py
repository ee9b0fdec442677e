import importlib.util
import unicodedata
from pathlib import Path

import pytest

from plannlp.data import Document, Span, TargetRecord
from plannlp.records import extract_records, level_rows, record_row, split_unit

_spec = importlib.util.spec_from_file_location(
    "evaluate_fixtures", Path(__file__).parent / "data" / "evaluate" / "make_fixtures.py"
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


def doc(text, *items, doc_id="t"):
    """A document whose spans are (substring, label) pairs located left to right."""
    return Document(doc_id, text, fixtures.marked(text, list(items)))


def texts(record, text):
    """A record as the texts of its parts."""
    part = lambda s: text[s.start : s.end]  # noqa: E731
    return (
        part(record.indicator),
        [part(c) for c in record.comparators],
        [part(v) for v in record.values],
        None if record.year is None else part(record.year),
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("95%", (95.0, "%")),
        ("100%", (100.0, "%")),
        ("2,1 con/phụ nữ", (2.1, "con/phụ nữ")),
        ("1,5‰", (1.5, "‰")),
        ("167cm", (167.0, "cm")),
        ("75 tuổi", (75.0, "tuổi")),
        ("68 năm", (68.0, "năm")),
        ("1.000", (1000.0, "")),
        ("1.000.000 người", (1_000_000.0, "người")),
        ("1.234,5", (1234.5, "")),
        ("1.5", (1.5, "")),
        ("95 %", (95.0, "%")),
        ("1,5 triệu lượt", (1_500_000.0, "lượt")),
        ("109 bé trai/100 bé gái", (109.0, "bé trai/100 bé gái")),
        ("một", (1.0, "")),
        ("Hai", (2.0, "")),
        ("mười", (10.0, "")),
        ("mười lăm lần", (15.0, "lần")),
        ("hai mươi lăm tuổi", (25.0, "tuổi")),
        ("một trăm", (100.0, "")),
        ("mỗi năm một lần", (1.0, "lần/năm")),
        ("mỗi năm 2 lần", (2.0, "lần/năm")),
        ("dân số", (None, "dân số")),
    ],
)
def test_split_unit(value, expected):
    assert split_unit(value) == expected


def test_split_unit_reads_nfd_text_as_nfc():
    nfd = unicodedata.normalize("NFD", "hai mươi lăm tuổi")
    assert nfd != "hai mươi lăm tuổi"
    number, unit = split_unit(nfd)
    assert number == 25.0
    assert unit == "tuổi" and unicodedata.is_normalized("NFC", unit)


# The spec's worked examples -------------------------------------------------------------------


def test_one_doctor_per_station():
    text = "phấn đấu đến năm 2030 mỗi trạm y tế xã, phường, thị trấn có ít nhất một bác sĩ cơ hữu"
    d = doc(text, ("năm 2030", "YEAR"), ("ít nhất", "COMPARATOR"), ("một", "VALUE"), ("bác sĩ cơ hữu", "INDICATOR"))
    [record] = extract_records(d)
    assert texts(record, text) == ("bác sĩ cơ hữu", ["ít nhất"], ["một"], "năm 2030")
    assert record_row(record, text)["number"] == 1.0


def test_value_before_indicator():
    text = "Trên 95% dân số tham gia bảo hiểm y tế"
    d = doc(text, ("Trên", "COMPARATOR"), ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"))
    [record] = extract_records(d)
    assert texts(record, text) == ("dân số tham gia bảo hiểm y tế", ["Trên"], ["95%"], None)


def test_value_after_indicator():
    text = "Tỷ lệ tham gia bảo hiểm y tế đạt trên 95% dân số"
    d = doc(text, ("Tỷ lệ tham gia bảo hiểm y tế", "INDICATOR"), ("trên", "COMPARATOR"), ("95%", "VALUE"))
    [record] = extract_records(d)
    assert texts(record, text) == ("Tỷ lệ tham gia bảo hiểm y tế", ["trên"], ["95%"], None)
    row = record_row(record, text)
    assert (row["number"], row["unit"]) == (95.0, "%")


def test_rate_value_and_purpose_clause():
    text = (
        "người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ ít nhất mỗi năm một lần, "
        "hướng tới kiểm tra sức khỏe định kỳ cho toàn dân"
    )
    d = doc(
        text,
        ("người có nguy cơ cao mắc bệnh được kiểm tra sức khoẻ", "INDICATOR"),
        ("ít nhất", "COMPARATOR"),
        ("mỗi năm một lần", "VALUE"),
    )
    [record] = extract_records(d)
    assert texts(record, text)[1:3] == (["ít nhất"], ["mỗi năm một lần"])
    assert record_row(record, text)["unit"] == "lần/năm"


def test_unlinked_agencies_go_on_no_record():
    text = (
        "UBND các quận, huyện, thị xã cần đưa các chỉ tiêu về y tế cơ sở vào chương trình.\n"
        "Tỷ lệ tham gia bảo hiểm y tế đạt 95%. Tuổi thọ bình quân đạt 75 tuổi."
    )
    d = doc(
        text,
        ("UBND các quận, huyện, thị xã", "AGENCY"),
        ("Tỷ lệ tham gia bảo hiểm y tế", "INDICATOR"),
        ("95%", "VALUE"),
        ("Tuổi thọ bình quân", "INDICATOR"),
        ("75 tuổi", "VALUE"),
    )
    records = extract_records(d)
    assert [texts(r, text)[2] for r in records] == [["95%"], ["75 tuổi"]]
    # until 2026-12-01 every agency went on every record; now only linked bodies and the issuer do
    assert all(r.responsible == () and r.issuer == () for r in records)


# The spec's hard cases ------------------------------------------------------------------------


def test_one_indicator_with_two_levels():
    text = "Chiều cao trung bình người dân 18 tuổi đạt 167cm đối với nam, đạt 156cm đối với nữ"
    d = doc(text, ("Chiều cao trung bình người dân 18 tuổi", "INDICATOR"), ("167cm", "VALUE"), ("156cm", "VALUE"))
    [record] = extract_records(d)
    assert texts(record, text)[2] == ["167cm", "156cm"]


def test_subgroups_share_the_head_indicator():
    text = "tỷ suất tử vong trẻ em: Dưới 5 tuổi ≤1,5‰; dưới 1 tuổi ≤1‰"
    d = doc(
        text,
        ("tỷ suất tử vong trẻ em", "INDICATOR"),
        ("≤", "COMPARATOR"), ("1,5‰", "VALUE"), ("≤", "COMPARATOR"), ("1‰", "VALUE"),
    )  # fmt: skip
    [record] = extract_records(d)
    assert texts(record, text) == ("tỷ suất tử vong trẻ em", ["≤", "≤"], ["1,5‰", "1‰"], None)


def test_a_list_under_a_colon_continues_on_the_next_lines():
    text = "Tỷ suất tử vong trẻ em:\n- Dưới 5 tuổi ≤1,5‰;\n- dưới 1 tuổi ≤1‰.\nTổng tỷ suất sinh đạt 2,1 con."
    d = doc(
        text,
        ("Tỷ suất tử vong trẻ em", "INDICATOR"),
        ("≤", "COMPARATOR"), ("1,5‰", "VALUE"), ("≤", "COMPARATOR"), ("1‰", "VALUE"),
        ("Tổng tỷ suất sinh", "INDICATOR"), ("2,1 con", "VALUE"),
    )  # fmt: skip
    first, second = extract_records(d)
    assert texts(first, text)[2] == ["1,5‰", "1‰"]
    assert texts(second, text)[2] == ["2,1 con"]


def test_two_comparators_in_a_row_both_govern():
    text = "Số người tập thể dục tăng ít nhất 10%"
    d = doc(
        text,
        ("Số người tập thể dục", "INDICATOR"), ("tăng", "COMPARATOR"), ("ít nhất", "COMPARATOR"), ("10%", "VALUE"),
    )  # fmt: skip
    [record] = extract_records(d)
    assert texts(record, text)[1:3] == (["tăng", "ít nhất"], ["10%"])


def test_heading_year_dates_the_list_below():
    text = (
        "a) Đến năm 2025\n- Trên 95% dân số tham gia bảo hiểm y tế;\n"
        "b) Đến năm 2030\n- Tuổi thọ bình quân đạt 75 tuổi."
    )
    d = doc(
        text,
        ("năm 2025", "YEAR"), ("Trên", "COMPARATOR"), ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"),
        ("năm 2030", "YEAR"), ("Tuổi thọ bình quân", "INDICATOR"), ("75 tuổi", "VALUE"),
    )  # fmt: skip
    first, second = extract_records(d)
    assert texts(first, text)[3] == "năm 2025"
    assert texts(second, text)[3] == "năm 2030"


def test_year_in_the_sentence_beats_the_heading_and_a_later_year_is_not_taken():
    text = (
        "a) Đến năm 2025\n"
        "Phấn đấu đến năm 2030 tỷ lệ tiêm chủng đạt 98%. Tỷ lệ béo phì dưới 10% vào năm 2028."
    )
    d = doc(
        text,
        ("năm 2025", "YEAR"), ("năm 2030", "YEAR"), ("tỷ lệ tiêm chủng", "INDICATOR"), ("98%", "VALUE"),
        ("Tỷ lệ béo phì", "INDICATOR"), ("dưới", "COMPARATOR"), ("10%", "VALUE"), ("năm 2028", "YEAR"),
    )  # fmt: skip
    first, second = extract_records(d)
    assert texts(first, text)[3] == "năm 2030"
    # The spec takes the nearest YEAR *before* the indicator, else the heading above.
    assert texts(second, text)[3] == "năm 2025"


def test_values_split_between_two_indicators_of_one_sentence():
    text = "Trên 95% dân số tham gia bảo hiểm y tế, trên 90% trạm y tế có bác sĩ"
    d = doc(
        text,
        ("Trên", "COMPARATOR"), ("95%", "VALUE"), ("dân số tham gia bảo hiểm y tế", "INDICATOR"),
        ("trên", "COMPARATOR"), ("90%", "VALUE"), ("trạm y tế có bác sĩ", "INDICATOR"),
    )  # fmt: skip
    first, second = extract_records(d)
    assert texts(first, text)[1:3] == (["Trên"], ["95%"])
    assert texts(second, text)[1:3] == (["trên"], ["90%"])


def test_indicator_first_clauses_keep_their_own_values():
    text = "Tỷ lệ tiêm chủng đạt 98%, tỷ lệ sinh con thứ ba giảm 10% và tỷ lệ béo phì dưới 5%"
    d = doc(
        text,
        ("Tỷ lệ tiêm chủng", "INDICATOR"), ("98%", "VALUE"),
        ("tỷ lệ sinh con thứ ba", "INDICATOR"), ("giảm", "COMPARATOR"), ("10%", "VALUE"),
        ("tỷ lệ béo phì", "INDICATOR"), ("dưới", "COMPARATOR"), ("5%", "VALUE"),
    )  # fmt: skip
    records = extract_records(d)
    assert [texts(r, text)[1:3] for r in records] == [([], ["98%"]), (["giảm"], ["10%"]), (["dưới"], ["5%"])]


def test_sentences_do_not_share_values_and_a_dot_inside_a_span_is_no_boundary():
    text = "Tỷ lệ dân số TP. Hồ Chí Minh có thẻ bảo hiểm đạt 1.000.000 người. Sở Y tế theo dõi 95% hồ sơ."
    d = doc(
        text,
        ("Tỷ lệ dân số TP. Hồ Chí Minh có thẻ bảo hiểm", "INDICATOR"),
        ("1.000.000 người", "VALUE"),
        ("Sở Y tế", "AGENCY"),
        ("95%", "VALUE"),
    )
    [record] = extract_records(d)
    assert texts(record, text)[2] == ["1.000.000 người"]
    assert record_row(record, text)["number"] == 1000000.0


def test_no_indicator_no_record():
    text = "Sở Y tế chủ trì thực hiện năm 2022"
    assert extract_records(doc(text, ("Sở Y tế", "AGENCY"), ("năm 2022", "YEAR"))) == []


def test_a_level_that_opens_no_clause_stays_with_the_previous_indicator():
    # Table cells flattened without punctuation: "2,1 con" is followed closely by the next
    # indicator, but nothing separates it from its own.
    text = "Tổng tỷ suất sinh đạt 2,1 con tỷ số giới tính khi sinh dưới 109 bé trai/100 bé gái"
    d = doc(
        text,
        ("Tổng tỷ suất sinh", "INDICATOR"), ("2,1 con", "VALUE"),
        ("tỷ số giới tính khi sinh", "INDICATOR"), ("dưới", "COMPARATOR"), ("109 bé trai/100 bé gái", "VALUE"),
    )  # fmt: skip
    first, second = extract_records(d)
    assert texts(first, text)[2] == ["2,1 con"]
    assert texts(second, text)[1:3] == (["dưới"], ["109 bé trai/100 bé gái"])


# --- numbers a table can use; responsibility (spec 2026-12-01) -------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("25-30%", (27.5, 25.0, 30.0, "%", "")),
        ("385 - 405 triệu đồng", (395e6, 385e6, 405e6, "đồng", "triệu")),
        ("13,28 triệu tấn", (13.28e6, 13.28e6, 13.28e6, "tấn", "triệu")),
        ("1.000 người", (1000.0, 1000.0, 1000.0, "người", "")),
        ("2,1 con/phụ nữ", (2.1, 2.1, 2.1, "con/phụ nữ", "")),
        ("không", (0.0, 0.0, 0.0, "", "")),
        ("60% đến 70%", (65.0, 60.0, 70.0, "%", "")),  # a range in words (gold test: one such VALUE)
        ("từ 25 đến 30%", (27.5, 25.0, 30.0, "%", "")),
    ],
)
def test_parse_value_reads_ranges_scales_and_decimal_commas(value, expected):
    from plannlp.records import parse_value

    q = parse_value(value)
    assert (q.number, q.low, q.high, q.unit, q.scale) == expected


def test_parse_year_gives_start_and_end():
    from plannlp.records import parse_year

    assert parse_year("giai đoạn 2021-2025") == (2021, 2025)
    assert parse_year("Năm 2022- 2030") == (2022, 2030)
    assert parse_year("năm 2030") == (2030, 2030)
    assert parse_year("hàng năm") == (None, None)


def test_year_after_the_indicator_governs_the_record():
    # spec: the nearest YEAR before the VALUE in the same sentence, which may stand after the indicator
    text = "Phấn đấu tốc độ tăng trưởng kinh tế năm 2027 là khoảng 6,7%."
    d = doc(text, ("tốc độ tăng trưởng kinh tế", "INDICATOR"), ("năm 2027", "YEAR"), ("khoảng", "COMPARATOR"), ("6,7%", "VALUE"))
    [record] = extract_records(d)
    assert texts(record, text) == ("tốc độ tăng trưởng kinh tế", ["khoảng"], ["6,7%"], "năm 2027")
    row = record_row(record, text)
    assert (row["comparator"], row["number"], row["year_start"], row["year_end"]) == ("khoảng", 6.7, 2027, 2027)


def test_records_carry_the_issuer_and_linked_bodies_only():
    from plannlp.data import Link, Span

    text = (
        "UBND tỉnh ban hành Kế hoạch. Phấn đấu 95% dân số tham gia bảo hiểm y tế. "
        "Bảo hiểm xã hội tỉnh chủ trì, phối hợp với Sở Y tế phát triển người tham gia. Sở Tài chính bố trí kinh phí."
    )

    def at(quote, label, role=None):
        i = text.index(quote)
        return Span(i, i + len(quote), label, role=role)

    ind = at("dân số tham gia bảo hiểm y tế", "INDICATOR")
    lead, partner = at("Bảo hiểm xã hội tỉnh", "AGENCY", "lead"), at("Sở Y tế", "AGENCY", "partner")
    spans = [at("UBND tỉnh", "AGENCY", "issuer"), at("95%", "VALUE"), ind, partner, lead, at("Sở Tài chính", "AGENCY", "lead")]
    d = Document("r", text, tuple(spans), links=(Link(ind.key, partner.key), Link(ind.key, lead.key)))
    [record] = extract_records(d)
    row = record_row(record, text)
    assert row["issuer"] == "UBND tỉnh"
    assert row["responsible"] == "Bảo hiểm xã hội tỉnh | Sở Y tế"  # lead first, then partners
    assert row["responsible_roles"] == "lead | partner"
    assert "Sở Tài chính" not in row.values()  # a body with no link to this target stays out


def test_an_issuer_linked_beside_a_lead_stays_out_of_responsible():
    from plannlp.data import Link, Span

    text = "UBND tỉnh ban hành Kế hoạch. Phấn đấu 95% trạm y tế có bác sĩ. Sở Y tế chủ trì."

    def at(quote, label, role=None):
        i = text.index(quote)
        return Span(i, i + len(quote), label, role=role)

    ind, issuer, lead = at("trạm y tế có bác sĩ", "INDICATOR"), at("UBND tỉnh", "AGENCY", "issuer"), at("Sở Y tế", "AGENCY", "lead")
    d = Document("r", text, (issuer, at("95%", "VALUE"), ind, lead), links=(Link(ind.key, issuer.key), Link(ind.key, lead.key)))
    [record] = extract_records(d)
    assert [d.span_text(a) for a in record.responsible] == ["Sở Y tế"]
    assert [d.span_text(a) for a in record.issuer] == ["UBND tỉnh"]
    # with no lead or partner linked, the issuer answers (the spec's last fallback)
    alone = Document("r", text, (issuer, at("95%", "VALUE"), ind, lead), links=(Link(ind.key, issuer.key),))
    assert [alone.span_text(a) for a in extract_records(alone)[0].responsible] == ["UBND tỉnh"]


def test_target_record_row():
    text = "Đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế"
    rec = TargetRecord(
        "d",
        indicator=Span(22, 51, "INDICATOR", 0.9),
        values=(Span(18, 21, "VALUE", 0.8),),
        comparators=(Span(13, 17, "COMPARATOR", 0.95),),
        year=Span(4, 12, "YEAR"),
    )
    row = record_row(rec, text)
    assert row["indicator"] == "dân số tham gia bảo hiểm y tế"
    assert (row["comparator"], row["value"], row["year"]) == ("trên", "95%", "năm 2030")
    assert row["score"] == 0.8


def test_a_year_between_two_values_governs_the_later_one():
    # one record per INDICATOR (the spec), but each level keeps the YEAR that stands before it
    text = "Tăng trưởng kinh tế cả năm 2025 đạt trên 8% và năm 2026 đạt từ 10%, năm sau đạt 11%."
    d = doc(
        text,
        ("Tăng trưởng kinh tế", "INDICATOR"), ("năm 2025", "YEAR"), ("trên", "COMPARATOR"), ("8%", "VALUE"),
        ("năm 2026", "YEAR"), ("từ", "COMPARATOR"), ("10%", "VALUE"), ("11%", "VALUE"),
    )  # fmt: skip
    [record] = extract_records(d)
    assert texts(record, text)[3] == "năm 2025"  # the record's year: the spec's, before the first value
    assert [text[y.start : y.end] for y in record.value_years] == ["năm 2025", "năm 2026", "năm 2026"]
    assert record_row(record, text)["value_year"] == "năm 2025 | năm 2026 | năm 2026"
    # the comparators are aligned with the values too (they read "trên từ" before)
    assert record_row(record, text)["comparator"] == "trên | từ | "
    rows = level_rows(record, text)
    assert [(r["level"], r["comparator"], r["number"], r["year_start"]) for r in rows] == [
        (1, "trên", 8.0, 2025), (2, "từ", 10.0, 2026), (3, "", 11.0, 2026),
    ]  # fmt: skip
    assert {r["indicator"] for r in rows} == {"Tăng trưởng kinh tế"}


def test_list_items_under_year_headings_keep_their_years_as_levels():
    text = "Tỷ lệ tiêm chủng đầy đủ:\na) Đến năm 2025\n- Đạt 95%;\nb) Đến năm 2030\n- Đạt 98%."
    d = doc(
        text,
        ("Tỷ lệ tiêm chủng đầy đủ", "INDICATOR"), ("năm 2025", "YEAR"), ("95%", "VALUE"),
        ("năm 2030", "YEAR"), ("98%", "VALUE"),
    )  # fmt: skip
    [record] = extract_records(d)
    assert [r["year"] for r in level_rows(record, text)] == ["năm 2025", "năm 2030"]


def test_level_rows_of_a_record_without_values_and_value_years_must_align():
    from plannlp.data import DataError

    text = "Tỷ lệ hộ nghèo giảm"
    [record] = extract_records(doc(text, ("Tỷ lệ hộ nghèo", "INDICATOR")))
    assert level_rows(record, text) == [] and record.value_years == ()
    with pytest.raises(DataError, match="value years"):
        TargetRecord("d", indicator=Span(0, 5, "INDICATOR"), values=(Span(6, 8, "VALUE"),), value_years=(None, None))
