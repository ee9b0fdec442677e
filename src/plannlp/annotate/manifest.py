"""Corpus ingest and the manifest that records where every document came from.

Layout under the corpus directory (``corpus/`` of the repository by default)::

    raw/<prefix>/<file>      the input as received, byte for byte
    clean/<id>.txt           clean() of it, UTF-8; <id> = "<prefix>-<file stem>"
    manifest.tsv             one row per (id, stage): see MANIFEST_COLUMNS

The ``checksum`` of a ``clean`` row is ``plannlp.data.text_checksum`` of the clean text, the
value span offsets of gold labels depend on; a ``raw`` row has the same form computed over the
raw bytes. A clean text that exists is never replaced by a later ingest unless ``force`` is
given, so improving the cleaner cannot silently move the text under existing labels.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plannlp.annotate.ids import check_id, corpus_file, id_path
from plannlp.clean import clean, decode, detect_kind, normalize_unicode, title_of
from plannlp.data import DataError, Document, bytes_checksum, text_checksum
from plannlp.io import REPO_ROOT, atomic_writer

MANIFEST_COLUMNS = (
    "id", "stage", "path", "source", "licence", "checksum", "produced_by", "title", "url", "date",
)
PREFIXES = ("gov", "news", "seed")


def default_corpus_dir() -> Path:
    """``./corpus`` when run from a checkout's root, else the corpus beside this package's source."""
    here = Path.cwd() / "corpus"
    if (here / "manifest.tsv").is_file():
        return here
    return REPO_ROOT / "corpus"


@dataclass(frozen=True, slots=True)
class ManifestRow:
    id: str
    stage: str
    path: str
    source: str
    licence: str
    checksum: str
    produced_by: str
    title: str = ""
    url: str = ""
    date: str = ""

    def to_fields(self) -> list[str]:
        return [_one_line(getattr(self, name)) for name in MANIFEST_COLUMNS]


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def read_manifest(corpus_dir: str | Path | None = None) -> dict[tuple[str, str], ManifestRow]:
    """The manifest's rows keyed by (id, stage); empty if there is no manifest yet."""
    path = Path(corpus_dir or default_corpus_dir()) / "manifest.tsv"
    if not path.is_file():
        return {}
    rows: dict[tuple[str, str], ManifestRow] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            return {}
        if tuple(header[: len(MANIFEST_COLUMNS)]) != MANIFEST_COLUMNS:
            raise DataError(f"{path}: header {header!r} is not {list(MANIFEST_COLUMNS)}")
        for lineno, fields in enumerate(reader, start=2):
            if not fields:
                continue
            if len(fields) != len(MANIFEST_COLUMNS):
                raise DataError(
                    f"{path}:{lineno}: {len(fields)} fields, expected {len(MANIFEST_COLUMNS)}"
                )
            row = ManifestRow(*fields)
            rows[(row.id, row.stage)] = row
    return rows


def write_manifest(rows: Iterable[ManifestRow], corpus_dir: str | Path | None = None) -> Path:
    path = Path(corpus_dir or default_corpus_dir()) / "manifest.tsv"
    ordered = sorted(rows, key=lambda r: (r.id, r.stage != "raw"))
    with atomic_writer(path) as fh:
        fh.write("\t".join(MANIFEST_COLUMNS) + "\n")
        for row in ordered:
            fh.write("\t".join(row.to_fields()) + "\n")
    _readable(path)
    return path


def _readable(path: Path) -> None:
    # atomic_writer's temporary file is private (0600); corpus files are for everyone to read.
    path.chmod(0o644)


@dataclass(frozen=True, slots=True)
class IngestResult:
    id: str
    status: str  # "added", "unchanged", "kept" (clean text differs, not replaced), "replaced"
    clean_path: Path


def document_id(prefix: str, path: str | Path) -> str:
    doc_id = f"{prefix}-{Path(path).stem}"
    try:
        return check_id(doc_id)
    except DataError as exc:
        raise DataError(f"{path}: the file name gives an {exc}") from None


def ingest(
    paths: Sequence[str | Path],
    *,
    source: str,
    prefix: str,
    licence: str = "none stated",
    corpus_dir: str | Path | None = None,
    force: bool = False,
    produced_by: str = "",
    progress: bool = False,
) -> list[IngestResult]:
    """Copy each input into raw/<prefix>/, clean it into clean/<id>.txt and record both in the
    manifest. An existing clean text that the cleaner would now change is kept (status
    ``kept``) unless ``force``. All inputs are cleaned before anything is written, so a bad
    input leaves the corpus untouched."""
    if prefix not in PREFIXES:
        raise DataError(f"unknown prefix {prefix!r}; expected one of {', '.join(PREFIXES)}")
    if not source.strip():
        raise DataError("a source is required (where the documents come from)")
    corpus = Path(corpus_dir or default_corpus_dir())
    produced_by = produced_by or f"plannlp corpus ingest --prefix {prefix} ({plannlp_version()})"
    prepared = []
    seen: dict[str, Path] = {}
    iterator: Iterable[str | Path] = paths
    if progress:
        from tqdm import tqdm

        iterator = tqdm(paths, desc="cleaning", unit="doc")
    for raw_path in iterator:
        raw_path = Path(raw_path)
        if not raw_path.is_file():
            raise DataError(f"{raw_path}: no such file")
        doc_id = document_id(prefix, raw_path)
        if doc_id in seen:
            raise DataError(f"{raw_path} and {seen[doc_id]} give the same document id {doc_id}")
        seen[doc_id] = raw_path
        raw = raw_path.read_bytes()
        try:
            text = clean(raw)
        except DataError as exc:
            raise DataError(f"{raw_path}: {exc}") from None
        prepared.append((raw_path, doc_id, raw, text, _meta_of(raw)))

    manifest = read_manifest(corpus)
    results = []
    for raw_path, doc_id, raw, text, (title, url, date) in prepared:
        raw_rel = Path("raw") / prefix / raw_path.name
        clean_rel = Path("clean") / f"{doc_id}.txt"
        clean_file = id_path(corpus / "clean", doc_id, ".txt", for_writing=True)
        status = "added"
        if clean_file.is_file():
            existing = clean_file.read_text(encoding="utf-8")
            if existing == text:
                status = "unchanged"
            elif force:
                status = "replaced"
            else:
                # The text stays as labelled; only descriptive metadata may be refreshed.
                for stage in ("raw", "clean"):
                    old = manifest.get((doc_id, stage))
                    if old is not None:
                        manifest[(doc_id, stage)] = replace(
                            old, source=source, licence=licence, title=title or old.title,
                            url=url or old.url, date=date or old.date,
                        )
                results.append(IngestResult(doc_id, "kept", clean_file))
                continue
        raw_file = corpus_file(corpus / "raw" / prefix, raw_path.name, for_writing=True)
        if not raw_file.is_file() or raw_file.read_bytes() != raw:
            raw_file.parent.mkdir(parents=True, exist_ok=True)
            _write_bytes_atomically(raw_file, raw)
        if status != "unchanged":
            with atomic_writer(clean_file) as fh:
                fh.write(text)
            _readable(clean_file)
        common = dict(source=source, licence=licence, produced_by=produced_by, title=title or "",
                      url=url, date=date)
        old_raw = manifest.get((doc_id, "raw"))
        if status == "unchanged" and old_raw is not None:
            common["produced_by"] = old_raw.produced_by
        manifest[(doc_id, "raw")] = ManifestRow(
            id=doc_id, stage="raw", path=raw_rel.as_posix(), checksum=_bytes_checksum(raw), **common
        )
        manifest[(doc_id, "clean")] = ManifestRow(
            id=doc_id, stage="clean", path=clean_rel.as_posix(), checksum=text_checksum(text), **common
        )
        results.append(IngestResult(doc_id, status, clean_file))
    write_manifest(manifest.values(), corpus)
    return results


def _write_bytes_atomically(path: Path, data: bytes) -> None:
    # a rename replaces whatever is at `path` and never writes into another file through it
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


_bytes_checksum = bytes_checksum


_NEWS_META = re.compile(r"#\s*(url|date)\s*=\s*(\S+)")


def _meta_of(raw: bytes) -> tuple[str | None, str, str]:
    """Title, url and date where the input carries them (the news files' "# url = " lines)."""
    text = normalize_unicode(decode(raw))
    found = dict(m.groups() for m in _NEWS_META.finditer(text[:4000]))
    date = found.get("date", "")
    if re.fullmatch(r"\d{8}", date):
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    return title_of(text, detect_kind(text)), found.get("url", ""), date


def plannlp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"plannlp {version('plannlp')}"
    except PackageNotFoundError:
        return "plannlp (uninstalled)"


def load_clean_document(doc_id: str, corpus_dir: str | Path | None = None) -> Document:
    """The clean text of ``doc_id`` with its manifest metadata; DataError if the text no
    longer matches the checksum the manifest recorded (labels would point at wrong offsets)."""
    corpus = Path(corpus_dir or default_corpus_dir())
    row = read_manifest(corpus).get((doc_id, "clean"))
    if row is None:
        raise DataError(f"document {doc_id!r} is not in {corpus / 'manifest.tsv'}")
    path = corpus / row.path
    if not path.is_file():
        raise DataError(f"document {doc_id}: {path} is missing")
    text = path.read_text(encoding="utf-8")
    if text_checksum(text) != row.checksum:
        raise DataError(
            f"document {doc_id}: {path} has checksum {text_checksum(text)}, the manifest "
            f"records {row.checksum}; the clean text was changed after ingest"
        )
    meta = {"source": row.source, "licence": row.licence, "checksum": row.checksum,
            "stage": "clean"}
    for key in ("title", "url", "date"):
        if getattr(row, key):
            meta[key] = getattr(row, key)
    return Document(id=doc_id, text=text, meta=meta)


def clean_document_ids(corpus_dir: str | Path | None = None) -> list[str]:
    """Ids of all documents with a clean text in the manifest, sorted."""
    return sorted(doc_id for doc_id, stage in read_manifest(corpus_dir) if stage == "clean")
