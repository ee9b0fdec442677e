"""``plannlp pretrain CONFIG``: masked-LM pretraining or domain adaptation of the encoder."""

from __future__ import annotations

from pathlib import Path

import typer

from plannlp.cli.app import app


@app.command()
def pretrain(
    config: Path = typer.Argument(..., help="YAML config (see experiments/pretrain-*.yaml)"),
) -> None:
    """Pretrain (or continue pretraining) a PhoBERT-shaped encoder; resumes from the config's work_dir."""
    from plannlp.pretrain import pretrain as run

    out = run(config)
    typer.echo(f"encoder saved to {out} (model card: {out / 'README.md'})")
