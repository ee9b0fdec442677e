"""Strict/partial micro F1 and per-label F1 of a prediction file on the gold documents of one domain.

    PYTHONPATH=src python experiments/score_by_domain.py GOLD.jsonl PRED.jsonl [--domain health]

The domain is :func:`plannlp.evaluate.crossval.document_domain` (``meta.domain`` where the gold has
it, else the annotation header, else the keyword test).
"""

from __future__ import annotations

import argparse

from plannlp.evaluate import evaluate
from plannlp.evaluate.crossval import document_domain
from plannlp.io import read_documents

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("gold")
    parser.add_argument("pred")
    parser.add_argument("--domain", default="health")
    args = parser.parse_args()
    gold = [d for d in read_documents(args.gold) if document_domain(d) == args.domain]
    ids = {d.id for d in gold}
    pred = [d for d in read_documents(args.pred) if d.id in ids]
    print(f"{len(gold)} {args.domain} documents: {', '.join(sorted(ids))}")
    print(evaluate(gold, pred, bootstrap=1000).render())
