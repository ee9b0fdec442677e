"""Does indicator completion pay on *records*? Scored on held-out predictions (issue 11).

    PYTHONPATH=src python experiments/record_search.py PRED.jsonl [--only VARIANT] [--breakdown]

PRED.jsonl is a ``plannlp crossval ... --predictions`` output over gold train+dev (each document
records its fold in ``meta.crossval``). Each variant of record building is applied to the
predicted spans; the records are scored against the gold records with ``metrics.score_example``
(the metric ``plannlp evaluate`` and ``plannlp crossval`` report): per fold (mean ± sd) and pooled.
Links are scored end to end too, on the link-annotated documents, with a linker trained per fold
on the gold spans of the other folds' documents (the decoding settings of ``models/links``), so
no document's links are predicted by a linker that saw it. AGENCY roles are the predictions'
own (the role model of the tagging run).

``--breakdown`` says, per variant, what became of each gold record: right; its indicator found (a
predicted record's indicator overlaps it) but values, comparators or year wrong; or not found, with
or without its VALUE predicted.

Variants (``plannlp.tag.baselines.indicators.complete_indicators``):

- ``none``: the tagger's spans;
- ``left``/``left+right``/``comma stop``/``max 15 words``: completion for every VALUE whose clause has
  no INDICATOR (the variants ``experiments/complete_search.py`` scored on spans);
- ``orphans``: the record-level fallback: completion only for the VALUEs that no record takes
  (``extract_records`` drops them), so a level attached to an indicator is never moved;
- ``rule YEARs``: the built-in rule tagger's YEAR spans added where they overlap no predicted span
  (most wrong years are a gold YEAR the tagger missed), alone and with the best completion;
- ``rule YEARs, yearless records``: only those rule YEARs that date a record left without a year.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from pathlib import Path

from plannlp.data import Document, Example
from plannlp.evaluate.metrics import PRF, record_score, score_example
from plannlp.io import read_documents
from plannlp.labels import INDICATOR, LABELS, VALUE
from plannlp.records import extract_records
from plannlp.tag.baselines.indicators import complete_indicators
from plannlp.tag.baselines.years import date_records, rule_years
from plannlp.tag.links import DEFAULT_LINK_MODEL, LinkModel, train_links

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "none": None,
    "left": {"right": False},
    "left+right": {},
    "comma stop": {"comma_stop": True},
    "max 15 words": {"max_words": 15},
    "orphans": {"orphans": True},
    "rule YEARs": {"rule_years": True},
    "rule YEARs + comma stop": {"rule_years": True, "comma_stop": True},
    "rule YEARs, yearless records": {"yearless": True},
    "rule YEARs, yearless + comma stop": {"yearless": True, "comma_stop": True},
}



def completed(doc: Document, kwargs: dict | None) -> Document:
    if kwargs is None:
        return doc.with_spans(doc.spans)
    kwargs = dict(kwargs)
    if kwargs.pop("yearless", False):
        # only the rule YEARs that date a record left without a year (the CRF's record_years)
        base = doc.with_spans(complete_indicators(doc.text, doc.spans, **kwargs)) if kwargs else doc
        return base.with_spans(date_records(base))
    if kwargs.pop("rule_years", False):
        # a YEAR the tagger missed, from the rule patterns, where it overlaps no predicted span
        extra = [y for y in rule_years(doc) if not any(y.overlaps(s) for s in doc.spans)]
        doc = doc.with_spans([*doc.spans, *extra])
        if not kwargs:
            return doc
    if kwargs.pop("orphans", False):
        kept = {v for r in extract_records(doc) for v in r.values}
        orphans = [s for s in doc.spans if s.label == VALUE and s not in kept]
        added = [s for s in complete_indicators(doc.text, doc.spans, **kwargs) if s not in set(doc.spans)]
        # an added indicator is kept only where its clause holds an orphan level
        spans = list(doc.spans) + [a for a in added if any(_same_clause(doc.text, a, o) for o in orphans)]
        return doc.with_spans(spans)
    return doc.with_spans(complete_indicators(doc.text, doc.spans, **kwargs))


def breakdown(ref: Document, done: Document) -> Counter:
    """What became of each gold record of ``ref`` among the records of ``done``."""

    def words(span) -> str | None:
        return None if span is None else " ".join(ref.text[span.start : span.end].split())

    spans = [s for s in done.spans if ref.touches_regions(s.start, s.end)]
    predicted = extract_records(done.with_spans(spans))
    values = {s.key for s in spans if s.label == VALUE}
    out: Counter = Counter()
    for gold in extract_records(ref):
        found = next((r for r in predicted if r.indicator.overlaps(gold.indicator)), None)
        if found is None:
            out["indicator missed, " + ("value found" if any(v.key in values for v in gold.values) else "no value found")] += 1
            continue
        wrong = [name for name, a, b in (
            ("values", [words(v) for v in found.values], [words(v) for v in gold.values]),
            ("comparators", [words(c) for c in found.comparators], [words(c) for c in gold.comparators]),
            ("year", words(found.year), words(gold.year)),
        ) if a != b]  # fmt: skip
        out["right" if not wrong else "indicator found, wrong " + "+".join(wrong)] += 1
    return out


def _same_clause(text: str, a, b) -> bool:
    lo, hi = min(a.end, b.end), max(a.start, b.start)
    return lo >= hi or not any(c in ";\n" for c in text[lo:hi])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("pred")
    parser.add_argument("--only", action="append")
    parser.add_argument("--breakdown", action="store_true")
    args = parser.parse_args()
    gold = {d.id: d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(ROOT / f)}
    predicted = list(read_documents(Path(args.pred)))
    missing = [d.id for d in predicted if d.id not in gold]
    assert not missing, f"predictions of documents not in train+dev: {missing[:3]}"
    fold_of = {d.id: int(d.meta["crossval"]["fold"]) for d in predicted}
    folds = sorted(set(fold_of.values()))
    decoding = LinkModel.load(DEFAULT_LINK_MODEL)
    c, seed = float(decoding.settings.get("c", 0.3)), int(decoding.settings.get("seed", 13))
    linkers = {}
    for k in folds:
        base = train_links([d for i, d in gold.items() if fold_of.get(i) != k and d.links], c=c, seed=seed)
        linkers[k] = LinkModel(base.model, decoding.threshold, decoding.floor, {}, decoding.ratio, decoding.fallback_alone, decoding.weak)
    print(f"{len(predicted)} documents, {len(folds)} folds; linker per fold C {c}, threshold {decoding.threshold}, "
          f"floor {decoding.floor}, ratio {decoding.ratio}, fallback_alone {decoding.fallback_alone}")  # fmt: skip
    print(f"{'variant':<34}{'INDICATOR':>10}{'records F1 mean ± sd':>22}{'pooled P':>10}{'R':>7}{'F1':>7}"
          f"{'  (tp/fp/fn)':<18}{'links P':>8}{'R':>7}{'F1':>7}{'  (tp/fp/fn)':<18}{'rec+resp F1':>12}")  # fmt: skip
    for name, kwargs in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        per_fold = {k: PRF() for k in folds}
        kinds: Counter = Counter()
        links, strict, n_ind = PRF(), PRF(), 0
        for doc in predicted:
            ref = gold[doc.id]
            done = linkers[fold_of[doc.id]].link(completed(doc, kwargs))
            n_ind += sum(s.label == INDICATOR for s in done.spans)
            score = score_example(Example(done, ref), LABELS)
            if args.breakdown:
                kinds += breakdown(ref, done)
            per_fold[fold_of[doc.id]] = per_fold[fold_of[doc.id]] + score.records
            if score.links is not None:
                links = links + score.links
                spans = [s for s in done.spans if ref.touches_regions(s.start, s.end)]
                keys = {s.key for s in spans}
                kept = done.with_spans(spans, [x for x in done.links if x.indicator in keys and x.agency in keys])
                strict = strict + record_score(extract_records(ref), extract_records(kept), ref.text, responsible=True)
        pooled = sum(per_fold.values(), PRF())
        f1s = [p.f1 for p in per_fold.values()]
        print(f"{name:<34}{n_ind:>10}{statistics.mean(f1s):>14.3f} ± {statistics.stdev(f1s):.3f}"
              f"{pooled.precision:>10.3f}{pooled.recall:>7.3f}{pooled.f1:>7.3f}  {f'{pooled.tp}/{pooled.fp}/{pooled.fn}':<16}"
              f"{links.precision:>8.3f}{links.recall:>7.3f}{links.f1:>7.3f}  {f'{links.tp}/{links.fp}/{links.fn}':<16}"
              f"{strict.f1:>12.3f}  " + " ".join(f"{f:.3f}" for f in f1s))  # fmt: skip
        for kind, n in kinds.most_common():
            print(f"    {n:>4}  {kind}")
