"""Regenerate experiments/RESULTS.md from the result files in experiments/results/.

    python experiments/make_results.py [--results-dir DIR] [--out FILE]

Each result file is written by
``plannlp evaluate corpus/gold/SPLIT.jsonl --model models/SYSTEM --save experiments/results/SYSTEM.SPLIT.json``
(format: :mod:`plannlp.evaluate.report`). Cross-validation results (``experiments/crossval/*.json``,
written by ``plannlp crossval ... --out``) and ``experiments/RESULTS-notes.md`` are appended.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plannlp.evaluate.crossval import crossval_markdown
from plannlp.evaluate.report import write_results_markdown

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", type=Path, default=HERE / "results")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    n = write_results_markdown(args.results_dir, args.out)
    # cross-validation tables (experiments/crossval/*.json), then the hand-written notes
    # looked up beside the results folder, so a test's folder of result files gets neither
    cv = crossval_markdown(sorted((args.results_dir.parent / "crossval").glob("*.json")))
    notes = args.results_dir.parent / "RESULTS-notes.md"
    with open(args.out, "a", encoding="utf-8") as fh:
        if cv:
            fh.write("\n" + cv)
        if notes.is_file():
            fh.write("\n" + notes.read_text(encoding="utf-8"))
    print(f"wrote {args.out} from {n} result file(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
