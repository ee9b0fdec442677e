"""Cleaner throughput on large inputs: prints MB/s and peak memory (moved here from a timed test).

    python benchmarks/bench_clean.py [--mb 50] [--kind text|markdown]

The input is a raw page (``corpus/raw/seed``) or a portal Markdown plan (``corpus/raw/gov``)
repeated until it holds about ``--mb`` megabytes; the cleaner is linear in its input, so the
figure at 50 MB is the one the module docstring of ``plannlp.clean`` quotes.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--kind", choices=("text", "markdown"), default="text")
    args = parser.parse_args()

    from plannlp.clean import clean

    folder = ROOT / "corpus" / "raw" / ("seed" if args.kind == "text" else "gov")
    unit = sorted(p for p in folder.iterdir() if p.is_file())[0].read_bytes()
    big = unit * max(1, int(args.mb * 1_000_000 // len(unit)))
    started = time.perf_counter()
    out = clean(big, kind=args.kind)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(big) / 1e6:.1f} MB of {args.kind} in {seconds:.1f} s ({len(big) / 1e6 / seconds:.2f} MB/s), "
          f"{len(out):,} characters out, peak resident memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
