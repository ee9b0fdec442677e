"""The run record: the one file a model folder is read through (``plannlp.json``).

Every system writes the same typed record when it saves: which system, the settings its loader
needs, the label set and tag order, the code revision that trained it, the checksums of the data
it was trained on, the resolved training config, and the training metrics. Everything else in the
folder is data the record names in ``files`` (a crfsuite model, ``model.safetensors``, tokenizer
files, a lexicon): nothing in a model folder is executed or unpickled, and a name that leaves the
folder is refused, so a model folder shared by someone else cannot run code as the reader.
"""

from __future__ import annotations

import json

import hashlib
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from plannlp._version import __version__
from plannlp.data import CHECKSUM_PREFIX, DataError
from plannlp.io import read_json, write_json

RUN_RECORD = "plannlp.json"
RECORD_FORMAT = "plannlp-run/1"


def file_checksum(path: str | Path) -> str:
    """``sha256:<hex>`` of a file's bytes: the one checksum format (as :func:`plannlp.data.text_checksum`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return CHECKSUM_PREFIX + digest.hexdigest()


def data_checksums(**files: str | Path | None) -> dict[str, dict[str, str]]:
    """``{"train": {"path": ..., "checksum": "sha256:..."}, ...}`` for the data files a run read."""
    return {
        role: {"path": str(path), "checksum": file_checksum(path)} for role, path in files.items() if path is not None
    }


def code_revision(path: str | Path = Path(__file__).resolve().parent) -> str:
    """The git commit of the code at ``path`` (``+dirty`` with uncommitted changes), else ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=path, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=path, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def inside(directory: str | Path, name: str) -> Path:
    """``directory / name``, refusing absolute names and names that climb out of the folder."""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise DataError(f"{directory}: file name {name!r} leaves the model folder")
    base = Path(directory).resolve()
    path = (base / pure).resolve()
    if base != path and base not in path.parents:  # a symbolic link pointing elsewhere
        raise DataError(f"{directory}: file name {name!r} leaves the model folder")
    return path


@dataclass(frozen=True)
class RunRecord:
    """What a model folder holds and how it was made (written as ``plannlp.json``)."""

    system: str
    settings: Mapping[str, Any] = field(default_factory=dict)  # what the system's loader needs
    labels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # output classes in model order (empty for systems without tags)
    files: Mapping[str, str] = field(default_factory=dict)  # role -> file name inside the folder
    code_revision: str = "unknown"
    data: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # role -> {path, checksum}
    config: Mapping[str, Any] = field(default_factory=dict)  # the resolved training config
    metrics: Mapping[str, Any] = field(default_factory=dict)  # selection score, history, counts, timing

    def __post_init__(self) -> None:
        if not isinstance(self.system, str) or not self.system:
            raise DataError("a run record names its system")
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "tags", tuple(self.tags))
        for role, name in self.files.items():
            if not isinstance(name, str):
                raise DataError(f"run record file {role!r} is not a name")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "system": self.system,
            "settings": dict(self.settings),
            "labels": list(self.labels),
            "tags": list(self.tags),
            "files": dict(self.files),
            "code_revision": self.code_revision,
            "data": {k: dict(v) for k, v in self.data.items()},
            "config": dict(self.config),
            "metrics": dict(self.metrics),
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "run record") -> RunRecord:
        if not isinstance(obj, dict):
            raise DataError(f"{where}: a run record is a JSON object")
        if obj.get("format") != RECORD_FORMAT:
            raise DataError(
                f"{where}: not a {RECORD_FORMAT} run record (format {obj.get('format')!r}); "
                "folders from before the run record are converted by scripts/convert_models.py"
            )
        if "system" not in obj:
            raise DataError(f"{where}: lacks 'system'")
        known = {"format", "system", "settings", "labels", "tags", "files", "code_revision", "data", "config", "metrics"}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise DataError(f"{where}: unknown keys {', '.join(unknown)}")
        for key in ("settings", "files", "data", "config", "metrics"):
            if not isinstance(obj.get(key, {}), dict):
                raise DataError(f"{where}: {key!r} must be an object")
        return cls(**{k: v for k, v in obj.items() if k != "format"})

    def write(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name in self.files.values():
            inside(directory, name)
        return write_json(directory / RUN_RECORD, self.to_json(), indent=2)

    @classmethod
    def read(cls, directory: str | Path) -> RunRecord:
        path = Path(directory) / RUN_RECORD
        obj = read_json(path, missing=f"{directory}: not a plannlp model directory (no {RUN_RECORD})")
        record = cls.from_json(obj, str(path))
        for name in record.files.values():
            inside(directory, name)
        return record

    def file(self, directory: str | Path, role: str) -> Path:
        """The path of the data file the record names for ``role``, checked to stay in the folder."""
        if role not in self.files:
            raise DataError(f"{directory}: the run record names no {role!r} file")
        path = inside(directory, self.files[role])
        if not path.exists():
            raise DataError(f"{directory}: the {role} file {self.files[role]} is missing")
        return path

    def expect(self, system: str, directory: str | Path) -> None:
        if self.system != system:
            raise DataError(f"{directory}: holds a {self.system!r} model, not {system!r}")


def config_checksum(config: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of a resolved training config, as canonical JSON (sorted keys), so two
    runs from the same settings agree whatever the key order of the YAML they came from."""
    canonical = json.dumps(config, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def plannlp_version() -> str:
    return __version__


PROVENANCE_FIELDS = ("model", "system", "model_revision", "config_checksum", "plannlp_version", "plannlp_revision")


def provenance(directory: str | Path, record: RunRecord | None = None) -> dict[str, str]:
    """Where a tagged output came from: the model (folder name, system, the code revision that
    trained it, the checksum of its resolved config) and the plannlp that tagged (version and
    revision). The one place outputs take these from, so every format says the same."""
    directory = Path(directory)
    record = record if record is not None else RunRecord.read(directory)
    return {
        "model": directory.resolve().name,
        "system": record.system,
        "model_revision": record.code_revision,
        "config_checksum": config_checksum(record.config),
        "plannlp_version": plannlp_version(),
        "plannlp_revision": code_revision(),
    }
