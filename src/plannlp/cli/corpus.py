"""`plannlp corpus validate | build-gold | preannotate | stats | agreement | export | import`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from plannlp.cli.app import corpus_app

CORPUS = Path("corpus")


@corpus_app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., help="JSONL files of documents, e.g. corpus/gold/*.jsonl"),
    corpus: Path = typer.Option(CORPUS, help="corpus directory whose manifest.tsv gives the texts' checksums"),
) -> None:
    """Check spans against the spec (bounds, overlaps, edges, word boundaries, labels, checksums); exit 1 on problems."""
    from plannlp.annotate.manifest import read_manifest
    from plannlp.annotate.validate import validate_file

    checksums = {doc_id: row.checksum for (doc_id, stage), row in read_manifest(corpus).items() if stage == "clean"}
    n_problems = 0
    for path in files:
        n_docs, problems = validate_file(path, checksums)
        for problem in problems:
            typer.echo(problem, err=True)
        n_problems += len(problems)
        typer.echo(f"{path}: {n_docs} documents, {len(problems)} problems")
    if n_problems:
        raise typer.Exit(1)


@corpus_app.command("build-gold")
def build_gold(corpus: Path = typer.Option(CORPUS, help="corpus directory")) -> None:
    """Compile annotations/<id>.tsv files marked `status: gold` into gold/{train,dev,test}.jsonl."""
    from plannlp.annotate.gold import build_gold as build

    result = build(corpus)
    for row in result.new_rows:
        typer.echo(f"new split: {row['id']} -> {row['split']}")
    for doc_id, problems in result.skipped.items():
        typer.echo(f"left out {doc_id}:", err=True)
        for problem in problems:
            typer.echo(f"  {problem}", err=True)
    typer.echo(
        "gold: " + ", ".join(f"{split} {n}" for split, n in result.counts.items()) + f" documents (in {corpus / 'gold'})"
    )
    if result.skipped:
        raise typer.Exit(1)


@corpus_app.command("preannotate")
def preannotate(
    ids: list[str] = typer.Argument(..., help="document ids (corpus/clean/<id>.txt)"),
    out: Path = typer.Option(CORPUS / "annotations" / "drafts", help="directory for the draft quote files"),
    corpus: Path = typer.Option(CORPUS, help="corpus directory"),
    force: bool = typer.Option(False, help="overwrite existing drafts"),
) -> None:
    """Write draft quote files (status: draft) from the rule tagger's predictions."""
    from plannlp.annotate.gold import preannotate as run

    for path in run(ids, corpus / "clean", out, force=force):
        typer.echo(f"wrote {path}")


@corpus_app.command("stats")
def stats(
    files: list[Path] = typer.Argument(None, help="JSONL files (default: corpus/gold/{train,dev,test}.jsonl)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Documents, spans per label and split, span lengths, targets per document."""
    from plannlp.annotate.gold import SPLITS, corpus_stats, format_stats
    from plannlp.io import read_documents

    if not files:
        files = [p for p in (CORPUS / "gold" / f"{s}.jsonl" for s in SPLITS) if p.is_file()]
        if not files:
            raise FileNotFoundError("no gold files in corpus/gold; run `plannlp corpus build-gold`")
    parts = {path.stem if path.parent == CORPUS / "gold" else str(path): list(read_documents(path)) for path in files}
    result = corpus_stats(parts)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_stats(result))


@corpus_app.command("agreement")
def agreement(
    corpus: Path = typer.Option(CORPUS, help="corpus directory"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Inter-annotator span F1 (strict, partial) per label over annotations/double/."""
    from plannlp.annotate.gold import agreement as compute
    from plannlp.annotate.gold import format_agreement

    result = compute(corpus)
    if not result["documents"]:
        raise FileNotFoundError(f"no double annotations in {corpus / 'annotations' / 'double'}")
    typer.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_agreement(result))


@corpus_app.command("export")
def export(
    source: Path = typer.Argument(..., help="JSONL documents"),
    out: Path = typer.Argument(..., help="output file"),
    fmt: str = typer.Option(..., "--format", help="labelstudio | doccano | conll"),
    annotations: bool = typer.Option(
        False, help="Label Studio: write spans as completed annotations instead of predictions"
    ),
) -> None:
    """Write documents for Label Studio, Doccano or as word-level CoNLL/BIO."""
    from plannlp.annotate.formats import export_documents
    from plannlp.io import read_documents

    docs = list(read_documents(source))
    misaligned = export_documents(docs, fmt, out, as_predictions=not annotations)
    for doc_id, span, surface in misaligned:
        typer.echo(f"{doc_id}: [{span.start}, {span.end}) {span.label} {surface!r} is not on word boundaries; left out", err=True)
    typer.echo(f"wrote {len(docs)} documents to {out} ({len(misaligned)} spans left out)")


@corpus_app.command("import")
def import_(
    source: Path = typer.Argument(..., help="a Label Studio JSON export, Doccano JSONL or CoNLL file"),
    out: Path = typer.Argument(..., help="output JSONL"),
    fmt: str = typer.Option(..., "--format", help="labelstudio | doccano | conll"),
) -> None:
    """Read annotations from Label Studio, Doccano or CoNLL into JSONL documents."""
    from plannlp.annotate.formats import import_documents
    from plannlp.io import write_documents

    n = write_documents(out, import_documents(source, fmt))
    typer.echo(f"wrote {n} documents to {out}")
