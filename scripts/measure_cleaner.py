"""Word-level precision and recall of plannlp.clean.clean() against hand-cleaned text.

Each ``<set>/<name>.expected.txt`` was cleaned by hand from the raw file beside it
(``<name>.raw.txt``, ``.raw.md`` or ``.raw.html``). Word scores are bag-of-words (multiset)
overlaps per document, micro-averaged over all documents; line scores count lines reproduced
exactly (they also judge re-joined line wraps and paragraph breaks). ``lost`` counts the
reference lines that carry a target or an agency and that the cleaner's output lacks: data loss,
which must be 0.

Two sets are measured, separately: ``tests/data/clean`` (the development set, which the cleaner
was written against) and ``tests/data/clean_unseen`` (documents not opened while writing it;
see its README).

    python scripts/measure_cleaner.py                    # both sets
    python scripts/measure_cleaner.py --data DIR [--data DIR ...] [-v]
    python scripts/measure_cleaner.py --stale corpus   # ingested texts the cleaner would now change
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import re

from plannlp.clean import clean, paragraph_overlap, word_overlap
from plannlp.text import nfc

TESTS_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEFAULT_DATA = TESTS_DATA / "clean"
UNSEEN_DATA = TESTS_DATA / "clean_unseen"

# A line carries a target: a percentage or a number with a unit near a target cue; or an agency.
_TARGET_CUE = re.compile(r"phấn đấu|đạt|chỉ tiêu|đến năm|mục tiêu|tối thiểu|trên \d", re.I)
_QUANTITY = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|phần trăm|người|bác sĩ|giường|trạm|xã|hộ|lần|tỷ|triệu|nghìn|km2?|ha|con|"
    r"doanh nghiệp|cơ sở|bộ|năm)\b|\d+(?:[.,]\d+)?\s*%"
)
_AGENCY = re.compile(
    r"\b(?:Sở|Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Bộ|Ban|Trung tâm|Cục|Chi cục|Phòng|Hội đồng nhân dân|"
    r"HĐND|Tỉnh ủy|Thành ủy|Bảo hiểm xã hội|BHXH|Chính phủ|Thủ tướng|Công an|Mặt trận)\b"
)


def is_key_line(line: str) -> bool:
    """Whether a reference line carries a target (a number with a unit near a target cue) or
    names an agency: the lines whose loss is data loss."""
    if _AGENCY.search(line):
        return True
    return bool(_QUANTITY.search(line) and _TARGET_CUE.search(line))


def lost_key_lines(predicted: str, expected: str) -> list[str]:
    """Reference lines carrying a target or agency that the output holds fewer times than the
    reference does (as a line or inside a longer one): a repeated target line dropped is lost."""
    from collections import Counter

    predicted = nfc(predicted)
    wanted = Counter(p.strip() for p in nfc(expected).split("\n"))
    lost = []
    for line, n in wanted.items():
        if line and is_key_line(line):
            lost += [line] * max(0, n - predicted.count(line))
    return lost


def measure_set(data_dir: Path) -> list[tuple[str, tuple[int, int, int], tuple[int, int, int], list[str]]]:
    """(name, word counts, line counts, lost key lines) per hand-cleaned document."""
    rows = []
    for expected_path in sorted(data_dir.glob("*.expected.txt")):
        name = expected_path.name.removesuffix(".expected.txt")
        raws = sorted(data_dir.glob(f"{name}.raw.*"))
        if len(raws) != 1:
            raise SystemExit(f"{expected_path}: expected one {name}.raw.* beside it, found {len(raws)}")
        predicted = clean(raws[0].read_bytes())
        expected = expected_path.read_text(encoding="utf-8")
        rows.append((name, word_overlap(predicted, expected), paragraph_overlap(predicted, expected),
                     lost_key_lines(predicted, expected)))
    return rows


def totals(rows) -> dict[str, float | int]:
    """Micro-averaged word and line precision/recall and the number of lost key lines."""
    wm, wp, we = (sum(r[1][i] for r in rows) for i in range(3))
    lm, lp, le = (sum(r[2][i] for r in rows) for i in range(3))
    return {"docs": len(rows), "words": we, "word_p": _ratio(wm, wp), "word_r": _ratio(wm, we),
            "lines": le, "line_p": _ratio(lm, lp), "line_r": _ratio(lm, le),
            "lost": sum(len(r[3]) for r in rows)}


def measure(data_dir: Path) -> list[tuple[str, tuple[int, int, int], tuple[int, int, int]]]:
    """(name, word counts, paragraph counts) per hand-cleaned document; counts are
    (matched, predicted, expected)."""
    return [row[:3] for row in measure_set(data_dir)]


def stale_documents(corpus_dir: Path) -> list[tuple[str, float, float, bool]]:
    """Ingested documents whose stored clean text differs from what clean() gives now:
    (id, share of the new text's words the stored text has, share of the stored text's words
    the new text keeps, whether the document has an annotation file). Ingest keeps such texts
    unless --force, since labels point into them."""
    from plannlp.annotate.manifest import read_manifest

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
    parser.add_argument("--data", type=Path, action="append",
                        help="a folder of hand-cleaned documents (repeatable; default: both sets)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each lost line")
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
    for data_dir in args.data or [DEFAULT_DATA, UNSEEN_DATA]:
        rows = measure_set(data_dir)
        if not rows:
            print(f"no *.expected.txt in {data_dir}", file=sys.stderr)
            return 2
        print(f"== {data_dir.name}")
        print(f"{'document':32} {'words':>6} {'word P':>7} {'word R':>7} {'lines':>6} {'line P':>7} {'line R':>7} {'lost':>5}")
        for name, (wm, wp, we), (pm, pp, pe), lost in rows:
            print(f"{name:32} {we:6d} {_ratio(wm, wp):7.4f} {_ratio(wm, we):7.4f} "
                  f"{pe:6d} {_ratio(pm, pp):7.4f} {_ratio(pm, pe):7.4f} {len(lost):5d}")
            if args.verbose:
                for line in lost:
                    print(f"    lost: {line}")
        t = totals(rows)
        print(f"{'micro-average (' + str(t['docs']) + ' docs)':32} {t['words']:6d} {t['word_p']:7.4f} "
              f"{t['word_r']:7.4f} {t['lines']:6d} {t['line_p']:7.4f} {t['line_r']:7.4f} {t['lost']:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
