"""JSONL in and out: one document per line. Readers fail loudly, naming file and line."""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import IO, Any

from plannlp.data import DataError, Document

# The checkout that holds this package (src/plannlp/io.py -> the root): where the committed models, the gold
# corpus and the run caches live. One constant, so that no module counts its own parents.
REPO_ROOT = Path(__file__).resolve().parents[2]


def models_root() -> Path:
    """Where the embedded models are: ``$PLANNLP_MODELS`` when set; else the checkout's ``models/``
    (an editable install, or running from ``src``); else the copy a wheel installs under
    ``<prefix>/share/plannlp/models`` (``[tool.setuptools.data-files]`` in pyproject.toml), so that a
    plain ``pip install`` finds its default model too."""
    chosen = os.environ.get("PLANNLP_MODELS")
    if chosen:
        return Path(chosen)
    checkout = REPO_ROOT / "models"
    if (checkout / "default").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "plannlp" / "models"


def cache_root() -> Path:
    """Where run caches go: ``runs/cache`` of the checkout, or the user's cache folder
    (``$XDG_CACHE_HOME/plannlp``, ``~/.cache/plannlp``) when the package is installed from a wheel,
    so that nothing is written inside site-packages."""
    if (REPO_ROOT / "pyproject.toml").is_file():
        return REPO_ROOT / "runs" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plannlp"


MODELS_ROOT = models_root()


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same real path (symlinks and ``..`` resolved),
    or, when both exist, one file on disk (``os.path.samefile``: a hard link, another case of the
    name on a case-insensitive file system). The one test of "an output would overwrite an input"."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): only the path could have matched
        return False


def _open_text(path: Path, mode: str, errors: str = "strict") -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", errors=errors)  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8", errors=errors)


UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, under errors="surrogateescape"


def utf8_lines(path: str | Path, bom: bool = False) -> StringIO:
    """A whole text file's lines as ``open`` gives them (universal newlines), read as UTF-8; with
    ``bom``, a leading byte-order mark is dropped. Bytes that are not UTF-8 fail with the file and
    the line they are on (the codec's own error names neither)."""
    data = Path(path).read_bytes()
    try:
        decoded = data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        lineno = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{path}:{lineno}: not UTF-8 text ({exc.reason})") from None
    return StringIO(decoded, newline=None)


def _utf8_lines(lines: Iterable[str], source: str, torn_tail: bool) -> Iterator[str]:
    """The lines, each checked for bytes that were not UTF-8, so that the error names its line
    (the decoder's own error gives only a byte offset). With ``torn_tail``, a last line without a
    newline that holds such bytes is what a writer killed inside a character leaves: dropped."""
    for lineno, line in enumerate(lines, start=1):
        bad = UNDECODED.search(line)
        if bad is not None:
            if torn_tail and not line.endswith("\n"):
                return
            raise DataError(f"{source}:{lineno}: not UTF-8 text (column {bad.start() + 1})")
        yield line


def iter_jsonl(lines: Iterable[str], source: str, torn_tail: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank JSON line; a bad line raises DataError naming
    ``source:line``.

    ``torn_tail``: the last line, when it has no newline and does not parse, is what a killed
    writer left (a journal's torn tail) and is skipped; a bad line anywhere else is still an error.
    """
    pending: tuple[int, str] | None = None  # a bad line is judged once we know whether it is the last
    for lineno, line in enumerate(lines, start=1):
        if pending is not None:
            _raise_invalid(source, *pending)
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError:
            if not (torn_tail and not line.endswith("\n")):
                _raise_invalid(source, lineno, line)
            pending = (lineno, line)
    # a torn tail: nothing followed it, so it is dropped


def _raise_invalid(source: str, lineno: int, line: str) -> None:
    try:
        json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None


def read_jsonl(path: str | Path, torn_tail: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each JSON line of a JSONL(.gz) file (see :func:`iter_jsonl`);
    a missing, unreadable or non-UTF-8 file raises DataError naming it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with _open_text(path, "r", errors="surrogateescape") as fh:
            yield from iter_jsonl(_utf8_lines(fh, str(path), torn_tail), str(path), torn_tail)
    except (OSError, EOFError) as exc:  # gzip errors, unreadable files
        raise DataError(f"{path}: cannot read: {exc}") from None


def read_json(path: str | Path, missing: str | None = None) -> Any:
    """The value of a JSON file; DataError naming the file when it is missing (``missing``: the
    message then) or not valid JSON."""
    path = Path(path)
    if not path.is_file():
        raise DataError(missing or f"{path}: no such file")
    text = utf8_lines(path).read()  # bytes that are not UTF-8: file:line
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON: {exc.msg}") from None


def read_documents(path: str | Path, torn_tail: bool = False) -> Iterator[Document]:
    """Yield the documents of a JSONL(.gz) file; a bad line raises DataError with file:line
    (``torn_tail``: an unfinished last line is skipped, as in a journal)."""
    seen: set[str] = set()
    for lineno, obj in read_jsonl(path, torn_tail):
        try:
            doc = Document.from_json(obj)
        except DataError as exc:
            raise DataError(f"{path}:{lineno}: {exc}") from None
        if doc.id in seen:
            raise DataError(f"{path}:{lineno}: duplicate document id {doc.id!r}")
        seen.add(doc.id)
        yield doc


@contextmanager
def atomic_writer(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success
    (text in UTF-8, or bytes with ``binary``)."""
    path = Path(path)
    if path.is_dir():  # else the rename at the end fails with a traceback, after all the work
        raise DataError(f"{path}: is a folder; name a file to write")
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


def write_json(path: str | Path, obj: Any, indent: int | None = None) -> Path:
    """``obj`` as a UTF-8 JSON file (non-ASCII kept, one final newline), written atomically."""
    with atomic_writer(path) as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")
    return Path(path)


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
