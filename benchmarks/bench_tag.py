"""Tagging benchmark: end-to-end `plannlp tag` against bare underthesea word segmentation.

    python benchmarks/bench_tag.py [--model DIR] [--docs 60] [--jobs N] [--rounds 2]
                                   [--stages] [--startup] [--repeat-to-words 0]

On the same cleaned texts and the same number of processes, side by side, for ``--rounds``
rounds (the machine may be shared: the best round of each is compared):

* bare: ``underthesea.word_tokenize`` of every non-empty line, in a pool of ``--jobs``
  processes whose segmenter is loaded before the clock starts — the stage no tagger can skip
  (its CPU seconds are those of the segmentation calls alone, the workers' start-up left out);
* pipeline: :func:`plannlp.tag.batch.tag_files` over the raw files (read, clean, segment, tag,
  records, JSONL), as ``plannlp tag`` runs it, from a cold start of its caches.

Both are given as words/s of wall time (the words of our segmentation, for both) and as CPU
seconds (the pipeline's: this process and its workers, start-up included), and their ratio. ``--stages`` first times the stages
one by one in this process; ``--startup`` times ``plannlp tag`` of one short document as a
command; ``--repeat-to-words N`` copies the files until the pipeline's input holds about N
words, to check that memory stays flat (copies repeat every sentence, so the sentence caches
make that run faster than new text would be: read its words/s as an upper bound).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHORT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế. Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh.\n"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _warm(_: int) -> None:
    from underthesea.pipeline.word_tokenize import word_tokenize

    word_tokenize("Xin chào.")
    time.sleep(0.2)  # so that every worker of the pool gets one


def _bare(text: str) -> tuple[int, float]:
    """underthesea's word count of ``text`` and the CPU seconds its segmentation took (the
    worker's own start-up and model loading are not counted)."""
    from underthesea.pipeline.word_tokenize import word_tokenize

    start = time.process_time()
    words = sum(len(word_tokenize(line)) for line in text.split("\n") if line.strip())
    return words, time.process_time() - start


def bare_segmentation(texts: list[str], jobs: int) -> tuple[float, float, int]:
    """(wall s, CPU s, underthesea's word count) of segmenting ``texts`` on ``jobs`` processes."""
    from plannlp import segment as _  # noqa: F401

    light = getattr(sys.modules["plannlp.segment"], "light_underthesea", None)
    if light is not None:  # (older code, measured for comparison, imports all of underthesea)
        light()
    with mp.get_context("fork").Pool(jobs) as pool:
        pool.map(_warm, range(jobs), chunksize=1)
        start = time.perf_counter()
        counts = list(pool.imap_unordered(_bare, texts, chunksize=1))
        wall = time.perf_counter() - start
        pool.close()
        pool.join()
    return wall, sum(c for _, c in counts), sum(w for w, _ in counts)


def clear_caches() -> None:
    """Empty the caches kept in this process (sentences, words, POS tagger), so that each
    pipeline run starts as a new process would."""
    import importlib

    for module, name in (
        ("plannlp.segment", "_words"), ("plannlp.tag.baselines.postag", "pos_tagger"), ("plannlp.tag.baselines.features", "_word"),
        ("plannlp.tag.baselines.targets", "_lower_key"), ("plannlp.tag.baselines.targets", "_word_kind"),
        ("plannlp.tag.baselines.crfinput", "clear_caches"),
    ):  # fmt: skip
        try:
            cached = getattr(importlib.import_module(module), name, None)
        except ImportError:  # (older code, measured for comparison, has no caches)
            continue
        if cached is not None:
            cached() if name == "clear_caches" else cached.cache_clear()


def pipeline(folder: Path, out: Path, model: str | None, jobs: int) -> tuple[float, float, int]:
    from plannlp.tag.batch import tag_files

    clear_caches()
    cpu, start = _cpu(), time.perf_counter()
    summary = tag_files([str(folder)], out, model=model, n_jobs=jobs, progress=False)
    wall = time.perf_counter() - start
    out.unlink()
    for extra in out.parent.glob(out.name + "*"):
        extra.unlink()
    return wall, _cpu() - cpu, summary.words


def stages(files: list[Path], model: str | None) -> None:
    from plannlp.clean import clean
    from plannlp.data import Document
    from plannlp.segment import segment
    from plannlp.tag.systems import load_tagger
    from plannlp.runrecord import provenance
    from plannlp.tag.systems import DEFAULT_MODEL
    from plannlp.tag.batch import INPUT_SUFFIXES, _tagged_line

    tagger = load_tagger(model)
    tagger.predict([Document("warm", SHORT)])
    clear_caches()
    t0 = time.process_time()
    texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
    t1 = time.process_time()
    segs = [segment(t) for t in texts]
    t2 = time.process_time()
    docs = [Document(p.name, t) for p, t in zip(files, texts)]
    found = tagger.predict_spans(docs, segs)  # the system's own work: features, POS, decoding
    t3 = time.process_time()
    tagged = tagger.predict(docs, segs)  # again (from the caches), with the roles and links step
    t3b = time.process_time()
    from plannlp.tag.links import add_responsibility

    with_spans = [Document(d.id, d.text, tuple(spans)) for d, spans in zip(docs, found)]
    [add_responsibility(d) for d in with_spans]
    t4 = time.process_time()
    where = provenance(model if model is not None else DEFAULT_MODEL)
    for doc in tagged:
        _tagged_line(doc, where)
    t5 = time.process_time()
    words = sum(len(s.tokens) for seg in segs for s in seg)
    total = (t2 - t0) + (t3 - t2) + (t5 - t3b)
    print(f"one process, stage by stage (CPU time): {words / total:,.0f} words/s")
    rows = (("clean", t1 - t0), ("segment", t2 - t1), ("model", t3 - t2), ("roles+links", t4 - t3b), ("records", t5 - t4))
    for name, secs in rows:
        print(f"  {name:<11} {secs:7.2f} s  {100 * secs / total:5.1f}%  ({words / max(secs, 1e-9):,.0f} words/s alone)")
    print(f"  (predict again, answered from the sentence caches, with roles+links: {t3b - t3:.2f} s)")


def startup(model: str | None, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "short.txt"
        doc.write_text(SHORT, encoding="utf-8")
        import plannlp

        src = Path(plannlp.__file__).resolve().parents[1]  # the plannlp being measured
        env = {**os.environ, "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        cmd = [sys.executable, "-c", "from plannlp.cli import main; main()", "tag", str(doc)]
        cmd += ["--model", model] if model else []
        times, cpus = [], []
        for _ in range(runs):
            cpu, start = _cpu(), time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            cpus.append(_cpu() - cpu)
    print(
        f"start-up: `plannlp tag` of one short document: {', '.join(f'{t:.2f}' for t in times)} s wall "
        f"(best {min(times):.2f} s), {', '.join(f'{c:.2f}' for c in cpus)} CPU s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model directory (default: models/default)")
    parser.add_argument("--inputs", default=str(ROOT / "corpus" / "raw" / "gov"), help="folder of plan files")
    parser.add_argument("--docs", type=int, default=60, help="number of files (sorted by name) to use (0: all)")
    parser.add_argument("--jobs", type=int, default=None, help="processes for both (default: all cores)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stages", action="store_true", help="also time the stages one by one")
    parser.add_argument("--startup", action="store_true", help="also time a one-document `plannlp tag`")
    parser.add_argument("--repeat-to-words", type=int, default=0, help="copy the files until about N words")
    args = parser.parse_args()

    from plannlp.clean import clean
    from plannlp.segment import default_jobs
    from plannlp.tag.batch import INPUT_SUFFIXES

    jobs = args.jobs or default_jobs()
    files = sorted(p for p in Path(args.inputs).iterdir() if p.suffix in INPUT_SUFFIXES)[: args.docs or None]
    texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
    if args.startup:
        startup(args.model)
    if args.stages:
        stages(files, args.model)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for p in files:
            shutil.copy(p, folder / p.name)
        out = Path(tmp) / "out.jsonl"
        if args.repeat_to_words:
            # words counted without tagging: about 0.75 words per syllable in these plans (the
            # real count is printed; copies are added until it should pass N)
            syllables = sum(len(t.split()) for t in texts)
            copies = max(1, -(-args.repeat_to_words // int(0.75 * syllables)))
            for c in range(1, copies):
                for p in files:
                    shutil.copy(p, folder / f"{c:04d}-{p.name}")
            wall, cpu, words = pipeline(folder, out, args.model, jobs)
            print(
                f"pipeline on {copies} copies of {len(files)} files ({words:,} words, {jobs} processes): "
                f"{wall:.0f} s, {words / wall:,.0f} words/s, {cpu:.0f} CPU s"
            )
            self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"peak RSS: main process {self_mb:,.0f} MB, largest worker {child_mb:,.0f} MB")
            return

        bare_runs, pipe_runs = [], []
        for r in range(args.rounds):
            bare_runs.append(bare_segmentation(texts, jobs))
            pipe_runs.append(pipeline(folder, out, args.model, jobs))
            (bw, bc, bare_words), (pw, pc, words) = bare_runs[-1], pipe_runs[-1]
            print(
                f"round {r + 1}: bare segmentation {words / bw:,.0f} words/s ({bc:.1f} CPU s), "
                f"pipeline {words / pw:,.0f} words/s ({pc:.1f} CPU s)"
            )
    if not bare_runs:  # --rounds 0: the stages (and start-up) only
        return
    bw, bc, bare_words = min(bare_runs)
    pw, pc, words = min(pipe_runs)
    print(f"input: {len(files)} files, {words:,} words ({bare_words:,} by bare underthesea), {jobs} processes each")
    print(f"bare underthesea word segmentation: {words / bw:,.0f} words/s (best round; {words / bc:,.0f} per CPU second)")
    print(f"plannlp tag end to end:             {words / pw:,.0f} words/s (best round; {words / pc:,.0f} per CPU second)")
    print(f"ratio end to end / bare: {bw / pw:.2f} of wall time, {bc / pc:.2f} of CPU time")


if __name__ == "__main__":
    sys.exit(main())
