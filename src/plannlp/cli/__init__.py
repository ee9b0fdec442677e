"""Command line: a thin layer over the library, one module per command (``cli/tag.py`` is
``plannlp tag``; ``cli/corpus.py`` holds the ``plannlp corpus`` subcommands)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

from plannlp.cli.app import app
from plannlp.data import DataError


def _register() -> None:
    """Import every command module; each registers its commands on ``app`` (or ``corpus_app``)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "app":
            importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    _register()
    try:
        app()
    except (DataError, OSError, ValueError) as exc:  # OSError: a folder or an unreadable file named as a file
        print(f"plannlp: error: {exc}", file=sys.stderr)
        sys.exit(2)
