"""End-to-end tagging benchmark: prints words/s and where the time goes.

    python benchmarks/bench_tag.py [--model DIR] [--docs 40] [--repeat-to-words 0]

Stages are first timed one by one in this process (clean, segment, model), then the real
pipeline (`plannlp.tagging.tag_files`, workers on all cores) runs over the same files. With
``--repeat-to-words N`` the input set is copied until it holds about N words, to check that
memory stays flat on large inputs; peak resident memory of the main process and of the
largest worker are printed.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model directory (default: models/default)")
    parser.add_argument("--inputs", default=str(ROOT / "corpus" / "raw" / "gov"), help="folder of plan files")
    parser.add_argument("--docs", type=int, default=40, help="number of files (sorted by name) to use")
    parser.add_argument("--repeat-to-words", type=int, default=0, help="copy the files until about N words")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()

    from plannlp.corpus.clean import clean
    from plannlp.data import Document
    from plannlp.segment import default_jobs, segment
    from plannlp.systems import load_tagger
    from plannlp.tagging import INPUT_SUFFIXES, tag_files

    files = sorted(p for p in Path(args.inputs).iterdir() if p.suffix in INPUT_SUFFIXES)[: args.docs]
    tagger = load_tagger(args.model)

    t0 = time.perf_counter()
    texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
    t1 = time.perf_counter()
    segs = [segment(t) for t in texts]
    t2 = time.perf_counter()
    docs = [Document(p.name, t) for p, t in zip(files, texts)]
    tagger.predict(docs, segs)
    t3 = time.perf_counter()
    words = sum(len(s.tokens) for seg in segs for s in seg)
    total = t3 - t0
    print(f"input: {len(files)} files, {words} words, model {args.model or 'models/default'} ({tagger.system})")
    print(f"one process, stage by stage: {words / total:,.0f} words/s")
    for name, secs in (("clean", t1 - t0), ("segment", t2 - t1), ("model", t3 - t2)):
        print(f"  {name:<8} {secs:7.2f} s  {100 * secs / total:5.1f}%  ({words / secs:,.0f} words/s alone)")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        copies = max(1, -(-args.repeat_to_words // words)) if args.repeat_to_words else 1
        for c in range(copies):
            for p in files:
                shutil.copy(p, folder / f"{c:04d}-{p.name}")
        jobs = args.jobs or default_jobs()
        start = time.perf_counter()
        summary = tag_files([str(folder)], Path(tmp) / "out.jsonl", model=args.model, n_jobs=jobs, progress=False)
        secs = time.perf_counter() - start
    print(
        f"pipeline (tag_files, {jobs} worker processes): {summary.words} words in {secs:.1f} s = "
        f"{summary.words / secs:,.0f} words/s"
    )
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: main process {self_mb:,.0f} MB, largest worker {child_mb:,.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
