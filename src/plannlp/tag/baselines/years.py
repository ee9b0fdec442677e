"""Record years: a YEAR for each target that the tagger's spans leave undated.

The spec dates a target record by the nearest YEAR before its VALUE in its sentence, else the
nearest heading YEAR above (:func:`plannlp.records.extract_records`). Under cross-validation most
records whose year is wrong have a gold YEAR that the CRF missed (``Mục tiêu cụ thể đến năm 2030``
above a list of targets, ``năm 2025`` before a level), so the record is undated. This adds, of the
built-in rule tagger's YEAR spans (its patterns only, nothing learned from gold), those that overlap
no predicted span and date a record that has no year. Every other rule YEAR stays out: added
everywhere, they halve YEAR precision (0.857 -> 0.405 on the held-out predictions of the default,
``experiments/RESPONSIBILITY.md``, session records3).

It reads the text and the predicted spans only, so it is scored on held-out predictions without
retraining (``experiments/record_search.py``); the CRF applies it when its ``record_years``
setting is on.

Cell years (:func:`cell_years`): spec rule 8 makes each time cell of a table flattened to lines a
YEAR when it names years (`2026 - 2030` on a line of its own under `Thời gian thực hiện`). A built-in
rule YEAR that is the whole of its line is such a cell; over gold v2 train+dev 139 of the 140 rule
YEARs that fill their line are gold YEARs (the one other is a row of a statistics table), while the
CRF tags them in one fold and drops nearly all of them in another when any feature changes (the 94 cells
of `gov-f004d93b21e7fc5f`, ``experiments/RESULTS-notes.md``). It reads the text and the predicted spans
only, like ``record_years``, and the CRF applies it when its ``cell_years`` setting is on.
"""

from __future__ import annotations

from collections.abc import Sequence

from plannlp.data import Document, Span
from plannlp.labels import YEAR
from plannlp.records import extract_records
from plannlp.tag.baselines.rules import builtin_spans
from plannlp.text import fills_its_line


def rule_years(doc: Document) -> list[Span]:
    """The built-in rule tagger's YEAR spans of ``doc`` (it reads the text, not a segmentation)."""
    return builtin_spans(doc, YEAR)


# what may surround a cell's text on its line: table pipes, bold markers, a closing colon or full stop
_CELL_EDGES = " \t|*:.;"


def cell_years(doc: Document, spans: Sequence[Span] | None = None) -> list[Span]:
    """``spans`` (default ``doc.spans``) and the rule YEARs that fill a line of their own (a table's
    time cell, spec rule 8) where no predicted span overlaps them."""
    spans = list(doc.spans if spans is None else spans)
    extra = [
        y for y in rule_years(doc) if fills_its_line(doc.text, y.start, y.end, _CELL_EDGES) and not any(y.overlaps(s) for s in spans)
    ]
    return sorted([*spans, *extra], key=lambda s: (s.start, s.end)) if extra else spans


def date_records(doc: Document, spans: Sequence[Span] | None = None) -> list[Span]:
    """``spans`` (default ``doc.spans``) and the rule YEARs that date a record left without a year."""
    spans = list(doc.spans if spans is None else spans)
    base = Document(doc.id, doc.text, tuple(spans))
    undated = {r.indicator for r in extract_records(base) if r.year is None}
    if not undated:
        return spans
    extra = [y for y in rule_years(base) if not any(y.overlaps(s) for s in spans)]
    if not extra:
        return spans
    candidates = set(extra)
    dated = extract_records(base.with_spans([*spans, *extra]))
    used = {r.year for r in dated if r.indicator in undated and r.year in candidates}
    return sorted([*spans, *used], key=lambda s: (s.start, s.end))
