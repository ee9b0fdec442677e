"""Batch tagging: files in, spans and target records out.

Each document is read, cleaned, segmented, tagged and turned into its output line in a worker
process (the model is loaded once, before the workers fork; a bounded look-ahead runs in front of
the writer), so the model runs on every core and only the line travels back; the main process
writes. A document longer than ``PIECE_CHARS`` is segmented in pieces cut at line breaks by the
workers and tagged piece by piece in the main process, so memory stays flat however long it is.

Results are appended to a journal beside the output as each batch finishes (a killed run loses
at most one batch; an unfinished last line is cut off before the next run appends). Each entry
records its input's canonical id, real path and byte checksum and the model that tagged it: a
rerun skips an input only when the same bytes were tagged by the same model, tags a changed
input again (the newer result replaces the older) and refuses to mix models. One run at a time
may write an output (a lock beside it); the output appears only when the run completes
(atomic rename).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plannlp.clean import clean
from plannlp.data import DataError, Document, Link, Span, text_checksum
from plannlp.io import atomic_writer, read_documents, read_jsonl, same_file
from plannlp.labels import AGENCY
from plannlp.records import LEVEL_COLUMNS, extract_records, level_rows, record_row
from plannlp.runrecord import RUN_RECORD, file_checksum, provenance
from plannlp.segment import Sentence, default_jobs, nfc_with_offsets, segment
from plannlp.tag.links import AGENCY_COLUMNS, add_responsibility, agency_rows

_log = logging.getLogger(__name__)
INPUT_SUFFIXES = {".html": "html", ".htm": "html", ".txt": "text", ".md": "markdown"}
# Named explicitly (not found in folders, where earlier outputs live), these hold documents
# already cleaned: one JSON document per line, tagged with their ids, texts and metadata as they are.
DOCUMENT_SUFFIXES = (".jsonl", ".jsonl.gz")
FORMATS = ("jsonl", "csv", "parquet")
STDIN = "-"
STDIN_ID = "stdin"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # per input; a plan is rarely over a few MB
PIECE_CHARS = 50_000  # characters segmented and tagged at once (memory grows with this, not the document)
# Roles and links of a document cut in pieces are found again over the whole text up to this
# length; the link step compares every target with every task (time grows with the square of the
# length: ~1 s at 370k characters here), so beyond it they stay as each piece found them.
WHOLE_LAYER_CHARS = 2_000_000

# Inputs already in the journal (real path or id -> raw sha256). A module global rather than an
# argument, so forked workers inherit it once instead of receiving a copy with every document.
_KNOWN: dict[str, str] = {}
# The run's tagger, its identity and provenance, for the workers (inherited when they fork): a
# one-piece document is read, cleaned, segmented, tagged and turned into its output line in a
# worker, so the model runs on every core and only a string travels back.
_RUN: dict[str, Any] = {}
_WARM_UP = "Đến năm 2030, trên 95% dân số tham gia bảo hiểm y tế.\nSở Y tế chủ trì, phối hợp với Sở Tài chính.\n"


def tag(docs: str | Document | Iterable[str | Document], model: str | Path | None = None):
    """Tag cleaned text(s) or document(s) with a saved model (the embedded default when None).

    A single string or document gives a single :class:`Document`; an iterable gives a list.
    Text is tagged in its NFC form, as the CLI's cleaner gives it (the models learnt NFC), and
    the spans are mapped back, so offsets always index the text as given.
    """
    from plannlp.tag.systems import load_tagger

    single = isinstance(docs, (str, Document))
    items = [docs] if single else list(docs)
    as_docs = [d if isinstance(d, Document) else Document(f"text-{i}", d) for i, d in enumerate(items)]
    views = []
    for doc in as_docs:
        if unicodedata.is_normalized("NFC", doc.text):
            views.append((doc, None))
        else:
            nfc, origin = nfc_with_offsets(doc.text)
            views.append((replace(doc, text=nfc, spans=(), regions=None, links=()), origin))
    tagged = load_tagger(model).predict([v for v, _ in views])
    out = []
    for original, (_, origin), result in zip(as_docs, views, tagged):
        if origin is not None:
            spans = [replace(s, start=origin[s.start], end=origin[s.end]) for s in result.spans]
            links = [
                Link((origin[lk.indicator[0]], origin[lk.indicator[1]]), (origin[lk.agency[0]], origin[lk.agency[1]]))
                for lk in result.links
            ]
            result = replace(original, spans=(), regions=None, links=()).with_spans(spans, links)
        out.append(result)
    return out[0] if single else out


class ExpandedInputs(list):
    """The list :func:`expand_inputs` returns: files (and ``-``), one per document, already found.
    The engines take it as it is, so that a caller that expanded the inputs (the command line,
    to check its extra tables against them) does not make them glob a large folder again."""


def sources_of(inputs: Sequence[str]) -> list[str]:
    """``inputs`` expanded (see :func:`expand_inputs`), unless they already are."""
    return inputs if isinstance(inputs, ExpandedInputs) else expand_inputs(inputs)


def expand_inputs(inputs: Sequence[str]) -> ExpandedInputs:
    """Files named, found under folders (by suffix, sorted) or matched by globs; ``-`` is stdin."""
    found: list[str] = []
    for item in inputs:
        if item == STDIN:
            found.append(STDIN)
            continue
        path = Path(item)
        if path.is_dir():
            inside = [str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES]
            if not inside:  # not an error (a watched folder may be empty today), but said, not silent
                _log.warning("%s: no %s files in this folder; nothing to tag from it", item, "/".join(sorted(INPUT_SUFFIXES)))
            found.extend(inside)
        elif path.exists() or path.is_symlink():
            found.append(str(path))
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise DataError(f"{item}: no such file, folder or matching glob")
            found.extend(m for m in matches if Path(m).is_file())
    # one document per canonical id: `in/` and `./in/*.md` name the same files
    unique: dict[str, str] = {}
    for source in found:
        unique.setdefault(document_id(source), source)
    return ExpandedInputs(unique.values())


def document_id(source: str) -> str:
    """The canonical id of an input: ``stdin``, or its real path (symlinks and ``./`` resolved),
    relative to the working directory when it lies below it, so that ``in/a.md`` and
    ``./in/*.md`` name one document."""
    if source == STDIN:
        return STDIN_ID
    real = os.path.realpath(source)
    rel = os.path.relpath(real)
    return Path(rel).as_posix() if not rel.startswith(os.pardir) else real


def _resume_key(doc_id: str, meta: Any) -> str:
    """What a journal entry is known by: the input's real path (the same file from another
    working directory is the same input), else the id."""
    if isinstance(meta, dict) and isinstance(meta.get("path"), str):
        return meta["path"]
    return doc_id


def model_identity(model: str | Path | None) -> dict[str, str]:
    """What identifies a model folder: its system, code revision and config (from the run
    record) and a checksum over the run record and the data files it names. A journal written
    with one identity is never continued with another."""
    from plannlp.tag.systems import DEFAULT_MODEL, read_manifest

    directory = Path(model) if model is not None else DEFAULT_MODEL
    record = read_manifest(directory)
    digest = hashlib.sha256(file_checksum(directory / RUN_RECORD).encode("ascii"))
    for role in sorted(record.files):
        digest.update(f"\0{role}\0{file_checksum(record.file(directory, role))}".encode("utf-8"))
    config = json.dumps(record.config, sort_keys=True, ensure_ascii=False, default=str)
    return {
        "system": record.system,
        "revision": record.code_revision,
        "config_sha256": hashlib.sha256(config.encode("utf-8")).hexdigest(),
        "files_sha256": digest.hexdigest(),
    }


def read_input(source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of one input, refusing what cannot end or would not fit: a FIFO, a device or a
    socket (which block or never end) and anything over ``max_bytes``."""
    name = "stdin" if source == STDIN else source
    hint = f"more than {max_bytes:,} bytes; raise the limit with --max-mb"
    if source == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        mode = os.stat(source).st_mode
        if not stat.S_ISREG(mode):
            raise DataError(f"{name}: not a regular file (a FIFO, device or socket); pipe it to '-' instead")
        if os.path.getsize(source) > max_bytes:
            raise DataError(f"{name}: {hint}")
        with open(source, "rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may grow after the size check
    if len(data) > max_bytes:
        raise DataError(f"{name}: {hint}")
    return data


def split_pieces(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """Contiguous ``[start, end)`` pieces of at most ``limit`` characters covering ``text``.

    Pieces end at line breaks (segmentation works line by line, so the words and sentences are
    the ones of the whole text); a line longer than ``limit`` is cut after a sentence end,
    else at a space, else hard.
    """
    pieces: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = window.rfind("\n") + 1
        if cut <= 0:
            ends = [window.rfind(mark) for mark in (". ", "; ", "! ", "? ")]
            cut = max(ends) + 2 if max(ends) > 0 else 0  # after the mark and its space
        if cut <= 0:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        pieces.append((start, start + cut))
        start += cut
    if start < n or not pieces:
        pieces.append((start, n))
    return pieces


def is_document_file(source: str) -> bool:
    return source != STDIN and source.lower().endswith(DOCUMENT_SUFFIXES)


def _inputs(sources: Sequence[str]) -> Iterator[str | Document]:
    """Each input to tag: a file to read and clean, or each document of a JSONL file (read as
    the model consumes them, so a large document file is never held whole)."""

    for source in sources:
        if is_document_file(source):
            yield from read_documents(source)
        else:
            yield source


def _count_inputs(sources: Sequence[str]) -> int:
    """How many documents :func:`_inputs` yields (for the progress bar): a JSONL file's lines."""
    import gzip

    n = 0
    for source in sources:
        if is_document_file(source):
            opener = gzip.open if source.lower().endswith(".gz") else open
            with opener(source, "rb") as fh:
                n += sum(1 for line in fh if line.strip())
        else:
            n += 1
    return n


def _prepare_document(source: Document, piece_chars: int) -> tuple:
    """A document from a JSONL input: kept as it is (id, text, metadata; gold spans, regions and
    links left behind) and segmented, not cleaned."""
    raw_sha = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
    if _KNOWN.get(source.id) == raw_sha:
        return source.id, None, None, None, True
    try:
        doc = Document(source.id, source.text, meta={**source.meta, "raw_sha256": raw_sha})
        sents = segment(doc.text) if len(doc.text) <= piece_chars else None
        return source.id, doc, sents, None, False
    except (ValueError, UnicodeError) as exc:
        return source.id, None, None, f"{type(exc).__name__}: {exc}", False


def _prepare(source: str | Document, max_bytes: int, piece_chars: int) -> tuple:
    """Read, clean and (for a one-piece document) segment one input, in a worker process.

    Returns ``(source, doc, sentences, error, skipped)``: ``skipped`` when the journal already
    holds this input with the same bytes; ``sentences`` is None for a document of several
    pieces, which the caller segments piece by piece.
    """

    if isinstance(source, Document):
        return _prepare_document(source, piece_chars)
    try:
        raw = read_input(source, max_bytes)
        raw_sha = hashlib.sha256(raw).hexdigest()
        doc_id = document_id(source)
        path = None if source == STDIN else os.path.realpath(source)
        if _KNOWN.get(path or doc_id) == raw_sha:
            return source, None, None, None, True
        kind = INPUT_SUFFIXES.get(Path(source).suffix.lower()) if source != STDIN else None
        text = clean(raw, kind=kind)
        del raw
        meta = {"source": source, "raw_sha256": raw_sha, "checksum": text_checksum(text)}
        if path is not None:
            meta["path"] = path
        doc = Document(doc_id, text, meta=meta)
        sents = segment(text) if len(text) <= piece_chars else None
        return source, doc, sents, None, False
    except (OSError, ValueError, UnicodeError) as exc:  # DataError is a ValueError
        return source, None, None, f"{type(exc).__name__}: {exc}", False


def _tagged_whole(tagger: Any, identity: Any, where: dict[str, str], doc: Document, sents: Sequence[Sentence]) -> str:
    """The output line of a document tagged in one piece (as the piece path builds it)."""
    tagged = tagger.predict([doc], [sents])[0]
    spans, links = _shifted(tagged, 0)
    return _tagged_line(doc.with_spans(spans, links).with_meta(model=identity), where)


def _prepare_and_tag(source: str | Document, max_bytes: int, piece_chars: int) -> tuple:
    """:func:`_prepare`, then, for a one-piece document, the model and the output line:
    ``(source, doc, sentences, error, skipped, line, words)``; ``line`` is None when the document
    is cut in pieces (the caller segments and tags it piece by piece)."""
    source, doc, sents, err, skipped = _prepare(source, max_bytes, piece_chars)
    if doc is None or sents is None:
        return source, doc, sents, err, skipped, None, 0
    line = _tagged_whole(_RUN["tagger"], _RUN["identity"], _RUN["provenance"], doc, sents)
    return source, doc.id, None, None, False, line, sum(len(s.tokens) for s in sents)


def _segment_piece(text: str) -> tuple[Sentence, ...]:
    return segment(text)


@dataclass
class TagSummary:
    tagged: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    words: int = 0
    pieces: int = 0  # model calls' worth of text; more than ``tagged`` when long documents were cut
    provenance: dict[str, str] = field(default_factory=dict)  # the model and plannlp that tagged


def _journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".journal.jsonl")


def _lock_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.lock")


@contextmanager
def _output_lock(output: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``output`` for the run; a second run on it is refused at once.

    The lock is an ``flock`` on a file beside the output; the kernel drops it when the process
    ends, however it ends, so a killed run never leaves a stale lock behind.
    """
    import fcntl

    path = _lock_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+b")
    except OSError as exc:
        raise DataError(f"{output}: cannot create the lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(
                f"{output}: another plannlp tag run is writing this output (lock {path}); "
                "wait for it to finish or choose another --output"
            ) from None
        yield
    finally:
        fh.close()


def _cut_torn_tail(journal: Path) -> int:
    """Cut an unfinished last line (a kill mid-write, a full disk) off the journal, so that new
    lines start on a line of their own; returns how many bytes were cut."""
    if not journal.is_file():
        return 0
    with open(journal, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        pos = size
        keep = 0
        while pos > 0:  # look back block by block for the last complete line
            step = min(1 << 16, pos)
            pos -= step
            fh.seek(pos)
            block = fh.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                keep = pos + nl + 1
                break
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
        return size - keep


@dataclass
class _Journal:
    """What a journal (or finished JSONL output) holds: per input, the raw checksum last tagged,
    and the models that tagged its entries."""

    raw_sha: dict[str, str] = field(default_factory=dict)
    models: list[Any] = field(default_factory=list)


def _read_journal(path: Path) -> _Journal:
    found = _Journal()
    if not path.is_file():
        return found
    not_ours = "not a tagged document; this file was not written by `plannlp tag` (or was edited): move it away, or pass --fresh to start over"
    try:
        for lineno, obj in read_jsonl(path):
            try:
                doc_id, meta = obj["id"], obj.get("meta") or {}
                if not isinstance(doc_id, str) or not isinstance(meta, dict):
                    raise TypeError
            except (KeyError, TypeError, AttributeError):
                raise DataError(f"{path}:{lineno}: {not_ours}") from None
            found.raw_sha[_resume_key(doc_id, meta)] = meta.get("raw_sha256", "")
            if meta.get("model") not in found.models:
                found.models.append(meta.get("model"))
    except DataError as exc:
        if not_ours in str(exc):
            raise
        raise DataError(f"{exc}: {not_ours}") from None
    return found


def _latest_entries(journal: Path) -> Iterator[dict[str, Any]]:
    """The journal's entries, keeping only the last one of each input (a changed input is tagged
    again and appended; its newer result replaces the older). Two passes, so that only the ids
    are held in memory."""
    last: dict[str, int] = {}
    for lineno, obj in read_jsonl(journal):
        last[_resume_key(obj["id"], obj.get("meta"))] = lineno
    keep = set(last.values())
    for lineno, obj in read_jsonl(journal):
        if lineno in keep:
            yield obj


def _record_rows(doc: Document) -> list[dict[str, Any]]:
    return [record_row(r, doc.text) for r in extract_records(doc)]


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


class _Now:
    """A finished result with the interface of ``AsyncResult`` (work done in this process)."""

    def __init__(self, value: Any):
        self.value = value

    def get(self) -> Any:
        return self.value


def _shifted(doc: Document, offset: int) -> tuple[list[Span], list[Link]]:
    """A piece's spans and links moved to the offsets of the whole document."""
    spans = [replace(s, start=s.start + offset, end=s.end + offset) for s in doc.spans]
    links = [
        Link((lk.indicator[0] + offset, lk.indicator[1] + offset), (lk.agency[0] + offset, lk.agency[1] + offset))
        for lk in doc.links
    ]
    return spans, links


@dataclass
class _Pending:
    """A document whose pieces are being segmented and tagged."""

    doc: Document
    pieces: list[tuple[int, int]]
    spans: list[Span] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    done: int = 0


def check_options(fmt: str, max_bytes: int, piece_chars: int) -> None:
    """The run options every engine refuses alike."""
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if max_bytes <= 0 or piece_chars <= 0:
        raise DataError("the input size limit and the piece length must be positive")


def open_journal(output: Path, fmt: str, fresh: bool, identity: Any) -> _Journal:
    """Make the journal of ``output`` ready to append to (emptied with ``fresh``; started from a
    finished JSONL output; an unfinished last line cut off) and read what it holds; refuses a
    journal written by another model. Every engine starts a run with this (under the lock)."""
    journal = _journal_path(output)
    previous = output if fmt == "jsonl" else None
    try:
        if fresh:
            journal.unlink(missing_ok=True)
        elif previous is not None and previous.is_file() and not journal.exists():
            journal.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previous, journal)  # continue from the finished output
        cut = _cut_torn_tail(journal)
    except OSError as exc:
        raise DataError(f"{journal}: cannot prepare the journal: {exc.strerror or exc}") from None
    if cut:
        print(f"plannlp: cut an unfinished last line ({cut} bytes) from {journal}; that document is tagged again", file=sys.stderr)
    state = _read_journal(journal)
    others = [m for m in state.models if m != identity]
    if others:
        raise DataError(
            f"{output}: earlier results were tagged by another model ({_describe(others[0])}; this run: "
            f"{_describe(identity)}); pass --fresh to tag everything again with this model, or choose another --output"
        )
    return state


def check_output_is_not_an_input(sources: Sequence[str], output: Path) -> None:
    """Refuse an output (or its journal) that is one of the inputs: the run would copy the input
    into the journal as if it were an earlier result, and with ``--fresh`` replace the input with
    its own tagging, losing the plan file or the gold spans."""
    written = (output, _journal_path(output))
    for source in sources:
        if source != STDIN and any(same_file(path, source) for path in written):
            raise DataError(f"{output}: the output is also an input ({source}); choose another --output")


def tag_files(
    inputs: Sequence[str],
    output: str | Path,
    *,
    model: str | Path | None = None,
    fmt: str = "jsonl",
    batch_docs: int = 8,
    n_jobs: int | None = None,
    progress: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    piece_chars: int = PIECE_CHARS,
    fresh: bool = False,
) -> TagSummary:
    """Clean, segment and tag every input into ``output`` (JSONL documents, or a CSV/parquet
    table of target records); see the module docstring for the streaming and resume behaviour.

    ``max_bytes`` bounds each input; documents longer than ``piece_chars`` characters are
    segmented and tagged piece by piece; ``fresh`` discards an earlier run's results.
    """
    check_options(fmt, max_bytes, piece_chars)
    output = Path(output)
    if output.is_dir():  # refused now, not after tagging everything (the engine's --shards writes a folder)
        raise DataError(f"{output}: is a folder; name the output file (e.g. {output / 'tagged.jsonl'})")
    sources = sources_of(inputs)
    check_output_is_not_an_input(sources, output)
    with _output_lock(output):
        return _tag_locked(
            sources, output, model=model, fmt=fmt, batch_docs=batch_docs, n_jobs=n_jobs,
            progress=progress, max_bytes=max_bytes, piece_chars=piece_chars, fresh=fresh,
        )  # fmt: skip


def _tag_locked(
    sources: list[str], output: Path, *, model, fmt, batch_docs, n_jobs, progress, max_bytes, piece_chars, fresh
) -> TagSummary:
    from tqdm import tqdm

    from plannlp.tag.systems import DEFAULT_MODEL, load_tagger

    journal = _journal_path(output)
    identity = model_identity(model)
    state = open_journal(output, fmt, fresh, identity)
    _KNOWN.clear()
    _KNOWN.update(state.raw_sha)
    summary = TagSummary()
    tagger = load_tagger(model)
    summary.provenance = provenance(model if model is not None else DEFAULT_MODEL)
    n_jobs = n_jobs or default_jobs()
    _RUN.update(tagger=tagger, identity=identity, provenance=summary.provenance)
    total = _count_inputs(sources)
    bar = tqdm(total=total, unit="doc", desc="tagging", disable=not progress, file=sys.stderr)
    serial = n_jobs == 1 or total <= 1  # one document: no workers to start (and fork)

    def results(pool) -> Iterator[tuple]:
        """``("failed", source, error)``, ``("skipped", source)`` and ``("piece", pending, k,
        sentences)`` in input order, with a bounded look-ahead: the workers run at most
        ``ahead`` tasks in front of the model, so memory stays flat however long the input."""
        from collections import deque

        def submit(fn, *args):
            return _Now(fn(*args)) if pool is None else pool.apply_async(fn, args)

        ahead = 1 if pool is None else max(4 * n_jobs, 2 * batch_docs)
        todo = _inputs(sources)
        queue: deque = deque()

        def refill() -> None:
            while len(queue) < ahead:
                source = next(todo, None)
                if source is None:
                    return
                # stdin is read here: a worker's copy of it is not the pipe the user gave
                task = _Now(_prepare_and_tag(source, max_bytes, piece_chars)) if source == STDIN else None
                queue.append(("doc", task or submit(_prepare_and_tag, source, max_bytes, piece_chars)))

        refill()
        while queue:
            kind, *rest = queue.popleft()
            if kind == "doc":
                source, doc, sents, err, skipped, line, words = rest[0].get()
                if err is not None:
                    yield ("failed", source, err)
                elif skipped:
                    yield ("skipped", source)
                elif line is not None:
                    yield ("line", doc, line, words)
                else:
                    pending = _Pending(doc, split_pieces(doc.text, piece_chars))
                    if progress:
                        bar.write(f"plannlp: {doc.id}: {len(doc.text):,} characters, tagged in {len(pending.pieces)} pieces", file=sys.stderr)
                    # the pieces go to the front, so this document is finished before the next
                    # one starts and at most `ahead` pieces are held at once
                    for k in reversed(range(len(pending.pieces))):
                        queue.appendleft(("piece", pending, k, None))
                    _submit_pieces(queue, submit, ahead)
            else:
                pending, k, future = rest
                yield ("piece", pending, k, future.get())
                _submit_pieces(queue, submit, ahead)
            refill()

    def _submit_pieces(queue, submit, ahead) -> None:
        for i, item in enumerate(queue):
            if i >= ahead:
                break
            if item[0] == "piece" and item[3] is None:
                pending, k = item[1], item[2]
                s, e = pending.pieces[k]
                queue[i] = ("piece", pending, k, submit(_segment_piece, pending.doc.text[s:e]))

    def run(pool) -> None:
        journal.parent.mkdir(parents=True, exist_ok=True)
        with open(journal, "a", encoding="utf-8") as out:
            for batch in _batches(results(pool), batch_docs):
                pieces = [item for item in batch if item[0] == "piece"]
                piece_docs = []
                for _, pending, k, _ in pieces:
                    s, e = pending.pieces[k]
                    whole = len(pending.pieces) == 1
                    piece_docs.append(pending.doc if whole else Document(pending.doc.id, pending.doc.text[s:e]))
                tagged = iter(tagger.predict(piece_docs, [item[3] for item in pieces]) if pieces else [])
                summary.pieces += len(pieces)
                wrote = False
                for item in batch:  # in input order, as they came
                    if item[0] == "line":  # tagged whole by a worker
                        out.write(item[2] + "\n")
                        wrote = True
                        summary.tagged += 1
                        summary.pieces += 1
                        summary.words += item[3]
                        bar.update(1)
                    elif item[0] == "failed":
                        summary.failed.append((item[1], item[2]))
                        bar.write(f"plannlp: cannot tag {item[1]}: {item[2]}", file=sys.stderr)
                        bar.update(1)
                    elif item[0] == "skipped":
                        summary.skipped += 1
                        bar.update(1)
                    else:
                        line = _piece_done(item, next(tagged))
                        if line is not None:
                            out.write(line + "\n")
                            wrote = True
                if wrote:
                    out.flush()
                    os.fsync(out.fileno())

    def _piece_done(item: tuple, piece: Document) -> str | None:
        """Add a tagged piece to its document; the document's output line once it is complete."""
        _, pending, k, sents = item
        spans, links = _shifted(piece, pending.pieces[k][0])
        pending.spans.extend(spans)
        pending.links.extend(links)
        pending.done += 1
        summary.words += sum(len(s.tokens) for s in sents)
        if len(pending.pieces) > 1:
            bar.set_postfix_str(f"{pending.doc.id}: piece {pending.done}/{len(pending.pieces)}")
        if pending.done < len(pending.pieces):
            return None
        doc = pending.doc.with_spans(pending.spans, pending.links)
        if len(pending.pieces) > 1 and len(doc.text) <= WHOLE_LAYER_CHARS:
            doc = _whole_document_layer(tagger, doc)
        elif len(pending.pieces) > 1:
            bar.write(
                f"plannlp: {doc.id}: over {WHOLE_LAYER_CHARS:,} characters; agency roles and "
                "target links were found within each piece, not across the whole document",
                file=sys.stderr,
            )
        summary.tagged += 1
        bar.update(1)
        return _tagged_line(doc.with_meta(model=identity), summary.provenance)

    try:
        if serial:
            run(None)
        else:
            import multiprocessing as mp

            # the segmenter, the model and what it reads (rule patterns, POS tagger, role and link
            # models) load on first use: once here, shared by the forked workers, not in each
            tagger.predict([Document("warm-up", _WARM_UP)])
            with mp.get_context("fork").Pool(n_jobs) as pool:
                run(pool)
        bar.close()
        _finish(journal, output, fmt)
    except OSError as exc:
        # a full disk or a lost mount: fail the run; what reached the journal is kept for a rerun
        raise DataError(f"{output}: writing the results failed: {exc.strerror or exc}; rerun to resume") from None
    finally:
        _RUN.clear()
    return summary


def _whole_document_layer(tagger: Any, doc: Document) -> Document:
    """Roles and links again, over the whole document: they read its header and headings, which
    one piece does not see (the spans themselves come from the pieces)."""

    if AGENCY not in getattr(tagger, "labels", ()):
        return doc
    return add_responsibility(doc.with_spans([replace(s, role=None) for s in doc.spans]))


def _describe(identity: Any) -> str:
    if not isinstance(identity, dict):
        return "a model this version did not record"
    return f"{identity.get('system')} {str(identity.get('files_sha256', ''))[:12]}"


def _journal_records(journal: Path) -> Iterator[dict[str, Any]]:
    for obj in _latest_entries(journal):
        origin = provenance_columns(obj.get("provenance") or {})
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
    "number", "low", "high", "unit", "year", "year_start", "year_end", "value_year",
    "issuer", "responsible", "responsible_roles", "score", *PROVENANCE_COLUMNS,
]
# numeric columns of the records table (the rest are strings)
_INT_COLUMNS = {"indicator_start", "indicator_end", "year_start", "year_end"}
_FLOAT_COLUMNS = {"number", "low", "high", "score"}


SHARD_SUFFIXES = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}


def check_shards(output: Path, shards: int) -> None:
    """A sharded output is a folder (made at the end of the run); refuse a file in its place."""
    if shards < 0:
        raise DataError("--shards must be positive")
    if shards and output.exists() and not output.is_dir():
        raise DataError(f"{output}: --shards writes a folder of files; this is a file (choose another --output)")


def _record_schema():
    import pyarrow as pa

    return pa.schema(
        [(c, pa.int64() if c in _INT_COLUMNS else pa.float64() if c in _FLOAT_COLUMNS else pa.string()) for c in RECORD_COLUMNS]
    )


def _finish_shards(journal: Path, output: Path, fmt: str, shards: int) -> None:
    """The output as a folder of ``shards`` files, ``part-00000.<fmt>`` ...: the documents in input
    order, cut into runs of (nearly) equal length, each document (with all its records) in exactly
    one file. Written into a temporary folder beside it, then swapped in; the journal stays (the
    full per-document result and the resume point, as for CSV and Parquet)."""
    count = sum(1 for _ in _latest_entries(journal))
    per = max(1, -(-count // shards))
    tmp = output.with_name(f".{output.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    entries = _latest_entries(journal)
    for k in range(shards):
        part = tmp / f"part-{k:05d}{SHARD_SUFFIXES[fmt]}"
        docs = [obj for _, obj in zip(range(per), entries)]
        if fmt == "jsonl":
            with open(part, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(obj, ensure_ascii=False) + "\n" for obj in docs)
            continue
        origin = [provenance_columns(obj.get("provenance") or {}) for obj in docs]
        rows = [{**row, **o} for obj, o in zip(docs, origin) for row in obj.get("records", [])]
        if fmt == "csv":
            with open(part, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=RECORD_COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows, schema=_record_schema()), part)
    old = output.with_name(f".{output.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        os.replace(output, old)
    os.replace(tmp, output)
    shutil.rmtree(old, ignore_errors=True)


def _finish(journal: Path, output: Path, fmt: str, shards: int = 0) -> None:
    if shards:
        _finish_shards(journal, output, fmt, shards)
        return
    if fmt == "jsonl":
        with atomic_writer(output) as fh:
            # entries as _tagged_line wrote them: json.dumps gives back the same line
            fh.writelines(json.dumps(obj, ensure_ascii=False) + "\n" for obj in _latest_entries(journal))
        journal.unlink()  # the finished output is the resume point now
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


def write_agency_table(output: Path, fmt: str, path: Path) -> int:
    """One row per AGENCY mention of a finished run's documents (:func:`plannlp.tag.links.agency_rows`),
    with the provenance columns of the line it came from, as CSV, Parquet or JSONL by ``path``'s
    suffix; returns the number of rows."""
    return _write_document_table(output, fmt, path, agency_rows, AGENCY_COLUMNS, {"start": "int", "end": "int", "score": "float"})


def write_level_table(output: Path, fmt: str, path: Path) -> int:
    """One row per level (VALUE) of every target record of a finished run's documents
    (:func:`plannlp.records.level_rows`: its numbers, comparators and governing YEAR), with the
    provenance columns, as CSV, Parquet or JSONL by ``path``'s suffix; returns the number of rows."""

    def rows(doc: Document) -> list[dict[str, Any]]:
        return [row for record in extract_records(doc) for row in level_rows(record, doc.text)]

    types = {c: "int" for c in ("indicator_start", "indicator_end", "level", "value_start", "value_end", "year_start", "year_end")}
    types.update({c: "float" for c in ("number", "low", "high", "score")})
    return _write_document_table(output, fmt, path, rows, LEVEL_COLUMNS, types)


def _write_document_table(
    output: Path, fmt: str, path: Path, make_rows: Callable[[Document], list[dict[str, Any]]],
    columns: list[str], types: dict[str, str],
) -> int:  # fmt: skip
    """Rows made from each finished document of a run (``make_rows``), written by ``path``'s suffix."""
    # (a sharded output, a folder, keeps its journal)
    source = Path(output) if fmt == "jsonl" and not Path(output).is_dir() else _journal_path(Path(output))
    columns = [*columns, *PROVENANCE_COLUMNS]
    # the journal may hold an older result of a changed input: only the latest counts
    rows = [
        {**row, **provenance_columns(obj.get("provenance") or {})}
        for obj in _latest_entries(source)
        for row in make_rows(Document.from_json(obj))
    ]
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = {"int": pa.int64(), "float": pa.float64()}
        schema = pa.schema([(c, arrow[types[c]] if c in types else pa.string()) for c in columns])
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
