"""Document type: is a page a health plan with targets, a health news report about one, or neither?

The model is TF-IDF over words or syllable n-grams with a multinomial logistic regression
(scikit-learn for training and cross-validation). It is saved as data only — vocabulary, idf,
weights as JSON — and scored here with numpy, so loading a model never runs pickled code.

Layout of a model directory (``models/doctype/``)::

    model.json      tokenizer settings, vocabulary, idf, coef, intercept, classes
    plannlp.json    run record: system, settings, labels, data checksum, CV metrics
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.data import DataError
from plannlp.text import nfc

CLASSES = ("health-plan", "health-news", "other")
KEEP_DEFAULT = ("health-plan", "health-news")  # what `plannlp watch` tags
MODEL_FILE = "model.json"
RUN_FILE = "plannlp.json"
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "doctype"
MAX_CHARS = 6000  # a page's type shows in its title and opening; long annexes add only noise and time
_SYLLABLE = re.compile(r"\w+", re.UNICODE)


def _normalise(text: str) -> str:
    return nfc(text[:MAX_CHARS]).lower()


def tokens(text: str, tokenizer: str) -> list[str]:
    """Tokens of a document: ``syllable`` (regex, fast) or ``word`` (underthesea word segmentation)."""
    text = _normalise(text)
    if tokenizer == "syllable":
        return _SYLLABLE.findall(text)
    if tokenizer == "word":
        from underthesea import word_tokenize

        return [w.replace(" ", "_") for w in word_tokenize(text) if _SYLLABLE.search(w)]
    raise ValueError(f"unknown tokenizer {tokenizer!r}; expected syllable or word")


def ngrams(toks: Sequence[str], n_max: int) -> list[str]:
    out = list(toks)
    for n in range(2, n_max + 1):
        out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    return out


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float  # probability of ``label``
    scores: dict[str, float]


class DocTypeModel:
    """A trained model read from JSON; :meth:`predict` needs numpy only."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.tokenizer = spec["tokenizer"]
        self.ngram_max = int(spec["ngram_max"])
        self.sublinear_tf = bool(spec["sublinear_tf"])
        self.vocabulary: dict[str, int] = spec["vocabulary"]
        self.idf = np.asarray(spec["idf"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        self.classes: list[str] = list(spec["classes"])
        if self.coef.shape != (len(self.classes), len(self.idf)):
            raise DataError("doctype model: coef shape does not match classes and vocabulary")

    @classmethod
    def load(cls, directory: str | Path | None = None) -> DocTypeModel:
        directory = Path(directory) if directory is not None else DEFAULT_MODEL
        path = directory / MODEL_FILE
        if not path.is_file():
            raise DataError(f"{path}: no doctype model (train one with `plannlp doctype train`)")
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @property
    def name(self) -> str:
        return self.spec.get("name", "doctype")

    def vector(self, text: str) -> np.ndarray:
        """The TF-IDF vector (l2-normalised), as scikit-learn's TfidfVectorizer computes it."""
        counts = Counter(
            self.vocabulary[g] for g in ngrams(tokens(text, self.tokenizer), self.ngram_max) if g in self.vocabulary
        )
        x = np.zeros(len(self.idf))
        for j, c in counts.items():
            x[j] = (1.0 + math.log(c)) if self.sublinear_tf else c
        x *= self.idf
        norm = np.linalg.norm(x)
        return x / norm if norm > 0 else x

    def predict(self, text: str) -> Prediction:
        logits = self.coef @ self.vector(text) + self.intercept
        p = np.exp(logits - logits.max())
        p /= p.sum()
        best = int(p.argmax())
        return Prediction(self.classes[best], float(p[best]), {c: float(v) for c, v in zip(self.classes, p)})


# --------------------------------------------------------------------------- labels and training


@dataclass(frozen=True)
class LabelledDoc:
    doc: str
    label: str
    path: Path


def read_labels(path: str | Path, corpus_dir: str | Path, shared_dir: str | Path | None) -> list[LabelledDoc]:
    """Rows of ``corpus/doclabels.tsv`` with the file each one names (corpus clean text first)."""
    path, corpus_dir = Path(path), Path(corpus_dir)
    shared_dir = Path(shared_dir) if shared_dir else None
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]
    out = []
    for lineno, row in enumerate(csv.DictReader(lines, delimiter="\t"), start=2):
        label = row["label"]
        if label not in CLASSES:
            raise DataError(f"{path}: row {lineno}: unknown label {label!r}")
        doc = row["doc"]
        if doc.startswith("shared/plans/"):
            if shared_dir is None:
                continue
            file = shared_dir / doc.removeprefix("shared/plans/")
        elif doc.startswith("doctype/"):  # kept for the classifier only: corpus/doctype/<name>.md
            file = corpus_dir / "doctype" / f"{doc.removeprefix('doctype/')}.md"
        else:
            file = corpus_dir / "clean" / f"{doc}.txt"
        if not file.is_file():
            raise DataError(f"{path}: row {lineno}: {file} not found")
        out.append(LabelledDoc(doc, label, file))
    return out


def data_checksum(docs: Iterable[LabelledDoc]) -> str:
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc):
        h.update(f"{d.doc}\t{d.label}\t".encode())
        h.update(hashlib.sha256(d.path.read_bytes()).digest())
    return "sha256:" + h.hexdigest()


# The settings cross-validation chooses among: tokenizer, longest n-gram, inverse regularisation.
GRID = [
    {"tokenizer": tok, "ngram_max": n, "C": c}
    for tok in ("syllable", "word")
    for n in (1, 2)
    for c in (1.0, 10.0, 100.0)
]


def _vectorizer(setting: dict[str, Any]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    # The documents are pre-tokenised (see _analyse); the vectorizer only counts and weights.
    return TfidfVectorizer(
        analyzer=lambda toks: ngrams(toks, setting["ngram_max"]),
        sublinear_tf=True, min_df=2, max_features=30000, norm="l2",
    )


def _classifier(setting: dict[str, Any], seed: int):
    from sklearn.linear_model import LogisticRegression

    # balanced weights: a handful of plans among hundreds of other pages must still count
    return LogisticRegression(C=setting["C"], class_weight="balanced", max_iter=2000, random_state=seed)


def cross_validate(
    texts_by_tok: dict[str, list[list[str]]], labels: Sequence[str], setting: dict[str, Any], folds: int, seed: int
) -> dict[str, Any]:
    """Out-of-fold predictions for one setting; per-class precision/recall/F1 and the binary
    "health" (plan or news) figures."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    y = np.asarray(labels)
    X = texts_by_tok[setting["tokenizer"]]
    pred = np.empty(len(y), dtype=object)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in skf.split(np.zeros(len(y)), y):
        pipe = make_pipeline(_vectorizer(setting), _classifier(setting, seed))
        pipe.fit([X[i] for i in train], y[train])
        pred[test] = pipe.predict([X[i] for i in test])
    per_class = {}
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(CLASSES), zero_division=0)
    for i, c in enumerate(CLASSES):
        per_class[c] = {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                        "f1": round(float(f[i]), 3), "support": int(s[i])}
    yb, pb = y != "other", pred != "other"
    hp, hr, hf, _ = precision_recall_fscore_support(yb, pb, average="binary", zero_division=0)
    macro = float(np.mean([per_class[c]["f1"] for c in CLASSES]))
    return {"per_class": per_class, "macro_f1": round(macro, 3),
            "health_any": {"precision": round(float(hp), 3), "recall": round(float(hr), 3), "f1": round(float(hf), 3),
                           "support": int(yb.sum())},
            "predictions": [str(x) for x in pred]}


def train(
    labels_path: str | Path,
    corpus_dir: str | Path,
    shared_dir: str | Path | None,
    out_dir: str | Path,
    *,
    folds: int = 5,
    seed: int = 13,
    grid: Sequence[dict[str, Any]] = GRID,
    progress: bool = False,
) -> dict[str, Any]:
    """Choose a setting by cross-validated macro F1, refit on all labelled documents, write the model."""
    from sklearn.pipeline import make_pipeline

    docs = read_labels(labels_path, corpus_dir, shared_dir)
    if len({d.label for d in docs}) < 2:
        raise DataError("need at least two labels to train a document classifier")
    texts = [d.path.read_text(encoding="utf-8", errors="replace") for d in docs]
    y = [d.label for d in docs]
    needed = {s["tokenizer"] for s in grid}
    texts_by_tok = {tok: [tokens(t, tok) for t in texts] for tok in needed}
    results = []
    for setting in grid:
        cv = cross_validate(texts_by_tok, y, setting, folds, seed)
        results.append((setting, cv))
        if progress:
            print(f"{setting}: macro F1 {cv['macro_f1']}, health-plan F1 {cv['per_class']['health-plan']['f1']}, "
                  f"health (plan or news) F1 {cv['health_any']['f1']}")
    # ties on macro F1 go to the simpler setting (grid order: syllables, unigrams, smaller C first)
    best_setting, best_cv = max(results, key=lambda r: r[1]["macro_f1"])
    pipe = make_pipeline(_vectorizer(best_setting), _classifier(best_setting, seed))
    pipe.fit(texts_by_tok[best_setting["tokenizer"]], y)
    vec, clf = pipe[0], pipe[1]
    vocab = {term: int(i) for term, i in vec.vocabulary_.items()}
    spec = {
        "name": "doctype-tfidf-logreg",
        "tokenizer": best_setting["tokenizer"],
        "ngram_max": best_setting["ngram_max"],
        "sublinear_tf": True,
        "max_chars": MAX_CHARS,
        "classes": [str(c) for c in clf.classes_],
        "vocabulary": vocab,
        "idf": [round(float(v), 6) for v in vec.idf_],
        "coef": [[round(float(v), 6) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 6) for v in clf.intercept_],
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from plannlp.io import atomic_writer

    with atomic_writer(out_dir / MODEL_FILE) as fh:
        json.dump(spec, fh, ensure_ascii=False, separators=(",", ":"))
    run = {
        "system": "doctype-tfidf-logreg",
        "settings": {**best_setting, "folds": folds, "seed": seed, "class_weight": "balanced",
                     "min_df": 2, "max_features": 30000, "max_chars": MAX_CHARS},
        "labels": {c: y.count(c) for c in CLASSES},
        "labels_file": str(labels_path),
        "data_checksum": data_checksum(docs),
        "cv": {k: v for k, v in best_cv.items() if k != "predictions"},
        "grid": [{**s, "macro_f1": cv["macro_f1"], "health_plan_f1": cv["per_class"]["health-plan"]["f1"],
                  "health_any_f1": cv["health_any"]["f1"]} for s, cv in results],
    }
    with atomic_writer(out_dir / RUN_FILE) as fh:
        json.dump(run, fh, ensure_ascii=False, indent=2)
    return run
