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
from plannlp.io import read_documents
from plannlp.text import line_offsets
from plannlp.evaluate.metrics import PRF, record_score
from plannlp.labels import INDICATOR, VALUE, YEAR
gold={d.id:d for f in ["corpus/gold/train.jsonl","corpus/gold/dev.jsonl"] for d in read_documents(f)}
pred=list(read_documents(sys.argv[1]))
from plannlp.tag.baselines.agencycells import cell_agencies
from plannlp.tag.baselines.years import cell_years, date_records
pred=[d.with_spans(date_records(d, cell_agencies(d, cell_years(d)))) for d in pred]
orig=R._heading_years
def restricted(doc, starts, max_words=int(sys.argv[2])):
    out=[]
    for start,end in line_offsets(doc.text):
        inside=R._within(doc.spans, starts, start, end)
        if any(s.label in (INDICATOR,VALUE) for s in inside): continue
        line=doc.text[start:end].strip()
        if len(line.split())<=max_words or line.endswith(":"):
            out.extend(s for s in inside if s.label==YEAR)
    return out
def score():
    tot=PRF()
    for p in pred:
        g=gold[p.id]
        tot=tot+record_score(R.extract_records(g), R.extract_records(p), g.text)
    return tot
base=score()
R._heading_years=restricted
new=score()
R._heading_years=orig
# gold years changed
ch=0; n=0
for g in gold.values():
    a=R.extract_records(g); R._heading_years=restricted; b=R.extract_records(g); R._heading_years=orig
    for x,y in zip(a,b):
        n+=1
        if (x.year and (x.year.start,x.year.end))!=(y.year and (y.year.start,y.year.end)): ch+=1
print("base",base.tp,base.fp,base.fn,round(base.f1,4),"restricted",new.tp,new.fp,new.fn,round(new.f1,4),"gold records year changed",ch,"of",n)
import bisect
for g in gold.values():
    a=R.extract_records(g); R._heading_years=restricted; b=R.extract_records(g); R._heading_years=orig
    for x,y in zip(a,b):
        if (x.year and (x.year.start,x.year.end))!=(y.year and (y.year.start,y.year.end)):
            t=g.text
            ls=t.rfind("\n",0,x.year.start)+1; le=t.find("\n",x.year.end); le=len(t) if le<0 else le
            print(g.id, "| old:", t[ls:le][:150].replace("\n"," "), "| new:", t[y.year.start:y.year.end] if y.year else None, "| ind:", t[x.indicator.start:x.indicator.end][:50], "| dist", x.indicator.start-x.year.end)
