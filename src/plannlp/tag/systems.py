"""The registry of tagging systems: one :class:`~plannlp.tag.contract.System` value per system.

A saved system is a folder whose run record (``plannlp.json``, :mod:`plannlp.runrecord`) names
its ``system``; :func:`load_tagger` reads the record and hands folder and record to that system's
``load``. :func:`train` reads a committed YAML config whose ``system`` key picks the ``train``.

Adding a system is one entry in :data:`SYSTEMS` (or :func:`register` from outside the package):
a name, a loader ``(folder, RunRecord) -> Tagger`` and a trainer ``(config, config_path) ->
folder``. The system modules import torch, transformers and sklearn-crfsuite inside their
functions only, so loading the CRF never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from plannlp.data import DataError
from plannlp.evaluate.crossval import FoldSystem
from plannlp.io import MODELS_ROOT
from plannlp.runrecord import RUN_RECORD, RunRecord, code_revision
from plannlp.tag import links as links_model
from plannlp.tag import roles as roles_model
from plannlp.tag.baselines import combine, crf, folds, rules, stacked
from plannlp.tag.contract import System, Tagger
from plannlp.tag.neural import bilstm
from plannlp.tag.neural import tagger as transformer
from plannlp.tag.neural import train as transformer_training
from plannlp.yamlconfig import read_yaml_config

__all__ = [
    "SYSTEMS", "System", "Tagger", "RunRecord", "DEFAULT_MODEL", "MANIFEST", "register", "get_system",
    "load_tagger", "load_config", "train", "read_manifest", "code_revision", "read_yaml_config", "FOLD_SYSTEMS",
    "fold_system", "CONFIG_CHECKS", "check_config",
]  # fmt: skip

MANIFEST = RUN_RECORD  # the old name of the run record file

SYSTEMS: dict[str, System] = {}


def register(system: System) -> System:
    """Add a system to the registry (a name already taken is an error, so entries cannot shadow)."""
    if system.name in SYSTEMS and SYSTEMS[system.name] is not system:
        raise ValueError(f"a system named {system.name!r} is already registered")
    SYSTEMS[system.name] = system
    return system


register(System("rules", rules.RuleTagger.from_record, rules.train_from_config, "pattern rules and a lexicon"))
register(System("crf", crf.CrfTagger.from_record, crf.train_from_config, "linear-chain CRF over words"))
register(
    System(
        "crf-stacked",
        stacked.StackedTagger.from_record,
        stacked.train_from_config,
        "two-pass CRF: the second sees the first's cross-fitted predictions",
    )
)
register(
    System(
        "transformer",
        transformer.TransformerTagger.from_record,
        transformer_training.train_from_config,
        "PhoBERT-shaped token classifier",
    )
)


# The combination loads and trains its parts through the registry.
def _combined_load(directory: Path, record: RunRecord) -> Tagger:
    return combine.CombinedTagger.from_record(directory, record, load_tagger)


def _combined_train(config: dict[str, Any], config_path: Path) -> Path:
    def train_part(part: dict[str, Any], path: Path) -> Tagger:
        return load_tagger(get_system(part["system"]).train(part, path))

    def check_part(part: dict[str, Any], path: Path) -> None:
        get_system(part["system"])  # a part is a trainable system
        check_config(part, path)

    return combine.train_from_config(config, config_path, train_part, check_part=check_part)


register(System("bilstm", bilstm.BilstmTagger.from_record, bilstm.train_from_config, "BiLSTM-CRF over word vectors, characters and layout"))
register(System("combined", _combined_load, _combined_train, "a primary tagger, gaps filled by a secondary"))

DEFAULT_MODEL = MODELS_ROOT / "default"


def get_system(name: str) -> System:
    try:
        return SYSTEMS[name]
    except KeyError:
        raise DataError(f"unknown system {name!r}; expected one of {', '.join(SYSTEMS)}") from None


def read_manifest(directory: str | Path) -> RunRecord:
    """The run record of a model folder."""
    return RunRecord.read(directory)


def load_tagger(directory: str | Path | None = None) -> Tagger:
    """The tagger saved in ``directory`` (the embedded default model when None)."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL
    record = RunRecord.read(directory)
    return get_system(record.system).load(directory, record)


def load_config(config_path: str | Path) -> dict[str, Any]:
    return read_yaml_config(config_path, "system", "training")


# Models that are trained from a config like the span taggers but are not taggers (they run after
# any tagger's spans, in the Tagger base): the agency-role classifier and the target-agency linker.
RESPONSIBILITY_TRAINERS: dict[str, Any] = {"roles": roles_model.train_from_config, "links": links_model.train_from_config}


def train(config_path: str | Path) -> Path:
    """Train the system a config names; returns the output model directory."""
    config = load_config(config_path)
    trainer = RESPONSIBILITY_TRAINERS.get(config["system"]) or get_system(config["system"]).train
    return trainer(config, Path(config_path))


# ---------------------------------------------------------------------------------------------
# Cross-validation: a config's system -> its fold system (plannlp.evaluate.crossval runs the folds)


def _combined_folds(config: dict[str, Any], config_path: Path | None) -> FoldSystem:
    return folds.combined_folds(config, config_path, fold_system)


FOLD_SYSTEMS: dict[str, Callable[[dict[str, Any], Path | None], FoldSystem]] = {
    "rules": folds.rules_folds,
    "crf": folds.crf_folds,
    "crf-stacked": stacked.stacked_folds,
    "combined": _combined_folds,
    "bilstm": bilstm.bilstm_folds,
    "heldout": folds.heldout_folds,
}


# ---------------------------------------------------------------------------------------------
# Config keys: each system's check lives next to the code that reads its keys; its trainer and its
# fold system call it. This table serves a combination's parts (checked before either trains) and
# the test that every committed experiments/*.yaml passes its system's check.


def _combined_check(config: dict[str, Any], config_path: Path | None) -> None:
    for name, part in folds.combined_parts(config, config_path).items():
        folds.in_part(name, lambda: check_config(part, config_path))


CONFIG_CHECKS: dict[str, Callable[[dict[str, Any], Path | None], None]] = {
    "rules": rules.check_config,
    "crf": crf.check_config,
    "crf-stacked": stacked.check_config,
    "transformer": transformer_training.check_config,
    "bilstm": bilstm.check_config,
    "combined": _combined_check,
    "heldout": folds.check_heldout_config,
    "roles": roles_model.check_config,
    "links": links_model.check_config,
}


def check_config(config: dict[str, Any], config_path: Path | None = None) -> None:
    """Refuse the keys of a config (and of a combination's parts) that its system's readers do not
    know, naming the file: a DataError ``x.yaml: unknown keys c_1``. Trains nothing."""
    system = config.get("system")
    try:
        check = CONFIG_CHECKS[system]
    except KeyError:
        raise DataError(f"{config_path or 'config'}: unknown system {system!r}; expected one of {', '.join(CONFIG_CHECKS)}") from None
    check(config, config_path)


def fold_system(config: dict[str, Any], config_path: Path | None = None) -> FoldSystem:
    """The fold system of the config's ``system``, for :func:`plannlp.evaluate.crossval.crossval`."""
    system = config.get("system")
    try:
        make = FOLD_SYSTEMS[system]
    except KeyError:
        raise DataError(f"no cross-validation for system {system!r}; expected one of {', '.join(FOLD_SYSTEMS)}") from None
    return make(config, config_path)
