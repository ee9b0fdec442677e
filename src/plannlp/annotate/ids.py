"""Document ids and the corpus paths made from them, checked in one place.

Every command that turns an id (or an input's file name) into a path under a directory goes
through :func:`id_path` / :func:`corpus_file`, so an id can never climb out of its directory
(``../x``, ``a/b``, an absolute path) and a write never goes through a symbolic link planted
inside the corpus (which would overwrite whatever the link points at).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from plannlp.data import DataError

# a letter or digit, then letters, digits, "_", "." and "-": a file name on every system, never
# hidden, never a path
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def check_id(doc_id: object) -> str:
    """``doc_id`` if it is a usable document id, else DataError naming what is wrong."""
    if not isinstance(doc_id, str) or not ID_PATTERN.fullmatch(doc_id):
        raise DataError(
            f"unusable document id {doc_id!r}: an id starts with a letter or digit and holds only "
            "letters, digits, '_', '.' and '-' (no '/', no '..' paths)"
        )
    return doc_id


def corpus_file(directory: str | Path, name: str, *, for_writing: bool = False) -> Path:
    """``directory/name`` for a plain file name, refusing one that would leave ``directory`` and,
    when writing, a symbolic link at that place (or a linked directory on the way)."""
    directory = Path(directory)
    if not name or name in (".", "..") or "/" in name or "\\" in name or os.sep in name:
        raise DataError(f"{name!r} is not a plain file name")
    path = directory / name
    if for_writing:
        if path.is_symlink():
            raise DataError(f"{path} is a symbolic link; refusing to write through it (remove it first)")
        if directory.exists() and path.resolve().parent != directory.resolve():
            raise DataError(f"{path} would be written outside {directory}")
    return path


def id_path(directory: str | Path, doc_id: str, suffix: str, *, for_writing: bool = False) -> Path:
    """The file of ``doc_id`` in ``directory`` (``<dir>/<id><suffix>``), the id checked first."""
    return corpus_file(directory, check_id(doc_id) + suffix, for_writing=for_writing)
