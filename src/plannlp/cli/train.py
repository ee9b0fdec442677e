"""`plannlp train`: train a tagging system from a committed YAML config."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from plannlp.cli.app import app


@app.command()
def train(
    config: Path = typer.Argument(..., help="experiment config, e.g. experiments/transformer-tiny.yaml"),
) -> None:
    """Train the system a config names; rerun the same command to resume an interrupted run."""
    from plannlp.tag.systems import train as train_system

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out_dir = train_system(config)
    typer.echo(f"model saved in {out_dir}")
