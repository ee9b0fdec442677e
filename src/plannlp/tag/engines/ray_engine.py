"""`plannlp tag --engine ray`: the local engine's pipeline on Ray Data, for a cluster.

    read + clean + segment (a map over documents, on any CPU of the cluster)
      -> tag + records (a pool of ``workers`` actors, each loading the model once; GPU actors
         when ``gpus_per_worker`` is set, given ``batch_docs`` documents at a time)
      -> write (the driver, streaming, in input order)

On CPU actors Ray fuses the first stage into the actors (no rows travel between them); with
GPU actors it stays a stage of CPU tasks feeding them.

Every per-document step is :mod:`plannlp.tag.batch`'s own (``_prepare``, long documents cut by
``split_pieces``, the tagger's ``predict``, ``_tagged_line``), so a document gets the same JSON
line as from the local engine. The driver holds the output's lock and writes those lines to the
same journal (model identity and input checksums in each entry), flushed and synced batch by
batch, and finishes the output the same way (JSONL, CSV or Parquet), so resume is the same: an
input whose bytes the journal already holds, tagged by the same model, is skipped; a killed
run loses at most the batches in flight (an unfinished last line is cut off); nothing is
written twice.

A document that cannot be read, cleaned, segmented or tagged comes back as an error row: it is
reported (and not journalled, so a rerun tries it again) while the rest of the run goes on.

JSONL document files are tagged as they are (ids, texts and metadata kept, not cleaned), as
locally. Input paths must be visible under the same name on every node (a shared file system).
Ray is an optional extra: ``pip install 'plannlp[ray]'``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document
from plannlp.segment import Sentence, Token, segment
from plannlp.tag import batch as tagging
from plannlp.tag.batch import (
    DEFAULT_MAX_BYTES,
    PIECE_CHARS,
    STDIN,
    WHOLE_LAYER_CHARS,
    TagSummary,
    _finish,
    check_shards,
    _journal_path,
    _inputs,
    _output_lock,
    _prepare,
    _prepare_document,
    _shifted,
    _tagged_line,
    _whole_document_layer,
    check_options,
    check_output_is_not_an_input,
    document_id,
    model_identity,
    open_journal,
    sources_of,
    split_pieces,
)
from plannlp.runrecord import provenance
from plannlp.tag.systems import DEFAULT_MODEL, load_tagger


def require_ray():
    """The ray module, or a DataError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise DataError("--engine ray needs Ray: pip install 'plannlp[ray]'") from None
    return ray


# ---------------------------------------------------------------------------------------------
# Rows between the stages: plain strings and numbers (Arrow-friendly), no pickled objects


def _sentences_json(sentences: Sequence[Sentence]) -> list:
    # tokens are slices of the text, so their offsets are all that need to travel
    return [[s.start, s.end, [[t.start, t.end] for t in s.tokens]] for s in sentences]


def _sentences_from_json(text: str, data: list) -> tuple[Sentence, ...]:
    return tuple(Sentence(start, end, tuple(Token(a, b, text[a:b]) for a, b in tokens)) for start, end, tokens in data)


def prepare_row(row: dict[str, Any]) -> dict[str, Any]:
    """Ray task: read, clean and segment one input (:func:`plannlp.tag.batch._prepare`; a long
    document piece by piece, as the local engine cuts it); a document of a JSONL input comes in
    the row itself and is only segmented."""
    source, doc_id, status = row["source"], row["id"], "ok"
    text, meta, pieces = "", "{}", "[]"
    try:
        # the journal's checksum of this input, so that _prepare skips it when unchanged
        tagging._KNOWN.clear()
        given = Document.from_json(json.loads(row["document"])) if row["document"] else None
        if row["known"]:
            tagging._KNOWN[doc_id if given is not None else os.path.realpath(row["path"])] = row["known"]
        if given is not None:
            _, doc, sentences, error, skipped = _prepare_document(given, int(row["piece_chars"]))
        else:
            # read by absolute path (a task's working directory may differ), named as the driver named it
            _, doc, sentences, error, skipped = _prepare(row["path"], int(row["max_bytes"]), int(row["piece_chars"]))
        if skipped:
            status = "skipped"
        elif error is not None:
            status = error
        else:
            text = doc.text
            meta = json.dumps(doc.meta if given is not None else {**doc.meta, "source": source}, ensure_ascii=False)
            if sentences is not None:
                cuts = [[0, len(text), _sentences_json(sentences)]]
            else:
                cuts = [[a, b, _sentences_json(segment(text[a:b]))] for a, b in split_pieces(text, int(row["piece_chars"]))]
            pieces = json.dumps(cuts)
    except Exception as exc:  # a bug on one document must not stop the run
        status = f"{type(exc).__name__}: {exc}"
    finally:
        tagging._KNOWN.clear()
    return {"source": source, "id": doc_id, "status": status, "text": text, "meta": meta, "pieces": pieces}


class TagActor:
    """Ray actor: the model, loaded once per worker; tags a batch of prepared documents."""

    def __init__(self, model: str | None, provenance: dict[str, str]) -> None:
        self.tagger = load_tagger(model)
        self.identity = model_identity(model)
        self.provenance = provenance

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows = [dict(zip(batch, values)) for values in zip(*(batch[k] for k in batch))]
        out: dict[str, list[Any]] = {"source": [], "status": [], "line": [], "words": []}

        def emit(row: dict[str, Any], status: str, line: str = "", words: int = 0) -> None:
            out["source"].append(str(row["source"]))
            out["status"].append(status)
            out["line"].append(line)
            out["words"].append(words)

        ready = []
        for row in rows:
            if str(row["status"]) != "ok":
                emit(row, str(row["status"]))
                continue
            try:
                text = str(row["text"])
                doc = Document(str(row["id"]), text, meta=json.loads(str(row["meta"])))
                pieces = [(a, b, _sentences_from_json(text[a:b], sents)) for a, b, sents in json.loads(str(row["pieces"]))]
                ready.append((row, doc, pieces))
            except Exception as exc:
                emit(row, f"{type(exc).__name__}: {exc}")
        whole = [(row, doc, pieces[0][2]) for row, doc, pieces in ready if len(pieces) == 1]
        try:
            lines = self._tag([d for _, d, _ in whole], [s for _, _, s in whole])
        except Exception:
            lines = None  # one document broke the batch: tag them one by one to find it
        done = {}
        for k, (row, doc, sentences) in enumerate(whole):
            try:
                line = lines[k] if lines is not None else self._tag([doc], [sentences])[0]
                done[id(row)] = (line, sum(len(s.tokens) for s in sentences))
            except Exception as exc:
                done[id(row)] = exc
        for row, doc, pieces in ready:
            if len(pieces) > 1:
                try:
                    done[id(row)] = self._tag_pieces(doc, pieces)
                except Exception as exc:
                    done[id(row)] = exc
            result = done[id(row)]
            if isinstance(result, Exception):
                emit(row, f"{type(result).__name__}: {result}")
            else:
                emit(row, "ok", *result)
        return out

    def _tag(self, docs: list[Document], sentences: list[tuple[Sentence, ...]]) -> list[str]:
        tagged = self.tagger.predict(docs, sentences) if docs else []
        return [_tagged_line(doc.with_meta(model=self.identity), self.provenance) for doc in tagged]

    def _tag_pieces(self, doc: Document, pieces: list) -> tuple[str, int]:
        """A long document as the local engine tags it: piece by piece, spans and links moved
        back to the whole text, roles and links again over the whole text up to its limit."""
        spans, links = [], []
        for a, b, sentences in pieces:
            piece = self.tagger.predict([Document(doc.id, doc.text[a:b])], [sentences])[0]
            more_spans, more_links = _shifted(piece, a)
            spans.extend(more_spans)
            links.extend(more_links)
        whole = doc.with_spans(spans, links)
        if len(whole.text) <= WHOLE_LAYER_CHARS:
            whole = _whole_document_layer(self.tagger, whole)
        line = _tagged_line(whole.with_meta(model=self.identity), self.provenance)
        return line, sum(len(s.tokens) for _, _, sents in pieces for s in sents)


# ---------------------------------------------------------------------------------------------
# The run


def _journal_write(out, lines: Sequence[str]) -> None:
    """Append tagged lines to the journal and make them durable (the resume point)."""
    for line in lines:
        out.write(line + "\n")
    out.flush()
    os.fsync(out.fileno())


def tag_files_ray(
    inputs: Sequence[str],
    output: str | Path,
    *,
    model: str | Path | None = None,
    fmt: str = "jsonl",
    batch_docs: int = 8,
    workers: int = 2,
    address: str | None = None,
    gpus_per_worker: float = 0.0,
    progress: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    piece_chars: int = PIECE_CHARS,
    fresh: bool = False,
    shards: int = 0,
) -> TagSummary:
    """:func:`plannlp.tag.batch.tag_files` on Ray Data; see the module docstring. ``shards``: write
    ``output`` as a folder of that many files (``part-00000.parquet`` ...), one per worker by default
    on the command line, for readers that load a folder in parallel; the journal beside it is the
    resume point, as for one file."""
    ray = require_ray()
    check_options(fmt, max_bytes, piece_chars)
    if workers < 1:
        raise DataError("--workers must be at least 1")
    output = Path(output)
    check_shards(output, shards)
    sources = sources_of(inputs)
    check_output_is_not_an_input(sources, output)
    if STDIN in sources:
        raise DataError("--engine ray reads files (on a file system every node sees), not stdin")
    with _output_lock(output):
        journal = _journal_path(output)
        identity = model_identity(model)
        state = open_journal(output, fmt, fresh, identity)
        items = []
        for s in _inputs(sources):
            if isinstance(s, Document):  # one document of a JSONL input, sent in the row
                doc = json.dumps(s.to_json(), ensure_ascii=False)
                items.append({"source": s.id, "id": s.id, "path": "", "known": state.raw_sha.get(s.id, ""),
                              "document": doc, "max_bytes": max_bytes, "piece_chars": piece_chars})  # fmt: skip
                continue
            real = os.path.realpath(s)
            known = state.raw_sha.get(real) or state.raw_sha.get(document_id(s)) or ""
            items.append({"source": s, "id": document_id(s), "path": real, "known": known, "document": "",
                          "max_bytes": max_bytes, "piece_chars": piece_chars})  # fmt: skip

        summary = TagSummary(provenance=provenance(model if model is not None else DEFAULT_MODEL))
        journal.parent.mkdir(parents=True, exist_ok=True)
        started_here = bool(items) and not ray.is_initialized()
        if started_here:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        try:
            with open(journal, "a", encoding="utf-8") as out:
                if items:
                    for lines in _run(ray, items, model, batch_docs, workers, gpus_per_worker, summary, progress):
                        _journal_write(out, lines)
        finally:
            if started_here:
                ray.shutdown()
        _finish(journal, output, fmt, shards)
    return summary


def _run(ray, items, model, batch_docs, workers, gpus_per_worker, summary, progress) -> Iterator[list[str]]:
    from ray.data import ActorPoolStrategy, DataContext

    ctx = DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the same file, line for line, as the local engine
    ctx.enable_progress_bars = progress
    model_arg = None if model is None else str(Path(model).resolve())
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * workers)))
    ds = ds.map(prepare_row)
    ds = ds.map_batches(
        TagActor,
        fn_constructor_args=(model_arg, summary.provenance),
        batch_size=batch_docs,
        compute=ActorPoolStrategy(size=workers),
        num_gpus=gpus_per_worker or None,
        batch_format="numpy",
    )
    batch: list[str] = []
    for row in ds.iter_rows():
        status = str(row["status"])
        if status == "skipped":
            summary.skipped += 1
            continue
        if status != "ok":
            summary.failed.append((str(row["source"]), status))
            print(f"plannlp: cannot tag {row['source']}: {status}", file=sys.stderr)
            continue
        batch.append(str(row["line"]))
        summary.tagged += 1
        summary.words += int(row["words"])
        if len(batch) >= batch_docs:
            yield batch
            batch = []
    if batch:
        yield batch
