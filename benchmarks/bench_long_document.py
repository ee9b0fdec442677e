"""One long document: time and peak memory of `tag_files` with and without pieces.

    python benchmarks/bench_long_document.py [--mb 0.5] [--single-line] [--piece-chars 50000 1000000000]

A plan is copied until it holds about ``--mb`` megabytes of text (``--single-line`` joins it
into one line, the worst case for the segmenter); each run tags it in a fresh process with the
given piece length (a length beyond the document means one piece: the behaviour before
documents were cut) and prints its wall time and peak resident memory. Figures, not a test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import resource, sys
from plannlp.tag.batch import tag_files
s = tag_files([sys.argv[1]], sys.argv[2], model=sys.argv[4] or None, n_jobs=1, progress=False, piece_chars=int(sys.argv[3]))
print(s.tagged, s.words, s.pieces, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=0.5, help="megabytes of text (UTF-8)")
    parser.add_argument("--single-line", action="store_true", help="join the document into one line")
    parser.add_argument("--piece-chars", type=int, nargs="+", default=[50_000, 1_000_000_000])
    parser.add_argument("--model", default="", help="model directory (default: models/default)")
    parser.add_argument("--source", default=str(ROOT / "corpus" / "samples" / "gov-a69069ae524315d9.md"))
    args = parser.parse_args()

    from plannlp.clean import clean

    unit = clean(Path(args.source).read_bytes()) + "\n"
    copies = max(1, int(args.mb * 1e6 / len(unit.encode("utf-8"))))
    text = unit * copies
    if args.single_line:
        text = text.replace("\n", " ").strip() + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "long.txt"
        doc.write_text(text, encoding="utf-8")
        print(f"document: {len(text.encode('utf-8')) / 1e6:.2f} MB, {len(text):,} characters, "
              f"{text.count(chr(10)):,} lines ({copies} copies of {Path(args.source).name})")
        for piece_chars in args.piece_chars:
            out = Path(tmp) / f"out-{piece_chars}.jsonl"
            start = time.perf_counter()
            # one process per run, so each run's peak memory is its own (the child reports it)
            run = subprocess.run(
                [sys.executable, "-c", CHILD, str(doc), str(out), str(piece_chars), args.model],
                capture_output=True, text=True, check=True,
            )
            secs = time.perf_counter() - start
            tagged, words, pieces, peak_kb = run.stdout.split()
            print(f"piece_chars {piece_chars:>13,}: {pieces:>4} pieces, {int(words):,} words in {secs:.1f} s, "
                  f"peak RSS {int(peak_kb) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
