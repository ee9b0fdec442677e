"""INDICATOR and VALUE errors of a prediction file, by the layout or shape they occur in (issue 10).

    PYTHONPATH=src python experiments/indicator_errors.py GOLD.jsonl [GOLD2.jsonl ...] --pred PRED.jsonl [--show CAT]

Each missed / boundary gold span and each spurious predicted span (the kinds of
``experiments/error_kinds.py``) gets the first category that fits, in this order:

- ``table``: its line is a table cell or header (``plannlp.tag.baselines.structure.analyse_lines``)
  or a ``Header: cell`` line (``Thời gian thực hiện: 10 ngày``);
- ``list item``: a marked line (``-``, ``a)``, ``1.``) under a heading with a target or year cue;
- ``value first``: an INDICATOR right after a gold VALUE of its clause (``100% trạm y tế xã có ...``),
  a VALUE before a gold INDICATOR of its clause;
- ``level shape``: a VALUE with letters (``167cm``, ``2,1 con/phụ nữ``, ``mỗi năm một lần``, ``một``);
- ``past``: a spurious span in a sentence with a past cue (``rule_words.jsonl`` past_cues) or under
  a heading with a past cue;
- ``cut`` / ``overlong``: a boundary error whose prediction lies inside / reaches outside the gold;
- ``prose``: anything else (a target sentence in running text).

Also counts, for missed INDICATORs, whether a VALUE was predicted in the same clause.
"""

from __future__ import annotations

import argparse
import bisect
import re
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents
from plannlp.tag.baselines.features import PAST_CUES, alternation, text_key
from plannlp.tag.baselines.structure import _classes, analyse_lines, cues

_PAST = re.compile(alternation(PAST_CUES), re.I)
_LETTERS = re.compile(r"[^\W\d_]")


def _clause(text: str, a: int, b: int) -> tuple[int, int]:
    s = a
    while s > 0 and text[s - 1] not in ";\n":
        s -= 1
    e = b
    while e < len(text) and text[e] not in ";\n":
        e += 1
    return s, e


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def categorise(doc, span, kind, gold_spans, pred_spans, lines, starts, heading_cls):
    text = doc.text
    li = max(0, bisect.bisect_right(starts, span.start) - 1)
    line = lines[li]
    if line.column is not None or line.kind == "thead" or (
        line.inline_column is not None and span.start >= line.inline_column[0] - 1
    ):
        return "table"
    path_cls = {c for index in line.path for c in heading_cls(index)}
    if line.kind in ("bullet", "num", "num2", "letter") and not line.heading and path_cls & {"target", "year"}:
        return "list item"
    cs, ce = _clause(text, span.start, span.end)
    if span.label == "INDICATOR":
        before = [g for g in gold_spans if g.label == "VALUE" and cs <= g.start and g.end <= span.start]
        if before and not any(g.label == "INDICATOR" and cs <= g.start < span.start for g in gold_spans):
            return "value first"
    if span.label == "VALUE":
        if any(g.label == "INDICATOR" and span.end <= g.start and g.end <= ce for g in gold_spans) and not any(
            g.label == "INDICATOR" and cs <= g.start and g.end <= span.start for g in gold_spans
        ):
            return "value first"
        if _LETTERS.search(text[span.start : span.end]):
            return "level shape"
    if kind == "spurious":
        key = text_key(text[cs:ce])
        if _PAST.search(key) or "past" in path_cls:
            return "past"
    if kind == "boundary":
        preds = [q for q in pred_spans if q.label == span.label and _overlap(q, span)]
        if all(span.start <= q.start and q.end <= span.end for q in preds):
            return "cut"
        return "overlong"
    return "prose"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--pred", required=True)
    parser.add_argument("--show", help="print examples of this category (e.g. 'INDICATOR missed list item')")
    args = parser.parse_args()
    gold = [d for f in args.gold for d in read_documents(Path(f))]
    pred = {d.id: d for d in read_documents(Path(args.pred))}
    counts: Counter[tuple[str, str, str]] = Counter()
    examples: dict[str, list[str]] = {}
    orphan = Counter()
    c = cues()
    for g in gold:
        if g.id not in pred:
            continue
        p = pred[g.id]
        lines = analyse_lines(g.text)
        starts = [ln.start for ln in lines]
        keys = [" ".join(text_key(g.text[ln.start : ln.end]).lower().split()) for ln in lines]
        cache: dict[int, list[str]] = {}

        def heading_cls(i: int) -> list[str]:
            if i not in cache:
                found = _classes(c.heading, keys[i])
                if re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", keys[i]):
                    found.append("year")
                cache[i] = found
            return cache[i]

        exact = {(s.start, s.end, s.label) for s in p.spans}
        todo = []
        for s in g.spans:
            if s.label not in ("INDICATOR", "VALUE") or (s.start, s.end, s.label) in exact:
                continue
            if any(_overlap(s, q) and q.label == s.label for q in p.spans):
                todo.append((s, "boundary"))
            elif not any(_overlap(s, q) for q in p.spans):
                todo.append((s, "missed"))
                if s.label == "INDICATOR":
                    cs, ce = _clause(g.text, s.start, s.end)
                    orphan[any(q.label == "VALUE" and cs <= q.start and q.end <= ce for q in p.spans)] += 1
        for q in p.spans:
            if q.label in ("INDICATOR", "VALUE") and not any(_overlap(q, s) for s in g.spans):
                todo.append((q, "spurious"))
        for s, kind in todo:
            cat = categorise(g, s, kind, g.spans, p.spans, lines, starts, heading_cls)
            counts[s.label, kind, cat] += 1
            examples.setdefault(f"{s.label} {kind} {cat}", []).append(f"{g.id}: {g.text[s.start:s.end]!r}")
    cats = ("table", "list item", "value first", "level shape", "past", "cut", "overlong", "prose")
    print(f"{'label kind':<22}" + "".join(f"{k:>12}" for k in cats) + f"{'all':>8}")
    for label in ("INDICATOR", "VALUE"):
        for kind in ("missed", "boundary", "spurious"):
            row = [counts[label, kind, k] for k in cats]
            print(f"{label + ' ' + kind:<22}" + "".join(f"{v:>12}" for v in row) + f"{sum(row):>8}")
    print(f"\nmissed INDICATOR with a predicted VALUE in its clause: {orphan[True]}, without: {orphan[False]}")
    if args.show:
        for line in examples.get(args.show, [])[:60]:
            print("  " + line[:200])


if __name__ == "__main__":
    main()
