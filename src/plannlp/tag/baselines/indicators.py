"""Indicator completion: an INDICATOR for each predicted level whose clause has none.

The CRF finds levels (VALUE) far more often than the long indicator spans that go with them. For
each predicted VALUE whose clause (up to ``;``, ``.`` or the line's end) holds no INDICATOR, this
adds one where the clause has the two common shapes:

- *indicator, link, level*: ``Tỷ lệ tiêm chủng ... đạt trên 95%``. Walking left from the level over
  link words (``đạt``, ``xuống còn``, ``tăng thêm``), comparators, years, figures and units, then
  taking the words back to the clause's opener (a list marker, ``Phấn đấu``, ``Hằng năm,``, a colon,
  another predicted span);
- *level, indicator*: ``100% trạm y tế xã có bác sĩ``, where nothing but openers stands before the
  level: the words after it up to a stop word (``và``, ``để``, ``nhằm``, ``vào năm``, ...), another
  predicted span or the clause's end.

It reads the text and the predicted spans only, so it can be scored on held-out predictions
without retraining. The word lists are ``completion`` in ``plannlp/resources/targets.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from plannlp.data import Span
from plannlp.tag.baselines.features import UNITS, alternation, text_key

INDICATOR, VALUE = "INDICATOR", "VALUE"
_SKIPPABLE_SPANS = ("COMPARATOR", "YEAR", "VALUE")
_MARKER = re.compile(r"\s*(?:[-+•*–]|\(?\d{1,2}(?:\.\d{1,2})*[.)]|\(?[a-zđ][.)]|[IVX]{1,4}\.)?\s*")
_PUNCT_EDGE = " \t,:-–+()\"“”'"


@dataclass(frozen=True)
class _Patterns:
    link_tail: re.Pattern[str]  # a link word, unit or figure at the end of a string
    opener: re.Pattern[str]  # words after which an indicator starts
    first: re.Pattern[str]  # verbs that open an indicator as the clause's first word
    stop: re.Pattern[str]  # words before which an indicator after its level ends
    trailing: re.Pattern[str]  # words an INDICATOR span does not end with (``và``)


@lru_cache(maxsize=4)
def patterns(comma_stop: bool = False) -> _Patterns:
    raw = json.loads(resources.files("plannlp").joinpath("resources", "targets.json").read_text(encoding="utf-8"))
    words = raw["completion"]
    link = alternation([*words["link_words"], *UNITS], left_bound=True)
    stops = [w for w in words["right_stops"] if comma_stop or w != ","]
    return _Patterns(
        re.compile(rf"(?:(?<=\s)|^)(?:{link}|\S*\d\S*|%)\s*$", re.I),
        re.compile(alternation(words["left_starts"]), re.I),
        re.compile(alternation(words["first_verbs"]) + r"\s+(?!" + alternation(words["first_verb_compounds"]) + ")", re.I),
        re.compile(alternation(stops, left_bound=True), re.I),
        re.compile(r"(?:^|\s)" + alternation(words["trailing_words"]) + r"$", re.I),
    )


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``[start, end)``: bounded by ``;``, a line break or a full stop not inside a figure."""

    def stop(i: int) -> bool:
        ch = text[i]
        if ch in ";\n":
            return True
        return ch == "." and not (0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())

    s = start
    while s > 0 and not stop(s - 1):
        s -= 1
    e = end
    while e < len(text) and not stop(e):
        e += 1
    return s, e


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _PUNCT_EDGE:
        a += 1
    while b > a and text[b - 1] in _PUNCT_EDGE:
        b -= 1
    return a, b


def _usable(text: str, a: int, b: int, max_words: int) -> bool:
    piece = text[a:b]
    return b > a and 0 < len(piece.split()) <= max_words and any(c.isalpha() for c in piece)


def _free(spans: Sequence[Span], a: int, b: int) -> bool:
    return not any(s.start < b and a < s.end for s in spans)


def complete_indicators(
    text: str, spans: Sequence[Span], max_words: int = 25, right: bool = True, comma_stop: bool = False
) -> list[Span]:
    """``spans`` and an INDICATOR for each VALUE whose clause has none (module docstring)."""
    p = patterns(comma_stop)
    key = text_key(text)
    out = sorted(spans, key=lambda s: (s.start, s.end))
    for value in [s for s in out if s.label == VALUE]:
        cs, ce = _clause(text, value.start, value.end)
        inside = [s for s in out if s.start < ce and cs < s.end]
        if any(s.label == INDICATOR for s in inside):
            continue
        # walk left over link words, comparators, years, figures and units
        j = value.start
        linked = False
        while j > cs:
            while j > cs and text[j - 1].isspace():
                j -= 1
            ending = next((s for s in inside if s.end == j and s.label in _SKIPPABLE_SPANS), None)
            if ending is not None:
                j, linked = ending.start, linked or ending.label != VALUE
                continue
            m = p.link_tail.search(key, cs, j)
            if m is None or m.start() == j:
                break
            j, linked = m.start(), True
        # the opener: marker, opening word, colon or another span, whichever is last
        a = cs
        marker = _MARKER.match(text, cs, j)
        if marker:
            a = marker.end()
        first = p.first.match(key, a, j)
        if first:
            a = first.end()
        for s in inside:
            if s.end <= j and s.end > a:
                a = s.end
        colon = text.rfind(":", a, j)
        if colon >= 0:
            a = colon + 1
        for m in p.opener.finditer(key, a, j):
            a = m.end()
        a, b = _trim(text, a, j)
        if linked and _usable(text, a, b, max_words) and _free(inside, a, b):
            out.append(Span(a, b, INDICATOR))
            out.sort(key=lambda s: (s.start, s.end))
            continue
        if not right or b > a:
            continue
        # nothing before the level: the indicator follows it
        a = value.end
        b = min([s.start for s in inside if s.start >= value.end] + [ce])
        m = p.stop.search(key, a, b)
        if m is not None:
            b = m.start()
        a, b = _trim(text, a, b)
        if _usable(text, a, b, max_words) and _free(inside, a, b):
            out.append(Span(a, b, INDICATOR))
            out.sort(key=lambda s: (s.start, s.end))
    return out


_EDGE_START = " \t,;:-–)"
_EDGE_END = " \t,;:-–("


def trim_indicators(text: str, spans: Sequence[Span]) -> list[Span]:
    """``spans`` with each INDICATOR cut back to words: no leading or trailing punctuation (the
    spec: no final ``,`` ``;`` ``:``) and no trailing conjunction (``trailing_words``: ``và``,
    ``hoặc``), which the CRF sometimes tags with the words before a comma or a second level."""
    p = patterns()
    key = text_key(text)
    out = []
    for s in spans:
        if s.label != INDICATOR:
            out.append(s)
            continue
        a, b = s.start, s.end
        while True:
            while a < b and text[a] in _EDGE_START:
                a += 1
            while b > a and text[b - 1] in _EDGE_END:
                b -= 1
            m = p.trailing.search(key, a, b)
            if m is None or m.start() <= a:
                break
            b = m.start()
        if b > a and any(c.isalpha() for c in text[a:b]):
            out.append(Span(a, b, s.label, s.score) if (a, b) != (s.start, s.end) else s)
    return out
