"""Coordinated agencies screened on held-out predictions (issue 10): the conjuncts of a list of bodies.

    PYTHONPATH=src python experiments/coord_agency_screen.py runs/cv-pred/v2-crf-stacked-poslex.jsonl [--seed 0]

Under CV, 307 of the stacked CRF's 894 missed AGENCY spans are one conjunct of a list of bodies
(``Hội Nông dân, Hội Cựu chiến binh và Đoàn Thanh niên``; ``experiments/agency_errors.py``). The step
screened here (:func:`plannlp.tag.baselines.agencycells.coordinated_agencies`) adds each built-in rule
AGENCY that overlaps no span, lies outside a recipient list, and is joined to an AGENCY already in the
output by a coordinator only, repeated until nothing more joins. Held-out predictions get the default's
post-steps first (cell years, cell agencies), then the step, then record years; scored per fold with
the run's folds. Also prints how many added spans are gold and how they spread over documents.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents, write_documents
from plannlp.tag.baselines.agencycells import cell_agencies, coordinated_agencies
from plannlp.tag.baselines.years import cell_years, date_records

from cell_year_search import _row, _score, train_dev_gold

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("predictions")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    gold = {d.id: d for d in train_dev_gold()}
    held = list(read_documents(args.predictions))
    base = [d.with_spans(cell_agencies(d, cell_years(d))) for d in held]
    joined = [d.with_spans(coordinated_agencies(d)) for d in base]
    added = Counter()
    right = Counter()
    for b, j in zip(base, joined):
        truth = {(s.start, s.end, s.label) for s in gold[b.id].spans}
        for s in set(j.spans) - set(b.spans):
            added[b.id] += 1
            right[b.id] += (s.start, s.end, s.label) in truth
    total, good = sum(added.values()), sum(right.values())
    print(f"added {total}, gold {good} ({good / max(total, 1):.1%}); most gold in one document: "
          f"{max(right.values(), default=0)} ({right.most_common(1)})")
    variants = {
        "default post-steps": [d.with_spans(date_records(d)) for d in base],
        "+ coordinated agencies": [d.with_spans(date_records(d)) for d in joined],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, variant in variants.items():
            path = Path(tmp) / "p.jsonl"
            write_documents(path, variant)
            print(_row(name, _score(path, list(gold.values()), args.folds, args.seed)), flush=True)
