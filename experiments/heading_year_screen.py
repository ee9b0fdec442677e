"""Heading years restricted to heading-like lines: how records would change (issue 11; not adopted).

    PYTHONPATH=src python experiments/heading_year_screen.py runs/cv-pred/v5-crf-stacked-poslex.jsonl 20

The record rule's fallback year is "the nearest heading YEAR above", and ``plannlp.records`` takes as a heading
any line with a YEAR and no INDICATOR or VALUE, long task sentences included. This screen counts a line as a
heading only when it has at most N words or ends with ``:``. It prints the pooled records F1 of the held-out
predictions (after the default's output steps) against the gold records, before and after. Both sides change,
because gold records are built by the same rule. It also prints how many gold records change year, and lists each
one with the old heading line.
"""

import sys

import plannlp.records as R
from plannlp.evaluate.metrics import PRF, record_score
from plannlp.io import read_documents
from plannlp.labels import INDICATOR, VALUE, YEAR
from plannlp.tag.baselines.agencycells import cell_agencies
from plannlp.tag.baselines.years import cell_years, date_records
from plannlp.text import line_offsets

ORIGINAL = R._heading_years


def restricted(doc, starts, max_words):
    """The heading YEARs of ``doc`` when a heading has at most ``max_words`` words or ends with ``:``."""
    out = []
    for start, end in line_offsets(doc.text):
        inside = R._within(doc.spans, starts, start, end)
        if any(s.label in (INDICATOR, VALUE) for s in inside):
            continue
        line = doc.text[start:end].strip()
        if len(line.split()) <= max_words or line.endswith(":"):
            out.extend(s for s in inside if s.label == YEAR)
    return out


def records_score(pred, gold) -> PRF:
    total = PRF()
    for p in pred:
        g = gold[p.id]
        total = total + record_score(R.extract_records(g), R.extract_records(p), g.text)
    return total


def main() -> None:
    max_words = int(sys.argv[2])
    gold = {d.id: d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(f)}
    pred = [d.with_spans(date_records(d, cell_agencies(d, cell_years(d)))) for d in read_documents(sys.argv[1])]
    base = records_score(pred, gold)
    R._heading_years = lambda doc, starts: restricted(doc, starts, max_words)
    new = records_score(pred, gold)
    changed = []
    for g in gold.values():
        R._heading_years = ORIGINAL
        before = R.extract_records(g)
        R._heading_years = lambda doc, starts: restricted(doc, starts, max_words)
        after = R.extract_records(g)
        for x, y in zip(before, after):
            if (x.year and (x.year.start, x.year.end)) != (y.year and (y.year.start, y.year.end)):
                changed.append((g, x, y))
    R._heading_years = ORIGINAL
    n = sum(len(R.extract_records(g)) for g in gold.values())
    print(f"records F1 (pooled) {base.f1:.4f} ({base.tp}/{base.fp}/{base.fn}) -> {new.f1:.4f} ({new.tp}/{new.fp}/{new.fn}); "
          f"gold records whose year changes: {len(changed)} of {n}")
    for g, x, y in changed:
        t = g.text
        a = t.rfind("\n", 0, x.year.start) + 1
        b = t.find("\n", x.year.end)
        line = t[a : b if b >= 0 else len(t)][:150]
        new_year = t[y.year.start : y.year.end] if y.year else None
        print(f"{g.id} | old heading: {line} | new year: {new_year} | indicator: {g.span_text(x.indicator)[:50]}")


if __name__ == "__main__":
    main()
