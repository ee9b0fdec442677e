"""Checksums of the rule tagger's spans, the default CRF's feature rows and its predictions over many texts,
to show that a speed-up changed no output: run it on two source trees and compare the printed line.

    PYTHONPATH=/path/to/other/src python benchmarks/same_outputs.py [N] [--model DIR] [--record-years]   # from the repository root
    PYTHONPATH=src python benchmarks/same_outputs.py [N] [--model DIR] [--record-years]

Texts: the last N (default 120) plans of corpus/raw/gov and the first 40 documents of gold train and dev.
``--model``: the model whose features and predictions are hashed (default: models/default);
``--record-years``: its settings with ``record_years`` on (the rule YEARs dating undated records).
Run with the same ``PYTHONHASHSEED`` on both trees.
"""
import argparse, dataclasses, hashlib, json, sys
from pathlib import Path
from plannlp.clean import clean
from plannlp.data import Document
from plannlp.segment import segment
from plannlp.tag.baselines import crf
from plannlp.tag.baselines.rules import stacked_rules
from plannlp.tag.batch import INPUT_SUFFIXES
from plannlp.tag.systems import load_tagger
parser = argparse.ArgumentParser()
parser.add_argument("n", nargs="?", type=int, default=120)
parser.add_argument("--model", default=None)
parser.add_argument("--record-years", action="store_true")
args = parser.parse_args()
n = args.n
files = sorted(p for p in Path("corpus/raw/gov").iterdir() if p.suffix in INPUT_SUFFIXES)[-n:]
texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
for f in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl"):
    texts += [json.loads(l)["text"] for l in open(f, encoding="utf-8")][:40]
r = stacked_rules()
h = {k: hashlib.sha256() for k in ("rules", "features", "pred")}
tagger = load_tagger(args.model)
if args.record_years:
    if hasattr(tagger, "second"):  # the stacked CRF: its output step is the second pass's
        tagger.second.settings = dataclasses.replace(tagger.second.settings, record_years=True)
    tagger.settings = dataclasses.replace(tagger.settings, record_years=True)
for t in texts:
    h["rules"].update(repr(r.tag_text(t)).encode())
    sents = segment(t)
    rows = crf.sentence_features(t, sents, tagger.settings)
    h["features"].update(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode())
    h["pred"].update(repr(tagger.predict_spans([Document("d", t)], [sents])).encode())
print(len(texts), {k: v.hexdigest()[:16] for k, v in h.items()})
