"""The two baselines behind the common tagger interface: a rule tagger and a CRF.

``plannlp.tag.baselines.rules.RuleTagger`` needs no training; ``plannlp.tag.baselines.crf.CrfTagger``
learns from gold JSONL. Both are trained from a committed YAML config (``experiments/rules.yaml``,
``experiments/crf.yaml``) through :func:`plannlp.tag.systems.train`, and both pick their settings on
dev strict micro F1. This module holds what the two trainers share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document
from plannlp.evaluate import evaluate
from plannlp.io import read_documents
from plannlp.labels import label_set
from plannlp.yamlconfig import check_keys  # the trainers and fold systems import it from here too

SELECTION_METRIC = "dev strict micro F1"

# (gold documents, predicted documents) -> a score to maximise
Scorer = Callable[[Sequence[Document], Sequence[Document]], float]


def strict_micro_f1(gold: Sequence[Document], predicted: Sequence[Document]) -> float:
    """Strict micro F1 of :func:`plannlp.evaluate.evaluate` (spans outside gold regions are not scored)."""
    return float(evaluate(gold, predicted, bootstrap=0).to_json()["strict"]["micro"]["f1"])


def training_setup(
    config: dict[str, Any],
    check: Callable[[dict[str, Any], Path | None], None],
    config_path: Path | None,
    scorer: Scorer | None,
) -> tuple[Scorer, tuple[str, ...]]:
    """What every baseline trainer does first: refuse unknown config keys (``check``: the system's
    own ``check_config``, which its fold system calls too), take the scorer (strict micro F1 by
    default) and the config's label set (the five plan labels by default)."""

    check(config, config_path)
    try:
        labels = label_set(config.get("labels"), str(config_path))
    except ValueError as exc:
        raise DataError(str(exc)) from None
    return scorer or strict_micro_f1, tuple(labels)


def read_split(path: str | Path | None, what: str) -> list[Document]:
    """The gold documents of a split file (``what`` names it in errors)."""
    if path is None:
        raise DataError(f"the config names no {what} file")
    docs = list(read_documents(path))
    if not docs:
        raise DataError(f"{path}: the {what} file holds no documents")
    return docs
