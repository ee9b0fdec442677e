"""`plannlp clean`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from plannlp.cli.app import app


def output_names(paths: list[Path], keep_paths: bool) -> list[Path]:
    """Where ``clean --out`` writes each input, relative to the output folder: ``<stem>.txt``, or
    with ``keep_paths`` the input's path below the working directory with ``.txt`` for its
    suffix. A name depends only on its input (stable across runs); two inputs that would share
    one are refused rather than one silently overwriting the other."""
    from plannlp.data import DataError
    from plannlp.io import same_file

    names: list[Path] = []
    first: dict[Path, Path] = {}
    for path in paths:
        if keep_paths:
            rel = Path(os.path.relpath(os.path.abspath(path)))
            if rel.is_absolute() or rel.parts[0] == os.pardir:
                raise DataError(f"{path}: --keep-paths needs inputs below the current directory")
            name = rel.with_suffix(".txt")
        else:
            name = Path(f"{path.stem}.txt")
        if name in first and not same_file(first[name], path):
            hint = "" if keep_paths else "; pass --keep-paths to keep each input's folders in its name"
            raise DataError(f"{first[name]} and {path} would both be written to {name}{hint}")
        first.setdefault(name, path)
        names.append(name)
    return names


@app.command("clean")
def clean_command(
    paths: list[Path] = typer.Argument(..., help="Raw inputs: HTML pages, extracted page text or portal Markdown."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write <stem>.txt per input into this directory."),
    kind: Optional[str] = typer.Option(None, "--kind", help="html, text or markdown (guessed when omitted)."),
    keep_paths: bool = typer.Option(
        False, "--keep-paths", help="With --out: write <its path>.txt (below the current directory), not <stem>.txt."
    ),
) -> None:
    """Clean raw documents into plain text, one paragraph per line."""
    from plannlp.clean import clean
    from plannlp.data import DataError
    from plannlp.io import atomic_writer, same_file

    if out is None and len(paths) > 1:
        raise DataError("several inputs need --out DIR (one <stem>.txt each)")
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path}: no such file")
    names = output_names(paths, keep_paths) if out is not None else [None] * len(paths)
    for path, name in zip(paths, names):  # all refused before any is written: a.txt cleaned into its own folder
        if name is not None and same_file(out / name, path):
            raise DataError(f"{out / name}: the output is also the input {path}; choose another --out")
    for path, name in zip(paths, names):
        try:
            text = clean(path.read_bytes(), kind)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            with atomic_writer(out / name) as fh:
                fh.write(text + "\n")
