"""Cell agencies: the bodies of table cells and list lines that the tagger left out.

The spec labels every agency cell of an implementation table (`Đơn vị chủ trì` / `Đơn vị phối hợp`
columns flattened to lines) and every body of a list of bodies. Under cross-validation many of the
stacked CRF's missed AGENCY spans are such lines (``- Bộ Y tế;``, ``| Sở Tài chính |``), while the
built-in rule tagger (its gazetteer and patterns, nothing learned from gold) finds them: over gold
v2 train+dev, 293 of the 317 rule AGENCY spans that fill their line are gold AGENCY spans, and most
of the others are recipient lists (``Nơi nhận:``), which the spec leaves unlabelled.

:func:`cell_agencies` adds the rule AGENCY spans that fill their line, lie outside a recipient list
and overlap no predicted span. It reads the text and the predicted spans only, so it is scored on
held-out predictions without retraining (``experiments/cell_year_search.py``); the CRF applies it
when its ``cell_agencies`` setting is on. The characters and cue words are data
(``resources/agency_cells.json``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from plannlp.data import Document, Span
from plannlp.labels import AGENCY
from plannlp.tag.baselines.rules import builtin_spans
from plannlp.text import fills_its_line as _fills, fold, line_offsets


@lru_cache(maxsize=1)
def _cues() -> dict:
    return json.loads(resources.files("plannlp.resources").joinpath("agency_cells.json").read_text(encoding="utf-8"))


def recipient_lines(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of every line of a recipient list: the line that opens it (``Nơi
    nhận:``, which may hold the first recipient) and the list lines after it."""
    cues = _cues()
    openers = tuple(fold(c) for c in cues["recipient_blocks"])
    markers = tuple(cues["list_markers"])
    out: list[tuple[int, int]] = []
    inside = False
    for start, end in line_offsets(text):
        line = text[start:end].strip(" \t|*")
        if fold(line).startswith(openers):
            inside = True
        elif not (inside and line.startswith(markers)):
            inside = False
        if inside:
            out.append((start, end))
    return out


def fills_its_line(text: str, span: Span) -> bool:
    """Whether ``span`` is all its line holds, but the edge characters of ``agency_cells.json``
    (:func:`plannlp.text.fills_its_line`; rule spans never start or end with them: they are trimmed)."""
    return _fills(text, span.start, span.end, _cues()["edges"])


def rule_agencies(doc: Document) -> list[Span]:
    """The built-in rule tagger's AGENCY spans of ``doc`` (it reads the text, not a segmentation)."""
    return builtin_spans(doc, AGENCY)


def cell_agencies(doc: Document, spans: Sequence[Span] | None = None) -> list[Span]:
    """``spans`` (default ``doc.spans``) and the rule AGENCY spans that fill a line of their own,
    outside recipient lists, where no predicted span overlaps them (roles are given later, by the
    role classifier every system's AGENCY spans go through)."""
    spans = list(doc.spans if spans is None else spans)
    candidates = [a for a in rule_agencies(doc) if fills_its_line(doc.text, a)]
    extra = [Span(a.start, a.end, AGENCY, a.score) for a in _unclaimed(doc, candidates, spans)]
    return sorted([*spans, *extra], key=lambda s: (s.start, s.end)) if extra else spans


def _unclaimed(doc: Document, candidates: Sequence[Span], spans: Sequence[Span]) -> list[Span]:
    """The ``candidates`` outside recipient lists (the spec leaves them unlabelled) that overlap
    none of ``spans``."""
    if not candidates:
        return []
    blocked = recipient_lines(doc.text)
    return [
        a for a in candidates
        if not any(s <= a.start < e for s, e in blocked) and not any(a.overlaps(s) for s in spans)
    ]  # fmt: skip


def _joined(text: str, left: Span, right: Span) -> bool:
    """Whether only a coordinator (``resources/agency_cells.json``) stands between ``left`` and
    ``right`` (``left`` first)."""
    gap = text[left.end : right.start]
    return "\n" not in gap and gap.strip().lower() in _cues()["coordinators"]


def coordinated_agencies(doc: Document, spans: Sequence[Span] | None = None) -> list[Span]:
    """``spans`` (default ``doc.spans``) and the rule AGENCY spans joined to an AGENCY of the output
    by a coordinator only (``Hội Nông dân, Hội Cựu chiến binh và Đoàn Thanh niên``: the spec labels
    every body of a list), outside recipient lists and overlapping no span; repeated until no more
    joins, so that a whole list grows from one found body."""
    spans = list(doc.spans if spans is None else spans)
    if not any(s.label == AGENCY for s in spans):
        return spans
    free = _unclaimed(doc, rule_agencies(doc), spans)
    agencies = [s for s in spans if s.label == AGENCY]
    extra: list[Span] = []
    grew = True
    while grew and free:
        grew = False
        for a in list(free):
            if any(_joined(doc.text, b, a) or _joined(doc.text, a, b) for b in agencies):
                new = Span(a.start, a.end, AGENCY, a.score)
                extra.append(new)
                agencies.append(new)
                free.remove(a)
                grew = True
    return sorted([*spans, *extra], key=lambda s: (s.start, s.end)) if extra else spans
