"""A stage package that can be called as its stage function.

``plannlp.clean``, ``plannlp.segment``, ``plannlp.tag`` and ``plannlp.evaluate`` are packages (their
modules: ``plannlp.evaluate.result``, ``plannlp.tag.batch``, ...) and each is also callable as the
stage it is named after: ``plannlp.evaluate(gold, pred)`` is ``plannlp.evaluate.evaluate(gold, pred)``.
The package's module object gets a subclass of :class:`types.ModuleType` whose ``__call__`` looks
the function up by name on each call, so patching ``plannlp.tag.tag`` in a test patches the call too.
Nothing is bound over a subpackage, so ``import plannlp.evaluate.result`` and
``plannlp.evaluate.result`` always mean the module.
"""

from __future__ import annotations

import inspect
import types
from typing import Any


class StageModule(types.ModuleType):
    """A package whose call is its stage function (named by ``__stage_function__``)."""

    __stage_function__: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__stage_function__)(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(getattr(self, self.__stage_function__))


def make_callable(package: types.ModuleType, function: str) -> types.ModuleType:
    """Make ``package`` callable as its attribute ``function`` (which must be callable); returns it."""
    if not callable(getattr(package, function, None)):
        raise TypeError(f"{package.__name__}.{function} is not a function")
    package.__class__ = StageModule
    package.__stage_function__ = function
    return package
