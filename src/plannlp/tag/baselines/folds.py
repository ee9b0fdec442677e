"""The baselines as :class:`plannlp.evaluate.crossval.FoldSystem` s: prepare every document once,
then fit on some and tag the others, fold after fold.

Segmentation and underthesea POS tags cost most of a CRF run and do not depend on the fold, so
they come from :func:`plannlp.tag.baselines.wordcache.analysed`'s disk cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Span
from plannlp.evaluate.crossval import FoldSystem
from plannlp.io import read_documents
from plannlp.labels import LABELS
from plannlp.tag.baselines import check_keys
from plannlp.tag.baselines import crf, rules
from plannlp.tag.baselines.crf import CrfTagger, sentence_features, single_settings
from plannlp.tag.baselines.rules import RuleLexicon, RuleTagger, learn_lexicon
from plannlp.tag.baselines.vectors import clusters_of
from plannlp.tag.baselines.wordcache import analysed
from plannlp.tag.training_data import SentenceCounts, tagged_sentences

__all__ = [
    "analysed", "clusters_of", "combine_spans", "crf_folds", "rules_folds", "combined_folds", "heldout_folds",
    "COMBINED_KEYS", "HELDOUT_KEYS", "combined_parts", "check_heldout_config",
]  # fmt: skip

# a config and its path -> the fold system it names
FoldSystemOf = Callable[[dict[str, Any], Path | None], FoldSystem]


def combine_spans(primary: Sequence[Span], secondary: Sequence[Span], labels: Sequence[str]) -> list[Span]:
    """``primary``'s spans, then each span of ``secondary`` with a label in ``labels`` that overlaps
    none kept so far (spans never overlap, so the primary system wins every conflict)."""
    kept = sorted(primary, key=lambda s: (s.start, s.end))
    for span in sorted(secondary, key=lambda s: (s.start, s.end)):
        if span.label in labels and not any(span.overlaps(k) for k in kept):
            kept.append(span)
            kept.sort(key=lambda s: (s.start, s.end))
    return kept


# ---------------------------------------------------------------------------------------------
# Rules


class RuleFolds:
    """The rule tagger: lexicon learned from each fold's training documents; settings fixed by the
    config (``settings``: RuleSettings fields), not tuned per fold."""

    def __init__(self, config: dict[str, Any], config_path: Path | None) -> None:
        self.settings = rules.fixed_settings(config, config_path)  # refuses unknown keys (rules.CONFIG_KEYS)
        self.min_count = int(config.get("lexicon_min_count", 1))
        self.learn = bool(config.get("learn", True))
        self.cue_floor = float(config.get("cue_floor", 0.6))

    def prepare(self, docs: Sequence[Document]) -> None:
        self.docs = list(docs)

    def tagger(self, train: Sequence[int]) -> Any:
        lexicon = learn_lexicon([self.docs[i] for i in train], self.min_count, self.cue_floor) if self.learn else RuleLexicon()
        return RuleTagger(self.settings, lexicon)

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        return self.tagger(train).predict([_bare(self.docs[i]) for i in test])


def rules_folds(config: dict[str, Any], config_path: Path | None) -> RuleFolds:
    return RuleFolds(config, config_path)


# ---------------------------------------------------------------------------------------------
# CRF


def crf_settings(config: dict[str, Any]) -> Any:
    """CrfSettings from a config's single values (cross-validation compares configs, not grids)."""
    return single_settings(config, tuple(config.get("labels") or LABELS), "cross-validation")


class CrfFolds:
    def __init__(self, config: dict[str, Any], config_path: Path | None) -> None:
        crf.check_config(config, config_path)
        self.settings = crf_settings(config)
        self.clusters = clusters_of(config)

    def prepare(self, docs: Sequence[Document]) -> None:
        self.docs = list(docs)
        self.sentences, self.rows = [], []
        for doc in self.docs:
            sents, pos = analysed(doc.text, self.settings.pos is True)  # (a lexicon needs no tagger run)
            self.sentences.append(sents)
            self.rows.append(sentence_features(doc.text, sents, self.settings, self.clusters, pos))
        self.tagged = tagged_sentences(self.docs, self.sentences, self.settings.scheme, SentenceCounts(), self.settings.labels)

    def fit(self, train: Sequence[int]) -> Any:
        keep = set(train)
        used = [t for t in self.tagged if t.doc_index in keep]
        X = [self.rows[t.doc_index][t.sentence_index] for t in used]
        y = [list(t.tags) for t in used]
        return CrfTagger.fit(X, y, self.settings, self.clusters)

    def predict(self, tagger: Any, test: Sequence[int]) -> list[Document]:
        return [
            Document(self.docs[i].id, self.docs[i].text, tuple(tagger.document_spans(self.docs[i], self.sentences[i], self.rows[i])), meta=self.docs[i].meta)
            for i in test
        ]

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        return self.predict(self.fit(train), test)


def crf_folds(config: dict[str, Any], config_path: Path | None) -> CrfFolds:
    return CrfFolds(config, config_path)


# ---------------------------------------------------------------------------------------------
# CRF + rules

# The keys of a ``system: combined`` config (CombinedFolds and combine.train_from_config); each part
# (``primary``, ``secondary``) is a config of its own system, checked with that system's keys.
COMBINED_KEYS = ("train_file", "dev_file", "output_dir", "primary", "secondary", "add_labels")
PARTS = ("primary", "secondary")


def combined_parts(config: dict[str, Any], config_path: Path | None) -> dict[str, dict[str, Any]]:
    """The part configs of a ``system: combined`` config, after refusing its unknown keys."""
    check_keys(config, COMBINED_KEYS, config_path)
    parts = {}
    for name in PARTS:
        part = config.get(name)
        if not isinstance(part, dict) or "system" not in part:
            raise DataError(f"{config_path or 'config'}: {name} must be a system config (a mapping with a 'system' key)")
        parts[name] = part
    return parts


def in_part(name: str, make: Callable[[], Any]) -> Any:
    """``make()``, its DataError naming the part of the combination it comes from."""
    try:
        return make()
    except DataError as exc:
        inner = re.fullmatch(r"(.*) \(in ([\w.]+)\)", str(exc), re.S)  # a part of a part: (in secondary.primary)
        raise DataError(f"{inner[1]} (in {name}.{inner[2]})" if inner else f"{exc} (in {name})") from None


class CombinedFolds:
    """A primary system's spans, then the secondary's spans of ``add_labels`` that overlap none
    (``primary`` and ``secondary`` are configs of fold systems, e.g. crf and rules)."""

    def __init__(self, config: dict[str, Any], config_path: Path | None, fold_system: FoldSystemOf) -> None:
        parts = combined_parts(config, config_path)  # each part's fold system refuses its own unknown keys
        self.primary = in_part("primary", lambda: fold_system(parts["primary"], config_path))
        self.secondary = in_part("secondary", lambda: fold_system(parts["secondary"], config_path))
        self.labels = tuple(config.get("add_labels") or ())

    def prepare(self, docs: Sequence[Document]) -> None:
        self.docs = list(docs)
        self.primary.prepare(docs)
        self.secondary.prepare(docs)

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        first = self.primary.fit_predict(train, test)
        second = self.secondary.fit_predict(train, test)
        return [
            Document(a.id, a.text, tuple(combine_spans(a.spans, b.spans, self.labels)), meta=a.meta) for a, b in zip(first, second)
        ]


def combined_folds(config: dict[str, Any], config_path: Path | None, fold_system: FoldSystemOf) -> CombinedFolds:
    """``fold_system`` finds the parts' fold systems (the registry's :func:`plannlp.tag.systems.fold_system`)."""
    return CombinedFolds(config, config_path, fold_system)


# ---------------------------------------------------------------------------------------------
# Held-out predictions of an earlier cross-validation

# ``file``, and the gold files that ``plannlp crossval`` folds by default
HELDOUT_KEYS = ("file", "train_file", "dev_file")


def check_heldout_config(config: dict[str, Any], config_path: Path | None) -> None:
    check_keys(config, HELDOUT_KEYS, config_path)
    if not config.get("file"):
        raise DataError(f"{config_path or 'config'}: a heldout config names its predictions file (file: ...)")


class HeldoutFolds:
    """The held-out predictions an earlier ``plannlp crossval --predictions FILE`` wrote, replayed:
    combining systems then costs no retraining. The file must come from a run with the same
    documents, ``--folds`` and ``--seed``; each document's recorded fold is checked where the file
    has one."""

    def __init__(self, config: dict[str, Any], config_path: Path | None) -> None:
        check_heldout_config(config, config_path)
        path = Path(config["file"])
        if not path.is_file() and config_path is not None:
            path = Path(config_path).resolve().parents[1] / config["file"]
        self.predicted = {d.id: d for d in read_documents(path)}
        self.path = path

    def prepare(self, docs: Sequence[Document]) -> None:
        missing = [d.id for d in docs if d.id not in self.predicted]
        if missing:
            raise DataError(f"{self.path}: no held-out prediction for {', '.join(missing[:5])}")
        self.docs = list(docs)

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        out = []
        held = {(self.predicted[self.docs[i].id].meta or {}).get("crossval", {}).get("fold") for i in test}
        train_folds = {(self.predicted[self.docs[i].id].meta or {}).get("crossval", {}).get("fold") for i in train}
        if held != {None} and (len(held) != 1 or held & train_folds or None in held):
            raise DataError(f"{self.path}: its folds are not this run's (use the same --folds and --seed)")
        for i in test:
            doc = self.predicted[self.docs[i].id]
            if doc.text != self.docs[i].text:
                raise DataError(f"{self.path}: document {doc.id} has another text than the gold")
            out.append(Document(self.docs[i].id, self.docs[i].text, doc.spans, meta=self.docs[i].meta))
        return out


def heldout_folds(config: dict[str, Any], config_path: Path | None) -> HeldoutFolds:
    return HeldoutFolds(config, config_path)


def _bare(doc: Document) -> Document:
    return Document(doc.id, doc.text, (), meta=doc.meta)
