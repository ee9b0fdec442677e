"""`plannlp crossval CONFIG`: document-level k-fold cross-validation of a system over train+dev."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app


@app.command()
def crossval(
    config: Path = typer.Argument(..., help="experiment config, e.g. experiments/crf.yaml"),
    folds: int = typer.Option(5, "--folds", "-k", help="number of document folds"),
    seed: int = typer.Option(0, help="seed of the fold assignment (and of learning-curve subsamples)"),
    fractions: Optional[str] = typer.Option(None, help="learning curve: training fractions, e.g. 0.25,0.5,1"),
    gold: Optional[list[Path]] = typer.Option(None, "--gold", help="gold JSONL files to fold (default: the config's train_file and dev_file)"),
    out: Optional[Path] = typer.Option(None, help="write the result as JSON (per fold, mean and sd, pooled)"),
    predictions: Optional[Path] = typer.Option(None, help="write every document's held-out prediction (JSONL)"),
) -> None:
    """Train on k-1 folds, tag the held-out fold, for every fold; folds are stratified by source and
    health domain. Prints per fold and mean ± sd of strict/partial micro F1, per label and records F1."""
    import logging

    from plannlp.tag.baselines import read_split
    from plannlp.evaluate.crossval import crossval as run, save_result
    from plannlp.tag.systems import fold_system, load_config

    logging.basicConfig(level=logging.WARNING)
    # option errors now, before the folds train, not after the run
    try:
        shares = [float(x) for x in fractions.split(",")] if fractions else [1.0]
    except ValueError:
        raise ValueError(f"--fractions {fractions}: expected numbers separated by commas, e.g. 0.25,0.5,1") from None
    for flag, path in (("--out", out), ("--predictions", predictions)):
        if path is not None and path.is_dir():
            raise ValueError(f"{flag} {path}: is a folder; name a file")
    cfg = load_config(config)
    system = fold_system(cfg, config)  # refuses unknown config keys before the gold is read
    files = list(gold) if gold else [cfg.get("train_file"), cfg.get("dev_file")]
    docs = [d for f in files if f for d in read_split(f, "gold")]
    result = run(cfg, docs, k=folds, seed=seed, fractions=shares, system=system, predictions_out=predictions)
    result.config["config_file"] = str(config)
    if out is not None:
        save_result(out, result)
        typer.echo(f"wrote {out}", err=True)
    typer.echo(result.render())
