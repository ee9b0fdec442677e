"""Ray engine benchmark: words/s of the local engine and of `--engine ray` with 1 and 2 workers.

    python benchmarks/bench_ray.py [--model DIR] [--docs 30] [--workers 1 2] [--address ADDR]

Runs on a local Ray with as many CPUs as the machine has (or joins ``--address``). Each run
tags the same files into a new output; Ray's start-up is outside the timing, the actors'
model loading inside it (as in a real run). Outputs are checked to be the same, line for line.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--inputs", default=str(ROOT / "corpus" / "raw" / "gov"))
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--address", default=None)
    parser.add_argument("--batch-docs", type=int, default=4)
    args = parser.parse_args()

    import ray

    from plannlp.tag.engines.ray_engine import tag_files_ray
    from plannlp.segment import default_jobs
    from plannlp.tag.batch import INPUT_SUFFIXES, tag_files

    files = sorted(p for p in Path(args.inputs).iterdir() if p.suffix in INPUT_SUFFIXES)[: args.docs]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for p in files:
            shutil.copy(p, folder / p.name)
        jobs = default_jobs()
        start = time.perf_counter()
        local = tag_files([str(folder)], Path(tmp) / "local.jsonl", model=args.model, n_jobs=jobs, progress=False)
        secs = time.perf_counter() - start
        print(f"input: {len(files)} files, {local.words:,} words")
        print(f"local engine ({jobs} processes): {local.words / secs:,.0f} words/s")
        expected = (Path(tmp) / "local.jsonl").read_text(encoding="utf-8")

        if args.address:
            ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        try:
            for workers in args.workers:
                out = Path(tmp) / f"ray-{workers}.jsonl"
                start = time.perf_counter()
                summary = tag_files_ray(
                    [str(folder)], out, model=args.model, workers=workers, batch_docs=args.batch_docs, progress=False
                )
                secs = time.perf_counter() - start
                same = out.read_text(encoding="utf-8") == expected
                print(
                    f"ray engine, {workers} worker(s) on {cpus} CPUs: {summary.words / secs:,.0f} words/s "
                    f"({summary.words / secs / workers:,.0f} per worker; output {'the same' if same else 'DIFFERENT'})"
                )
        finally:
            ray.shutdown()


if __name__ == "__main__":
    sys.exit(main())
