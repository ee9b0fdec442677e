"""Target records: each INDICATOR with the VALUE(s), COMPARATOR(s) and YEAR that govern it.

The spec (``ANNOTATION_SPEC.md``, "A target record") fixes what governs an indicator; this
module turns that into rules over the labelled spans of one document, plus the small value
grammar that splits ``"2,1 con/phụ nữ"`` into the number ``2.1`` and the unit ``con/phụ nữ``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from plannlp.data import Document, Span, TargetRecord
from plannlp.labels import AGENCY, COMPARATOR, INDICATOR, ISSUER, LEAD, PARTNER, VALUE, YEAR
from plannlp.numbers import DIGITS_RE, RANGE_RE, WORD_RANGE_RE, number_words, parse_digits, parse_number_words, scales
from plannlp.text import fold, line_offsets, nfc

# ---------------------------------------------------------------------------------------------
# Values: number and unit

# the number grammar is plannlp.numbers (shared with the rule tagger); these names read it
_DIGITS = DIGITS_RE
_SCALES = scales()
_NUMBER_WORDS = set(number_words())
_parse_digits = parse_digits
_parse_number_words = parse_number_words
# "mỗi năm một lần" (once a year): a count per period.
_PER_PERIOD = re.compile(r"^mỗi\s+(\w+)\s+(.+?)\s+(\S+)$")


def split_unit(value_text: str) -> tuple[float | None, str]:
    """The number and the unit of a VALUE's text.

    ``"95%"`` -> ``(95.0, "%")``; ``"2,1 con/phụ nữ"`` -> ``(2.1, "con/phụ nữ")``;
    ``"1.000 người"`` -> ``(1000.0, "người")``; ``"1,5 triệu"`` -> ``(1500000.0, "")``;
    ``"một"`` -> ``(1.0, "")``; ``"mỗi năm một lần"`` -> ``(1.0, "lần/năm")``.
    Without a number the whole (NFC, whitespace-collapsed) text is the unit: ``(None, text)``.
    """
    text = " ".join(nfc(value_text).split())
    per_period = _PER_PERIOD.match(text.lower())
    if per_period and (number := _parse_number_words(per_period.group(2).split())) is not None:
        return number, f"{per_period.group(3)}/{per_period.group(1)}"
    if per_period:
        digits = _DIGITS.fullmatch(per_period.group(2))
        if digits:
            return _parse_digits(digits.group()), f"{per_period.group(3)}/{per_period.group(1)}"
    match = _DIGITS.search(text)
    if match:
        try:
            number = _parse_digits(match.group())
        except ValueError:
            return None, text
        rest = text[match.end() :].strip()
        scale, _, after = rest.partition(" ")
        if scale.lower() in _SCALES:
            number *= _SCALES[scale.lower()]
            rest = after.strip()
        return number, rest
    words = text.split(" ")
    lowered = [w.lower() for w in words]
    # The longest run of number words from the start (a VALUE opens with its number).
    n = 0
    while n < len(lowered) and lowered[n] in _NUMBER_WORDS:
        n += 1
    number = _parse_number_words(lowered[:n])
    if number is None:
        return None, text
    return number, " ".join(words[n:])


# A range written with a dash between two numbers: "25-30%", "385 - 405 triệu đồng".
_RANGE = RANGE_RE
_YEAR_NUMBER = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A VALUE read as numbers: ``number`` is the level (the mean of a range's ends), ``low`` and
    ``high`` its ends (equal for a single number), ``scale`` the word that multiplied it
    (``triệu``), ``unit`` what is left (``%``, ``con/phụ nữ``, ``đồng``)."""

    number: float | None
    low: float | None
    high: float | None
    unit: str
    scale: str = ""


def _scaled(rest: str) -> tuple[float, str, str]:
    """``(factor, scale word, rest)`` for a scale word opening ``rest``: ``triệu đồng`` -> 1e6."""
    rest = rest.strip()
    head, _, after = rest.partition(" ")
    if head.lower() in _SCALES:
        return _SCALES[head.lower()], head, after.strip()
    return 1.0, "", rest


def parse_value(value_text: str) -> Quantity:
    """A VALUE's numbers and unit: ``25-30%`` -> low 25, high 30, number 27.5, unit ``%``;
    ``385 - 405 triệu đồng`` -> 385e6 .. 405e6 ``đồng`` (scale ``triệu``); ``13,28 triệu tấn`` ->
    13.28e6 ``tấn``; ``1.000 người`` -> 1000; ``2,1 con/phụ nữ`` -> 2.1; word numbers as
    :func:`split_unit` reads them; ``từ 25 đến 30%`` and ``60% đến 70%`` are ranges too. Comparators are separate spans and are not read here."""
    text = " ".join(nfc(value_text).split())
    ranged = _RANGE.match(text) or WORD_RANGE_RE.match(text)
    if ranged:
        try:
            low, high = _parse_digits(ranged.group("low")), _parse_digits(ranged.group("high"))
        except ValueError:
            low = high = None
        if low is not None and high is not None:
            factor, scale, unit = _scaled(ranged.group("rest"))
            low, high = low * factor, high * factor
            return Quantity((low + high) / 2, low, high, unit, scale)
    number, unit = split_unit(text)
    scale = ""
    match = _DIGITS.search(text)
    if match and number is not None:
        head = text[match.end() :].strip().partition(" ")[0]
        scale = head if head.lower() in _SCALES else ""
    return Quantity(number, number, number, unit, scale)


def parse_year(year_text: str) -> tuple[int | None, int | None]:
    """``(start, end)`` of a YEAR span: ``năm 2030`` -> (2030, 2030), ``giai đoạn 2021-2025`` ->
    (2021, 2025); (None, None) without a year."""
    years = [int(y) for y in _YEAR_NUMBER.findall(year_text)]
    if not years:
        return None, None
    return min(years), max(years)


# ---------------------------------------------------------------------------------------------
# Records

def _levels(record: TargetRecord, text: str) -> list[tuple[Span, ...]]:
    """A record's values and comparators grouped into levels, as :func:`extract_records` groups them."""
    return _value_groups(sorted([*record.values, *record.comparators]), text)


def record_row(record: TargetRecord, text: str) -> dict:
    """A flat row for a table (CSV, parquet): numbers are numbers (``None`` when absent), the
    first VALUE gives ``number``/``low``/``high``/``unit``; every value's text is in ``value``, its
    comparators in ``comparator`` and its YEAR in ``value_year``, the three aligned when there are
    several (:func:`level_rows` gives one row per value, each with its numbers)."""
    def surface(span: Span) -> str:
        return " ".join(text[span.start : span.end].split())

    values = [surface(v) for v in record.values]
    first = parse_value(values[0]) if values else None
    comparator = " ".join(surface(c) for c in record.comparators)
    if len(values) > 1:
        # one cell per value, aligned with ``value`` as ``value_year`` is ("trên | từ" for "trên 8%
        # và ... từ 10%"), not "trên từ"; a comparator not right before a value joins the next level
        parts: list[str] = []
        lone: list[Span] = []
        for group in _levels(record, text):
            if group[-1].label == VALUE:
                parts.append(" ".join(surface(c) for c in [*lone, *group[:-1]]))
                lone = []
            else:
                lone.extend(group)
        if lone:
            parts[-1] = " ".join([parts[-1], *(surface(c) for c in lone)]).strip()
        comparator = " | ".join(parts)
    year_start, year_end = parse_year(surface(record.year)) if record.year is not None else (None, None)
    return {
        "doc_id": record.doc_id,
        "indicator": surface(record.indicator),
        "indicator_start": record.indicator.start,
        "indicator_end": record.indicator.end,
        "comparator": comparator,
        "value": " | ".join(values),
        "number": None if first is None else first.number,
        "low": None if first is None else first.low,
        "high": None if first is None else first.high,
        "unit": "" if first is None else first.unit,
        "year": "" if record.year is None else surface(record.year),
        "year_start": year_start,
        "year_end": year_end,
        # each value's YEAR, aligned with ``value`` (a YEAR between two values governs the later one)
        "value_year": " | ".join("" if record.year_of(k) is None else surface(record.year_of(k)) for k in range(len(values))),
        "issuer": " | ".join(surface(a) for a in record.issuer),
        "responsible": " | ".join(surface(a) for a in record.responsible),
        "responsible_roles": " | ".join(a.role or "" for a in record.responsible),
        "score": _record_score(record),
    }


LEVEL_COLUMNS = [
    "doc_id", "indicator", "indicator_start", "indicator_end", "level", "comparator", "value",
    "value_start", "value_end", "number", "low", "high", "unit", "year", "year_start", "year_end",
    "issuer", "responsible", "responsible_roles", "score",
]  # fmt: skip


def level_rows(record: TargetRecord, text: str) -> list[dict]:
    """One row per VALUE of a record (a *level*: its number, unit, the COMPARATORs right before it
    and the YEAR that governs it), for a table with one number per row; the record's indicator,
    issuer and responsible bodies repeat on each. A record without a value gives no row."""
    def surface(span: Span) -> str:
        return " ".join(text[span.start : span.end].split())

    base = record_row(record, text)
    # each value with the comparators right before it, grouped as extract_records groups levels
    levels = [g for g in _levels(record, text) if g[-1].label == VALUE]
    rows = []
    for k, (value, level) in enumerate(zip(record.values, levels)):
        own = level[:-1]
        quantity = parse_value(surface(value))
        year = record.year_of(k)
        year_start, year_end = parse_year(surface(year)) if year is not None else (None, None)
        rows.append(
            {
                "doc_id": record.doc_id,
                "indicator": base["indicator"],
                "indicator_start": record.indicator.start,
                "indicator_end": record.indicator.end,
                "level": k + 1,
                "comparator": " ".join(surface(c) for c in own),
                "value": surface(value),
                "value_start": value.start,
                "value_end": value.end,
                "number": quantity.number,
                "low": quantity.low,
                "high": quantity.high,
                "unit": quantity.unit,
                "year": "" if year is None else surface(year),
                "year_start": year_start,
                "year_end": year_end,
                "issuer": base["issuer"],
                "responsible": base["responsible"],
                "responsible_roles": base["responsible_roles"],
                "score": value.score,
            }
        )
    return rows


def _record_score(record: TargetRecord) -> float | None:
    scores = [
        s.score
        for s in (record.indicator, *record.values, *record.comparators)
        if s.score is not None
    ]
    return round(min(scores), 4) if scores else None



# Where a sentence ends: a line break, or ., ! or ? followed by white space.
_SENTENCE_END = re.compile(r"\n|(?<=[.!?])\s+")
# What separates two clauses of a sentence: , ; : or the conjunction "và" (and).
_CLAUSE_BREAK = re.compile(r"[,;:]|\bvà\b")
_MAX_WORDS_BEFORE_INDICATOR = 3


def _within(spans: Sequence[Span], starts: Sequence[int], start: int, end: int) -> list[Span]:
    """The spans (sorted, with their ``starts``) lying inside ``[start, end)``."""
    out = []
    for i in range(bisect_left(starts, start), len(spans)):
        if spans[i].start >= end:
            break
        if spans[i].end <= end:
            out.append(spans[i])
    return out


def _sentences(doc: Document, starts: Sequence[int]) -> list[tuple[int, int]]:
    """Sentence ranges; a boundary that falls inside a span (``TP. Hồ Chí Minh``) is skipped."""
    bounds = [0]
    for m in _SENTENCE_END.finditer(doc.text):
        last = bisect_left(starts, m.start()) - 1  # the last span starting before the boundary
        if last < 0 or doc.spans[last].end <= m.start():
            bounds.append(m.end())
    bounds.append(len(doc.text))
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b]


def _value_groups(spans: Sequence[Span], text: str) -> list[tuple[Span, ...]]:
    """VALUE/COMPARATOR spans (in order) grouped into levels: the comparators immediately before
    a value (nothing but white space between them) go with it; any other comparator stands alone."""
    groups: list[tuple[Span, ...]] = []
    pending: list[Span] = []
    for span in spans:
        if pending and text[pending[-1].end : span.start].strip():
            groups.extend((c,) for c in pending)
            pending = []
        pending.append(span)
        if span.label == VALUE:
            groups.append(tuple(pending))
            pending = []
    groups.extend((c,) for c in pending)
    return groups


def _heading_years(doc: Document, starts: Sequence[int]) -> list[Span]:
    """YEARs on a line that has no INDICATOR and no VALUE (``a) Đến năm 2025``, a table cell)."""
    out = []
    for start, end in line_offsets(doc.text):
        inside = _within(doc.spans, starts, start, end)
        if not any(s.label in (INDICATOR, VALUE) for s in inside):
            out.extend(s for s in inside if s.label == YEAR)
    return out


def extract_records(doc: Document) -> list[TargetRecord]:
    """The target records of a document's spans, one per INDICATOR, in text order.

    Rules (the spec's, made concrete):

    * Sentences end at a line break or at ``.``/``!``/``?`` followed by white space, unless that
      point lies inside a span.
    * A *level* is a VALUE with the COMPARATORs right before it (only white space between):
      ``tăng ít nhất 10%`` is one level. A comparator not right before a value is a level alone.
    * Each level in a sentence goes to one indicator of that sentence: to the previous one
      (``Tỷ lệ tham gia bảo hiểm y tế đạt trên 95%``), unless there is none, or unless the level
      opens a new clause (a ``,``/``;``/``:``/``và`` since the previous indicator or level) and is
      followed, within three words and no clause break, by the next indicator
      (``..., trên 90% trạm y tế có bác sĩ``): then to the next one. With no previous indicator
      it goes to the next (``Trên 95% dân số tham gia bảo hiểm y tế``).
    * A sentence without indicators continues a list opened by a sentence ending in ``:``: its
      levels go to the last indicator of that sentence
      (``tỷ suất tử vong trẻ em:`` / ``- Dưới 5 tuổi ≤1,5‰;``). Otherwise its levels are dropped.
    * The YEAR is the nearest YEAR before the target's first VALUE in its sentence (it may stand
      after the indicator), else the nearest heading YEAR above it (a YEAR on a line without
      INDICATOR and VALUE spans).
    * ``issuer`` holds the document's ``issuer`` AGENCY mentions; ``responsible`` the bodies linked
      to the indicator (:attr:`Document.links`: gold links, or those a linker predicted), leads
      first. No other body of the document is put on a record (the spec's responsibility rule).
    """
    text = doc.text
    starts = [s.start for s in doc.spans]  # Document keeps its spans sorted
    headings = _heading_years(doc, starts)
    heading_ends = [s.end for s in headings]
    attached: dict[Span, list[Span]] = {}
    years: dict[Span, Span | None] = {}
    sentence_years: dict[Span, list[Span]] = {}  # indicator -> YEARs of its sentence
    order: list[Span] = []
    list_head: Span | None = None
    for start, end in _sentences(doc, starts):
        inside = _within(doc.spans, starts, start, end)
        indicators = [s for s in inside if s.label == INDICATOR]
        levels = _value_groups([s for s in inside if s.label in (VALUE, COMPARATOR)], text)
        for indicator in indicators:
            order.append(indicator)
            attached[indicator] = []
            sentence_years[indicator] = [s for s in inside if s.label == YEAR]
            above = bisect_right(heading_ends, indicator.start)  # headings ending before it
            years[indicator] = headings[above - 1] if above else None
        if not indicators:
            if list_head is not None:
                for level in levels:
                    attached[list_head].extend(level)
            continue
        list_head = indicators[-1] if text[start:end].rstrip().endswith(":") else None
        previous_end = start
        for level in levels:
            prev = next((i for i in reversed(indicators) if i.end <= level[0].start), None)
            nxt = next((i for i in indicators if i.start >= level[-1].end), None)
            target = prev or nxt
            if prev is not None and nxt is not None:
                opens_clause = _CLAUSE_BREAK.search(text[max(prev.end, previous_end) : level[0].start])
                between = text[level[-1].end : nxt.start]
                leads_in = not _CLAUSE_BREAK.search(between) and len(between.split()) <= _MAX_WORDS_BEFORE_INDICATOR
                if opens_clause and leads_in:
                    target = nxt
            if target is not None:
                attached[target].extend(level)
            previous_end = level[-1].end
    issuer = _issuers(doc)
    all_years = [s for s in doc.spans if s.label == YEAR]
    all_year_starts = [s.start for s in all_years]
    records = []
    for indicator in order:
        values = tuple(s for s in attached[indicator] if s.label == VALUE)
        # the nearest YEAR before the target's level in its sentence (it may stand after the
        # indicator: "tăng trưởng ... năm 2017 là khoảng 6,7%"), else before the indicator,
        # else the heading YEAR above
        anchor = values[0].start if values else indicator.start
        before = [y for y in sentence_years[indicator] if y.end <= anchor]
        year = before[-1] if before else years[indicator]
        records.append(
            TargetRecord(
                doc_id=doc.id,
                indicator=indicator,
                values=values,
                comparators=tuple(s for s in attached[indicator] if s.label == COMPARATOR),
                year=year,
                issuer=issuer,
                responsible=responsible_bodies(doc, indicator),
                value_years=_value_years(indicator, values, year, all_years, all_year_starts),
            )
        )
    return records


def _value_years(
    indicator: Span, values: Sequence[Span], year: Span | None, all_years: Sequence[Span], starts: Sequence[int]
) -> tuple[Span | None, ...]:
    """Each value's YEAR: the last YEAR lying between the value and the value before it (for the
    first value, the indicator): ``năm 2025 đạt trên 8% và năm 2026 đạt từ 10%``, or a ``b) Đến năm
    2030`` heading between two items of a list continued below the indicator; else the first
    value's is the record's year and a later one's that of the value before. In one sentence the
    first value's year is the record's (the spec's rule); in a list below the indicator it may be a
    heading the record's rule does not reach."""
    out: list[Span | None] = []
    edge = indicator.end
    for value in values:
        between = _within(all_years, starts, edge, value.start) if edge <= value.start else []
        out.append(between[-1] if between else (out[-1] if out else year))
        edge = value.end
    return tuple(out)


def _issuers(doc: Document) -> tuple[Span, ...]:
    """The document's ``issuer`` AGENCY mentions, one per body (first mention kept)."""
    seen: dict[str, Span] = {}
    for span in doc.spans:
        if span.label == AGENCY and span.role == ISSUER:
            seen.setdefault(body_key(doc.span_text(span)), span)
    return tuple(seen.values())


def responsible_bodies(doc: Document, indicator: Span) -> tuple[Span, ...]:
    """The bodies linked to ``indicator`` (:attr:`Document.links`): leads first, then partners,
    each body once, in document order within a role. Mentions of other roles (the issuer, a body
    reported to) count only where no lead or partner is linked: the spec's fallback, and the
    record keeps the issuer apart."""
    linked = doc.responsible_for(indicator)
    if any(a.role in (LEAD, PARTNER) for a in linked):
        linked = tuple(a for a in linked if a.role in (LEAD, PARTNER))
    rank = {LEAD: 0, PARTNER: 1}
    seen: dict[str, Span] = {}
    for span in sorted(linked, key=lambda a: (rank.get(a.role or "", 2), a.start)):
        seen.setdefault(body_key(doc.span_text(span)), span)
    return tuple(seen.values())


def body_key(agency_text: str) -> str:
    """The key that says two AGENCY mentions name the same body: NFC, case and spacing folded,
    ``UBND`` read as ``Ủy ban nhân dân`` (``Uỷ`` as ``Ủy``), commas and full stops between words
    dropped (``UBND các phường, xã`` is ``UBND các phường xã``)."""
    key = fold(agency_text.replace(",", " ").replace(".", " ").replace(";", " "))
    key = key.replace("uỷ", "ủy").replace("ubnd", "ủy ban nhân dân").replace("bhxh", "bảo hiểm xã hội")
    return key
