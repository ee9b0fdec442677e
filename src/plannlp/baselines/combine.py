"""A combination of two taggers: the primary's spans, then the secondary's spans of chosen labels
where they overlap none of the primary's (the rule tagger fills what the statistical one misses).

Saved as a folder holding the two systems' folders (``primary/``, ``secondary/``) and a manifest
naming the labels taken from the secondary. Which labels to take is chosen by cross-validation
(``plannlp crossval`` on a ``system: combined`` config).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plannlp.baselines.folds import combine_spans
from plannlp.data import DataError, Document
from plannlp.segment import Sentence

SYSTEM = "combined"


class CombinedTagger:
    system = SYSTEM

    def __init__(self, primary: Any, secondary: Any, labels: Sequence[str]) -> None:
        self.primary = primary
        self.secondary = secondary
        self.labels = tuple(labels)

    def predict(
        self, docs: Sequence[Document], sentences: Sequence[Sequence[Sentence]] | None = None
    ) -> list[Document]:
        first = self.primary.predict(docs, sentences)
        second = self.secondary.predict(docs, sentences)
        return [
            dataclasses.replace(a, spans=tuple(combine_spans(a.spans, b.spans, self.labels))) for a, b in zip(first, second)
        ]

    def save(self, directory: str | Path, **extra: Any) -> None:
        from plannlp.systems import write_manifest

        directory = Path(directory)
        self.primary.save(directory / "primary")
        self.secondary.save(directory / "secondary")
        write_manifest(
            directory, SYSTEM, primary="primary", secondary="secondary", add_labels=list(self.labels), **extra
        )

    @classmethod
    def load(cls, directory: str | Path) -> CombinedTagger:
        from plannlp.systems import load_tagger, read_manifest

        manifest = read_manifest(directory)
        if manifest["system"] != SYSTEM:
            raise DataError(f"{directory}: holds a {manifest['system']!r} model, not {SYSTEM!r}")
        directory = Path(directory)
        return cls(
            load_tagger(directory / manifest.get("primary", "primary")),
            load_tagger(directory / manifest.get("secondary", "secondary")),
            manifest.get("add_labels", []),
        )


def train_from_config(config: dict[str, Any], config_path: Path, scorer: Any = None) -> Path:
    """Train the primary (``primary``: a system config without output_dir) and the secondary, save both.

    A ``rules`` secondary with fixed ``settings`` learns its lexicon from the training files, as in
    cross-validation; any other part trains through its own ``train_from_config``."""
    from plannlp.baselines import SELECTION_METRIC, read_split, strict_micro_f1, write_run_records
    from plannlp.systems import _resolve, load_tagger

    out_dir = Path(config.get("output_dir") or "models/combined")
    started = time.monotonic()
    parts = {}
    for name in ("primary", "secondary"):
        part = {"train_file": config.get("train_file"), "dev_file": config.get("dev_file"), **config[name]}
        part["output_dir"] = str(out_dir / name)
        if part.get("system") == "rules" and part.get("settings") is not None:
            parts[name] = _fixed_rules(part)
            parts[name].save(out_dir / name)
        else:
            module, _ = _resolve(part["system"])
            module.train_from_config(part, config_path)
            parts[name] = load_tagger(out_dir / name)
    tagger = CombinedTagger(parts["primary"], parts["secondary"], config.get("add_labels") or ())
    dev_docs = read_split(config.get("dev_file"), "dev")
    bare = [dataclasses.replace(d, spans=(), regions=None) for d in dev_docs]
    dev_score = (scorer or strict_micro_f1)(dev_docs, tagger.predict(bare))
    summary = {"dev_strict_micro_f1": dev_score, "total_s": round(time.monotonic() - started, 1)}
    tagger.save(out_dir, training=summary)
    resolved = {"system": SYSTEM, **{k: v for k, v in config.items() if k != "system"}, "output_dir": str(out_dir),
                "selection_metric": SELECTION_METRIC, "dev_strict_micro_f1": dev_score}  # fmt: skip
    write_run_records(out_dir, resolved, summary)
    return out_dir


def _fixed_rules(part: dict[str, Any]) -> Any:
    from plannlp.baselines import read_split
    from plannlp.baselines.rules import RuleSettings, RuleTagger, learn_lexicon

    files = part.get("train_file")
    docs = [d for f in (files if isinstance(files, list) else [files]) for d in read_split(f, "train")]
    lexicon = learn_lexicon(docs, int(part.get("lexicon_min_count", 1)), float(part.get("cue_floor", 0.6)))
    return RuleTagger(RuleSettings(**part["settings"]), lexicon)
