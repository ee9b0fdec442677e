"""`plannlp evaluate` and `plannlp compare`: score predictions against gold, compare two systems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app

_BATCH = 8  # documents per predict() call, so the progress bar moves


def _tag(gold_docs: list, model: Optional[Path]) -> list:
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


def _gold(path: Path) -> list:
    """The gold documents of ``path``; an empty file is refused, since it would score as F1 0."""
    from plannlp.data import DataError
    from plannlp.io import read_documents

    docs = list(read_documents(path))
    if not docs:
        raise DataError(f"{path}: no gold documents; nothing to score against")
    return docs


def _predictions(gold_docs: list, source: Path) -> list:
    """Predicted documents from a JSONL file, or from tagging with a model folder."""
    from plannlp.io import read_documents

    return _tag(gold_docs, source) if source.is_dir() else list(read_documents(source))


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
    gold_docs = _gold(gold)
    predicted = list(read_documents(pred)) if pred is not None else _tag(gold_docs, model)
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


@app.command()
def compare(
    gold: Path = typer.Argument(..., help="gold JSONL"),
    system_a: Path = typer.Argument(..., help="system A: predicted JSONL or model folder"),
    system_b: Path = typer.Argument(..., help="system B: predicted JSONL or model folder"),
    rounds: int = typer.Option(10_000, help="bootstrap resamples and randomisation rounds"),
    seed: int = typer.Option(0, help="seed of both tests"),
    scheme: str = typer.Option("strict", help="strict | exact | partial | type"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Is A better than B on micro F1? Paired bootstrap and approximate randomisation over documents."""
    from plannlp.evaluate import compare as compare_systems
    from plannlp.io import read_documents

    gold_docs = _gold(gold)
    comparison = compare_systems(
        gold_docs, _predictions(gold_docs, system_a), _predictions(gold_docs, system_b),
        rounds=rounds, seed=seed, scheme=scheme,
    )  # fmt: skip
    if json_out:
        typer.echo(json.dumps({"a": str(system_a), "b": str(system_b), "scheme": scheme, **comparison.to_json()}))
        return
    typer.echo(
        f"{comparison.n_documents} documents, {scheme} micro F1\n"
        f"A {system_a}: {comparison.f1_a:.4f}\n"
        f"B {system_b}: {comparison.f1_b:.4f}\n"
        f"A - B: {comparison.delta:+.4f}\n"
        f"paired bootstrap p (one-sided, A better than B): {comparison.p_bootstrap:.4f}  ({rounds} resamples)\n"
        f"approximate randomisation p (two-sided): {comparison.p_randomisation:.4f}  ({rounds} rounds, seed {seed})"
    )
