"""In one process: the CRF's model stage with dict rows (the old crfsuite input) against crfinput's items, cold
(caches emptied as bench_tag does) and warm, alternated; CPU s, best of N. The one-pass CRF or the stacked one
(both passes: dict rows merged with the stacking features, or items followed by their attributes).

    PYTHONPATH=src python benchmarks/bench_crf_input.py models/crf-targets 4   # from the repository root
    PYTHONPATH=src python benchmarks/bench_crf_input.py models/default 4
"""
import sys, time, gc
from pathlib import Path
sys.path.insert(0, str(Path("benchmarks").resolve()))
from bench_tag import clear_caches
from plannlp.clean import clean
from plannlp.data import Document
from plannlp.segment import segment
from plannlp.tag.baselines import crf, stacked
from plannlp.tag.batch import INPUT_SUFFIXES
from plannlp.tag.systems import load_tagger
files = sorted(p for p in Path("corpus/raw/gov").iterdir() if p.suffix in INPUT_SUFFIXES)[:60]
texts = [clean(p.read_bytes(), kind=INPUT_SUFFIXES[p.suffix]) for p in files]
tagger = load_tagger(sys.argv[1])
segs = [segment(t) for t in texts]
docs = [Document(p.name, t) for p, t in zip(files, texts)]
new = crf.sentence_inputs
old = lambda text, sents, settings, clusters=None, lexicon=None: crf.sentence_features(text, sents, settings, clusters, lexicon=lexicon)
fast_stacked = stacked.dict_rows_only
res = {}
for rnd in range(int(sys.argv[2])):
    for name, f in (("dicts", old), ("items", new)):
        crf.sentence_inputs = f
        stacked.dict_rows_only = (lambda settings: True) if name == "dicts" else fast_stacked  # main's stacked path: dict rows
        clear_caches(); gc.collect()
        t0 = time.process_time(); a = tagger.predict_spans(docs, segs); t1 = time.process_time()
        b = tagger.predict_spans(docs, segs); t2 = time.process_time()
        res.setdefault(name + " cold", []).append(round(t1 - t0, 2)); res.setdefault(name + " warm", []).append(round(t2 - t1, 2))
        res.setdefault(name + " out", repr(a))
print(sys.argv[1], {k: (min(v), v) for k, v in res.items() if not k.endswith("out")}, "same:", res["dicts out"] == res["items out"])
