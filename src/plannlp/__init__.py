"""plannlp: targets and responsible agencies in Vietnamese public-health plans.

One public function per stage, each importing its heavy dependencies only when called::

    from plannlp import clean, segment, tag, evaluate
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["clean", "segment", "tag", "evaluate", "__version__"]

_STAGES = {
    "clean": "plannlp.corpus.clean",
    "segment": "plannlp.segment",
    "tag": "plannlp.tagging",
    "evaluate": "plannlp.evaluate",
}


def __getattr__(name: str):
    if name in _STAGES:
        import importlib

        return getattr(importlib.import_module(_STAGES[name]), name)
    raise AttributeError(f"module 'plannlp' has no attribute {name!r}")
