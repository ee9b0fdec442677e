"""Does indicator completion (plannlp.tag.baselines.indicators) pay? Scored on held-out predictions.

    PYTHONPATH=src python experiments/complete_search.py PRED.jsonl [--folds 3 --seed 0]

PRED.jsonl is a ``plannlp crossval ... --predictions`` output; each variant of the completion is
applied to it and scored per fold (mean ± sd strict micro F1) as ``plannlp crossval`` would score
it, without retraining anything.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from plannlp.data import Document
from plannlp.evaluate.crossval import crossval
from plannlp.io import read_documents, write_documents
from plannlp.tag.baselines.indicators import complete_indicators

from cell_year_search import train_dev_gold

VARIANTS = {
    "none": None,
    "left only": {"right": False},
    "left+right": {},
    "left+right, comma stop": {"comma_stop": True},
    "left+right, max 15 words": {"max_words": 15},
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("pred")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs = train_dev_gold()
    predicted = list(read_documents(Path(args.pred)))
    print(f"{'variant':<28}{'strict F1 mean ± sd':<22}{'P':>7}{'R':>7}{'INDICATOR':>10}{'health':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kwargs in VARIANTS.items():
            path = Path(tmp) / "pred.jsonl"
            done = predicted if kwargs is None else [
                Document(d.id, d.text, tuple(complete_indicators(d.text, d.spans, **kwargs)), meta=d.meta) for d in predicted
            ]  # fmt: skip
            write_documents(path, done)
            run = crossval({"system": "heldout", "file": str(path)}, docs, k=args.folds, seed=args.seed).runs["1.0"]
            ms = run["mean_sd"]
            ind = ms["INDICATOR_f1"]["mean"]
            health = run["pooled_health"]["strict"]["f1"] if run["pooled_health"] else float("nan")
            print(f"{name:<28}{ms['strict_f1']['mean']:.3f} ± {ms['strict_f1']['sd']:.3f}{'':<8}"
                  f"{ms['strict_p']['mean']:>7.3f}{ms['strict_r']['mean']:>7.3f}{ind:>10.3f}{health:>8.3f}")  # fmt: skip
