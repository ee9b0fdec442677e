"""Errors of a prediction file against gold, per label and kind (missed / boundary / type / spurious).

    PYTHONPATH=src python experiments/error_kinds.py GOLD.jsonl [GOLD2.jsonl ...] --pred PRED.jsonl [--show LABEL]

A gold span is *correct* when a prediction has its label and offsets; *boundary* when a prediction
of its label overlaps it with other offsets; *type* when only a prediction of another label
overlaps it; else *missed*. A prediction that overlaps no gold span is *spurious*. Documents of
the prediction file that are not in the gold are skipped (crossval predictions cover train+dev).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents
from plannlp.labels import LABELS


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def classify(gold_docs, pred_docs):
    pred = {d.id: d for d in pred_docs}
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = {}
    for g in gold_docs:
        if g.id not in pred:
            continue
        p = pred[g.id]
        exact = {(s.start, s.end, s.label) for s in p.spans}
        for s in g.spans:
            if (s.start, s.end, s.label) in exact:
                kind = "correct"
            elif any(_overlap(s, q) and q.label == s.label for q in p.spans):
                kind = "boundary"
            elif any(_overlap(s, q) for q in p.spans):
                kind = "type"
            else:
                kind = "missed"
            counts[s.label, kind] += 1
            examples.setdefault((s.label, kind), []).append(f"{g.id}: {g.text[s.start:s.end]!r}")
        for q in p.spans:
            if not any(_overlap(q, s) for s in g.spans):
                counts[q.label, "spurious"] += 1
                examples.setdefault((q.label, "spurious"), []).append(f"{g.id}: {g.text[q.start:q.end]!r}")
    return counts, examples


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--pred", required=True)
    parser.add_argument("--show", help="print the examples of this label")
    args = parser.parse_args()
    gold = [d for f in args.gold for d in read_documents(Path(f))]
    counts, examples = classify(gold, read_documents(Path(args.pred)))
    kinds = ("correct", "missed", "boundary", "type", "spurious")
    print(f"{'label':<12}" + "".join(f"{k:>10}" for k in kinds))
    for label in LABELS:
        print(f"{label:<12}" + "".join(f"{counts[label, k]:>10}" for k in kinds))
    print(f"{'all':<12}" + "".join(f"{sum(counts[lab, k] for lab in LABELS):>10}" for k in kinds))
    if args.show:
        for k in kinds[1:]:
            print(f"\n## {args.show} {k}")
            for line in examples.get((args.show, k), [])[:60]:
                print("  " + line[:220])
