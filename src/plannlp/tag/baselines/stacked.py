"""A two-pass (stacked) CRF: a second CRF that sees the first CRF's predictions as features.

A linear-chain CRF with a ±2 window cannot see what lies further away: a VALUE predicted at the
other end of the clause, or how the same agency name was tagged three paragraphs earlier. The
second pass gets the word's own features (:func:`plannlp.tag.baselines.crf.sentence_features`)
plus, from the first pass (:func:`stack_features`):

- the first pass's tag of the word and of the words within ±2, and its marginal probability bucket;
- the labels predicted in the word's clause and sentence, and the distance to the nearest predicted
  VALUE and YEAR on each side within the sentence;
- document consistency: the majority first-pass label of the same word string elsewhere in the
  document, and whether the word lies in a word sequence that the first pass tagged as a span at
  another place of the document (names repeat: ``Sở Y tế`` tagged once, missed elsewhere).

Training is cross-fitted (:func:`cross_fitted_tags`): the training documents are dealt into
``inner_folds`` folds, a first-pass CRF is fitted on all folds but one and tags that one, so the
second pass learns from the first pass's realistic errors on unseen documents, never from a
model that saw the document's labels. The first pass used at prediction time is then fitted on
all training documents. A saved model is a folder with both passes' crfsuite files
(``first.crfsuite``, ``second.crfsuite``) and the run record.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Span
from plannlp.io import atomic_writer
from plannlp.labels import LABELS
from plannlp.runrecord import RunRecord, data_checksums
from plannlp.segment import Sentence
from plannlp.tag.baselines import SELECTION_METRIC, Scorer, check_keys, read_split, training_setup
from plannlp.tag.baselines import crfinput
from plannlp.tag.baselines.crf import (
    CONFIG_KEYS as CRF_CONFIG_KEYS,
    CrfSettings,
    CrfTagger,
    dict_rows_only,
    sentence_features,
    sentence_inputs,
    single_settings,
)
from plannlp.tag.baselines.features import lower_key
from plannlp.tag.baselines.poslexicon import LEXICON_ROLE, load_lexicon, save_lexicon
from plannlp.tag.baselines.targets import bucket, lists
from plannlp.tag.baselines.wordcache import analysed
from plannlp.tag.contract import Tagger
from plannlp.tag.training_data import SentenceCounts, TaggedSentence, tagged_sentences
from plannlp.yamlconfig import settings_from_mapping

SYSTEM = "crf-stacked"
FIRST_FILE, SECOND_FILE = "first.crfsuite", "second.crfsuite"
log = logging.getLogger(__name__)

Rows = list[list[dict[str, Any]]]  # one document: per sentence, per word, its feature dict
# first-pass output of one document: per sentence, (tags, marginal of each tag)
FirstPass = list[tuple[list[str], list[float]]]


@dataclass(frozen=True)
class StackSettings:
    """What the second pass sees of the first (the CRF settings of each pass are kept apart)."""

    inner_folds: int = 2  # cross-fitting folds over the training documents
    seed: int = 0  # deals the training documents into the inner folds
    window: int = 2  # first-pass tags of the neighbours within this window
    marginals: bool = True  # the first pass's marginal probability bucket of its tag
    context: bool = True  # labels in clause / sentence, distance to predicted VALUE / YEAR
    document: bool = True  # same word string / same span string elsewhere in the document

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> StackSettings:
        return settings_from_mapping(cls, obj)


# ---------------------------------------------------------------------------------------------
# Second-pass features


def _label(tag: str) -> str:
    return "O" if tag == "O" else tag[2:]


def _marginal_bucket(p: float) -> str:
    return "<.5" if p < 0.5 else "<.8" if p < 0.8 else "<.95" if p < 0.95 else "hi"


@lru_cache(maxsize=1)
def _clause_ends() -> frozenset[str]:
    return frozenset(lists().strong | lists().colon)


def _clauses(keys: Sequence[str]) -> list[int]:
    """Per word (given as its lower-case key): the index of its clause (clauses end after ``;``,
    ``.``, ``:``-like boundaries)."""
    ends = _clause_ends()
    out, k = [], 0
    for key in keys:
        out.append(k)
        if key in ends:
            k += 1
    return out


def _spans_of(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) word ranges of a BIO-like tag sequence (an I without B opens a span)."""
    out: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        if tag == "O":
            continue
        label = tag[2:]
        if tag[0] != "B" and out and out[-1][1] == i and out[-1][2] == label:
            out[-1] = (out[-1][0], i + 1, label)
        else:
            out.append((i, i + 1, label))
    return out


@lru_cache(maxsize=16)
def _window_names(window: int) -> tuple[str, ...]:
    """The names of the first-pass tags within ``window``, left to right."""
    return tuple(f"p1[{d}]" for d in range(-window, window + 1))


def _nearest(marks: Sequence[bool]) -> tuple[list[int], list[int]]:
    """Per word: the distance to the nearest marked word strictly before it and strictly after it
    (0: none), in one sweep each way rather than a scan of every mark for every word."""
    n = len(marks)
    left, right = [0] * n, [0] * n
    last = -1
    for i in range(n):
        if last >= 0:
            left[i] = i - last
        if marks[i]:
            last = i
    last = -1
    for i in range(n - 1, -1, -1):
        if last >= 0:
            right[i] = last - i
        if marks[i]:
            last = i
    return left, right


def _majority_of_others(counts: Counter[str], own: str) -> tuple[str, bool] | None:
    """``dw`` (and whether ``dw:ent`` is set) from a word string's first-pass label counts in the
    document, leaving out the word's own tag; None when no other place has a label."""
    others = counts.copy()
    others[own] -= 1  # the word's own tag is p1[0]: the others only
    total = sum(others.values())
    if total <= 0:
        return None
    label, c = max(others.items(), key=lambda kv: (kv[1], kv[0] != "O", kv[0]))  # a tie goes to a label
    if c <= 0:
        return None
    return f"{label}|{'all' if c == total else 'most' if 2 * c > total else 'some'}", label != "O"


def stack_features(
    words: Sequence[Sequence[str]], first: FirstPass, settings: StackSettings, into: Rows | None = None
) -> list[list[dict[str, Any]]]:
    """The second pass's extra features of one document (``words`` and ``first`` per sentence);
    with ``into`` (base rows made for this one call), added to those rows and returned with them:
    the same dicts as :func:`merged_rows` would make, without building the extra ones first.

    Every row gets its keys in a fixed order (crfsuite sums a word's attribute weights in the
    order given). Work that depends on less than the word is done once: feature names per
    window and sentence, distances in two sweeps, the document-level majority once per (word
    string, own label) of the document."""
    keys = [[lower_key(w) for w in ws] for ws in words]
    labels = [[_label(t) for t in tags] for tags, _ in first]
    out: list[list[dict[str, Any]]] = []
    # document level: first-pass label counts per word string, and the predicted span strings
    word_labels: dict[str, Counter[str]] = defaultdict(Counter)
    span_places: dict[tuple[str, ...], dict[str, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    spans_by_sentence = []
    for k, (ks, ls, (tags, _)) in enumerate(zip(keys, labels, first)):
        for key, label in zip(ks, ls):
            word_labels[key][label] += 1
        spans = _spans_of(tags)
        spans_by_sentence.append(spans)
        for a, b, label in spans:
            if b - a <= 12:
                span_places[tuple(ks[a:b])][label].add((k, a))
    by_first_word: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for seq in span_places:
        by_first_word[seq[0]].append(seq)
    majority: dict[tuple[str, str], tuple[str, bool] | None] = {}
    window = settings.window
    names = _window_names(window)
    width = len(names)
    pad_left, pad_right = ["BOS"] * window, ["EOS"] * window

    for k, (ks, ls, (tags, marg)) in enumerate(zip(keys, labels, first)):
        n = len(ks)
        padded = [*pad_left, *tags, *pad_right]
        rows: list[dict[str, Any]] = [] if into is None else into[k]
        for i in range(n):
            if into is None:
                row = dict(zip(names, padded[i : i + width]))  # padded[i + window] is the word's own tag
                rows.append(row)
            else:
                row = rows[i]
                row.update(zip(names, padded[i : i + width]))
            tag = tags[i]
            row["p1[-1:0]"] = f"{row['p1[-1]']}|{tag}"
            row["p1[0:1]"] = f"{tag}|{row['p1[1]']}"
            if settings.marginals:
                row["p1m"] = f"{tag}|{_marginal_bucket(marg[i])}"
        if settings.context and n:
            clause = _clauses(ks)
            in_sentence = {label for _, _, label in spans_by_sentence[k]}
            in_clause: dict[int, set[str]] = defaultdict(set)
            for a, b, label in spans_by_sentence[k]:
                for c in {clause[a], clause[b - 1]}:
                    in_clause[c].add(label)
            # sorted: a set's order follows PYTHONHASHSEED, and crfsuite sums weights in the order given,
            # so unsorted names made scores differ in their last digits from one process to the next
            sentence_names = [f"s_has:{label}" for label in sorted(in_sentence)]
            clause_names = {c: [f"c_has:{label}" for label in sorted(found)] for c, found in in_clause.items()}
            for i in range(n):
                row = rows[i]
                for name in sentence_names:
                    row[name] = 1.0
                for name in clause_names.get(clause[i], ()):
                    row[name] = 1.0
            for label, name in (("VALUE", "v"), ("YEAR", "y")):
                marks = [x == label for x in ls]
                if not any(marks):
                    continue
                left, right = _nearest(marks)
                left_name, right_name = f"{name}L", f"{name}R"
                for i in range(n):
                    if left[i]:
                        rows[i][left_name] = bucket(left[i])
                    if right[i]:
                        rows[i][right_name] = bucket(right[i])
        if settings.document and n:
            for i, key in enumerate(ks):
                found = majority.get((key, ls[i]), False)
                if found is False:
                    found = majority[(key, ls[i])] = _majority_of_others(word_labels[key], ls[i])
                if found is not None:
                    rows[i]["dw"] = found[0]
                    if found[1]:
                        rows[i]["dw:ent"] = 1.0
            for a in range(n):
                for seq in by_first_word.get(ks[a], ()):
                    b = a + len(seq)
                    if b > n or tuple(ks[a:b]) != seq:
                        continue
                    for label, places in span_places[seq].items():
                        if places - {(k, a)}:  # tagged so at another place of the document
                            for i in range(a, b):
                                rows[i][f"ds:{label}"] = "B" if i == a else "I"
                                rows[i][f"ds:{label}|p1"] = f"{'B' if i == a else 'I'}|{tags[i]}"
        out.append(rows)
    return out


def merged_rows(base: Rows, extra: Sequence[Sequence[dict[str, Any]]]) -> Rows:
    """Base feature rows with the stacking features added (new dicts: the base rows are shared)."""
    return [[{**b, **e} for b, e in zip(bs, es)] for bs, es in zip(base, extra)]


# ---------------------------------------------------------------------------------------------
# First pass, cross-fitting


def first_pass(tagger: CrfTagger, rows: Rows, marginals: bool = True) -> FirstPass:
    """The first CRF's tags of every sentence, with the marginal of each tag (0 when not asked)."""
    model = tagger._model
    out: FirstPass = []
    for row in rows:
        model.set(row)
        tags = model.tag()
        marg = [model.marginal(t, i) for i, t in enumerate(tags)] if marginals else [0.0] * len(tags)
        out.append((list(tags), marg))
    return out


# (training document indices) -> a fitted first-pass tagger
FitFirst = Callable[[Sequence[int]], CrfTagger]


def inner_folds(train: Sequence[int], k: int, seed: int) -> list[list[int]]:
    """The training documents dealt into ``k`` folds (seeded shuffle, then round robin)."""
    if k < 2:
        raise DataError(f"inner_folds must be at least 2, not {k}")
    order = sorted(train)
    random.Random(seed).shuffle(order)
    return [sorted(order[j::k]) for j in range(k)]


def cross_fitted_tags(
    train: Sequence[int],
    rows: Sequence[Rows],
    fit: FitFirst,
    settings: StackSettings,
) -> dict[int, FirstPass]:
    """Each training document's first-pass output from a model fitted on the other inner folds
    only (so never on the document itself)."""
    out: dict[int, FirstPass] = {}
    folds = inner_folds(train, settings.inner_folds, settings.seed)
    for held in folds:
        if not held:
            continue
        rest = [i for i in train if i not in set(held)]
        tagger = fit(rest)
        for i in held:
            out[i] = first_pass(tagger, rows[i], settings.marginals)
    return out


def _words(sentences: Sequence[Sentence]) -> list[list[str]]:
    return [[t.text for t in s.tokens] for s in sentences]


def fit_stacked(
    train: Sequence[int],
    sentences: Sequence[Sequence[Sentence]],
    rows: Sequence[Rows],
    tagged: Sequence[TaggedSentence],
    first_settings: CrfSettings,
    second_settings: CrfSettings,
    stack: StackSettings,
) -> StackedTagger:
    """Cross-fit the first pass over ``train``, fit the second pass on its features, and fit the
    first pass used at prediction time on all of ``train``."""
    keep = set(train)
    used = [t for t in tagged if t.doc_index in keep]

    def fit(docs: Sequence[int]) -> CrfTagger:
        inside = set(docs)
        part = [t for t in used if t.doc_index in inside]
        if not part:
            raise DataError("a cross-fitting fold holds no training sentence inside a labelled region")
        return CrfTagger.fit([rows[t.doc_index][t.sentence_index] for t in part], [list(t.tags) for t in part], first_settings)

    started = time.monotonic()
    crossed = cross_fitted_tags(train, rows, fit, stack)
    log.info("cross-fitted first pass: %.0fs", time.monotonic() - started)
    extra = {i: stack_features(_words(sentences[i]), crossed[i], stack) for i in crossed}
    X = [merged_rows([rows[t.doc_index][t.sentence_index]], [extra[t.doc_index][t.sentence_index]])[0] for t in used]
    second = CrfTagger.fit(X, [list(t.tags) for t in used], second_settings)
    first = fit(train)
    log.info("stacked CRF fitted: %.0fs", time.monotonic() - started)
    return StackedTagger(first, second, stack)


# ---------------------------------------------------------------------------------------------
# The tagger


class StackedTagger(Tagger):
    """The first CRF, the second CRF (whose features include the first's predictions) and the
    stacking settings. Both passes share the base features, so they are computed once."""

    system = SYSTEM

    def __init__(self, first: CrfTagger, second: CrfTagger, stack: StackSettings) -> None:
        if dataclasses.replace(first.settings, c1=0, c2=0, max_iterations=0) != dataclasses.replace(
            second.settings, c1=0, c2=0, max_iterations=0
        ):
            raise DataError("the two passes of a stacked CRF must use the same feature settings")
        self.first, self.second, self.stack = first, second, stack
        self.settings = second.settings
        self.labels = tuple(second.settings.labels)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.second.tags

    def document_spans(self, doc: Document, sentences: Sequence[Sentence], rows: Rows, own_rows: bool = False) -> list[Span]:
        """One document's output spans: the second pass's, through the CRF's own output step
        (``CrfTagger.document_spans``, so ``record_years`` applies here as for the plain CRF), for
        prediction, dev scoring and cross-validation alike. ``own_rows``: the rows were made for
        this call alone, so the stacking features may be added to them in place."""
        first = first_pass(self.first, rows, self.stack.marginals)
        if own_rows:  # the stacking features go straight into the rows, nothing is copied
            merged = stack_features(_words(sentences), first, self.stack, into=rows)
        else:
            merged = merged_rows(rows, stack_features(_words(sentences), first, self.stack))
        return self.second.document_spans(doc, sentences, merged)

    def item_spans(self, doc: Document, sentences: Sequence[Sentence], items: Sequence[Sequence[crfinput.Item]]) -> list[Span]:
        """:meth:`document_spans` from the base features as crfsuite items
        (:func:`plannlp.tag.baselines.crf.sentence_inputs`): the first pass reads them as they
        are, the second pass each word's item followed by its stacking features' attributes
        (:func:`plannlp.tag.baselines.crfinput.with_row`), which is what python-crfsuite makes
        of the merged dict rows, in the same order (``tests/test_tag_baselines_stacked.py``)."""
        first = first_pass(self.first, items, self.stack.marginals)
        extra = stack_features(_words(sentences), first, self.stack)
        with_row = crfinput.with_row
        merged = [[with_row(x, e) for x, e in zip(xs, es)] for xs, es in zip(items, extra)]
        return self.second.document_spans(doc, sentences, merged)

    def predict_spans(self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]) -> list[list[Span]]:
        """Prediction: the base features as attribute strings (both passes share them; the two
        passes' feature settings are the same, checked at construction), or as dict rows for the
        feature sets that have no string form. Training and cross-validation use the dict rows."""
        if dict_rows_only(self.settings):
            return [
                self.document_spans(
                    doc, sents, sentence_features(doc.text, sents, self.settings, None, lexicon=self.first.lexicon), own_rows=True
                )
                for doc, sents in zip(docs, sentences)
            ]
        return [
            self.item_spans(doc, sents, sentence_inputs(doc.text, sents, self.settings, None, self.first.lexicon))
            for doc, sents in zip(docs, sentences)
        ]

    def settings_json(self) -> dict[str, Any]:
        return {"first": self.first.settings.to_json(), "second": self.second.settings.to_json(), "stack": self.stack.to_json()}

    def save_files(self, directory: Path) -> dict[str, str]:
        for name, tagger in ((FIRST_FILE, self.first), (SECOND_FILE, self.second)):
            with atomic_writer(directory / name, binary=True) as fh:
                fh.write(tagger.model_bytes)
        files = {"first": FIRST_FILE, "second": SECOND_FILE}
        if self.first.lexicon is not None:  # pos: lexicon (both passes read the same one)
            files.update(save_lexicon(directory, self.first.lexicon))
        return files

    @classmethod
    def from_record(cls, directory: Path, record: RunRecord) -> StackedTagger:
        record.expect(SYSTEM, directory)
        settings = dict(record.settings)
        # (a model saved before the stacked CRF kept its lexicon reads the package's)
        lexicon = load_lexicon(directory, record) if LEXICON_ROLE in record.files else None
        first_settings, second_settings = (CrfSettings.from_json(dict(settings[k])) for k in ("first", "second"))
        first = CrfTagger(record.file(directory, "first").read_bytes(), first_settings, None, lexicon)
        second = CrfTagger(record.file(directory, "second").read_bytes(), second_settings, None, lexicon)
        return cls(first, second, StackSettings.from_json(dict(settings.get("stack") or {})))


# ---------------------------------------------------------------------------------------------
# Settings from a config, training, cross-validation

# The keys of a ``system: crf-stacked`` config: the CRF's (both passes) and those settings_of
# reads; ``stack`` holds StackSettings fields but inner_folds, which is a key of its own.
CONFIG_KEYS = (*CRF_CONFIG_KEYS, "inner_folds", "first_max_iterations", "stack")
STACK_KEYS = tuple(f.name for f in dataclasses.fields(StackSettings) if f.name != "inner_folds")


def check_config(config: dict[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: crf-stacked`` config, or of its ``stack``, that no reader
    knows (train_from_config and StackedFolds both call it)."""
    check_keys(config, CONFIG_KEYS, config_path)
    check_keys(config.get("stack") or {}, STACK_KEYS, config_path, "stack")


def settings_of(config: dict[str, Any], labels: tuple[str, ...]) -> tuple[CrfSettings, CrfSettings, StackSettings]:
    """(first pass, second pass, stacking) settings of a ``system: crf-stacked`` config: the CRF
    keys as for ``crf`` (one c1 and c2), ``first_max_iterations`` for the first pass (the
    second's ``max_iterations`` when absent), ``inner_folds`` and ``stack`` (StackSettings fields)."""
    if "clusters" in config and config["clusters"]:
        raise DataError("the stacked CRF does not take word clusters")
    second = single_settings(config, labels, "the stacked CRF")
    first = dataclasses.replace(second, max_iterations=int(config.get("first_max_iterations", second.max_iterations)))
    stack = StackSettings.from_json({**dict(config.get("stack") or {}), "inner_folds": int(config.get("inner_folds", 2))})
    return first, second, stack


@dataclass
class Prepared:
    """Documents segmented and featurised once (base features), with their training sentences."""

    docs: list[Document]
    sentences: list[tuple[Sentence, ...]]
    rows: list[Rows]
    tagged: list[TaggedSentence]
    counts: SentenceCounts


def prepare(docs: Sequence[Document], settings: CrfSettings) -> Prepared:
    sentences, rows = [], []
    for doc in docs:
        sents, pos = analysed(doc.text, settings.pos)  # cached on disk: reruns skip underthesea
        sentences.append(sents)
        rows.append(sentence_features(doc.text, sents, settings, None, pos))
    counts = SentenceCounts()
    tagged = tagged_sentences(list(docs), sentences, settings.scheme, counts, settings.labels)
    return Prepared(list(docs), sentences, rows, tagged, counts)


class StackedFolds:
    """Cross-validation of the stacked CRF: the cross-fitting runs inside each outer training part."""

    def __init__(self, config: dict[str, Any], config_path: Path | None) -> None:
        check_config(config, config_path)
        self.first, self.second, self.stack = settings_of(config, tuple(config.get("labels") or LABELS))

    def prepare(self, docs: Sequence[Document]) -> None:
        self.data = prepare(docs, self.second)

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        d = self.data
        tagger = fit_stacked(train, d.sentences, d.rows, d.tagged, self.first, self.second, self.stack)
        return [
            Document(d.docs[i].id, d.docs[i].text, tuple(tagger.document_spans(d.docs[i], d.sentences[i], d.rows[i])), meta=d.docs[i].meta)
            for i in test
        ]


def stacked_folds(config: dict[str, Any], config_path: Path | None) -> StackedFolds:
    return StackedFolds(config, config_path)


def train_from_config(config: dict[str, Any], config_path: Path, scorer: Scorer | None = None) -> Path:
    """Fit the stacked CRF on the training files, report dev strict micro F1, save both passes."""
    scorer, labels = training_setup(config, check_config, config_path, scorer)
    first_settings, second_settings, stack = settings_of(config, labels)
    out_dir = Path(config.get("output_dir") or "models/crf-stacked")
    started = time.monotonic()
    files = config.get("train_file")
    files = files if isinstance(files, list) else [files]
    train_docs = [d for f in files for d in read_split(f, "train")]
    dev_docs = read_split(config.get("dev_file"), "dev")
    data = prepare(train_docs, second_settings)
    if not data.tagged:
        raise DataError(f"{config.get('train_file')}: no training sentence lies inside a labelled region")
    featurise_s = time.monotonic() - started
    tagger = fit_stacked(range(len(train_docs)), data.sentences, data.rows, data.tagged, first_settings, second_settings, stack)
    dev = prepare(dev_docs, second_settings)
    predicted = [
        Document(doc.id, doc.text, tuple(tagger.document_spans(doc, s, r)), meta=doc.meta)
        for doc, s, r in zip(dev.docs, dev.sentences, dev.rows)
    ]
    dev_score = scorer(dev_docs, predicted)
    summary = {
        "dev_strict_micro_f1": dev_score,
        "train_counts": dataclasses.asdict(data.counts),
        "featurise_s": round(featurise_s, 1),
        "total_s": round(time.monotonic() - started, 1),
    }
    resolved = {
        "system": SYSTEM,
        **{k: v for k, v in config.items() if k != "system"},
        "output_dir": str(out_dir),
        "labels": list(labels),
        "selection_metric": config.get("selection_metric", SELECTION_METRIC),
    }
    tagger.save(
        out_dir,
        config=resolved,
        metrics=summary,
        data=data_checksums(**{f"train{i or ''}": f for i, f in enumerate(files)}, dev=config.get("dev_file")),
    )
    log.info("saved %s (dev strict micro F1 %.4f)", out_dir, dev_score)
    return out_dir
