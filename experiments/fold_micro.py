"""Strict micro F1 per cross-validation fold over a chosen label set, from pooled held-out predictions.

    PYTHONPATH=src python experiments/fold_micro.py GOLD.jsonl [GOLD2.jsonl ...] --pred PRED.jsonl [--drop YEAR]

Each prediction document names its fold in ``meta.crossval``. ``--drop`` leaves labels out (to ask
whether a difference between two systems lies in one label); strict matching (offsets and label).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents


def fold_counts(gold, pred, drop: set[str]) -> dict[int, Counter]:
    by_id = {d.id: d for d in gold}
    out: dict[int, Counter] = {}
    for p in pred:
        if p.id not in by_id:
            continue
        fold = int(p.meta["crossval"]["fold"])
        g = {(s.start, s.end, s.label) for s in by_id[p.id].spans if s.label not in drop}
        q = {(s.start, s.end, s.label) for s in p.spans if s.label not in drop}
        c = out.setdefault(fold, Counter())
        c["tp"] += len(g & q)
        c["fp"] += len(q - g)
        c["fn"] += len(g - q)
    return out


def f1(c: Counter) -> float:
    return 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]) if c["tp"] else 0.0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--pred", required=True)
    parser.add_argument("--drop", action="append", default=[])
    args = parser.parse_args()
    gold = [d for f in args.gold for d in read_documents(Path(f))]
    counts = fold_counts(gold, read_documents(Path(args.pred)), set(args.drop))
    scores = [f1(counts[k]) for k in sorted(counts)]
    print(" ".join(f"fold {k}: {s:.3f}" for k, s in zip(sorted(counts), scores)), f"mean {sum(scores) / len(scores):.3f}")
