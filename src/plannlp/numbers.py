"""The one number grammar: how plans write numbers, shared by the rule tagger (finding values)
and the records (reading them).

Digits: Vietnamese writes a decimal comma and thousands dots (``2,1``, ``1.000.000``); a range is
two numbers around a dash (``25-30``, ``385 – 405``). Words: ``một`` ... ``chín``, ``mười``,
``mươi``, ``trăm``, the scales ``nghìn``/``ngàn``/``triệu`` (and ``tỷ`` after digits), ``nửa``,
``rưỡi``; the table, with what each word is worth, is ``resources/numbers.jsonl``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from plannlp.io import iter_jsonl
from plannlp.text import nfc

# one number in digits, with its decimal comma or thousands dots
DIGITS = r"\d+(?:[.,]\d+)*"
# the dash between the two ends of a range
RANGE_DASH = r"\s*[-–—]\s*"
# a number or a range of numbers
NUMBER_OR_RANGE = rf"{DIGITS}(?:{RANGE_DASH}{DIGITS})?"
DIGITS_RE = re.compile(DIGITS)
RANGE_RE = re.compile(rf"^(?P<low>{DIGITS}){RANGE_DASH}(?P<high>{DIGITS})(?P<rest>.*)$")
# a range in words, the unit after either end: "từ 25 đến 30%", "60% đến 70%", "5 tới 10 người"
WORD_RANGE_RE = re.compile(
    rf"^(?:từ\s+)?(?P<low>{DIGITS})\s*(?P<unit1>%|‰)?\s+(?:đến|tới)\s+(?P<high>{DIGITS})(?P<rest>.*)$", re.I
)
# a number in running text: not inside a date (5-4-2024), a decimal or a decree number (281/QĐ)
NUMBER_IN_TEXT = rf"(?<![\w/.,\-–]){NUMBER_OR_RANGE}(?!\d|[.,\-–]\d|/\w)"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, object]]:
    text = resources.files("plannlp").joinpath("resources", "numbers.jsonl").read_text(encoding="utf-8")
    rows = {}
    for lineno, row in iter_jsonl(text.splitlines(), "numbers.jsonl"):
        if not {"word", "value", "kind", "standalone"} <= set(row):
            raise ValueError(f"numbers.jsonl:{lineno}: a row needs word, value, kind and standalone")
        rows[nfc(row["word"])] = row
    return rows


def number_words(standalone_only: bool = False) -> tuple[str, ...]:
    """The words a number is written with (``tỷ`` only scales digits: not one of them), in table
    order; ``standalone_only``: those that are a number by themselves in running text (not
    ``không``, mostly the negation)."""
    return tuple(
        w
        for w, row in _table().items()
        if row["kind"] != "scale_after_digits" and (row["standalone"] or not standalone_only)
    )


def scales() -> dict[str, float]:
    """Scale words and their factors: ``nghìn`` 1e3, ``triệu`` 1e6, ``tỷ`` 1e9."""
    return {w: float(row["value"]) for w, row in _table().items() if str(row["kind"]).startswith("scale")}  # type: ignore[arg-type]


def parse_digits(token: str) -> float:
    """``2,1`` -> 2.1; ``1.000`` / ``1.000.000`` -> thousands; ``1.5`` (not 3-digit groups) -> 1.5.

    Vietnamese writes a decimal comma and thousands dots; a lone dot not followed by a group of
    exactly three digits can only be a decimal point (text copied from English sources).
    """
    if "," in token and "." in token:  # 1.234,5
        return float(token.replace(".", "").replace(",", "."))
    if "," in token:
        head, *rest = token.split(",")
        if len(rest) > 1:  # 1,000,000 (English thousands)
            return float(token.replace(",", ""))
        return float(f"{head}.{rest[0]}")
    if "." in token:
        groups = token.split(".")
        if all(len(g) == 3 for g in groups[1:]):
            return float("".join(groups))
        if len(groups) == 2:
            return float(token)
        raise ValueError(f"cannot read number {token!r}")
    return float(token)


def parse_number_words(words: Sequence[str]) -> float | None:
    """Vietnamese number words: ``một`` 1, ``mười hai`` 12, ``hai mươi lăm`` 25, ``một trăm`` 100,
    ``một nửa`` 0.5, ``hai rưỡi`` 2.5; None when a word is not part of a number."""
    if not words:
        return None
    table = _table()
    if list(words) in (["một", "nửa"], ["nửa"]):
        return 0.5
    total = 0.0  # finished thousands/millions groups
    group = 0.0  # the group under construction (< 1000)
    current = 0.0  # the digit just read
    for word in words:
        row = table.get(word)
        kind = row["kind"] if row else None
        if kind == "digit":
            current = float(row["value"])  # type: ignore[index, arg-type]
        elif kind == "ten":
            group += 10
            current = 0
        elif kind in ("tens", "hundreds"):
            group += (current or 1) * float(row["value"])  # type: ignore[index, arg-type]
            current = 0
        elif kind == "scale":
            total += (group + current or 1) * float(row["value"])  # type: ignore[index, arg-type]
            group = current = 0
        elif kind == "and_a_half":
            current += 0.5
        else:
            return None
    return total + group + current
