"""Corpus building: cleaning raw documents, ingest with a manifest, gold annotations, and the gold
splits as a dataset.

``plannlp.annotate.load_gold()`` gives the gold splits as a ``datasets.DatasetDict``
(:mod:`plannlp.annotate.dataset`); it is imported on first use, so ``import plannlp.clean``
does not import ``datasets``.
"""
from plannlp.annotate.dataset import load_gold as load


def load_gold(*args, **kwargs):
    return load(*args, **kwargs)


load_gold.__doc__ = "The gold splits as a datasets.DatasetDict; see plannlp.annotate.dataset.load_gold."
