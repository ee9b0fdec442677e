"""`plannlp corpus show-quotes`: read a quote file back against its clean text, for labellers."""

from pathlib import Path

import typer

from plannlp.cli.app import corpus_app


@corpus_app.command("show-quotes")
def show_quotes(
    text_file: Path = typer.Argument(..., help="cleaned text, e.g. corpus/clean/<id>.txt"),
    quote_file: Path = typer.Argument(..., help="quote file, e.g. corpus/annotations/<id>.tsv"),
) -> None:
    """Print every span of a quote file in context, then any spec problems; exit 1 on problems."""
    from collections import Counter

    from plannlp.corpus.quotes import read_quote_file, render_spans
    from plannlp.corpus.validate import document_problems
    from plannlp.data import Document

    text = text_file.read_text(encoding="utf-8")
    spans, meta = read_quote_file(quote_file, text)
    doc = Document(id=text_file.stem, text=text, spans=tuple(spans), meta=meta)
    typer.echo(render_spans(doc))
    counts = Counter(s.label for s in doc.spans)
    typer.echo(f"{len(doc.spans)} spans: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    problems = document_problems(doc)
    for problem in problems:
        typer.echo(f"{quote_file}: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
