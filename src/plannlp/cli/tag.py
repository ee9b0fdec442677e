"""`plannlp tag`: batch-tag plan files into spans and target records."""

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app


@app.command()
def tag(
    inputs: list[str] = typer.Argument(..., help="files, folders, globs, or - for stdin (HTML, text or portal Markdown)"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="model directory (default: models/default)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="output file (default: JSONL to stdout)"),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (documents + records) | csv | parquet (records)"),
    batch_docs: int = typer.Option(8, help="documents per model batch"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="cleaning/segmentation processes (default: all cores)"),
    agencies: Optional[Path] = typer.Option(None, "--agencies", help="also write one row per agency mention (doc_id, agency, role, start, end, heading) to this .csv, .parquet or .jsonl file"),
    levels: Optional[Path] = typer.Option(None, "--levels", help="also write one row per level (VALUE) of each target record, with its numbers, comparators and governing year, to this .csv, .parquet or .jsonl file"),
    max_mb: float = typer.Option(64.0, "--max-mb", help="refuse inputs larger than this many MiB (stdin included)"),
    fresh: bool = typer.Option(False, "--fresh", help="discard the results of earlier runs on --output and tag everything again"),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) | ray (Ray Data: a cluster, or a local Ray)"),
    address: Optional[str] = typer.Option(None, "--address", help="--engine ray: the cluster to join (auto: the running one; default: start a local Ray)"),
    workers: int = typer.Option(2, "--workers", help="--engine ray: model actors (each loads the model once)"),
    gpus_per_worker: float = typer.Option(0.0, "--gpus-per-worker", help="--engine ray: GPUs per model actor (the transformer)"),
    shards: bool = typer.Option(False, "--shards", help="--engine ray: write --output as a folder of one file per worker (part-00000.parquet ...)"),
) -> None:
    """Clean, segment and tag plans; rerun with the same --output to resume."""
    for flag, value in (("--jobs", jobs), ("--batch-docs", batch_docs), ("--workers", workers)):
        if value is not None and value < 1:  # (-j 0 and --batch-docs 0 used to run as if unset or 1)
            raise ValueError(f"{flag} must be at least 1, not {value}")
    if not max_mb > 0 or gpus_per_worker < 0:
        raise ValueError("--max-mb must be more than 0 and --gpus-per-worker at least 0")
    if shards and (engine != "ray" or output is None):
        raise ValueError("--shards needs --engine ray and --output (a folder)")
    if engine == "local":
        from plannlp.tag.batch import tag_files
    elif engine == "ray":
        from plannlp.tag.engines.ray_engine import tag_files_ray

        def tag_files(inputs, output, *, n_jobs=None, **options):  # --jobs is the local engine's
            return tag_files_ray(
                inputs, output, workers=workers, address=address, gpus_per_worker=gpus_per_worker,
                shards=workers if shards else 0, **options,
            )  # fmt: skip
    else:
        raise ValueError(f"--engine {engine}: expected local or ray")

    options = dict(model=model, fmt=fmt, batch_docs=batch_docs, n_jobs=jobs, max_bytes=int(max_mb * 1024 * 1024), fresh=fresh)
    for flag, table in (("--agencies", agencies), ("--levels", levels)):
        if table is not None and output is None:
            raise ValueError(f"{flag} needs --output")
        if table is not None and table.suffix not in (".csv", ".parquet", ".jsonl"):
            raise ValueError(f"{flag} {table}: name a .csv, .parquet or .jsonl file")
    from plannlp.tag.batch import expand_inputs

    inputs = expand_inputs(inputs)  # once: the engines take the expanded list as it is
    _check_tables_overwrite_nothing(inputs, output, {"--agencies": agencies, "--levels": levels})

    if output is None:
        if fmt != "jsonl":
            raise ValueError("--format csv/parquet needs --output")
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "out.jsonl"
            summary = tag_files(inputs, target, **options)
            with open(target, encoding="utf-8") as fh:
                shutil.copyfileobj(fh, sys.stdout)
    else:
        summary = tag_files(inputs, output, **options)
        if agencies is not None:
            from plannlp.tag.batch import write_agency_table

            write_agency_table(output, fmt, agencies)
        if levels is not None:
            from plannlp.tag.batch import write_level_table

            write_level_table(output, fmt, levels)
    typer.echo(
        f"tagged {summary.tagged} documents ({summary.words} words), skipped {summary.skipped} already done, "
        f"{len(summary.failed)} failed",
        err=True,
    )
    if summary.failed:
        raise typer.Exit(1)


def _check_tables_overwrite_nothing(sources: list[str], output: Optional[Path], tables: dict) -> None:
    """The extra tables are written after the run, over whatever has their name: refuse, before any
    tagging, one that names the output, the other table or an input (a gold JSONL would be lost).
    ``sources``: the expanded inputs."""
    from plannlp.io import same_file
    from plannlp.tag.batch import STDIN

    named = {flag: path for flag, path in tables.items() if path is not None}
    if not named:
        return
    taken = [(output, "--output")] if output is not None else []
    taken.extend((Path(s), f"the input {s}") for s in sources if s != STDIN)
    for flag, path in named.items():
        for other, what in taken:
            if same_file(path, other):
                raise ValueError(f"{flag} {path}: the same file as {what}; name another file")
        taken.append((path, flag))
