"""`plannlp clean` and `plannlp corpus ingest`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app, corpus_app


@app.command("clean")
def clean_command(
    paths: list[Path] = typer.Argument(..., help="Raw inputs: HTML pages, extracted page text or portal Markdown."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write <stem>.txt per input into this directory."),
    kind: Optional[str] = typer.Option(None, "--kind", help="html, text or markdown (guessed when omitted)."),
) -> None:
    """Clean raw documents into plain text, one paragraph per line."""
    from plannlp.corpus.clean import clean
    from plannlp.data import DataError
    from plannlp.io import atomic_writer

    if out is None and len(paths) > 1:
        raise DataError("several inputs need --out DIR (one <stem>.txt each)")
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        try:
            text = clean(path.read_bytes(), kind)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            with atomic_writer(out / f"{path.stem}.txt") as fh:
                fh.write(text + "\n")


@corpus_app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(..., help="Raw documents to add to the corpus."),
    source: str = typer.Option(..., "--source", help="Where they come from, e.g. github:owner/repo."),
    licence: str = typer.Option("none stated", "--licence", help="Their licence."),
    prefix: str = typer.Option(..., "--prefix", help="gov, news or seed: the id is <prefix>-<file stem>."),
    corpus_dir: Optional[Path] = typer.Option(None, "--corpus-dir", help="Corpus directory (default: ./corpus)."),
    force: bool = typer.Option(False, "--force", help="Replace clean texts that already exist (labels may break)."),
) -> None:
    """Copy raw documents into the corpus, clean them and record them in the manifest."""
    from plannlp.corpus.manifest import ingest, plannlp_version

    command = f"plannlp corpus ingest --source {source} --prefix {prefix}" + (" --force" if force else "")
    results = ingest(
        paths, source=source, licence=licence, prefix=prefix, corpus_dir=corpus_dir, force=force,
        produced_by=f"{command} ({plannlp_version()})", progress=True,
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    typer.echo(f"ingested {len(results)} documents: {summary}")
    kept = [r.id for r in results if r.status == "kept"]
    if kept:
        typer.echo(
            f"warning: kept the existing clean text of {len(kept)} documents that the cleaner would now "
            f"change (use --force to replace; labels on them may break): {', '.join(kept[:20])}"
            + (" ..." if len(kept) > 20 else ""),
            err=True,
        )
