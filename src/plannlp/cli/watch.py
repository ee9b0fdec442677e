"""`plannlp watch SOURCES.yaml --out DIR`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app

@app.command()
def watch(
    sources: Path = typer.Argument(..., help="SOURCES.yaml: the portals to watch (sitemaps, feeds, listings)"),
    out: Path = typer.Option(..., "--out", help="watch folder: state, pages, dataset.jsonl (created)"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="tagger model (default: models/default)"),
    doctype_model: Optional[Path] = typer.Option(None, "--doctype-model", help="default: models/doctype"),
    engine: str = typer.Option("local", "--engine", help="local | ray (Ray Data; --jobs model actors, 2 by default)"),
    keep: str = typer.Option("health-plan,health-news", help="document types to tag, comma-separated"),
    delay: Optional[float] = typer.Option(None, help="seconds between two requests to one host (default: SOURCES.yaml or 1)"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="cleaning/segmentation processes (--engine ray: model actors)"),
    progress: bool = typer.Option(False, help="show the scraper's progress bar"),
) -> None:
    """Discover, fetch, classify and tag the newly published documents; a rerun does only what is new."""
    from plannlp.acquire.watch import run_watch

    report = run_watch(
        sources, out, model=model, doctype_model=doctype_model, engine=engine,
        keep=tuple(k.strip() for k in keep.split(",") if k.strip()), delay=delay, n_jobs=jobs, progress=progress,
    )
    typer.echo(report.format())
