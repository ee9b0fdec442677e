"""Document type: is a page a health plan with targets, a health news report about one, or neither?

The model is TF-IDF over words or syllable n-grams, optionally with a few document features
(densities of target cues, health terms, official-document form and news form; patterns in
``resources/doctype_cues.json``), and a multinomial logistic regression (scikit-learn for training
and cross-validation). It is saved as data only — vocabulary, idf, weights as JSON — and scored here
with numpy, so loading a model never runs pickled code.

Layout of a model directory (``models/doctype/``)::

    model.json      tokenizer settings, vocabulary, idf, coef, intercept, classes
    plannlp.json    run record (plannlp.runrecord): settings, classes, data checksum, CV metrics
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
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.data import DataError
from plannlp.io import MODELS_ROOT, atomic_writer, utf8_lines
from plannlp.runrecord import RunRecord, code_revision, data_checksums
from plannlp.text import nfc

CLASSES = ("health-plan", "health-news", "other")
KEEP_DEFAULT = ("health-plan", "health-news")  # what `plannlp watch` tags
MODEL_FILE = "model.json"
RUN_FILE = "plannlp.json"
DEFAULT_MODEL = MODELS_ROOT / "doctype"
MAX_CHARS = 6000  # a page's type shows in its title and opening; long annexes add only noise and time
_SYLLABLE = re.compile(r"\w+", re.UNICODE)
FEATURES = ("target", "health", "official", "news", "health_x_target")


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


@lru_cache(maxsize=1)
def _cues() -> dict[str, list[re.Pattern[str]]]:
    from importlib import resources

    root = resources.files("plannlp").joinpath("resources")
    spec = json.loads(root.joinpath("doctype_cues.json").read_text(encoding="utf-8"))
    terms = [t.strip() for t in root.joinpath("health_terms.txt").read_text(encoding="utf-8").splitlines()
             if t.strip() and not t.startswith("#")]
    out = {k: [re.compile(p, re.MULTILINE) for p in v] for k, v in spec.items() if not k.startswith("_")}
    out["health"] += [re.compile(r"\b" + re.escape(nfc(t).lower()) + r"\b") for t in terms]
    return out


def doc_features(text: str) -> np.ndarray:
    """log(1 + matches per 1,000 characters) of each cue family over the text the model reads, and
    the product of the health and target densities (a health plan needs both)."""
    text = _normalise(text)
    per_k = 1000.0 / max(len(text), 1)
    cues = _cues()
    dens = {k: math.log1p(sum(len(p.findall(text)) for p in cues[k]) * per_k)
            for k in ("target", "health", "official", "news")}
    dens["health_x_target"] = dens["health"] * dens["target"]
    return np.array([dens[f] for f in FEATURES])


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
        self.features: list[str] = list(spec.get("features", []))
        self.feature_weight = float(spec.get("feature_weight", 0.0))
        if self.features and tuple(self.features) != FEATURES:
            raise DataError(f"doctype model: unknown document features {self.features}")
        if self.coef.shape != (len(self.classes), len(self.idf) + len(self.features)):
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
        x = x / norm if norm > 0 else x
        if self.features:
            x = np.concatenate([x, self.feature_weight * doc_features(text)])
        return x

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
    lines = [l for l in utf8_lines(path).read().splitlines() if l and not l.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t")
    missing = [c for c in ("doc", "label") if c not in (rows.fieldnames or ())]
    if missing:  # a CSV, or another table, named as the labels: once a KeyError traceback
        raise DataError(f"{path}: not a document label table (tab-separated, a header with doc and label); no {' or '.join(missing)} column")
    out = []
    for lineno, row in enumerate(rows, start=2):
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


# The settings cross-validation chooses among: tokenizer, longest n-gram, inverse regularisation,
# and the weight of the document features (0: TF-IDF alone).
GRID = [
    {"tokenizer": tok, "ngram_max": n, "C": c, "features": w}
    for tok in ("syllable", "word")
    for n in (1, 2)
    for c in (1.0, 10.0, 100.0)
    for w in (0.0, 0.5)
]


def near_duplicate_groups(texts: Sequence[str], threshold: float = 0.5, chars: int = 3000) -> list[int]:
    """A group id a document: documents whose opening ``chars`` share at least ``threshold`` of their
    syllable 5-gram shingles (Jaccard), directly or through others, get one id, so that
    cross-validation never trains on one copy of a page and tests on another."""
    shingles = []
    for t in texts:
        toks = _SYLLABLE.findall(_normalise(t[:chars]))
        shingles.append({" ".join(toks[i : i + 5]) for i in range(max(len(toks) - 4, 1))})
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = shingles[i], shingles[j]
            if a and b and len(a & b) >= threshold * len(a | b):
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(texts))]


class _Fitted:
    """TF-IDF (+ weighted document features) and logistic regression, fitted with scikit-learn."""

    def __init__(self, setting: dict[str, Any], seed: int):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.weight = float(setting.get("features", 0.0))
        # The documents are pre-tokenised; the vectorizer only counts and weights.
        self.vec = TfidfVectorizer(analyzer=lambda toks: ngrams(toks, setting["ngram_max"]),
                                   sublinear_tf=True, min_df=2, max_features=30000, norm="l2")
        # balanced weights: a handful of plans among hundreds of other pages must still count
        self.clf = LogisticRegression(C=setting["C"], class_weight="balanced", max_iter=3000, random_state=seed)

    def _matrix(self, toks, feats, fit: bool):
        from scipy.sparse import csr_matrix, hstack

        x = self.vec.fit_transform(toks) if fit else self.vec.transform(toks)
        return hstack([x, csr_matrix(self.weight * feats)]).tocsr() if self.weight else x

    def fit(self, toks, feats, y) -> _Fitted:
        self.clf.fit(self._matrix(toks, feats, True), y)
        return self

    def predict(self, toks, feats):
        return self.clf.predict(self._matrix(toks, feats, False))


def scores(y: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1, macro F1, the confusion matrix (rows gold, columns predicted, in
    CLASSES order) and the binary "health" figures (plan or news against other)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y, pred = np.asarray(y), np.asarray(pred)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(CLASSES), zero_division=0)
    per_class = {c: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                     "f1": round(float(f[i]), 3), "support": int(s[i])} for i, c in enumerate(CLASSES)}
    yb, pb = y != "other", pred != "other"
    hp, hr, hf, _ = precision_recall_fscore_support(yb, pb, average="binary", zero_division=0)
    return {"per_class": per_class, "macro_f1": round(float(np.mean(f)), 3),
            "confusion": {"classes": list(CLASSES),
                          "matrix": confusion_matrix(y, pred, labels=list(CLASSES)).tolist()},
            "health_any": {"precision": round(float(hp), 3), "recall": round(float(hr), 3), "f1": round(float(hf), 3),
                           "support": int(yb.sum())}}


def cross_validate(
    texts_by_tok: dict[str, list[list[str]]], feats: np.ndarray, labels: Sequence[str], setting: dict[str, Any],
    folds: int, seed: int, groups: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Out-of-fold predictions for one setting (stratified folds; near-duplicates kept in one fold
    when ``groups`` is given) and their :func:`scores`."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(labels)
    X = texts_by_tok[setting["tokenizer"]]
    pred = np.empty(len(y), dtype=object)
    groups = list(groups) if groups is not None else list(range(len(y)))
    skf = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in skf.split(np.zeros(len(y)), y, groups):
        model = _Fitted(setting, seed).fit([X[i] for i in train], feats[train], y[train])
        pred[test] = model.predict([X[i] for i in test], feats[test])
    return {**scores(y, pred), "predictions": [str(x) for x in pred]}


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
    """Choose a setting by cross-validated macro F1 (grouped stratified folds), refit on all labelled
    documents, write ``model.json`` and the run record; return the run record as JSON."""

    docs = read_labels(labels_path, corpus_dir, shared_dir)
    if len({d.label for d in docs}) < 2:
        raise DataError("need at least two labels to train a document classifier")
    texts = [d.path.read_text(encoding="utf-8", errors="replace") for d in docs]
    y = [d.label for d in docs]
    needed = {s["tokenizer"] for s in grid}
    texts_by_tok = {tok: [tokens(t, tok) for t in texts] for tok in needed}
    feats = np.vstack([doc_features(t) for t in texts])
    groups = near_duplicate_groups(texts)
    results = []
    for setting in grid:
        cv = cross_validate(texts_by_tok, feats, y, setting, folds, seed, groups)
        results.append((setting, cv))
        if progress:
            print(f"{setting}: macro F1 {cv['macro_f1']}, health-plan F1 {cv['per_class']['health-plan']['f1']}, "
                  f"health-news F1 {cv['per_class']['health-news']['f1']}, "
                  f"health (plan or news) F1 {cv['health_any']['f1']}", flush=True)
    # ties on macro F1 go to the earlier setting in grid order (syllables, unigrams, smaller C, no features)
    best_setting, best_cv = max(results, key=lambda r: r[1]["macro_f1"])
    model = _Fitted(best_setting, seed).fit(texts_by_tok[best_setting["tokenizer"]], feats, y)
    vec, clf = model.vec, model.clf
    weight = float(best_setting.get("features", 0.0))
    spec = {
        "name": "doctype-tfidf-logreg",
        "tokenizer": best_setting["tokenizer"],
        "ngram_max": best_setting["ngram_max"],
        "sublinear_tf": True,
        "max_chars": MAX_CHARS,
        "classes": [str(c) for c in clf.classes_],
        "vocabulary": {term: int(i) for term, i in vec.vocabulary_.items()},
        "idf": [round(float(v), 6) for v in vec.idf_],
        "features": list(FEATURES) if weight else [],
        "feature_weight": weight,
        "coef": [[round(float(v), 6) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 6) for v in clf.intercept_],
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_writer(out_dir / MODEL_FILE) as fh:
        json.dump(spec, fh, ensure_ascii=False, separators=(",", ":"))
    n_groups = len(set(groups))
    record = RunRecord(
        system="doctype-tfidf-logreg",
        settings={**best_setting, "seed": seed, "class_weight": "balanced", "min_df": 2, "max_features": 30000,
                  "max_chars": MAX_CHARS, "document_features": list(FEATURES) if weight else []},
        labels=CLASSES,
        tags=tuple(spec["classes"]),
        files={"model": MODEL_FILE},
        code_revision=code_revision(),
        data={**data_checksums(labels=labels_path), "documents": {"path": str(corpus_dir), "checksum": data_checksum(docs)}},
        config={"labels": str(labels_path), "folds": folds, "seed": seed, "selection_metric": "cv_macro_f1",
                "cv": "StratifiedGroupKFold; groups: near-duplicate openings (syllable 5-gram Jaccard >= 0.5)",
                "grid": [dict(s) for s in grid]},
        metrics={"cv_macro_f1": best_cv["macro_f1"], "cv_health_plan_f1": best_cv["per_class"]["health-plan"]["f1"],
                 "cv_health_news_f1": best_cv["per_class"]["health-news"]["f1"],
                 "cv_health_any_f1": best_cv["health_any"]["f1"],
                 "counts": {c: y.count(c) for c in CLASSES}, "documents": len(docs), "near_duplicate_groups": n_groups,
                 "cv": {k: v for k, v in best_cv.items() if k != "predictions"},
                 "grid": [{**s, "macro_f1": cv["macro_f1"], "health_plan_f1": cv["per_class"]["health-plan"]["f1"],
                           "health_news_f1": cv["per_class"]["health-news"]["f1"],
                           "health_any_f1": cv["health_any"]["f1"]} for s, cv in results],
                 "cv_errors": [{"doc": d.doc, "label": lab, "predicted": pr}
                               for d, lab, pr in zip(docs, y, best_cv["predictions"]) if lab != pr]},
    )
    record.write(out_dir)
    return record.to_json()
