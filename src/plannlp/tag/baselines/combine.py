"""A combination of two taggers: the primary's spans, then the secondary's spans of chosen labels
where they overlap none of the primary's (the rule tagger fills what the statistical one misses).

Saved as a folder holding the two systems' folders (``primary/``, ``secondary/``) and a manifest
naming the labels taken from the secondary. Which labels to take is chosen by cross-validation
(``plannlp crossval`` on a ``system: combined`` config).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plannlp.data import Document, Span
from plannlp.runrecord import RunRecord
from plannlp.segment import Sentence
from plannlp.tag.baselines import SELECTION_METRIC, read_split, strict_micro_f1
from plannlp.tag.baselines.folds import combine_spans, combined_parts, in_part
from plannlp.tag.baselines.rules import RuleTagger, fixed_settings, learn_lexicon
from plannlp.tag.contract import Tagger

SYSTEM = "combined"


class CombinedTagger(Tagger):
    system = SYSTEM

    def __init__(self, primary: Tagger, secondary: Tagger, add_labels: Sequence[str]) -> None:
        self.primary = primary
        self.secondary = secondary
        self.add_labels = tuple(add_labels)
        self.labels = tuple(dict.fromkeys((*primary.labels, *(lab for lab in secondary.labels if lab in add_labels))))

    def predict_spans(self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]) -> list[list[Span]]:
        first = self.primary.predict_spans(docs, sentences)
        second = self.secondary.predict_spans(
            docs, sentences if self.secondary.uses_sentences else [() for _ in docs]
        )
        return [combine_spans(a, b, self.add_labels) for a, b in zip(first, second)]

    def settings_json(self) -> dict[str, Any]:
        return {"add_labels": list(self.add_labels)}

    def save_files(self, directory: Path) -> dict[str, str]:
        # each part is a model folder of its own, with its own run record
        self.primary.save(directory / "primary")
        self.secondary.save(directory / "secondary")
        return {"primary": "primary", "secondary": "secondary"}

    @classmethod
    def from_record(cls, directory: Path, record: RunRecord, load: Callable[[Path], Tagger]) -> CombinedTagger:
        """``load`` reads a part's folder (the registry's ``load_tagger``: the parts may be any system)."""
        record.expect(SYSTEM, directory)
        return cls(
            load(record.file(directory, "primary")),
            load(record.file(directory, "secondary")),
            record.settings.get("add_labels", []),
        )


def train_from_config(
    config: dict[str, Any],
    config_path: Path,
    train_part: Callable[[dict[str, Any], Path], Tagger],
    scorer: Any = None,
    check_part: Callable[[dict[str, Any], Path], None] | None = None,
) -> Path:
    """Train the primary (``primary``: a system config without output_dir) and the secondary, save both.

    A ``rules`` secondary with fixed ``settings`` learns its lexicon from the training files, as in
    cross-validation; any other part is trained and loaded by ``train_part`` (the registry's).
    Unknown keys, of the combination or of either part (``check_part``: the registry's check of a
    part's own system), are refused before either part trains."""

    out_dir = Path(config.get("output_dir") or "models/combined")
    started = time.monotonic()
    configs = {}
    for name, given in combined_parts(config, config_path).items():
        part = {"train_file": config.get("train_file"), "dev_file": config.get("dev_file"), **given}
        part["output_dir"] = str(out_dir / name)
        if check_part is not None:
            in_part(name, lambda: check_part(part, config_path))
        configs[name] = part
    parts = {}
    for name, part in configs.items():
        if part.get("system") == "rules" and part.get("settings") is not None:
            parts[name] = in_part(name, lambda: _fixed_rules(part, config_path))
        else:
            parts[name] = train_part(part, config_path)
    tagger = CombinedTagger(parts["primary"], parts["secondary"], config.get("add_labels") or ())
    dev_docs = read_split(config.get("dev_file"), "dev")
    bare = [Document(d.id, d.text, (), meta=d.meta) for d in dev_docs]
    dev_score = (scorer or strict_micro_f1)(dev_docs, tagger.predict(bare))
    summary = {"dev_strict_micro_f1": dev_score, "total_s": round(time.monotonic() - started, 1)}
    resolved = {"system": SYSTEM, **{k: v for k, v in config.items() if k != "system"}, "output_dir": str(out_dir),
                "selection_metric": SELECTION_METRIC}  # fmt: skip
    tagger.save(out_dir, config=resolved, metrics=summary)
    return out_dir


def _fixed_rules(part: dict[str, Any], config_path: Path | None) -> Any:
    settings = fixed_settings(part, config_path)  # refuses unknown keys (rules.CONFIG_KEYS)
    files = part.get("train_file")
    docs = [d for f in (files if isinstance(files, list) else [files]) for d in read_split(f, "train")]
    lexicon = learn_lexicon(docs, int(part.get("lexicon_min_count", 1)), float(part.get("cue_floor", 0.6)))
    return RuleTagger(settings, lexicon)
