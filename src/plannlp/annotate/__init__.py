"""Annotate: the gold corpus — ingest with a manifest, quote files, validation against the spec,
the compiled gold splits, agreement, and the formats of annotation tools.

``plannlp.annotate.load_gold()`` gives the gold splits as a ``datasets.DatasetDict``
(:mod:`plannlp.annotate.dataset`, which imports ``datasets`` only when called).
"""

from plannlp.annotate.dataset import load_gold

__all__ = ["load_gold"]
