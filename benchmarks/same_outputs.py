"""Checksums of the rule tagger's spans, the default CRF's feature rows and its predictions over many texts,
to show that a speed-up changed no output: run it on two source trees and compare the printed line.

    PYTHONPATH=/path/to/other/src python benchmarks/same_outputs.py [N]   # from the repository root
    PYTHONPATH=src python benchmarks/same_outputs.py [N]

Texts: the last N (default 120) plans of corpus/raw/gov and the first 40 documents of gold train and dev.
"""
import hashlib, json, sys
from pathlib import Path
from plannlp.clean import clean
from plannlp.data import Document
from plannlp.segment import segment
from plannlp.tag.batch import INPUT_SUFFIXES
from plannlp.tag.baselines.rules import stacked_rules
from plannlp.tag.baselines import crf
from plannlp.tag.systems import load_tagger
n = int(sys.argv[1]) if len(sys.argv) > 1 else 120
files = sorted(p for p in Path("corpus/raw/gov").iterdir() if p.suffix in INPUT_SUFFIXES)[-n:]
texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl"):
    texts += [json.loads(l)["text"] for l in open(f, encoding="utf-8")][:40]
r = stacked_rules()
h = {k: hashlib.sha256() for k in ("rules", "features", "pred")}
tagger = load_tagger(None)
for t in texts:
    h["rules"].update(repr(r.tag_text(t)).encode())
    sents = segment(t)
    rows = crf.sentence_features(t, sents, tagger.settings)
    h["features"].update(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode())
    h["pred"].update(repr(tagger.predict_spans([Document("d", t)], [sents])).encode())
print(len(texts), {k: v.hexdigest()[:16] for k, v in h.items()})
