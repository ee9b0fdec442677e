"""Posterior decoding of the stacked CRF screened under cross-validation (issue 10, session 5).

    PYTHONPATH=src python experiments/posterior_decoding.py experiments/default.yaml [--folds 3 --seed 0]

Trains the stacked CRF of CONFIG once per fold (the folds of ``plannlp crossval``), then decodes each
held-out sentence's second pass by Viterbi (as the default does) and by
:func:`plannlp.tag.baselines.decoding.posterior_path` with each O penalty of the grid, every variant
going through the same output steps (indicator trimming, cell years, cell agencies, record years).
Prints per variant the mean ± sd strict micro F1 over folds, P, R, per-label F1 and records F1.
Rule written before the run (experiments/RESULTS-notes.md, session 5).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from plannlp.bio import tags_to_spans
from plannlp.data import Document
from plannlp.evaluate.crossval import crossval
from plannlp.io import write_documents
from plannlp.labels import LABELS
from plannlp.tag.baselines.agencycells import cell_agencies
from plannlp.tag.baselines.decoding import posterior_path
from plannlp.tag.baselines.indicators import trim_indicators
from plannlp.tag.baselines.stacked import StackedFolds, _words, first_pass, fit_stacked, merged_rows, stack_features
from plannlp.tag.baselines.years import cell_years, date_records
from plannlp.tag.systems import load_config

from cell_year_search import _score, train_dev_gold

PENALTIES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


class Variants(StackedFolds):
    """StackedFolds that also keeps, per held-out document, the output of every decoding variant."""

    def __init__(self, config, config_path=None):
        super().__init__(config, config_path)
        self.out: dict[str, dict[int, list]] = {}

    def fit_predict(self, train, test):
        d = self.data
        tagger = fit_stacked(train, d.sentences, d.rows, d.tagged, self.first, self.second, self.stack)
        second = tagger.second
        model, tags = second._model, list(second._model.labels())
        viterbi = []
        for i in test:
            doc, sents, rows = d.docs[i], d.sentences[i], d.rows[i]
            first = first_pass(tagger.first, rows, tagger.stack.marginals)
            merged = merged_rows(rows, stack_features(_words(sents), first, tagger.stack))
            paths: dict[str, list] = {"viterbi": []}
            for p in PENALTIES:
                paths[f"posterior {p}"] = []
            for sent, row in zip(sents, merged):
                model.set(row)
                vit = model.tag()
                marg = [[model.marginal(t, k) for t in tags] for k in range(len(vit))]
                paths["viterbi"].extend(tags_to_spans(vit, sent.offsets, second.settings.scheme))
                for p in PENALTIES:
                    paths[f"posterior {p}"].extend(tags_to_spans(posterior_path(marg, tags, p), sent.offsets, second.settings.scheme))
            for name, spans in paths.items():
                s = trim_indicators(doc.text, spans) if second.settings.indicators else spans
                s = cell_agencies(doc, cell_years(doc, s))
                s = date_records(doc, s)
                self.out.setdefault(name, {})[i] = Document(doc.id, doc.text, tuple(s), meta=doc.meta)
            viterbi.append(self.out["viterbi"][i])
        return viterbi


def _row(name: str, run: dict) -> str:
    ms = run["mean_sd"]
    labels = " ".join(f"{lab[:3]} {ms[f'{lab}_f1']['mean']:.3f}" for lab in LABELS if f"{lab}_f1" in ms)
    folds = "/".join(f"{f['strict']['f1']:.3f}" for f in run["per_fold"])
    return (f"{name:<16}{ms['strict_f1']['mean']:.4f} ± {ms['strict_f1']['sd']:.3f}  P {ms['strict_p']['mean']:.3f} "
            f"R {ms['strict_r']['mean']:.3f}  folds {folds}  records {ms['records_f1']['mean']:.3f}  {labels}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = load_config(args.config)
    docs = train_dev_gold()
    system = Variants(config)
    result = crossval(config, docs, k=args.folds, seed=args.seed, system=system)
    with tempfile.TemporaryDirectory() as tmp:
        for name, preds in system.out.items():
            path = Path(tmp) / "p.jsonl"
            write_documents(path, [
                dataclasses.replace(preds[i], meta={**dict(preds[i].meta or {}), "crossval": {"k": args.folds, "seed": args.seed, "fold": result.folds[i]}})
                for i in range(len(docs))
            ])  # fmt: skip
            print(_row(name, _score(path, docs, args.folds, args.seed)), flush=True)
