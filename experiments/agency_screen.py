"""Screen the agency-context features (issue 10) before a CV run: how often each fires on gold AGENCY
words against the other words of train+dev (no model trained).

    PYTHONPATH=src python experiments/agency_screen.py

Rows: the built-in gazetteer (``gaz``), the mined names (``mined``, ``mined-only`` outside the
gazetteer), each conjunct kind and a neighbouring head/generic conjunct; counts, share of AGENCY and
non-AGENCY words, and the AGENCY share among the words where it fires ("precision").
"""

from collections import Counter
from pathlib import Path
from plannlp.io import read_documents
from plannlp.tag.baselines.agencyctx import mined_names, agency_context_features
from plannlp.tag.baselines.crf import gazetteer_tags, _range_tags
from plannlp.tag.baselines.wordcache import analysed
from plannlp.tag.training_data import tagged_sentences, SentenceCounts
docs=[d for f in ['corpus/gold/train.jsonl','corpus/gold/dev.jsonl'] for d in read_documents(Path(f))]
c=Counter()
names=mined_names()
for doc in docs:
    sents,_=analysed(doc.text, True)
    gaz=gazetteer_tags(doc.text,sents)
    mined=_range_tags([(a,b,"") for a,b in names.matches(doc.text)],sents)
    ag=_range_tags([(s.start,s.end,"") for s in doc.spans if s.label=="AGENCY"],sents)
    for k,s in enumerate(sents):
        words=[t.text for t in s.tokens]
        rows=agency_context_features(words,gaz[k],mined[k])
        for i,w in enumerate(words):
            y="AG" if ag[k][i]!="O" else "no"
            c[y]+=1
            if mined[k][i]!="O": c[y,"mined"]+=1
            if gaz[k][i]!="O": c[y,"gaz"]+=1
            if mined[k][i]!="O" and gaz[k][i]=="O": c[y,"mined-only"]+=1
            r=rows[i]
            if "cj.kind" in r:
                c[y,"kind="+r["cj.kind"]]+=1
                if r["cj.prev"] in ("head","late-head","generic") or r["cj.next"] in ("head","generic"): c[y,"nbr-agencyish"]+=1
for key in sorted({k[1] for k in c if isinstance(k,tuple)}):
    a,b=c["AG",key],c["no",key]
    print(f"{key:20} AG {a:6} ({a/c['AG']:.1%})  non-AG {b:7} ({b/c['no']:.1%})  precision {a/max(1,a+b):.2f}")
print("AGENCY words", c["AG"], "other words", c["no"])
