"""`plannlp doctype train | predict`: the document-type classifier (health plan / health news / other)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app

doctype_app = typer.Typer(help="The document-type classifier (health plan / health news / other).",
                          no_args_is_help=True)
app.add_typer(doctype_app, name="doctype")


@doctype_app.command("train")
def doctype_train(
    labels: Path = typer.Option(Path("corpus/doclabels.tsv"), help="document labels (doc, shared_path, label, ...)"),
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder (clean/<id>.txt)"),
    shared: Optional[Path] = typer.Option(Path("../shared/plans"), help="shared/plans folder for rows not in the corpus"),
    out: Path = typer.Option(Path("models/doctype"), help="model folder (created)"),
    folds: int = typer.Option(5, help="cross-validation folds"),
) -> None:
    """Choose a setting by cross-validation, fit on all labels, write model.json and plannlp.json."""
    from plannlp.acquire.classify import train

    shared_dir = shared if shared is not None and shared.is_dir() else None
    if shared is not None and shared_dir is None:
        typer.echo(f"warning: {shared} is not a folder: rows under shared/plans/ are left out", err=True)
    run = train(labels, corpus, shared_dir, out, folds=folds, progress=True)
    cv = run["metrics"]["cv"]
    typer.echo(json.dumps({"settings": run["settings"], "counts": run["metrics"]["counts"],
                           "per_class": cv["per_class"], "health_any": cv["health_any"],
                           "confusion": cv["confusion"]}, ensure_ascii=False, indent=2))


@doctype_app.command("predict")
def doctype_predict(
    files: list[Path] = typer.Argument(..., help="text files"),
    model: Optional[Path] = typer.Option(None, "--model", help="default: models/doctype"),
) -> None:
    """Print each file's document type and score."""
    from plannlp.acquire.classify import DocTypeModel

    m = DocTypeModel.load(model)
    for f in files:
        p = m.predict(f.read_text(encoding="utf-8", errors="replace"))
        typer.echo(f"{p.label}\t{p.score:.3f}\t{f}")
