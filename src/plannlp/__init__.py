"""plannlp: targets and responsible agencies in Vietnamese public-health plans.

The packages follow the data: ``acquire`` -> ``clean`` -> ``segment`` -> ``tag`` -> ``records`` ->
``evaluate``, with ``annotate`` (the gold corpus), ``pretrain``, ``report`` and ``cli`` beside them and
the data model (``data``, ``labels``, ``text``, ``io``, ...) below them all. The four stage packages
are callable as their stage functions, so one name serves both::

    from plannlp import clean, segment, tag, evaluate
    doc = tag(clean(raw_bytes))          # the functions
    import plannlp.evaluate.result       # the packages' modules

Heavy dependencies (underthesea, trafilatura, torch) load only when a stage runs.
"""

from __future__ import annotations

import plannlp.clean
import plannlp.evaluate
import plannlp.segment
import plannlp.tag
from plannlp._stage import make_callable
from plannlp._version import __version__

clean = make_callable(plannlp.clean, "clean")
segment = make_callable(plannlp.segment, "segment")
tag = make_callable(plannlp.tag, "tag")
evaluate = make_callable(plannlp.evaluate, "evaluate")

__all__ = ["clean", "segment", "tag", "evaluate", "__version__"]
