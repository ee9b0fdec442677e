"""Word-level precision and recall of plannlp.corpus.clean.clean() against hand-cleaned text.

Each ``tests/data/clean/<name>.expected.txt`` was cleaned by hand from the raw file beside it
(``<name>.raw.txt`` or ``<name>.raw.md``). Word scores are bag-of-words (multiset) overlaps per
document, micro-averaged over all documents; paragraph scores count lines reproduced exactly
(they also judge re-joined line wraps and paragraph breaks).

    python scripts/measure_cleaner.py [--data tests/data/clean]
    python scripts/measure_cleaner.py --stale corpus   # ingested texts the cleaner would now change
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plannlp.corpus.clean import clean, paragraph_overlap, word_overlap

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "clean"


def measure(data_dir: Path) -> list[tuple[str, tuple[int, int, int], tuple[int, int, int]]]:
    """(name, word counts, paragraph counts) per hand-cleaned document; counts are
    (matched, predicted, expected)."""
    rows = []
    for expected_path in sorted(data_dir.glob("*.expected.txt")):
        name = expected_path.name.removesuffix(".expected.txt")
        raws = sorted(data_dir.glob(f"{name}.raw.*"))
        if len(raws) != 1:
            raise SystemExit(f"{expected_path}: expected one {name}.raw.* beside it, found {len(raws)}")
        predicted = clean(raws[0].read_bytes())
        expected = expected_path.read_text(encoding="utf-8")
        rows.append((name, word_overlap(predicted, expected), paragraph_overlap(predicted, expected)))
    return rows


def stale_documents(corpus_dir: Path) -> list[tuple[str, float, float, bool]]:
    """Ingested documents whose stored clean text differs from what clean() gives now:
    (id, share of the new text's words the stored text has, share of the stored text's words
    the new text keeps, whether the document has an annotation file). Ingest keeps such texts
    unless --force, since labels point into them."""
    from plannlp.corpus.manifest import read_manifest

    annotated = {p.stem for p in (corpus_dir / "annotations").glob("*.tsv")}
    rows = []
    for (doc_id, stage), row in sorted(read_manifest(corpus_dir).items()):
        if stage != "raw":
            continue
        new = clean((corpus_dir / row.path).read_bytes())
        stored = (corpus_dir / "clean" / f"{doc_id}.txt").read_text(encoding="utf-8")
        if new != stored:
            matched, n_stored, n_new = word_overlap(stored, new)
            rows.append((doc_id, _ratio(matched, n_new), _ratio(matched, n_stored), doc_id in annotated))
    return rows


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--stale", type=Path, metavar="CORPUS_DIR",
                        help="list ingested documents whose clean text the cleaner would now change")
    args = parser.parse_args(argv)
    if args.stale:
        stale = stale_documents(args.stale)
        print("id\tstored_recall\tstored_precision\tannotated")
        for doc_id, recall, precision, annotated in sorted(stale, key=lambda r: min(r[1], r[2])):
            print(f"{doc_id}\t{recall:.3f}\t{precision:.3f}\t{annotated}")
        print(f"{len(stale)} documents differ", file=sys.stderr)
        return 0
    rows = measure(args.data)
    if not rows:
        print(f"no *.expected.txt in {args.data}", file=sys.stderr)
        return 2
    print(f"{'document':30} {'words':>6} {'word P':>7} {'word R':>7} {'paras':>6} {'para P':>7} {'para R':>7}")
    for name, (wm, wp, we), (pm, pp, pe) in rows:
        print(f"{name:30} {we:6d} {_ratio(wm, wp):7.4f} {_ratio(wm, we):7.4f} "
              f"{pe:6d} {_ratio(pm, pp):7.4f} {_ratio(pm, pe):7.4f}")
    wm, wp, we = (sum(r[1][i] for r in rows) for i in range(3))
    pm, pp, pe = (sum(r[2][i] for r in rows) for i in range(3))
    print(f"{'micro-average (' + str(len(rows)) + ' docs)':30} {we:6d} {_ratio(wm, wp):7.4f} {_ratio(wm, we):7.4f} "
          f"{pe:6d} {_ratio(pm, pp):7.4f} {_ratio(pm, pe):7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
