"""Agency conjuncts, scored on held-out predictions (session 3; not adopted).

    PYTHONPATH=src python experiments/agency_conjunct_search.py PREDICTIONS SEED [PREDICTIONS SEED ...]

Spec rule 4 makes coordinated bodies separate spans, and under CV one item of a list of bodies is the
largest category of missed AGENCY spans (350 of 957, ``experiments/agency_errors.py``). This adds each
built-in rule AGENCY span (its lists only, nothing learned from gold) that is joined to a predicted
AGENCY by ``,`` ``;`` ``và`` ``cùng`` ``với`` within 8 characters, repeatedly, after the default's
cell-year and record-year steps, then prints the 3-fold scores with the folds of SEED and how many
added spans are gold.
"""
import re, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cell_year_search import _score, _row
from plannlp.data import Document, Span
from plannlp.io import read_documents, write_documents
from plannlp.tag.baselines import read_split
from plannlp.tag.baselines.rules import builtin_rules
from plannlp.tag.baselines.years import cell_years, date_records

JOIN = re.compile(r"\s*(?:,\s*và|;\s*và|,|;|và|cùng|với)\s*$")

def rule_agencies(doc):
    [spans] = builtin_rules().predict_spans([Document(doc.id, doc.text)], [()])
    return [s for s in spans if s.label == "AGENCY"]

def conjuncts(doc, spans):
    spans = list(spans)
    rules = [r for r in rule_agencies(doc) if not any(r.overlaps(s) for s in spans)]
    added = True
    out = list(spans)
    while added:
        added = False
        ags = [s for s in out if s.label == "AGENCY"]
        for r in rules:
            if r in out or any(r.overlaps(s) for s in out):
                continue
            for a in ags:
                if a.end <= r.start and JOIN.fullmatch(doc.text[a.end:r.start]) and r.start - a.end <= 8:
                    out.append(r); added = True; break
                if r.end <= a.start and JOIN.fullmatch(doc.text[r.end:a.start]) and a.start - r.end <= 8:
                    out.append(r); added = True; break
    return sorted(out, key=lambda s: (s.start, s.end))

docs = [d for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_split(f, "gold")]
for path, seed in [(a, int(b)) for a, b in zip(sys.argv[1::2], sys.argv[2::2])]:
    held = list(read_documents(path))
    base = [d.with_spans(date_records(d, cell_years(d))) for d in held]
    conj = [d.with_spans(date_records(d, conjuncts(d, cell_years(d)))) for d in held]
    with tempfile.TemporaryDirectory() as tmp:
        for name, v in (("default steps", base), ("+ agency conjuncts", conj)):
            p = Path(tmp) / "p.jsonl"; write_documents(p, v)
            print(path.split("/")[-1], _row(name, _score(p, docs, 3, seed)), flush=True)

gold = {d.id: {(s.start, s.end, s.label) for s in d.spans} for d in docs}
for path in sys.argv[1::2]:
    tp = fp = 0
    for d in read_documents(path):
        b = set(cell_years(d)); c = set(conjuncts(d, cell_years(d)))
        for s in c - b:
            if (s.start, s.end, s.label) in gold[d.id]: tp += 1
            else: fp += 1
    print(path, "added tp", tp, "fp", fp)
