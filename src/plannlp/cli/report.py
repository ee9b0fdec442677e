"""`plannlp report`: a self-contained HTML page of tagged plans (and, with gold, a diff)."""

from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app


@app.command()
def report(
    tagged: Path = typer.Argument(..., help="tagged JSONL, as `plannlp tag` writes it"),
    output: Path = typer.Option(..., "--output", "-o", help="the HTML file to write"),
    gold: Optional[Path] = typer.Option(None, "--gold", "-g", help="gold JSONL of the same documents: adds the diff view"),
    title: Optional[str] = typer.Option(None, help="page title (default: the input's name)"),
) -> None:
    """Write one HTML file (no server, works offline): documents, target records and agencies as
    sortable, filterable tables, spans highlighted in the text; with --gold, what is correct,
    missed, spurious or off by a boundary."""
    from plannlp.report.html import write_report

    result = write_report(tagged, output, gold=gold, title=title)
    typer.echo(
        f"wrote {output}: {result.documents} documents, {result.spans} spans, {result.records} target records",
        err=True,
    )
