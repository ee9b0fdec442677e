"""One interface for every tagging system (rules, CRF, transformer): train, save, load, predict.

A saved system is a directory with ``plannlp.json`` naming its ``system``; :func:`load_tagger`
reads it and hands the directory to that system's loader. :func:`train` reads a committed YAML
config whose ``system`` key picks the trainer. Systems are imported lazily, so loading the CRF
never imports torch.
"""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from plannlp.data import DataError, Document
from plannlp.segment import Sentence

MANIFEST = "plannlp.json"

# system name -> "module:Class"; the class has .load(dir) and the module has train_from_config(cfg, path)
SYSTEMS: dict[str, str] = {
    "rules": "plannlp.baselines.rules:RuleTagger",
    "crf": "plannlp.baselines.crf:CrfTagger",
    "transformer": "plannlp.model.tagger:TransformerTagger",
    "bilstm": "plannlp.model.bilstm:BilstmTagger",
    "combined": "plannlp.baselines.combine:CombinedTagger",
}

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


@runtime_checkable
class Tagger(Protocol):
    system: str

    def predict(
        self, docs: Sequence[Document], sentences: Sequence[Sequence[Sentence]] | None = None
    ) -> list[Document]:
        """New documents carrying the predicted spans (with scores where the system has them).

        ``sentences`` optionally gives each document's segmentation, so callers can segment in
        other processes while the model works; the input documents' own spans are ignored.
        """
        ...

    def save(self, directory: str | Path) -> None: ...


def _resolve(system: str) -> tuple[Any, Any]:
    try:
        target = SYSTEMS[system]
    except KeyError:
        raise DataError(f"unknown system {system!r}; expected one of {', '.join(SYSTEMS)}") from None
    module_name, class_name = target.split(":")
    module = importlib.import_module(module_name)
    return module, getattr(module, class_name)


def read_manifest(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise DataError(f"{directory}: not a plannlp model directory (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON: {exc.msg}") from None
    if "system" not in manifest:
        raise DataError(f"{path}: lacks 'system'")
    return manifest


def write_manifest(directory: str | Path, system: str, **extra: Any) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).write_text(
        json.dumps({"system": system, **extra}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


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


def load_tagger(directory: str | Path | None = None) -> Tagger:
    """The tagger saved in ``directory`` (the embedded default model when None)."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL
    _, cls = _resolve(read_manifest(directory)["system"])
    return cls.load(directory)


def read_yaml_config(config_path: str | Path, required: str, what: str) -> dict[str, Any]:
    """A committed YAML config as a dict; clear errors for a missing file, bad YAML or no ``required`` key."""
    import yaml

    path = Path(config_path)
    if not path.is_file():
        raise DataError(f"{path}: no such config file")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(config, dict) or required not in config:
        raise DataError(f"{path}: a {what} config is a mapping with a {required!r} key")
    return config


def load_config(config_path: str | Path) -> dict[str, Any]:
    return read_yaml_config(config_path, "system", "training")


def train(config_path: str | Path) -> Path:
    """Train the system a config names; returns the output model directory."""
    config = load_config(config_path)
    module, _ = _resolve(config["system"])
    return module.train_from_config(config, Path(config_path))
