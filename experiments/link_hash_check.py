"""The linker's 5-fold CV (fold seed 41, the chosen setting) as one line, to compare across PYTHONHASHSEED values:

    PYTHONHASHSEED=0 PYTHONPATH=src python experiments/link_hash_check.py
"""
import plannlp.tag.links as L, json, time
from plannlp.io import read_documents
t=time.time()
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
r = L.crossval_links(docs, 0.3, [(0.2, 0.0, 0.5, False, 0.3)], 5, 41, ())
print(json.dumps(next(iter(r.values())), default=str)[:400], time.time()-t)
