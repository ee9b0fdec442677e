"""Span scores as counts, under the four schemes of SemEval-2013 Task 9.

One alignment per document pairs each predicted span with at most one gold span; every row
of it is an error kind (or ``correct``). The four schemes are then counts over the rows:

========  =====================================================================
strict    exact boundary and label
exact     exact boundary, any label
partial   exact boundary (1) or overlap (1/2), any label
type      overlap with the right label
========  =====================================================================

Precision is credit over predicted spans and recall credit over gold spans (SemEval's
``actual`` and ``possible``), so for each scheme ``tp`` is the credit, ``fp = predicted - tp``
and ``fn = gold - tp``; in the partial scheme ``tp`` counts in halves.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from plannlp.data import Document, Example, Span, TargetRecord
from plannlp.labels import AGENCY, ROLES
from plannlp.records import body_key, extract_records

SCHEMES: tuple[str, ...] = ("strict", "exact", "partial", "type")
ERROR_KINDS: tuple[str, ...] = ("correct", "boundary", "label", "boundary+label", "missed", "spurious")


@dataclass(frozen=True, slots=True)
class PRF:
    """True positives, false positives and false negatives; P, R and F1 derive from them.

    Counts add up (``a + b``), so corpus scores are sums of document scores (micro average).
    Empty denominators give 0.
    """

    tp: float = 0
    fp: float = 0
    fn: float = 0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def total(scores: Iterable[PRF]) -> PRF:
    return sum(scores, PRF())


@dataclass(frozen=True, slots=True)
class Alignment:
    """One row of a document's alignment: a gold span, a predicted span, or a pair, and its kind."""

    gold: Span | None
    predicted: Span | None
    kind: str

    @property
    def position(self) -> int:
        return min(s.start for s in (self.gold, self.predicted) if s is not None)

    @property
    def label(self) -> str:
        """The gold label, or the predicted one for a spurious span."""
        span = self.gold or self.predicted
        assert span is not None
        return span.label


def _kind(gold: Span, predicted: Span) -> str:
    same_boundary = (gold.start, gold.end) == (predicted.start, predicted.end)
    same_label = gold.label == predicted.label
    if same_boundary:
        return "correct" if same_label else "label"
    return "boundary" if same_label else "boundary+label"


def align(gold: Sequence[Span], predicted: Sequence[Span]) -> tuple[Alignment, ...]:
    """Pair predicted with gold spans, as SemEval-2013 (and nervaluate) do.

    Predicted spans are taken left to right; each takes the gold span with exactly its boundary
    if there is one, else the leftmost overlapping gold span not yet taken. Spans of one side
    never overlap each other, so an exact match is never contested. One alignment serves all four
    schemes; nervaluate's ``ent_type`` alone re-aligns, preferring a same-label gold span when a
    prediction overlaps several, so "type" figures can differ from it in that rare case.
    """
    gold = sorted(gold)
    gold_ends = [g.end for g in gold]  # sorted too, as gold spans do not overlap
    taken: set[int] = set()
    rows: list[Alignment] = []
    for pred in sorted(predicted):
        overlapping = []
        for i in range(bisect_right(gold_ends, pred.start), len(gold)):
            if gold[i].start >= pred.end:
                break
            if i not in taken:
                overlapping.append(i)
        exact = [i for i in overlapping if (gold[i].start, gold[i].end) == (pred.start, pred.end)]
        chosen = (exact or overlapping or [None])[0]
        if chosen is None:
            rows.append(Alignment(None, pred, "spurious"))
        else:
            taken.add(chosen)
            rows.append(Alignment(gold[chosen], pred, _kind(gold[chosen], pred)))
    rows.extend(Alignment(g, None, "missed") for i, g in enumerate(gold) if i not in taken)
    return tuple(sorted(rows, key=lambda r: (r.position, r.gold is None)))


def scheme_scores(rows: Sequence[Alignment]) -> dict[str, PRF]:
    """The four schemes' counts over one alignment."""
    kinds = {k: 0 for k in ERROR_KINDS}
    for row in rows:
        kinds[row.kind] += 1
    n_gold = sum(1 for r in rows if r.gold is not None)
    n_pred = sum(1 for r in rows if r.predicted is not None)
    credit = {
        "strict": kinds["correct"],
        "exact": kinds["correct"] + kinds["label"],
        "partial": kinds["correct"] + kinds["label"] + 0.5 * (kinds["boundary"] + kinds["boundary+label"]),
        "type": kinds["correct"] + kinds["boundary"],
    }
    return {scheme: PRF(tp, n_pred - tp, n_gold - tp) for scheme, tp in credit.items()}


def predicted_in_regions(predicted: Document, reference: Document) -> tuple[Span, ...]:
    """Predicted spans that touch the reference's labelled regions (all, without regions).

    A prediction that straddles a region's edge is kept: part of it lies in text an annotator
    labelled, so it is a (boundary) error, not unlabelled text.
    """
    return tuple(s for s in predicted.spans if reference.touches_regions(s.start, s.end))


def _record_key(record: TargetRecord, text: str, responsible: bool = False) -> tuple[Any, ...]:
    def words(span: Span) -> str:
        return " ".join(text[span.start : span.end].split())

    key = (
        tuple(words(v) for v in record.values),
        tuple(words(c) for c in record.comparators),
        None if record.year is None else words(record.year),
    )
    if responsible:
        return (*key, frozenset(body_key(text[a.start : a.end]) for a in record.responsible))
    return key


def record_score(
    gold: Sequence[TargetRecord], predicted: Sequence[TargetRecord], text: str, *, responsible: bool = False
) -> PRF:
    """A predicted record is right when its indicator overlaps a gold record's indicator not yet
    matched and its value, comparator and year texts equal that record's (white space aside);
    with ``responsible``, its responsible bodies (:func:`plannlp.records.body_key`) must be the gold
    record's too."""
    by_key: dict[tuple[Any, ...], list[TargetRecord]] = {}
    for ref in gold:
        by_key.setdefault(_record_key(ref, text, responsible), []).append(ref)
    tp = 0
    for record in predicted:
        candidates = by_key.get(_record_key(record, text, responsible), [])
        match = next((i for i, ref in enumerate(candidates) if ref.indicator.overlaps(record.indicator)), None)
        if match is not None:
            candidates.pop(match)  # each gold record matches once
            tp += 1
    return PRF(tp, len(predicted) - tp, len(gold) - tp)


def role_scores(gold: Sequence[Span], predicted: Sequence[Span], roles: Sequence[str]) -> dict[str, PRF]:
    """Per-role counts over the AGENCY mentions found exactly (same offsets): for role ``r``, a
    found mention with gold ``r`` and predicted ``r`` is a tp, predicted ``r`` but gold other a fp,
    gold ``r`` but predicted other a fn. Missed and spurious agencies are the span scores' business."""
    by_key = {s.key: s for s in predicted if s.label == AGENCY}
    out = {role: PRF() for role in roles}
    for g in gold:
        p = by_key.get(g.key) if g.label == AGENCY and g.role else None
        if p is None:
            continue
        if p.role == g.role:
            out[g.role] = out[g.role] + PRF(1, 0, 0)
        else:
            out[g.role] = out[g.role] + PRF(0, 0, 1)
            if p.role in out:
                out[p.role] = out[p.role] + PRF(0, 1, 0)
    return out


def link_score(gold: Document, predicted: Document) -> PRF:
    """Links as pairs (target, body): a predicted link is right when its indicator overlaps the
    indicator of a gold link not yet matched and its agency names the same body (the texts'
    :func:`plannlp.records.body_key`), whichever mention of the body it points to."""

    def pairs(doc: Document) -> list[tuple[Span, str]]:
        spans = {s.key: s for s in doc.spans}
        return [
            (spans[link.indicator], body_key(doc.text[link.agency[0] : link.agency[1]]))
            for link in doc.links
        ]

    open_gold = pairs(gold)
    predicted_pairs = list(dict.fromkeys(pairs(predicted)))
    tp = 0
    for indicator, body in predicted_pairs:
        match = next((i for i, (g, b) in enumerate(open_gold) if b == body and g.overlaps(indicator)), None)
        if match is not None:
            open_gold.pop(match)
            tp += 1
    return PRF(tp, len(predicted_pairs) - tp, len(open_gold))


@dataclass(frozen=True, slots=True)
class DocumentScore:
    """The scores of one document: its alignment, each scheme overall and per label, records,
    agency roles over the agencies found, and target-agency links (documents whose gold has links)."""

    example: Example
    alignment: tuple[Alignment, ...]
    micro: dict[str, PRF]  # scheme -> counts over all labels
    per_label: dict[str, dict[str, PRF]]  # scheme -> label -> counts over that label's spans
    records: PRF
    roles: dict[str, PRF] = field(default_factory=dict)  # role -> counts over exactly found agencies
    links: PRF | None = None  # None where the gold document has no links (not link-annotated)

    @property
    def doc_id(self) -> str:
        return self.example.reference.id

    @property
    def errors(self) -> tuple[Alignment, ...]:
        return tuple(r for r in self.alignment if r.kind != "correct")


def score_example(example: Example, labels: Sequence[str]) -> DocumentScore:
    """Score one document: predicted spans outside the gold regions are ignored.

    Per-label counts come from aligning only that label's spans (nervaluate's per-entity
    figures), so in the exact and partial schemes a label's row credits only spans of that label.
    """

    gold = example.reference.spans
    predicted = predicted_in_regions(example.predicted, example.reference)
    rows = align(gold, predicted)
    per_label: dict[str, dict[str, PRF]] = {scheme: {} for scheme in SCHEMES}
    for label in labels:
        scores = scheme_scores(
            align([s for s in gold if s.label == label], [s for s in predicted if s.label == label])
        )
        for scheme in SCHEMES:
            per_label[scheme][label] = scores[scheme]
    keys = {s.key for s in predicted}
    kept = example.predicted.with_spans(
        predicted, [link for link in example.predicted.links if link.indicator in keys and link.agency in keys]
    )
    records = record_score(
        extract_records(example.reference), extract_records(kept), example.reference.text
    )
    roles = role_scores(gold, predicted, ROLES)
    links = link_score(example.reference, kept) if example.reference.links else None
    return DocumentScore(example, rows, scheme_scores(rows), per_label, records, roles, links)
