"""Which of the secondary's labels should a combination take? Scored on held-out predictions.

    PYTHONPATH=src python experiments/combine_search.py PRIMARY.jsonl SECONDARY.jsonl [--folds 5 --seed 0]

Both files are ``plannlp crossval ... --predictions`` outputs of runs with the same folds; every
subset of labels is scored per fold (mean ± sd strict micro F1), as ``plannlp crossval`` would score
a ``system: combined`` config over ``heldout`` parts, without retraining anything.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from plannlp.evaluate.crossval import crossval
from plannlp.labels import LABELS
from plannlp.tag.baselines import read_split
from plannlp.tag.systems import fold_system

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("primary")
    parser.add_argument("secondary")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs = [d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_split(ROOT / f, "gold")]
    rows = []
    for n in range(0, len(LABELS) + 1):
        for labels in itertools.combinations(LABELS, n):
            config = {
                "system": "combined", "add_labels": list(labels),
                "primary": {"system": "heldout", "file": args.primary},
                "secondary": {"system": "heldout", "file": args.secondary},
            }  # fmt: skip
            run = crossval(config, docs, k=args.folds, seed=args.seed, system=fold_system(config)).runs["1.0"]
            ms = run["mean_sd"]
            rows.append((ms["strict_f1"]["mean"], ms["strict_f1"]["sd"], ms["strict_p"]["mean"], ms["strict_r"]["mean"],
                         run["pooled_health"]["strict"]["f1"] if run["pooled_health"] else float("nan"), labels))  # fmt: skip
    rows.sort(reverse=True)
    print(f"{'strict F1 mean ± sd':<22}{'P':>7}{'R':>7}{'health':>8}  labels taken from the secondary")
    for f1, sd, p, r, h, labels in rows:
        print(f"{f1:.3f} ± {sd:.3f}{'':<8}{p:>7.3f}{r:>7.3f}{h:>8.3f}  {', '.join(labels) or '(none)'}")
