"""Usage: python experiments/link_feature_seeds.py [SEED ...] [--features a,b;c]  (sessions links6 and 4)

Extra fold seeds for the linker's optional feature groups: 5-fold CV over the link-annotated train+dev
documents, C 0.3 and the chosen decoding 0.2/0/0.5/False/0.3, each seed with no extra features and with each
group set given. Defaults: seeds 7 29; sets sub_items, pair_match, sub_items+pair_match (session links6,
extra evidence only: the decision there used seed 13, experiments/links.yaml). Session 4 ran seeds 41 53 67
with --features pair_match, under a rule written before the run."""
import sys

from plannlp.io import read_documents
from plannlp.tag.links import crossval_links

args = sys.argv[1:]
sets = "sub_items;pair_match;sub_items,pair_match"
if "--features" in args:
    k = args.index("--features")
    sets = args[k + 1]
    args = args[:k] + args[k + 2 :]
seeds = [int(a) for a in args] or [7, 29]
groups = [()] + [tuple(s.split(",")) for s in sets.split(";")]
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
for seed in seeds:
    for feats in groups:
        r = crossval_links(docs, 0.3, [(0.2, 0.0, 0.5, False, 0.3)], 5, seed, feats)
        v = next(iter(r.values()))
        print(seed, feats, "P %.3f R %.3f F1 %.4f" % (v["precision"], v["recall"], v["f1"]), flush=True)
