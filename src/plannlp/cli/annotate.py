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

    from plannlp.annotate.quotes import read_annotation, render_spans
    from plannlp.annotate.validate import document_problems
    from plannlp.data import Document

    text = text_file.read_text(encoding="utf-8")
    spans, links, meta = read_annotation(quote_file, text)
    doc = Document(id=text_file.stem, text=text, spans=tuple(spans), meta=meta, links=tuple(links))
    typer.echo(render_spans(doc))
    counts = Counter(s.label for s in doc.spans)
    typer.echo(f"{len(doc.spans)} spans: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    roles = Counter(s.role for s in doc.spans if s.label == "AGENCY")
    if roles:
        typer.echo("AGENCY roles: " + ", ".join(f"{k or 'NONE'} {v}" for k, v in sorted(roles.items(), key=lambda kv: str(kv[0]))))
    for span in doc.spans:
        if span.label == "INDICATOR":
            bodies = [doc.span_text(a) + f" ({a.role})" for a in doc.responsible_for(span)]
            typer.echo(f"target {doc.span_text(span)!r} -> " + ("; ".join(bodies) if bodies else "(no link)"))
    problems = document_problems(doc)
    for problem in problems:
        typer.echo(f"{quote_file}: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
