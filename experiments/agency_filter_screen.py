"""A learned agency filter, scored on held-out predictions (issue 10; not adopted).

    PYTHONPATH=src python experiments/agency_filter_screen.py runs/cv-pred/v5-crf-stacked-poslex.jsonl [--seed 0]

The filter: whether a body is an AGENCY span at all is decided by the spec for the whole mention
(it needs a role there: a governing verb, often words away, a table column; an author after
``của``, a recipient list, a job title, the past tense rule it out), while the CRF reads a ±2
word window. Its candidates are every predicted AGENCY span and every built-in rule AGENCY span
that overlaps no predicted span and lies outside a recipient list. Its features are the role
classifier's mention features (``plannlp.tag.roles.mention_features``: words around the mention,
cue phrases, column header, heading) and the candidate's own (source, the tagger's score, whether
the rule tagger has the same span, fills its line, joined to another AGENCY by a coordinator, first
and last words, length, abbreviation, lower-case start, ``của``/``theo``/``đã``/``tại`` just before).
A logistic regression (``plannlp.linear``) learns keep/drop (keep: a gold AGENCY has exactly its
offsets); a predicted span is kept and a rule span added when P(keep) >= threshold.

The predictions are a ``plannlp crossval ... --predictions`` output over gold train+dev; each
document records its fold. The default's output steps are applied as the tagger applies them
(cell years, cell agencies, then the record years' dating). The filter is cross-fitted on the
same folds: for fold k it is trained on the candidates of the other folds' held-out predictions
against their gold, and applied to fold k's, after the cell steps and before the dating. The
rows are scored with the folds of that run (``cell_year_search._score``), so the first row
reproduces the default's CV figure.

The rule, written before the first run: the filter (C 1.0, threshold 0.5, fixed) is adopted if
the mean strict micro F1 rises by at least 0.005 on the seed-0 folds and at least 0.003 on the
seed-1 folds, and AGENCY F1 rises on both. The other thresholds are printed for information only.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cell_year_search import _row, _score, train_dev_gold

from plannlp.data import Document, Span
from plannlp.io import read_documents, write_documents
from plannlp.labels import AGENCY
from plannlp.linear import LinearModel, fit_linear
from plannlp.tag.baselines.agencycells import _joined, _unclaimed, cell_agencies, fills_its_line, recipient_lines, rule_agencies
from plannlp.tag.baselines.years import cell_years, date_records
from plannlp.tag.roles import _Layout, mention_features
from plannlp.text import fold

KEEP, DROP = "keep", "drop"
_WORDS = re.compile(r"\w+", re.UNICODE)


def candidates(doc: Document, spans: Sequence[Span] | None = None) -> list[tuple[Span, str]]:
    """``(span, source)`` for every AGENCY of ``spans`` (default ``doc.spans``; source ``pred``) and
    every rule AGENCY that overlaps none of ``spans`` and lies outside a recipient list (``rule``)."""
    spans = list(doc.spans if spans is None else spans)
    out = [(s, "pred") for s in spans if s.label == AGENCY]
    out.extend((Span(a.start, a.end, AGENCY, a.score), "rule") for a in _unclaimed(doc, rule_agencies(doc), spans))
    return out


def candidate_features(
    doc: Document, layout: _Layout, span: Span, source: str, agencies: Sequence[Span], rule_keys: set[tuple[int, int]],
    blocked: Sequence[tuple[int, int]],
) -> dict[str, float]:
    """Sparse features of one candidate (names -> values)."""
    feats = {f"m:{k}": v for k, v in mention_features(layout, span).items()}
    feats["bias"] = 1.0
    feats[f"src={source}"] = 1.0
    if source == "pred":
        score = span.score if span.score is not None else 1.0
        feats[f"score>={min(9, int(score * 10))}"] = 1.0
        feats["score"] = score
        feats["rule_agrees"] = 1.0 if (span.start, span.end) in rule_keys else 0.0
        if any(s <= span.start < e for s, e in blocked):
            feats["recipient_block"] = 1.0
    if fills_its_line(doc.text, span):
        feats[f"fills_line:{source}"] = 1.0
    if any(_joined(doc.text, b, span) or _joined(doc.text, span, b) for b in agencies if b is not span):
        feats[f"joined:{source}"] = 1.0
    words = _WORDS.findall(fold(doc.span_text(span)))
    if words:
        feats[f"w0={words[0]}"] = 1.0
        feats[f"w01={'_'.join(words[:2])}"] = 1.0
        feats[f"wlast={words[-1]}"] = 1.0
    feats[f"len={min(8, len(words))}"] = 1.0
    raw = doc.span_text(span)
    if re.search(r"\b[A-ZĐ]{2,}\b", raw):
        feats["abbrev"] = 1.0
    if raw[:1].islower():
        feats["lower_start"] = 1.0
    before = fold(doc.text[max(0, span.start - 40) : span.start]).split()[-3:]
    for w in ("của", "theo", "đã", "tại"):
        if w in before:
            feats[f"near_before={w}"] = 1.0
    return feats


def document_rows(doc: Document, spans: Sequence[Span] | None = None) -> list[tuple[Span, str, dict[str, float]]]:
    """Every candidate of ``doc`` with its source and features."""
    cands = candidates(doc, spans)
    layout = _Layout(doc.text)
    agencies = [s for s, _ in cands]
    rule_keys = {(a.start, a.end) for a in rule_agencies(doc)}
    blocked = recipient_lines(doc.text)
    return [(s, src, candidate_features(doc, layout, s, src, agencies, rule_keys, blocked)) for s, src in cands]


def training_rows(pairs: Iterable[tuple[Document, Document]]) -> tuple[list[dict[str, float]], list[str]]:
    """Features and keep/drop labels of the candidates of each (predicted, gold) document pair."""
    X, y = [], []
    for predicted, gold in pairs:
        gold_keys = {(s.start, s.end) for s in gold.spans if s.label == AGENCY}
        for span, _, feats in document_rows(predicted):
            X.append(feats)
            y.append(KEEP if (span.start, span.end) in gold_keys else DROP)
    return X, y


@dataclass(frozen=True)
class AgencyFilter:
    """A keep/drop :class:`~plannlp.linear.LinearModel` over :func:`candidate_features`."""

    model: LinearModel
    threshold: float = 0.5
    settings: dict[str, Any] | None = None

    def apply(self, doc: Document, spans: Sequence[Span] | None = None) -> list[Span]:
        """``spans`` (default ``doc.spans``) with each AGENCY kept only when the model keeps it, and
        the rule AGENCY candidates it keeps added; other labels untouched."""
        spans = list(doc.spans if spans is None else spans)
        keep: set[int] = set()
        added: list[Span] = []
        for span, source, feats in document_rows(doc, spans):
            if self.model.probability(feats, KEEP) >= self.threshold:
                if source == "pred":
                    keep.add(id(span))
                else:
                    added.append(span)
        out = [s for s in spans if s.label != AGENCY or id(s) in keep]
        out.extend(s for s in added if not any(s.overlaps(t) for t in out))
        return sorted(out, key=lambda s: (s.start, s.end))


def train_filter(pairs: Iterable[tuple[Document, Document]], c: float = 1.0, threshold: float = 0.5, seed: int = 0) -> AgencyFilter:
    """An :class:`AgencyFilter` fitted on (held-out predicted, gold) document pairs."""
    X, y = training_rows(pairs)
    return AgencyFilter(fit_linear(X, y, c=c, seed=seed), threshold, {"c": c, "seed": seed, "candidates": len(y)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("predictions")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--thresholds", default="0.5,0.4,0.6")
    args = parser.parse_args()

    docs = train_dev_gold()
    gold = {d.id: d for d in docs}
    held = [d.with_spans(cell_agencies(d, cell_years(d))) for d in read_documents(args.predictions)]
    fold_of = {d.id: (d.meta or {})["crossval"]["fold"] for d in held}
    thresholds = [float(t) for t in args.thresholds.split(",")]
    filtered: dict[float, list] = {t: [] for t in thresholds}
    changes: dict[float, Counter] = {t: Counter() for t in thresholds}
    for k in sorted(set(fold_of.values())):
        f = train_filter([(d, gold[d.id]) for d in held if fold_of[d.id] != k], c=args.c, seed=args.seed)
        for t in thresholds:
            f_t = type(f)(f.model, t, f.settings)
            for d in held:
                if fold_of[d.id] != k:
                    continue
                out = f_t.apply(d)
                before = {(s.start, s.end) for s in d.spans if s.label == AGENCY}
                after = {(s.start, s.end) for s in out if s.label == AGENCY}
                g = {(s.start, s.end) for s in gold[d.id].spans if s.label == AGENCY}
                c = changes[t]
                c["dropped gold"] += len((before - after) & g)
                c["dropped wrong"] += len((before - after) - g)
                c["added gold"] += len((after - before) & g)
                c["added wrong"] += len((after - before) - g)
                filtered[t].append(d.with_spans(out))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        write_documents(path, [d.with_spans(date_records(d)) for d in held])
        print(_row("default steps (no filter)", _score(path, docs, args.folds, args.seed)), flush=True)
        for t in thresholds:
            write_documents(path, [d.with_spans(date_records(d)) for d in filtered[t]])
            print(_row(f"+ agency filter, threshold {t}", _score(path, docs, args.folds, args.seed)), flush=True)
            print("   ", dict(changes[t]), flush=True)
