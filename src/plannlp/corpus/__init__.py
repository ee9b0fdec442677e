"""Corpus building: cleaning raw documents, ingest with a manifest, gold annotations, and the gold
splits as a dataset.

``plannlp.corpus.load_gold()`` gives the gold splits as a ``datasets.DatasetDict``
(:mod:`plannlp.corpus.dataset`); it is imported on first use, so ``import plannlp.corpus.clean``
does not import ``datasets``.
"""


def load_gold(*args, **kwargs):
    from plannlp.corpus.dataset import load_gold as load

    return load(*args, **kwargs)


load_gold.__doc__ = "The gold splits as a datasets.DatasetDict; see plannlp.corpus.dataset.load_gold."
