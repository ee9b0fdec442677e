"""`plannlp evaluate`: score a model or a prediction file against gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app

_BATCH = 8  # documents per predict() call, so the progress bar moves


def tag_gold(gold_docs: list, model: Optional[Path]) -> list:
    """The gold texts as the model tags them (``Tagger.predict`` ignores the gold spans and regions)."""
    from tqdm import tqdm

    from plannlp.tag.systems import load_tagger

    tagger = load_tagger(model)
    predicted = []
    with tqdm(total=len(gold_docs), desc="tagging", unit="doc", disable=None) as bar:
        for i in range(0, len(gold_docs), _BATCH):
            predicted.extend(tagger.predict(gold_docs[i : i + _BATCH]))
            bar.update(len(gold_docs[i : i + _BATCH]))
    return predicted


def gold_documents(path: Path) -> list:
    """The gold documents of ``path``; an empty file is refused, since it would score as F1 0."""
    from plannlp.data import DataError
    from plannlp.io import read_documents

    docs = list(read_documents(path))
    if not docs:
        raise DataError(f"{path}: no gold documents; nothing to score against")
    return docs


def predictions(gold_docs: list, source: Path) -> list:
    """Predicted documents from a JSONL file, or from tagging with a model folder."""
    from plannlp.io import read_documents

    return tag_gold(gold_docs, source) if source.is_dir() else list(read_documents(source))


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="gold JSONL, e.g. corpus/gold/dev.jsonl"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="model folder to tag the gold texts with (default: models/default)"),
    pred: Optional[Path] = typer.Option(None, "--pred", "-p", help="predicted JSONL (same ids and texts as gold) instead of a model"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object instead of tables"),
    bootstrap: int = typer.Option(1000, help="document resamples for the 95% intervals (0: none)"),
    seed: int = typer.Option(0, help="seed of the resampling"),
    save: Optional[Path] = typer.Option(None, help="also write a result file SYSTEM.SPLIT.json (with model, config, revision) for experiments/make_results.py"),
    save_predictions: Optional[Path] = typer.Option(None, help="also write the predicted documents (JSONL)"),
) -> None:
    """Score a model (or a prediction file) on gold: SemEval strict/exact/partial/type and target records."""
    from plannlp.evaluate import evaluate as score
    from plannlp.evaluate.report import result_record, save_result, system_and_split
    from plannlp.io import read_documents, write_documents

    if model is not None and pred is not None:
        raise ValueError("give --model or --pred, not both")
    if save is not None:
        system, split = system_and_split(save)  # fail on a bad name before any tagging
    gold_docs = gold_documents(gold)
    predicted = list(read_documents(pred)) if pred is not None else tag_gold(gold_docs, model)
    result = score(gold_docs, predicted, bootstrap=bootstrap, seed=seed)
    if save_predictions is not None:
        write_documents(save_predictions, predicted)
    if save is not None:
        from plannlp.tag.systems import DEFAULT_MODEL

        record = result_record(
            result, system=system, split=split, gold=gold,
            model=None if pred is not None else (model or DEFAULT_MODEL), predictions=pred,
        )  # fmt: skip
        save_result(save, record)
        typer.echo(f"wrote {save}", err=True)
    if json_out:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        typer.echo(result.render())
