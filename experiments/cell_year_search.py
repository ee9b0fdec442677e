"""Cell years (``plannlp.tag.baselines.years.cell_years``) and cell agencies
(``plannlp.tag.baselines.agencycells.cell_agencies``) scored on held-out predictions.

    PYTHONPATH=src python experiments/cell_year_search.py runs/cv-pred/v2-crf-targets.jsonl [--folds 3 --seed 0]

For a ``plannlp crossval ... --predictions`` output, scores the held-out spans as they are and with the
cell years and cell agencies added (then ``record_years``' dating, as the CRF applies them), fold by fold with the
folds of that run, through the ``heldout`` system: mean ± sd strict micro F1, per-label means, records F1.
No model is retrained; the added spans come from the text and the predicted spans alone.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from plannlp.evaluate.crossval import crossval
from plannlp.io import read_documents, write_documents
from plannlp.labels import LABELS
from plannlp.tag.baselines import read_split
from plannlp.tag.baselines.agencycells import cell_agencies
from plannlp.tag.baselines.years import cell_years, date_records
from plannlp.tag.systems import fold_system

ROOT = Path(__file__).resolve().parents[1]


def train_dev_gold() -> list:
    """The gold train and dev documents, in the order ``plannlp crossval`` folds them."""
    return [d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_split(ROOT / f, "gold")]


def _score(predictions: Path, docs, folds: int, seed: int) -> dict:
    config = {"system": "heldout", "file": str(predictions)}
    return crossval(config, docs, k=folds, seed=seed, system=fold_system(config)).runs["1.0"]


def _row(name: str, run: dict) -> str:
    ms = run["mean_sd"]
    labels = " ".join(f"{label} {ms[f'{label}_f1']['mean']:.3f}" for label in LABELS if f"{label}_f1" in ms)
    folds = "/".join(f"{f['strict']['f1']:.3f}" for f in run["per_fold"])
    records = ms.get("records_f1", {}).get("mean", float("nan"))
    return f"{name:<38}{ms['strict_f1']['mean']:.3f} ± {ms['strict_f1']['sd']:.3f}  folds {folds}  records {records:.3f}  {labels}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("predictions")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs = train_dev_gold()
    held = list(read_documents(args.predictions))
    variants = {
        "as predicted": held,
        "+ record years": [d.with_spans(date_records(d)) for d in held],
        "+ cell years": [d.with_spans(cell_years(d)) for d in held],
        "+ cell years + record years": [d.with_spans(date_records(d, cell_years(d))) for d in held],
        "+ cell agencies": [d.with_spans(cell_agencies(d)) for d in held],
        "+ cell years, agencies, record years": [
            d.with_spans(date_records(d, cell_agencies(d, cell_years(d)))) for d in held
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, variant in variants.items():
            path = Path(tmp) / "p.jsonl"
            write_documents(path, variant)
            print(_row(name, _score(path, docs, args.folds, args.seed)), flush=True)
