"""Batch tagging: files in, spans and target records out.

Reading, cleaning and segmentation run in worker processes (``multiprocessing`` ``imap`` runs
ahead of the consumer), while the main process runs the model on batches of documents, so the
model is never starved by the CPU-bound underthesea segmenter. Results are appended to a journal
beside the output as each batch finishes (a killed run loses at most one batch), documents
already in the journal or in a finished output are skipped on a rerun, and the output file
appears only when the run completes (atomic rename).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, text_checksum
from plannlp.io import atomic_writer, read_documents
from plannlp.segment import Sentence, default_jobs, segment

INPUT_SUFFIXES = {".html": "html", ".htm": "html", ".txt": "text", ".md": "markdown"}
# Named explicitly (not found in folders, where earlier outputs live), these hold documents
# already cleaned: one JSON document per line, tagged with their ids and texts as they are.
DOCUMENT_SUFFIXES = (".jsonl", ".jsonl.gz")
FORMATS = ("jsonl", "csv", "parquet")
STDIN = "-"


def tag(docs: str | Document | Iterable[str | Document], model: str | Path | None = None):
    """Tag cleaned text(s) or document(s) with a saved model (the embedded default when None).

    A single string or document gives a single :class:`Document`; an iterable gives a list.
    """
    from plannlp.systems import load_tagger

    single = isinstance(docs, (str, Document))
    items = [docs] if single else list(docs)
    as_docs = [d if isinstance(d, Document) else Document(f"text-{i}", d) for i, d in enumerate(items)]
    tagged = load_tagger(model).predict(as_docs)
    return tagged[0] if single else tagged


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files named, found under folders (by suffix, sorted) or matched by globs; ``-`` is stdin."""
    found: list[str] = []
    for item in inputs:
        if item == STDIN:
            found.append(STDIN)
            continue
        path = Path(item)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
        elif path.exists():
            found.append(str(path))
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise DataError(f"{item}: no such file, folder or matching glob")
            found.extend(m for m in matches if Path(m).is_file())
    return list(dict.fromkeys(found))


def document_id(source: str) -> str:
    return "stdin" if source == STDIN else source


def is_document_file(source: str) -> bool:
    return source != STDIN and source.lower().endswith(DOCUMENT_SUFFIXES)


def _work_items(sources: Sequence[str]) -> list[tuple[str, str | Document]]:
    """(id, what to tag) for each input: a file to clean, or each document of a JSONL file."""
    items: list[tuple[str, str | Document]] = []
    for source in sources:
        if is_document_file(source):
            items.extend((doc.id, doc) for doc in read_documents(source))
        else:
            items.append((document_id(source), source))
    return items


def _prepare(source: str | Document) -> tuple[str, Document | None, tuple[Sentence, ...] | None, str | None]:
    """Read, clean and segment one input (runs in a worker process); errors come back as text.
    A document from a JSONL input keeps its id, text and metadata: it is segmented, not cleaned."""
    from plannlp.corpus.clean import clean

    if isinstance(source, Document):
        doc = Document(source.id, source.text, meta=source.meta)  # gold spans and links stay behind
        try:
            return source.id, doc, segment(doc.text), None
        except (ValueError, UnicodeError) as exc:
            return source.id, None, None, f"{type(exc).__name__}: {exc}"
    try:
        raw = sys.stdin.buffer.read() if source == STDIN else Path(source).read_bytes()
        kind = INPUT_SUFFIXES.get(Path(source).suffix.lower()) if source != STDIN else None
        text = clean(raw, kind=kind)
        doc = Document(
            document_id(source),
            text,
            meta={"source": source, "raw_sha256": hashlib.sha256(raw).hexdigest(), "checksum": text_checksum(text)},
        )
        return source, doc, segment(text), None
    except (OSError, ValueError, UnicodeError) as exc:  # DataError is a ValueError
        return source, None, None, f"{type(exc).__name__}: {exc}"


@dataclass
class TagSummary:
    tagged: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    words: int = 0
    provenance: dict[str, str] = field(default_factory=dict)  # the model and plannlp that tagged


def _journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".journal.jsonl")


def _done_ids(*paths: Path) -> set[str]:
    """Ids already tagged, from a journal or a finished JSONL output (a torn last line is ignored)."""
    done: set[str] = set()
    for path in paths:
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    done.add(json.loads(line)["id"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
    return done


def _record_rows(doc: Document) -> list[dict[str, Any]]:
    from plannlp.records import extract_records

    return [r.to_row(doc.text) for r in extract_records(doc)]


def _tagged_line(doc: Document, provenance: dict[str, str]) -> str:
    return json.dumps({**doc.to_json(), "records": _record_rows(doc), "provenance": provenance}, ensure_ascii=False)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def tag_files(
    inputs: Sequence[str],
    output: str | Path,
    *,
    model: str | Path | None = None,
    fmt: str = "jsonl",
    batch_docs: int = 8,
    n_jobs: int | None = None,
    progress: bool = True,
) -> TagSummary:
    """Clean, segment and tag every input into ``output`` (JSONL documents, or a CSV/parquet
    table of target records); see the module docstring for the streaming and resume behaviour."""
    from tqdm import tqdm

    from plannlp.runrecord import provenance
    from plannlp.systems import DEFAULT_MODEL, load_tagger

    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    output = Path(output)
    journal = _journal_path(output)
    sources = expand_inputs(inputs)
    previous = output if fmt == "jsonl" else None
    done = _done_ids(journal, *([previous] if previous else []))
    if previous is not None and previous.is_file() and not journal.exists():
        journal.parent.mkdir(parents=True, exist_ok=True)
        journal.write_bytes(previous.read_bytes())  # continue from the finished output
    items = _work_items(sources)
    todo = [source for key, source in items if key not in done]
    summary = TagSummary(skipped=len(items) - len(todo))
    tagger = load_tagger(model)
    summary.provenance = provenance(model if model is not None else DEFAULT_MODEL)
    n_jobs = n_jobs or default_jobs()
    bar = tqdm(total=len(todo), unit="doc", desc="tagging", disable=not progress, file=sys.stderr)

    def prepared() -> Iterator:
        if n_jobs == 1 or len(todo) <= 1 or STDIN in todo:
            yield from map(_prepare, todo)
            return
        import multiprocessing as mp
        from collections import deque

        # A bounded look-ahead keeps memory flat: the workers run at most `ahead` documents in
        # front of the model instead of segmenting the whole input into the parent's memory.
        ahead = max(4 * n_jobs, 2 * batch_docs)
        sources = iter(todo)
        with mp.get_context("fork").Pool(n_jobs) as pool:
            pending = deque(pool.apply_async(_prepare, (s,)) for s in islice(sources, ahead))
            while pending:
                result = pending.popleft().get()
                for source in islice(sources, 1):
                    pending.append(pool.apply_async(_prepare, (source,)))
                yield result

    journal.parent.mkdir(parents=True, exist_ok=True)
    with open(journal, "a", encoding="utf-8") as out:
        for batch in _batches(prepared(), batch_docs):
            ok = [(doc, sents) for _, doc, sents, err in batch if err is None]
            for source, _, _, err in batch:
                if err is not None:
                    summary.failed.append((source, err))
                    bar.write(f"plannlp: cannot tag {source}: {err}", file=sys.stderr)
            if ok:
                tagged = tagger.predict([d for d, _ in ok], [s for _, s in ok])
                for doc, (_, sents) in zip(tagged, ok):
                    out.write(_tagged_line(doc, summary.provenance) + "\n")
                    summary.words += sum(len(s.tokens) for s in sents)
                out.flush()
                os.fsync(out.fileno())
                summary.tagged += len(ok)
            bar.update(len(batch))
    bar.close()
    _finish(journal, output, fmt)
    return summary


def _journal_records(journal: Path) -> Iterator[dict[str, Any]]:
    with open(journal, encoding="utf-8") as fh:
        for line in fh:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from a killed run; that document is tagged again
            origin = provenance_columns(obj.get("provenance", {}))
            for row in obj.get("records", []):
                yield {**row, **origin}


def provenance_columns(provenance: dict[str, str]) -> dict[str, str]:
    """The provenance of a JSONL line as table columns (``model``, ``model_system``, ...)."""
    return {column: provenance.get(key, "") for key, column in _PROVENANCE_COLUMNS.items()}


_PROVENANCE_COLUMNS = {
    "model": "model", "system": "model_system", "model_revision": "model_revision",
    "config_checksum": "model_config_checksum", "plannlp_version": "plannlp_version",
    "plannlp_revision": "plannlp_revision",
}  # fmt: skip
PROVENANCE_COLUMNS = list(_PROVENANCE_COLUMNS.values())
RECORD_COLUMNS = [
    "doc_id", "indicator", "indicator_start", "indicator_end", "comparator", "value",
    "number", "low", "high", "unit", "year", "year_start", "year_end",
    "issuer", "responsible", "responsible_roles", "score", *PROVENANCE_COLUMNS,
]
# numeric columns of the records table (the rest are strings)
_INT_COLUMNS = {"indicator_start", "indicator_end", "year_start", "year_end"}
_FLOAT_COLUMNS = {"number", "low", "high", "score"}


def _finish(journal: Path, output: Path, fmt: str) -> None:
    if fmt == "jsonl":
        os.replace(journal, output)
        return
    if fmt == "csv":
        with atomic_writer(output) as fh:
            writer = csv.DictWriter(fh, fieldnames=RECORD_COLUMNS)
            writer.writeheader()
            writer.writerows(_journal_records(journal))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [
                (c, pa.int64() if c in _INT_COLUMNS else pa.float64() if c in _FLOAT_COLUMNS else pa.string())
                for c in RECORD_COLUMNS
            ]
        )
        tmp = output.with_name(f".{output.name}.tmp")
        with pq.ParquetWriter(tmp, schema) as writer:
            for rows in _batches(_journal_records(journal), 10_000):
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        os.replace(tmp, output)
    # the journal stays: it is the full per-document result and the resume point


def write_agency_table(output: Path, fmt: str, path: Path, provenance: dict[str, str] | None = None) -> int:
    """One row per AGENCY mention of a finished run's documents (:func:`plannlp.records.agency_rows`),
    as CSV, Parquet or JSONL by ``path``'s suffix, with the run's provenance columns; returns the
    number of rows."""
    from plannlp.links import AGENCY_COLUMNS, agency_rows

    source = Path(output) if fmt == "jsonl" else _journal_path(Path(output))
    origin = provenance_columns(provenance or {})
    columns = [*AGENCY_COLUMNS, *PROVENANCE_COLUMNS]
    rows = [{**row, **origin} for doc in read_documents(source) for row in agency_rows(doc)]
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"start": pa.int64(), "end": pa.int64(), "score": pa.float64()}  # the rest are strings
        schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
        os.replace(tmp, path)
    elif path.suffix == ".csv":
        with atomic_writer(path) as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    else:
        with atomic_writer(path) as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
