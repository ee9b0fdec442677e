"""Usage: python experiments/link_feature_seeds.py  (session links6)

Extra evidence only (not the decision): other fold seeds, C 0.3, the chosen decoding 0.2/0/0.5/False/0.3. The decision used seed 13 (experiments/links.yaml)."""
from plannlp.io import read_documents
from plannlp.tag.links import crossval_links
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
for seed in (7, 29):
    for feats in ((), ("sub_items",), ("pair_match",), ("sub_items", "pair_match")):
        r = crossval_links(docs, 0.3, [(0.2, 0.0, 0.5, False, 0.3)], 5, seed, feats)
        v = next(iter(r.values()))
        print(seed, feats, "P %.3f R %.3f F1 %.3f" % (v["precision"], v["recall"], v["f1"]), flush=True)
