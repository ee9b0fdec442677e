"""Scoring predicted spans and target records against gold.

``evaluate(gold_docs, pred_docs)`` gives an :class:`EvaluationResult`: SemEval-2013 strict,
exact, partial and type scores (per label, micro, macro), target-record scores, bootstrap
intervals over documents, and each document's alignment (where every error is).
"""

from plannlp.evaluate.metrics import ERROR_KINDS, PRF, SCHEMES, Alignment, DocumentScore, align
from plannlp.evaluate.result import EvaluationResult, compare, evaluate, flatten, pair_documents
from plannlp.evaluate.stats import Comparison

__all__ = [
    "ERROR_KINDS",
    "PRF",
    "SCHEMES",
    "Alignment",
    "Comparison",
    "DocumentScore",
    "EvaluationResult",
    "align",
    "compare",
    "evaluate",
    "flatten",
    "pair_documents",
]
