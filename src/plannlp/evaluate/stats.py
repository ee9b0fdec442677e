"""Resampling over documents: bootstrap confidence intervals and paired significance tests.

Everything works on per-document count arrays of shape ``(n_documents, 3)`` (tp, fp, fn), so a
resample is a weighted sum of rows and micro F1 is recomputed from the summed counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from plannlp.evaluate.metrics import PRF

_CHUNK = 1000  # resamples per matrix product, to bound memory on large corpora


def counts_array(scores: Sequence[PRF]) -> np.ndarray:
    return np.array([[s.tp, s.fp, s.fn] for s in scores], dtype=float).reshape(-1, 3)


def f1_of(counts: np.ndarray) -> np.ndarray:
    """F1 of summed counts ``[..., 3]``; 0 where nothing was predicted or expected."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def precision_of(counts: np.ndarray) -> np.ndarray:
    tp, fp = counts[..., 0], counts[..., 1]
    return np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)


def recall_of(counts: np.ndarray) -> np.ndarray:
    tp, fn = counts[..., 0], counts[..., 2]
    return np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn > 0)


def bootstrap_weights(n_documents: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n_documents)``: how often each document is drawn in each resample
    (drawing n documents with replacement is a multinomial over documents)."""
    rng = np.random.default_rng(seed)
    if n_documents == 0:
        return np.zeros((resamples, 0))
    return rng.multinomial(n_documents, np.full(n_documents, 1 / n_documents), size=resamples).astype(float)


def percentile_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Whether system A beats system B on micro F1 over the same documents.

    ``p_bootstrap``: paired bootstrap (Berg-Kirkpatrick et al., 2012), one-sided: the share of
    resamples whose difference exceeds twice the observed one (H1: A is better than B).
    ``p_randomisation``: approximate randomisation, two-sided: the share of rounds, each
    swapping every document's predictions between A and B with probability 1/2, whose absolute
    difference reaches the observed one. Both add one to numerator and denominator (the observed
    data counts as one draw), so p is never 0.
    """

    f1_a: float
    f1_b: float
    p_bootstrap: float
    p_randomisation: float
    rounds: int
    seed: int
    n_documents: int

    @property
    def delta(self) -> float:
        return self.f1_a - self.f1_b

    def to_json(self) -> dict[str, float | int]:
        return {
            "f1_a": self.f1_a,
            "f1_b": self.f1_b,
            "delta": self.delta,
            "p_bootstrap": self.p_bootstrap,
            "p_randomisation": self.p_randomisation,
            "rounds": self.rounds,
            "seed": self.seed,
            "n_documents": self.n_documents,
        }


def compare_counts(a: np.ndarray, b: np.ndarray, *, rounds: int = 10_000, seed: int = 0) -> Comparison:
    """Paired tests on per-document counts of two systems (same documents, same order)."""
    if a.shape != b.shape:
        raise ValueError(f"systems scored on different documents: {a.shape[0]} vs {b.shape[0]}")
    if rounds < 1:
        raise ValueError("the number of rounds must be positive")
    n = a.shape[0]
    f1_a, f1_b = float(f1_of(a.sum(0))), float(f1_of(b.sum(0)))
    observed = f1_a - f1_b
    rng = np.random.default_rng(seed)
    beyond_bootstrap = beyond_randomisation = 0
    difference = a - b
    for done in range(0, rounds, _CHUNK):
        size = min(_CHUNK, rounds - done)
        weights = rng.multinomial(n, np.full(n, 1 / n), size=size).astype(float) if n else np.zeros((size, 0))
        deltas = f1_of(weights @ a) - f1_of(weights @ b)
        beyond_bootstrap += int(np.sum(deltas - observed >= observed - 1e-12))
        swaps = (rng.random((size, n)) < 0.5).astype(float)
        # Swapping document d moves its counts from A to B and back: A' = A - swaps @ (A - B).
        swapped_a = a.sum(0) - swaps @ difference
        swapped_b = b.sum(0) + swaps @ difference
        shuffled = np.abs(f1_of(swapped_a) - f1_of(swapped_b))
        beyond_randomisation += int(np.sum(shuffled >= abs(observed) - 1e-12))
    return Comparison(
        f1_a=f1_a,
        f1_b=f1_b,
        p_bootstrap=(beyond_bootstrap + 1) / (rounds + 1),
        p_randomisation=(beyond_randomisation + 1) / (rounds + 1),
        rounds=rounds,
        seed=seed,
        n_documents=n,
    )
