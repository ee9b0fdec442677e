"""`plannlp corpus ingest | show-quotes | validate | build-gold | preannotate | stats | agreement | export | import`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

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


def _refuse_writing_over(source: Path, out: Path) -> None:
    """A conversion whose output is its input would replace the documents with the other format."""
    from plannlp.io import same_file

    if same_file(out, source):
        raise ValueError(f"{out}: the output is also the input; name another file")


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

    _refuse_writing_over(source, out)
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

    _refuse_writing_over(source, out)
    n = write_documents(out, import_documents(source, fmt))
    typer.echo(f"wrote {n} documents to {out}")


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
    from plannlp.annotate.manifest import ingest, plannlp_version

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


@corpus_app.command("show-quotes")
def show_quotes(
    text_file: Path = typer.Argument(..., help="cleaned text, e.g. corpus/clean/<id>.txt"),
    quote_file: Path = typer.Argument(..., help="quote file, e.g. corpus/annotations/<id>.tsv"),
) -> None:
    """Print every span of a quote file in context, then any spec problems; exit 1 on problems."""
    from collections import Counter

    from plannlp.annotate.quotes import read_annotation, render_spans
    from plannlp.annotate.validate import document_problems
    from plannlp.data import DataError, Document
    from plannlp.io import utf8_lines

    try:
        text = utf8_lines(text_file).read()  # bytes that are not UTF-8: file:line (the codec's message names neither)
    except IsADirectoryError:
        raise DataError(f"{text_file}: is a folder; name the cleaned text file") from None
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
