"""AGENCY errors of a prediction file against gold, sorted into rough categories with counts (issue 10).

    PYTHONPATH=src python experiments/agency_errors.py GOLD.jsonl [GOLD2.jsonl ...] --pred PRED.jsonl [--show CAT]

Kinds as in experiments/error_kinds.py (missed / boundary / spurious). Each error gets the first
category that fits, in this order, from surface tests only (no list written from the errors):

- ``table``: the span is (nearly) a whole line of a flattened table or list (its line has at most
  the span plus 3 characters of bullets/numbering);
- ``coordinated``: a gold AGENCY of the same document ends right before it or starts right after
  it, with only ``,``, ``;``, ``và`` or ``/`` between (one conjunct of a list of bodies);
- ``generic``: a generic group (begins with ``các``/``những`` or a common head in lower case:
  ``cơ quan``, ``đơn vị``, ``tổ chức``, ``địa phương``, ``doanh nghiệp`` ...);
- ``abbreviation``: holds an all-capital word of 2+ letters (``UBND``, ``BHXH``, ``MTTQ``);
- ``gazetteer``: the built-in gazetteer (resources/agencies.txt) matches inside it;
- ``named``: any other name (a capitalised head such as ``Sở``, ``Ban``, ``Trung tâm``);
- ``other``.

A boundary error is further split by how the prediction differs: ``longer``/``shorter``/``shifted``,
and for shorter ones whether the gold span goes on past a comma.
Spurious spans are split by what precedes them: ``của``/``theo`` (the author of a referenced document,
excluded by the spec), a person's title (``Chủ tịch``, ``Giám đốc``, ``Thủ tướng``), or else by
category as above. ``news`` / ``gov`` counts say where the errors lie.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from plannlp.io import read_documents
from plannlp.tag.baselines.rules import agency_mentions

AGENCY = "AGENCY"
GENERIC = re.compile(
    r"^(các|những|mọi|toàn thể)\b|^(cơ quan|đơn vị|tổ chức|địa phương|doanh nghiệp|cơ sở|ngành|cấp ủy|lực lượng)\b"
)
JOINER = re.compile(r"^\s*(,|;|/|và|, và|với|cùng)\s*$")
ABBREV = re.compile(r"\b[A-ZĐ]{2,}\b")
TITLE = re.compile(r"(Chủ tịch|Giám đốc|Thủ tướng|Bộ trưởng|Trưởng ban|Thủ trưởng|lãnh đạo)\s*$", re.I)
AUTHOR = re.compile(r"\b(của|theo)\s*$")


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def _line(text: str, start: int, end: int) -> str:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return text[a : len(text) if b < 0 else b]


def category(doc, span, gold_agencies, gazetteer) -> str:
    text = doc.text
    words = text[span.start : span.end]
    if len(_line(text, span.start, span.end).strip(" -*+|•\t0123456789.)")) <= len(words) + 3:
        return "table"
    for other in gold_agencies:
        if other is span:
            continue
        gap = text[other.end : span.start] if other.end <= span.start else text[span.end : other.start]
        if len(gap) < 8 and JOINER.match(gap):
            return "coordinated"
    if GENERIC.match(words.lower()):
        return "generic"
    if ABBREV.search(words):
        return "abbreviation"
    if any(s < span.end and span.start < e for s, e in gazetteer):
        return "gazetteer"
    if words[:1].isupper():
        return "named"
    return "other"


def classify(gold_docs, pred_docs):
    pred = {d.id: d for d in pred_docs}
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = {}

    def add(kind, cat, doc, s):
        source = doc.id.split("-")[0]
        counts[kind, cat] += 1
        counts[kind, "src:" + source] += 1
        examples.setdefault((kind, cat), []).append(f"{doc.id} {s.start}-{s.end}: {doc.text[s.start:s.end]!r}")

    for g in gold_docs:
        if g.id not in pred:
            continue
        p = [s for s in pred[g.id].spans if s.label == AGENCY]
        gold = [s for s in g.spans if s.label == AGENCY]
        exact = {(s.start, s.end) for s in p}
        gaz = agency_mentions(g.text)
        for s in gold:
            if (s.start, s.end) in exact:
                counts["correct", "all"] += 1
                continue
            hits = [q for q in p if _overlap(s, q)]
            if not hits:
                add("missed", category(g, s, gold, gaz), g, s)
                continue
            q = hits[0]
            if q.start <= s.start and q.end >= s.end:
                how = "longer"
            elif q.start >= s.start and q.end <= s.end:
                rest = g.text[q.end : s.end] if q.start == s.start else g.text[s.start : q.start]
                how = "shorter-at-comma" if rest.lstrip().startswith(",") or "," in rest[:3] else "shorter"
            else:
                how = "shifted"
            add("boundary", how, g, s)
        others = [s for s in g.spans]
        for q in p:
            if any(_overlap(q, s) for s in others):
                continue
            before = g.text[max(0, q.start - 20) : q.start]
            if AUTHOR.search(before):
                cat = "after-của/theo"
            elif TITLE.search(before) or TITLE.search(g.text[q.start : q.start + 12].split(" ")[0]):
                cat = "person-title"
            else:
                cat = category(g, q, [], gaz)
            add("spurious", cat, g, q)
    return counts, examples


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--pred", required=True)
    parser.add_argument("--show", help="print the examples of this category (kind:cat, e.g. missed:generic)")
    args = parser.parse_args()
    gold = [d for f in args.gold for d in read_documents(Path(f))]
    counts, examples = classify(gold, read_documents(Path(args.pred)))
    print(f"correct {counts['correct', 'all']}")
    for kind in ("missed", "boundary", "spurious"):
        cats = sorted(((c, n) for (k, c), n in counts.items() if k == kind), key=lambda x: -x[1])
        total = sum(n for c, n in cats if not c.startswith("src:"))
        print(f"{kind} {total}: " + ", ".join(f"{c} {n}" for c, n in cats))
    if args.show:
        kind, cat = args.show.split(":")
        for line in examples.get((kind, cat), [])[:80]:
            print("  " + line[:220])
