"""Indicator completion (plannlp.tag.baselines.indicators): an INDICATOR for a level whose clause has none."""

from __future__ import annotations

from plannlp.data import Span
from plannlp.tag.baselines.indicators import complete_indicators, trim_indicators


def _span(text: str, piece: str, label: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return Span(start, start + len(piece), label)


def _indicators(text: str, spans: list[Span], **kwargs) -> list[str]:
    return [text[s.start : s.end] for s in complete_indicators(text, spans, **kwargs) if s.label == "INDICATOR"]


def test_indicator_before_its_link_and_level() -> None:
    text = "- Tỷ lệ tiêm chủng đầy đủ đạt trên 95%; duy trì 100% xã có nữ hộ sinh."
    spans = [_span(text, "trên", "COMPARATOR"), _span(text, "95%", "VALUE"), _span(text, "100%", "VALUE")]
    assert _indicators(text, spans) == ["Tỷ lệ tiêm chủng đầy đủ", "xã có nữ hộ sinh"]
    assert _indicators(text, spans, right=False) == ["Tỷ lệ tiêm chủng đầy đủ"]


def test_a_clause_with_an_indicator_is_left_alone() -> None:
    text = "Phấn đấu tỷ lệ bao phủ bảo hiểm y tế đạt 95%."
    spans = [_span(text, "tỷ lệ bao phủ", "INDICATOR"), _span(text, "95%", "VALUE")]
    assert complete_indicators(text, spans) == sorted(spans, key=lambda s: s.start)


def test_opener_change_start_and_stop_words() -> None:
    text = "Giảm thời gian giải quyết hồ sơ từ 10 ngày xuống còn 7 ngày làm việc."
    assert _indicators(text, [_span(text, "7 ngày làm việc", "VALUE")]) == ["thời gian giải quyết hồ sơ"]
    text = "Phấn đấu 90% trạm y tế có bác sĩ để nâng cao chất lượng."
    assert _indicators(text, [_span(text, "90%", "VALUE")]) == ["trạm y tế có bác sĩ"]
    # no link word between words and level: nothing is proposed on the left
    text = "Kinh phí 500 triệu đồng."
    assert _indicators(text, [_span(text, "500 triệu đồng", "VALUE")]) == []


def test_trim_indicators_cuts_edge_punctuation_and_trailing_conjunctions() -> None:
    text = "phấn đấu 100% cơ sở giáo dục đại học và 80% cơ sở nghề nghiệp đạt chuẩn, 20% số trường (R&D)"
    spans = [
        _span(text, "cơ sở giáo dục đại học và", "INDICATOR"),
        _span(text, "cơ sở nghề nghiệp đạt chuẩn,", "INDICATOR"),
        _span(text, "số trường (R&D)", "INDICATOR"),
        _span(text, "80%", "VALUE"),
        _span(text, ",", "INDICATOR"),  # nothing left: dropped
    ]
    out = trim_indicators(text, spans)
    assert [text[s.start : s.end] for s in out] == [
        "cơ sở giáo dục đại học", "cơ sở nghề nghiệp đạt chuẩn", "số trường (R&D)", "80%",
    ]  # fmt: skip
    assert out[2] is spans[2] and out[3] is spans[3]  # untouched spans are kept as they were
