"""plannlp: targets and responsible agencies in Vietnamese public-health plans.

One public function per stage; each loads its heavy dependencies (underthesea, trafilatura, torch)
only when called::

    from plannlp import clean, segment, tag, evaluate
"""

from __future__ import annotations

from plannlp._version import __version__  # noqa: E402

# Binding the functions here shadows the same-named submodules as attributes of the package, as
# underthesea does: `plannlp.segment` is the function; `import plannlp.segment` still finds the module.
from plannlp.clean import clean  # noqa: E402
from plannlp.evaluate import evaluate  # noqa: E402
from plannlp.segment import segment  # noqa: E402
from plannlp.tag.batch import tag  # noqa: E402

__all__ = ["clean", "segment", "tag", "evaluate", "__version__"]
