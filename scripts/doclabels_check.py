"""Cross-check the document labels (corpus/doclabels.tsv) against the gold corpus.

For every labelled document that is also in corpus/gold/*.jsonl, print its label, the gold's domain
(meta.domain) and how many INDICATOR / VALUE spans the gold has, and flag the two disagreements that
matter for the document-type classifier: a health document with gold targets labelled ``other``, and
a ``health-plan`` without any gold target. Usage: python scripts/doclabels_check.py [--all]
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def gold_summary(gold_dir: Path = ROOT / "corpus" / "gold") -> dict[str, dict]:
    out = {}
    for split in ("train", "dev", "test"):
        path = gold_dir / f"{split}.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            labels = Counter(s["label"] for s in doc.get("spans", []))
            out[doc["id"]] = {"split": split, "domain": doc.get("meta", {}).get("domain", "?"),
                              "indicator": labels.get("INDICATOR", 0), "value": labels.get("VALUE", 0)}
    return out


def main(argv: list[str]) -> int:
    gold = gold_summary()
    lines = [l for l in (ROOT / "corpus" / "doclabels.tsv").read_text(encoding="utf-8").splitlines()
             if l and not l.startswith("#")]
    flagged = 0
    for row in csv.DictReader(lines, delimiter="\t"):
        g = gold.get(row["doc"])
        if g is None:
            continue
        flag = ""
        if row["label"] == "other" and g["domain"] == "health" and g["indicator"] > 0:
            flag = "CHECK: health document with gold targets labelled other"
        elif row["label"] == "health-plan" and g["indicator"] == 0:
            flag = "CHECK: health-plan without gold targets"
        flagged += bool(flag)
        if flag or "--all" in argv:
            print(f"{row['doc']}\t{row['label']}\tgold {g['split']} domain={g['domain']} "
                  f"INDICATOR={g['indicator']} VALUE={g['value']}\t{flag}")
    print(f"{len(gold)} gold documents, {flagged} flagged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
