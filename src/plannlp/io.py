"""JSONL in and out: one document per line. Readers fail loudly, naming file and line."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from plannlp.data import DataError, Document


def _open_text(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")


def read_documents(path: str | Path) -> Iterator[Document]:
    """Yield the documents of a JSONL(.gz) file; a bad line raises DataError with file:line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    seen: set[str] = set()
    try:
        with _open_text(path, "r") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None
                try:
                    doc = Document.from_json(obj)
                except DataError as exc:
                    raise DataError(f"{path}:{lineno}: {exc}") from None
                if doc.id in seen:
                    raise DataError(f"{path}:{lineno}: duplicate document id {doc.id!r}")
                seen.add(doc.id)
                yield doc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, EOFError) as exc:  # gzip errors, unreadable files
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: cannot read: {exc}") from None


@contextmanager
def atomic_writer(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success
    (text in UTF-8, or bytes with ``binary``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with (opener(tmp_path, "wb") if binary else opener(tmp_path, "wt", encoding="utf-8")) as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def dumps_document(doc: Document) -> str:
    return json.dumps(doc.to_json(), ensure_ascii=False)


def write_documents(path: str | Path, docs: Iterable[Document]) -> int:
    """Write documents as JSONL, atomically; returns how many were written."""
    n = 0
    with atomic_writer(path) as fh:
        for doc in docs:
            fh.write(dumps_document(doc) + "\n")
            n += 1
    return n
