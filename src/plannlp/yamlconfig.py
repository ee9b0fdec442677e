"""Committed YAML configs (training and pretraining) read with clear errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from plannlp.data import DataError
from plannlp.io import utf8_lines


def read_yaml_config(config_path: str | Path, required: str, what: str) -> dict[str, Any]:
    """A committed YAML config as a dict; clear errors for a missing file, bad YAML or no ``required`` key."""
    path = Path(config_path)
    if not path.is_file():
        raise DataError(f"{path}: no such config file")
    text = utf8_lines(path).read()  # bytes that are not UTF-8: file:line (the codec's message names neither)
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(config, dict) or required not in config:
        raise DataError(f"{path}: a {what} config is a mapping with a {required!r} key")
    return config


def check_keys(config: Mapping[str, Any], known: Iterable[str], config_path: Path | None, part: str | None = None) -> None:
    """Refuse the keys of ``config`` that are not in ``known`` (``system`` is always known), naming
    the config file, and ``part`` for a nested mapping (``stack``, ``grid``): a typo must not run
    an experiment with a default."""
    if not isinstance(config, Mapping):
        raise DataError(f"{config_path or 'config'}: {part or 'the config'} must be a mapping, not {config!r}")
    unknown = sorted(set(config) - set(known) - {"system"}, key=str)
    if unknown:
        where = f"{config_path or 'config'}: {part}" if part else f"{config_path or 'config'}"
        raise DataError(f"{where}: unknown keys {', '.join(map(str, unknown))}")


_Settings = TypeVar("_Settings")


def settings_from_mapping(cls: type[_Settings], obj: dict[str, Any]) -> _Settings:
    """A settings dataclass from a config or run-record mapping: keys it does not know are left
    out (a config also holds paths, seeds, grids), ``labels`` becomes a tuple."""
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    options = {k: v for k, v in obj.items() if k in known}
    if "labels" in options:
        options["labels"] = tuple(options["labels"])
    return cls(**options)
