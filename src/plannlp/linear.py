"""Sparse linear models stored as data: a feature name -> one weight per class.

The agency-role classifier and the target-agency linker are logistic regressions over named
features (scikit-learn fits them); what a model folder keeps is the weight table as JSON, so
loading a shared model never runs code, and predicting needs no scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from plannlp.data import DataError


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass(frozen=True)
class LinearModel:
    """``weights[feature][k]`` scores ``classes[k]``; the ``bias`` feature is always on."""

    classes: tuple[str, ...]
    weights: Mapping[str, Sequence[float]]

    def probabilities(self, feats: Mapping[str, float]) -> list[float]:
        scores = list(self.weights.get("bias", [0.0] * len(self.classes)))
        for name, value in feats.items():
            row = self.weights.get(name)
            if row is not None and name != "bias":
                for k, w in enumerate(row):
                    scores[k] += w * value
        return _softmax(scores)

    def probability(self, feats: Mapping[str, float], cls: str) -> float:
        return self.probabilities(feats)[self.classes.index(cls)]

    def best(self, feats: Mapping[str, float]) -> str:
        probs = self.probabilities(feats)
        return self.classes[max(range(len(probs)), key=probs.__getitem__)]

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "weights": {k: [round(w, 6) for w in v] for k, v in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "linear model", allowed: Sequence[str] | None = None) -> LinearModel:
        if not isinstance(obj, Mapping):
            raise DataError(f"{where}: a linear model is a JSON object")
        classes = tuple(obj.get("classes", ()))
        if len(classes) < 2 or (allowed is not None and set(classes) - set(allowed)):
            raise DataError(f"{where}: classes must be at least two of {tuple(allowed or ())}, got {classes}")
        weights = obj.get("weights", {})
        if not isinstance(weights, Mapping) or not all(
            isinstance(v, list) and len(v) == len(classes) and all(isinstance(w, (int, float)) for w in v)
            for v in weights.values()
        ):
            raise DataError(f"{where}: every weight row needs one number per class")
        return cls(classes, dict(weights))


def fit_linear(
    X: Sequence[Mapping[str, float]], y: Sequence[str], c: float = 1.0, seed: int = 0, balanced: bool = False
) -> LinearModel:
    """A logistic regression (scikit-learn) over named features, as a :class:`LinearModel`."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        raise DataError("a linear model needs examples of at least two classes")
    vec = DictVectorizer()
    matrix = vec.fit_transform(X)
    model = LogisticRegression(C=c, max_iter=3000, random_state=seed, class_weight="balanced" if balanced else None)
    model.fit(matrix, list(y))
    classes = tuple(str(k) for k in model.classes_)
    if len(classes) == 2:  # sklearn keeps one row for two classes: spread it as -w/2, +w/2
        coef = [[-w / 2 for w in model.coef_[0]], [w / 2 for w in model.coef_[0]]]
        intercept = [-model.intercept_[0] / 2, model.intercept_[0] / 2]
    else:
        coef = model.coef_
        intercept = list(model.intercept_)
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(vec.feature_names_):
        row = [float(coef[k][j]) for k in range(len(classes))]
        if any(abs(w) > 1e-6 for w in row):
            weights[name] = row
    bias = weights.get("bias", [0.0] * len(classes))
    weights["bias"] = [b + float(i) for b, i in zip(bias, intercept)]
    return LinearModel(classes, weights)


_T = TypeVar("_T")


def shuffled_folds(items: Sequence[_T], folds: int, seed: int) -> Iterator[tuple[list[_T], list[_T]]]:
    """``(held out, rest)`` for each of ``folds`` folds: round-robin over a seeded shuffle, so each
    item is held out once and reruns with the same seed give the same folds."""
    import random

    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    for k in range(folds):
        yield (
            [items[i] for n, i in enumerate(order) if n % folds == k],
            [items[i] for n, i in enumerate(order) if n % folds != k],
        )
