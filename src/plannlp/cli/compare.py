"""`plannlp compare GOLD A B`: is system A better than system B?"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from plannlp.cli.app import app
from plannlp.cli.evaluate import gold_documents, predictions


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

    gold_docs = gold_documents(gold)
    comparison = compare_systems(
        gold_docs, predictions(gold_docs, system_a), predictions(gold_docs, system_b),
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
