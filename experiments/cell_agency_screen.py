"""Where cell agencies (``plannlp.tag.baselines.agencycells``) add spans, and how often they are gold.

    PYTHONPATH=src python experiments/cell_agency_screen.py [PREDICTIONS.jsonl ...]

Without predictions: the built-in rule AGENCY spans of gold v2 train+dev that fill their line, and how many
of them are gold AGENCY spans (inside and outside recipient lists). With held-out predictions
(``plannlp crossval ... --predictions``): per document, the spans ``cell_agencies`` adds and how many are gold.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents
from plannlp.labels import AGENCY
from plannlp.tag.baselines import read_split
from plannlp.tag.baselines.agencycells import cell_agencies, fills_its_line, recipient_lines, rule_agencies

ROOT = Path(__file__).resolve().parents[1]


def main(paths: list[str]) -> None:
    gold = {d.id: d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_split(ROOT / f, "gold")}
    keys = {i: {(s.start, s.end) for s in d.spans if s.label == AGENCY} for i, d in gold.items()}
    counts: Counter = Counter()
    for i, doc in gold.items():
        blocked = recipient_lines(doc.text)
        for a in rule_agencies(doc):
            if fills_its_line(doc.text, a):
                where = "recipient list" if any(s <= a.start < e for s, e in blocked) else "elsewhere"
                counts[where, (a.start, a.end) in keys[i]] += 1
    for where in ("elsewhere", "recipient list"):
        print(f"rule AGENCY filling its line, {where}: {counts[where, True]} gold of {counts[where, True] + counts[where, False]}")
    for path in paths:
        tp: Counter = Counter()
        fp: Counter = Counter()
        for doc in read_documents(path):
            have = set(doc.spans)
            for s in cell_agencies(doc):
                if s not in have:
                    (tp if (s.start, s.end) in keys[doc.id] else fp)[doc.id] += 1
        print(f"\n{path}: added {sum(tp.values()) + sum(fp.values())}, gold {sum(tp.values())}")
        for i in sorted(set(tp) | set(fp), key=lambda i: -(tp[i] + fp[i])):
            print(f"  {i}  gold {tp[i]}  not gold {fp[i]}")


if __name__ == "__main__":
    main(sys.argv[1:])
