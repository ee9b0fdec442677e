"""plannlp.numbers: the one number grammar the rules find values with and the records read."""

from __future__ import annotations

import re

import pytest

from plannlp.numbers import NUMBER_IN_TEXT, RANGE_RE, number_words, parse_digits, parse_number_words, scales


@pytest.mark.parametrize(
    ("token", "value"),
    [("2,1", 2.1), ("1.000", 1000.0), ("1.000.000", 1e6), ("1.5", 1.5), ("1.234,5", 1234.5), ("1,000,000", 1e6)],
)
def test_digits(token: str, value: float) -> None:
    assert parse_digits(token) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [("một", 1), ("mười hai", 12), ("hai mươi lăm", 25), ("một trăm", 100), ("một nửa", 0.5),
     ("hai rưỡi", 2.5), ("ba nghìn", 3000), ("hai mươi mốt", 21), ("bẩy", 7), ("cao", None)],
)  # fmt: skip
def test_number_words(words: str, value: float | None) -> None:
    assert parse_number_words(words.split()) == value


def test_standalone_words_leave_out_the_negation_and_the_digit_scales() -> None:
    assert "không" in number_words() and "không" not in number_words(standalone_only=True)
    assert "tỷ" not in number_words() and scales()["tỷ"] == 1e9
    assert {"một", "mươi", "trăm", "triệu", "nửa"} <= set(number_words(standalone_only=True))


def test_numbers_in_running_text_and_ranges() -> None:
    found = [m.group() for m in re.finditer(NUMBER_IN_TEXT, "đạt 95%, 34-35 tuổi, ngày 5-4-2024, Quyết định 281/QĐ, 2,1 con")]
    assert found == ["95", "34-35", "2,1"]
    m = RANGE_RE.match("385 – 405 triệu đồng")
    assert m and (m.group("low"), m.group("high"), m.group("rest")) == ("385", "405", " triệu đồng")
