"""Command line: a thin layer over the library; every command lives in a module beside this one."""

from __future__ import annotations

import importlib
import sys

from plannlp.cli.app import app

# Each module registers its commands on `app` (or `corpus_app`) when imported.
_COMMAND_MODULES = ("clean", "scrape", "corpus", "annotate", "model", "pretrain", "tag", "scoring", "watch", "report", "crossval")


def _register() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(f"plannlp.cli.{name}")


def main() -> None:
    from plannlp.data import DataError

    _register()
    try:
        app()
    except (DataError, FileNotFoundError, ValueError) as exc:
        print(f"plannlp: error: {exc}", file=sys.stderr)
        sys.exit(2)
