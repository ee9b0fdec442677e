"""A linear-chain CRF over words (sklearn-crfsuite): the feature-based baseline.

Words come from :func:`plannlp.segment.segment` (underthesea, with character offsets); tags
from :func:`plannlp.tag.training_data.tagged_sentences` and back with :func:`plannlp.bio.tags_to_spans`. The
features (:func:`plannlp.tag.baselines.features.token_features`) are the word, its lower case, shape,
first and last syllable, number tests, membership of the rule tagger's word lists and agency
gazetteer, underthesea POS tags, and the same for the words within ``window``.

A span's score is the mean marginal probability of its words' tags.

Training (:func:`train_from_config`) uses the gold sentences that lie wholly inside labelled
regions, fits one CRF per (c1, c2) of the grid and keeps the best on dev strict micro F1.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plannlp.bio import tag_names, tags_to_spans
from plannlp.data import DataError, Document, Span
from plannlp.io import atomic_writer
from plannlp.labels import LABELS
from plannlp.runrecord import RunRecord, data_checksums
from plannlp.segment import Sentence, segment
from plannlp.tag.baselines import SELECTION_METRIC, Scorer, check_keys, read_split, training_setup
from plannlp.tag.baselines import crfinput
from plannlp.tag.baselines import features as fx
from plannlp.tag.baselines.agencycells import cell_agencies
from plannlp.tag.baselines.agencyctx import agency_context_features, mined_names
from plannlp.tag.baselines.decoding import posterior_path
from plannlp.tag.baselines.indicators import trim_indicators
from plannlp.tag.baselines.poslexicon import PosLexicon, load_lexicon, pos_lexicon, save_lexicon
from plannlp.tag.baselines.rules import agency_mentions, stacked_rules
from plannlp.tag.baselines.structure import layout_features, layout_parts
from plannlp.tag.baselines.targets import indicator_features, target_features, target_values
from plannlp.tag.baselines.vectors import clusters_of, load_clusters
from plannlp.tag.baselines.wordcache import analysed, pos_tags
from plannlp.tag.baselines.years import cell_years, date_records
from plannlp.tag.contract import Tagger
from plannlp.tag.training_data import SentenceCounts, tagged_sentences
from plannlp.yamlconfig import settings_from_mapping

SYSTEM = "crf"
POS_LEXICON = "lexicon"  # pos: lexicon, each word's most frequent underthesea tag
MODEL_FILE = "crf.crfsuite"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrfSettings:
    c1: float = 0.1  # L1 penalty
    c2: float = 0.1  # L2 penalty
    max_iterations: int = 150
    window: int = 2  # neighbouring words seen by each word's features
    pos: bool | str = True  # POS tags as features: True underthesea's tagger, "lexicon" baselines.poslexicon, False none
    rule_features: bool = False  # the built-in rule tagger's tags as features (stacking)
    structure: bool = False  # layout features: heading path, list item, table column (baselines.structure)
    targets: bool = False  # clause geometry: distance to levels, opening verbs, boundaries (baselines.targets)
    indicators: bool = False  # side of the clause's levels x place (baselines.targets.indicator_features), table group rows, INDICATOR edge trimming
    agency_context: bool = False  # conjuncts of body lists (baselines.agencyctx)
    agency_names: bool = False  # B/I of body names mined from unlabelled text (baselines.agencyctx)
    record_years: bool = False  # after tagging, rule YEARs that date undated records (baselines.years)
    cell_years: bool = False  # after tagging, rule YEARs that fill a line of their own: time cells, spec rule 8 (baselines.years)
    cell_agencies: bool = False  # after tagging, rule AGENCY spans that fill a line of their own, outside recipient lists (baselines.agencycells)
    o_penalty: float | None = None  # None: Viterbi; a number: posterior decoding with that penalty per O (baselines.decoding)
    clusters: str | None = None  # word-cluster file in the model folder (baselines.vectors), as features
    cluster_window: int = 1  # neighbours whose clusters are features too
    scheme: str = "BIO"
    labels: tuple[str, ...] = LABELS
    all_possible_transitions: bool = True

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CrfSettings:
        return settings_from_mapping(cls, obj)


# ---------------------------------------------------------------------------------------------
# Words and their features


def _range_tags(ranges: Sequence[tuple[int, int, str]], sentences: Sequence[Sentence]) -> list[list[str]]:
    """Per word: ``B<label>``/``I<label>`` where a character range begins/continues, else ``O``.

    A word inside several ranges takes the first of them in ``ranges``' order. One sweep over the
    words in text order, with the ranges sorted by start and only those kept that have begun and
    can still hold a later word (tokens do not overlap, so their ends only grow).
    """
    tokens = [t for sentence in sentences for t in sentence.tokens]
    if any(a.end > b.start for a, b in zip(tokens, tokens[1:])):
        return _range_tags_slow(ranges, sentences)  # not in text order: the sweep does not apply
    order = sorted(range(len(ranges)), key=lambda k: ranges[k][0])
    nxt = 0
    active: list[int] = []  # indices into ranges
    out = []
    for sentence in sentences:
        tags = []
        for token in sentence.tokens:
            while nxt < len(order) and ranges[order[nxt]][0] <= token.start:
                active.append(order[nxt])
                nxt += 1
            tag = "O"
            if active:
                active = [k for k in active if ranges[k][1] >= token.end]
                holding = [k for k in active if ranges[k][0] <= token.start]
                if holding:
                    start, _, label = ranges[min(holding)]
                    tag = ("B" if token.start == start else "I") + label
            tags.append(tag)
        out.append(tags)
    return out


def _range_tags_slow(ranges: Sequence[tuple[int, int, str]], sentences: Sequence[Sentence]) -> list[list[str]]:
    """:func:`_range_tags` as a plain loop over every (word, range)."""
    out = []
    for sentence in sentences:
        tags = []
        for token in sentence.tokens:
            tag = "O"
            for start, end, label in ranges:
                if start <= token.start and token.end <= end:
                    tag = ("B" if token.start == start else "I") + label
                    break
            tags.append(tag)
        out.append(tags)
    return out


def gazetteer_tags(text: str, sentences: Sequence[Sentence]) -> list[list[str]]:
    """Per word: ``B``/``I`` where an agency-gazetteer match (the rule tagger's) begins/continues, else ``O``."""
    return _range_tags([(start, end, "") for start, end in agency_mentions(text)], sentences)


def rule_tags(text: str, sentences: Sequence[Sentence]) -> list[list[str]]:
    """Per word: the built-in rule tagger's tag (``B-VALUE`` ...), for stacking."""
    return _range_tags([(s.start, s.end, f"-{s.label}") for s in stacked_rules().tag_text(text)], sentences)


def _word_tags(settings: CrfSettings, words: list[str], lexicon: PosLexicon | None, given: list[str] | None = None) -> list[str] | None:
    """A sentence's POS tags as the settings ask: the lexicon's, underthesea's (``given`` when
    precomputed), or None without POS features. Training rows and prediction items share it."""
    if settings.pos == POS_LEXICON:
        return lexicon.tags(words)  # type: ignore[union-attr]
    if settings.pos:
        return given if given is not None else pos_tags(words)
    return None


def sentence_features(
    text: str,
    sentences: Sequence[Sentence],
    settings: CrfSettings,
    clusters: Any = None,
    pos: Sequence[Sequence[str]] | None = None,
    lexicon: PosLexicon | None = None,
) -> list[list[dict[str, Any]]]:
    """Feature rows of every sentence; ``clusters`` is a :class:`plannlp.tag.baselines.vectors.WordClusters`
    (used when ``settings.clusters``), ``pos`` precomputed POS tags (cross-validation caches them),
    ``lexicon`` the POS lexicon of ``pos: lexicon`` (a model's own copy; the shipped one by default)."""
    if settings.pos == POS_LEXICON and lexicon is None:
        lexicon = pos_lexicon()
    gazetteer = gazetteer_tags(text, sentences)
    rules = rule_tags(text, sentences) if settings.rule_features else [None] * len(sentences)
    layout = None
    if settings.structure:
        layout = layout_features(text, sentences, group_rows=settings.indicators)
    mined = None
    if settings.agency_names:
        mined = _range_tags([(start, end, "") for start, end in mined_names().matches(text)], sentences)
    rows = []
    for k, (sentence, gaz, rule) in enumerate(zip(sentences, gazetteer, rules)):
        words = [t.text for t in sentence.tokens]
        tags = _word_tags(settings, words, lexicon, None if pos is None else pos[k])
        feats = fx.token_features(words, tags, gaz, settings.window, rule)
        if layout is not None:
            for row, extra in zip(feats, layout[k]):
                row.update(extra)
        if settings.targets:
            for row, extra in zip(feats, target_features(words, rule)):
                row.update(extra)
        if settings.indicators:
            for row, extra in zip(feats, indicator_features(words, rule)):
                row.update(extra)
                _add_context(row)
        if settings.agency_context or mined is not None:
            extras = agency_context_features(words, gaz, None if mined is None else mined[k], settings.agency_context)
            for row, extra in zip(feats, extras):
                row.update(extra)
        if clusters is not None and settings.clusters:
            found = [clusters.features(w) for w in words]
            for i, row in enumerate(feats):
                for d in range(-settings.cluster_window, settings.cluster_window + 1):
                    if 0 <= i + d < len(words):
                        prefix = "" if d == 0 else f"{d}:"
                        row.update({prefix + name: value for name, value in found[i + d].items()})
        rows.append(feats)
    return rows


_LIST_KINDS = frozenset(("bullet", "num", "num2", "letter", "plain"))


def _context(row: dict[str, Any]) -> str:
    """What kind of place a word's line is, from its layout features: a table cell (by column), a
    list item or line under a target or year heading, a past-tense passage, a target sentence."""
    col = row.get("T.col")
    if col is not None:
        return f"tab-{col}" if col in ("target", "content", "result", "group") else "tab-o"
    if row.get("H.past") or row.get("S.past"):
        return "past"
    if (row.get("H.target") or row.get("H.year")) and row.get("L.kind") in _LIST_KINDS and not row.get("L.head"):
        return "item"
    return "tsent" if row.get("S.target") else "o"


def _add_context(row: dict[str, Any]) -> None:
    """The ``indicators`` flag's conjunction: the place (:func:`_context`) with the word's side of
    its clause's levels, which a linear model cannot combine by itself (``left of a level`` means
    more in a target list or a target-table cell than in a report of past figures)."""
    if "I.side" not in row:  # a clause without a level: nothing to conjoin (indicator_features)
        return
    row["I.ctx|side"] = f"{_context(row)}|{row['I.side']}"


def dict_rows_only(settings: CrfSettings) -> bool:
    """Whether :func:`sentence_inputs` gives the dict rows of :func:`sentence_features` (word
    clusters and the feature sets CV did not adopt have no attribute-string form)."""
    return bool(settings.clusters or settings.indicators or settings.agency_context or settings.agency_names)


def sentence_inputs(
    text: str,
    sentences: Sequence[Sentence],
    settings: CrfSettings,
    clusters: Any = None,
    lexicon: PosLexicon | None = None,
) -> list[list[Any]]:
    """What crfsuite is given for every sentence at prediction time: the attributes of
    :func:`sentence_features`' rows (the same, in the same order, with the same weights) as
    attribute strings built from per-word caches (:mod:`plannlp.tag.baselines.crfinput`), not
    as dicts. Word clusters and the feature sets that CV did not adopt (``indicators``,
    ``agency_context``, ``agency_names``) go through the dict rows."""
    if dict_rows_only(settings):
        return sentence_features(text, sentences, settings, clusters, lexicon=lexicon)
    if settings.pos == POS_LEXICON and lexicon is None:
        lexicon = pos_lexicon()
    gazetteer = gazetteer_tags(text, sentences)
    rules = rule_tags(text, sentences) if settings.rule_features else [None] * len(sentences)
    layout = layout_parts(text, sentences, settings.indicators) if settings.structure else None
    out = []
    for k, (sentence, gaz, rule) in enumerate(zip(sentences, gazetteer, rules)):
        words = [t.text for t in sentence.tokens]
        tags = _word_tags(settings, words, lexicon)
        clause = target_values(words, rule) if settings.targets else None
        out.append(
            crfinput.sentence_items(words, tags, gaz, settings.window, rule, None if layout is None else layout[k], clause)
        )
    return out


@dataclass
class Featurised:
    """Gold documents turned into CRF input, kept apart per document for scoring."""

    docs: list[Document]
    sentences: list[tuple[Sentence, ...]]
    X: list[list[dict[str, Any]]]  # sentences used for training (inside regions, aligned)
    y: list[list[str]]
    doc_X: list[list[list[dict[str, Any]]]]  # every sentence of every document, for prediction
    counts: SentenceCounts


def featurise(docs: Sequence[Document], settings: CrfSettings, clusters: Any = None) -> Featurised:
    """Segment and featurise gold documents; training pairs are
    :func:`plannlp.tag.training_data.tagged_sentences` (of ``settings.labels``) with their features."""

    analyses = [analysed(doc.text, settings.pos is True) for doc in docs]  # cached on disk: reruns skip underthesea
    all_sentences = [a[0] for a in analyses]
    doc_X = [
        sentence_features(doc.text, sents, settings, clusters, pos)
        for doc, (sents, pos) in zip(docs, analyses)
    ]
    counts = SentenceCounts()
    used = tagged_sentences(docs, all_sentences, settings.scheme, counts, settings.labels)
    X = [doc_X[t.doc_index][t.sentence_index] for t in used]
    y = [list(t.tags) for t in used]
    return Featurised(list(docs), all_sentences, X, y, doc_X, counts)


# ---------------------------------------------------------------------------------------------
# The tagger


class CrfTagger(Tagger):
    """A trained CRF (crfsuite's own model file, opened with python-crfsuite) and the settings
    its features were built with. The model file is data: loading it runs no code."""

    system = SYSTEM

    def __init__(
        self, model_bytes: bytes, settings: CrfSettings, clusters: Any = None, lexicon: PosLexicon | None = None
    ) -> None:
        import pycrfsuite

        self.model_bytes = model_bytes
        self.settings = settings
        self.clusters = clusters  # WordClusters when settings.clusters names a file
        # pos: lexicon: the lexicon the model was trained with, saved in its folder, so that a
        # rebuilt package lexicon does not change an older model's features
        self.lexicon = (lexicon or pos_lexicon()) if settings.pos == POS_LEXICON else None
        self.labels = tuple(settings.labels)
        # crfsuite opens models from files only and reads the whole file in: the temporary file
        # goes again at once (one kept open was deleted by the first forked worker to exit). The
        # bytes are kept so that save() can copy them.
        self._model = pycrfsuite.Tagger()
        with tempfile.NamedTemporaryFile(prefix="plannlp-crf-", suffix=".crfsuite") as fh:
            fh.write(model_bytes)
            fh.flush()
            self._model.open(fh.name)
        self._label_set = frozenset(self._model.labels())

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(tag_names(self.settings.labels, self.settings.scheme))

    @classmethod
    def fit(
        cls,
        X: Sequence[Sequence[dict[str, Any]]],
        y: Sequence[Sequence[str]],
        settings: CrfSettings,
        clusters: Any = None,
    ) -> CrfTagger:
        import sklearn_crfsuite

        allowed = set(tag_names(settings.labels, settings.scheme))
        stray = {tag for tags in y for tag in tags} - allowed
        if stray:
            raise DataError(f"training tags {sorted(stray)} are not in the label order {list(settings.labels)}")
        with tempfile.TemporaryDirectory(prefix="plannlp-crf-") as tmp:
            path = Path(tmp) / MODEL_FILE
            crf = sklearn_crfsuite.CRF(
                algorithm="lbfgs",
                c1=settings.c1,
                c2=settings.c2,
                max_iterations=settings.max_iterations,
                all_possible_transitions=settings.all_possible_transitions,
                model_filename=str(path),
            )
            crf.fit(list(X), list(y))
            return cls(path.read_bytes(), settings, clusters)  # (pos: lexicon: the shipped lexicon)

    def _spans(self, sentences: Sequence[Sentence], rows: Sequence[Sequence[Any]]) -> list[Span]:
        """Spans of every sentence from its crfsuite input: feature dicts (:func:`sentence_features`)
        or attribute strings (:func:`sentence_inputs`)."""
        spans: list[Span] = []
        model, scheme = self._model, self.settings.scheme
        penalty = self.settings.o_penalty
        tags = list(model.labels()) if penalty is not None else []
        for sentence, row in zip(sentences, rows):
            model.set(row)  # once: tag() and marginal() both read the sequence set here
            if penalty is None:
                path = model.tag()
            else:  # every word's marginal of every tag, then the best valid path under the penalty
                n = len(sentence.offsets)
                path = posterior_path([[model.marginal(t, i) for t in tags] for i in range(n)], tags, penalty)
            # a span's score is the mean marginal of its words, and no span holds an O word: those
            # words' marginals are never read, so they are not computed (most words are O)
            scores = [0.0 if tag == "O" else min(1.0, max(0.0, model.marginal(tag, i))) for i, tag in enumerate(path)]
            assert set(path) <= self._label_set
            spans.extend(tags_to_spans(path, sentence.offsets, scheme, scores=scores))
        return spans

    def predict_spans(
        self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]
    ) -> list[list[Span]]:
        """The CRF's spans (scored by mean marginal probability) of each document; with
        ``record_years``, the rule YEARs that date the records these spans leave undated."""
        return [
            self.document_spans(doc, sents, sentence_inputs(doc.text, sents, self.settings, self.clusters, self.lexicon))
            for doc, sents in zip(docs, sentences)
        ]

    def document_spans(self, doc: Document, sentences: Sequence[Sentence], rows: Sequence[Sequence[Any]]) -> list[Span]:
        """One document's output spans from its featurised sentences: the CRF's, then (with
        ``cell_years``) the rule YEARs of time cells, (with ``cell_agencies``) the rule AGENCY spans
        of table cells and list lines, then (with ``record_years``) the rule YEARs
        dating its undated records. Prediction, model selection
        and cross-validation all go through here, so none of them can drop the step."""
        spans = self._spans(sentences, rows)
        if self.settings.indicators:
            spans = trim_indicators(doc.text, spans)
        if self.settings.cell_years:
            spans = cell_years(doc, spans)
        if self.settings.cell_agencies:
            spans = cell_agencies(doc, spans)
        return date_records(doc, spans) if self.settings.record_years else spans

    def predict_featurised(self, data: Featurised) -> list[Document]:
        """Predictions for documents already segmented and featurised (model selection)."""
        return [
            Document(doc.id, doc.text, tuple(self.document_spans(doc, sents, rows)), meta=doc.meta)
            for doc, sents, rows in zip(data.docs, data.sentences, data.doc_X)
        ]

    def settings_json(self) -> dict[str, Any]:
        return self.settings.to_json()

    def save_files(self, directory: Path) -> dict[str, str]:
        with atomic_writer(directory / MODEL_FILE, binary=True) as fh:
            fh.write(self.model_bytes)
        files = {"model": MODEL_FILE}
        if self.settings.clusters and self.clusters is not None:
            self.clusters.save(directory / self.settings.clusters)
            files["clusters"] = self.settings.clusters
        if self.lexicon is not None:
            files.update(save_lexicon(directory, self.lexicon))
        return files

    @classmethod
    def from_record(cls, directory: Path, record: RunRecord) -> CrfTagger:
        record.expect(SYSTEM, directory)
        settings = CrfSettings.from_json(dict(record.settings))
        clusters = None
        if settings.clusters:
            clusters = load_clusters(str(record.file(directory, "clusters")))
        lexicon = load_lexicon(directory, record) if settings.pos == POS_LEXICON else None
        return cls(record.file(directory, "model").read_bytes(), settings, clusters, lexicon)

    @classmethod
    def load(cls, directory: str | Path) -> CrfTagger:
        return cls.from_record(Path(directory), RunRecord.read(directory))


# ---------------------------------------------------------------------------------------------
# Training from a config

# The keys of a ``system: crf`` config, read by settings_from_config / single_settings (the
# feature flags, c1, c2), clusters_of and train_from_config; the trainer and the cross-validation
# fold system (folds.CrfFolds) both refuse any other through check_config.
CONFIG_KEYS = (
    "train_file", "dev_file", "output_dir", "seed", "labels", "scheme", "c1", "c2", "max_iterations",
    "window", "pos", "rule_features", "selection_metric", "structure", "clusters", "cluster_window",
    "targets", "record_years", "cell_years", "cell_agencies", "indicators", "agency_context", "agency_names",
    "o_penalty",
)  # fmt: skip


def check_config(config: dict[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: crf`` config that no reader knows."""
    check_keys(config, CONFIG_KEYS, config_path)


def pos_setting(value: Any) -> bool | str:
    """A config's ``pos``: true (underthesea's tagger), false (none) or ``lexicon``."""
    if isinstance(value, bool):
        return value
    if value == POS_LEXICON:
        return POS_LEXICON
    raise DataError(f"pos must be true, false or {POS_LEXICON!r}, not {value!r}")


def settings_from_config(config: dict[str, Any], labels: tuple[str, ...]) -> CrfSettings:
    """The CrfSettings a training config asks for, but c1 and c2 (a grid when training, one value
    when cross-validating: the callers set them); the one reader of the feature flags, so that
    training and cross-validation cannot disagree on them."""
    return CrfSettings(
        max_iterations=int(config.get("max_iterations", 150)),
        window=int(config.get("window", 2)),
        pos=pos_setting(config.get("pos", True)),
        rule_features=bool(config.get("rule_features", False)),
        structure=bool(config.get("structure", False)),
        targets=bool(config.get("targets", False)),
        indicators=bool(config.get("indicators", False)),
        agency_context=bool(config.get("agency_context", False)),
        agency_names=bool(config.get("agency_names", False)),
        record_years=bool(config.get("record_years", False)),
        cell_years=bool(config.get("cell_years", False)),
        cell_agencies=bool(config.get("cell_agencies", False)),
        o_penalty=None if config.get("o_penalty") is None else float(config["o_penalty"]),
        clusters="clusters.json" if config.get("clusters") else None,
        cluster_window=int(config.get("cluster_window", 1)),
        scheme=str(config.get("scheme", "BIO")),
        labels=labels,
    )



def single_settings(config: dict[str, Any], labels: tuple[str, ...], who: str) -> CrfSettings:
    """:func:`settings_from_config` with the config's one c1 and one c2 (defaults 0.05 and 0.1), for
    the callers that fit one model per config (``who``: cross-validation, the stacked CRF); a grid
    of several values is refused, naming ``who``."""

    def one(name: str, default: float) -> float:
        value = config.get(name, default)
        if isinstance(value, list):
            if len(value) != 1:
                raise DataError(f"{who} takes one {name}, not a grid: write one config per value")
            value = value[0]
        return float(value)

    return dataclasses.replace(settings_from_config(config, labels), c1=one("c1", 0.05), c2=one("c2", 0.1))

def train_from_config(
    config: dict[str, Any],
    config_path: Path,
    scorer: Scorer | None = None,
) -> Path:
    """Fit one CRF per (c1, c2) of the config's grid on the training gold, keep the best on dev
    strict micro F1, save it with its config, label order and dev score in ``output_dir``."""
    scorer, labels = training_setup(config, check_config, config_path, scorer)
    c1_grid = _grid(config.get("c1", [0.1]), "c1", config_path)
    c2_grid = _grid(config.get("c2", [0.1]), "c2", config_path)
    base = settings_from_config(config, labels)

    clusters = clusters_of(config, config_path.resolve().parents[1] if config_path else None)
    out_dir = Path(config.get("output_dir") or "models/crf")
    started = time.monotonic()
    # train_file may list several files (a final model trained on train+dev, settings chosen by
    # cross-validation); dev_file then only reports a score on documents seen in training
    files = config.get("train_file")
    train_docs = [d for f in (files if isinstance(files, list) else [files]) for d in read_split(f, "train")]
    dev_docs = read_split(config.get("dev_file"), "dev")
    train = featurise(train_docs, base, clusters)
    dev = featurise(dev_docs, base, clusters)
    featurise_s = time.monotonic() - started
    log.info("training sentences: %s", dataclasses.asdict(train.counts))
    if not train.X:
        raise DataError(f"{config.get('train_file')}: no training sentence lies inside a labelled region")

    trials = []
    best: tuple[float, CrfTagger] | None = None
    for c1 in c1_grid:
        for c2 in c2_grid:
            settings = dataclasses.replace(base, c1=c1, c2=c2)
            fit_started = time.monotonic()
            tagger = CrfTagger.fit(train.X, train.y, settings, clusters)
            score = scorer(dev_docs, tagger.predict_featurised(dev))
            fit_s = round(time.monotonic() - fit_started, 1)
            trials.append({"c1": c1, "c2": c2, "dev_strict_micro_f1": score, "fit_s": fit_s})
            log.info("c1=%s c2=%s: dev strict micro F1 %.4f", c1, c2, score)
            if best is None or score > best[0]:
                best = (score, tagger)
    assert best is not None
    dev_score, tagger = best
    summary = {
        "dev_strict_micro_f1": dev_score,
        "c1": tagger.settings.c1,
        "c2": tagger.settings.c2,
        "train_counts": dataclasses.asdict(train.counts),
        "dev_counts": dataclasses.asdict(dev.counts),
        "featurise_s": round(featurise_s, 1),
        "total_s": round(time.monotonic() - started, 1),
    }
    resolved = {
        "system": SYSTEM,
        **{k: v for k, v in config.items() if k != "system"},
        "output_dir": str(out_dir),
        "seed": config.get("seed", 0),
        "labels": list(labels),
        "scheme": base.scheme,
        "selection_metric": config.get("selection_metric", SELECTION_METRIC),
    }
    tagger.save(
        out_dir,
        config=resolved,
        metrics={**summary, "selected": {"c1": tagger.settings.c1, "c2": tagger.settings.c2}, "grid": trials},
        data=data_checksums(
            **{f"train{i or ''}": f for i, f in enumerate(files if isinstance(files, list) else [files])},
            dev=config.get("dev_file"),
        ),
    )
    log.info("saved %s (dev strict micro F1 %.4f)", out_dir, dev_score)
    return out_dir


def _grid(values: Any, name: str, config_path: Path) -> list[float]:
    values = values if isinstance(values, list) else [values]
    try:
        grid = [float(v) for v in values]
    except (TypeError, ValueError):
        raise DataError(f"{config_path}: {name} must be a number or a list of numbers") from None
    if not grid or any(v < 0 for v in grid):
        raise DataError(f"{config_path}: {name} must be non-negative")
    return grid
