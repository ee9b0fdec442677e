"""Usage: python experiments/link_feature_docs.py "" sub_items pair_match sub_items,pair_match  (session links6)

Held-out CV predictions (same folds/seed as experiments/links.yaml, C 0.3, chosen decoding) per document,
for feature groups given on the command line (comma-separated; '' = none)."""
import sys
from plannlp.data import Link
from plannlp.evaluate.metrics import link_score
from plannlp.io import read_documents
from plannlp.linear import shuffled_folds
from plannlp.records import body_key
from plannlp.tag.links import train_links, _pairs, LinkModel
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
show = {"gov-a69069ae524315d9": "tăng trưởng kinh tế", "gov-689f49d25e51cbaa": "hồ sơ, dữ liệu chuyên ngành"}
for arg in sys.argv[1:]:
    feats = tuple(x for x in arg.split(",") if x)
    per = {}
    for held, rest in shuffled_folds(docs, 5, 13):
        base = train_links(rest, c=0.3, seed=13, features=feats)
        m = LinkModel(base.model, 0.2, 0.0, base.settings, 0.5, False, 0.3)
        for d in held:
            plain = d.with_spans(d.spans)
            links = []
            for ind, rows in _pairs(plain, feats):
                ch = m.choose(rows)
                links += [Link(ind.key, x.key) for x in ch]
                if d.id in show and show[d.id] in d.span_text(ind):
                    print(arg or "none", d.id, ind.start, sorted({body_key(d.span_text(x)) for x in ch}))
            s = link_score(d, plain.with_spans(plain.spans, links))
            per[d.id] = (s.tp, s.fp, s.fn)
    print(arg or "none", "TOTAL", [sum(v[i] for v in per.values()) for i in range(3)])
    print(arg or "none", "PERDOC", per)
