"""Listwise ranking: per target a softmax over the document's bodies, trained to put the gold
bodies' mass uniformly; same features, same 5 folds (seed 13). Tried and dropped in session links4
(CV 0.546 against 0.573 for the pairwise model).

    python experiments/link_softmax_cv.py 0.3 1.0      # C values
"""
import sys
import numpy as np
from scipy.optimize import minimize
from sklearn.feature_extraction import DictVectorizer
from plannlp.data import Link
from plannlp.evaluate.metrics import PRF, link_score
from plannlp.io import read_documents
from plannlp.linear import shuffled_folds
from plannlp.records import body_key
from plannlp.tag.links import _pairs

docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
cache = {}
def groups(doc):
    if doc.id not in cache:
        plain = doc.with_spans(doc.spans)
        gold = {}
        for l in doc.links:
            gold.setdefault(l.indicator, set()).add(body_key(doc.text[l.agency[0]:l.agency[1]]))
        cache[doc.id] = [(ind, rows, gold.get(ind.key)) for ind, rows in _pairs(plain)]
    return cache[doc.id]

def fit(train, c):
    G = [(rows, g) for d in train for _, rows, g in groups(d) if g and rows]
    vec = DictVectorizer()
    vec.fit([f for rows, _ in G for _, f, _ in rows])
    mats = [(vec.transform([f for _, f, _ in rows]), np.array([b.key in g for b, _, _ in rows], float)) for rows, g in G]
    mats = [(X, y / y.sum()) for X, y in mats if y.sum() > 0]
    dim = len(vec.feature_names_)
    def loss(w):
        L, grad = 0.5 / c * w @ w, w / c
        for X, y in mats:
            s = X @ w; s -= s.max(); p = np.exp(s); p /= p.sum()
            L -= y @ np.log(p + 1e-12)
            grad = grad + X.T @ (p - y)
        return L, grad
    w = minimize(loss, np.zeros(dim), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return vec, w

settings = [(r, t, a) for r in (0.2, 0.35, 0.5, 0.7) for t in (0.0, 0.05, 0.1) for a in (False, True)]
for c in [float(x) for x in sys.argv[1:] or ["0.3"]]:
    tot = {s: PRF() for s in settings}
    for held, rest in shuffled_folds(docs, 5, 13):
        vec, w = fit(rest, c)
        for doc in held:
            plain = doc.with_spans(doc.spans)
            scored = []
            for ind, rows, _ in groups(doc):
                if not rows:
                    continue
                s = vec.transform([f for _, f, _ in rows]) @ w; s -= s.max(); p = np.exp(s); p /= p.sum()
                scored.append((ind, rows, p))
            for st in settings:
                ratio, th, alone = st
                links = []
                for ind, rows, p in scored:
                    top = int(p.argmax())
                    f = rows[top][1]
                    if alone and "no_task" in f and ("issuer" in f or "overall_lead" in f):
                        links.append(Link(ind.key, rows[top][2].key)); continue
                    links += [Link(ind.key, rows[k][2].key) for k in range(len(rows)) if p[k] >= ratio * p[top] and p[k] >= th]
                tot[st] = tot[st] + link_score(doc, plain.with_spans(plain.spans, links))
    best = max(tot, key=lambda s: tot[s].f1)
    print(c, " ".join(f"{'/'.join(map(str, s))}:{v.f1:.3f}" for s, v in tot.items()))
    print("BEST", c, best, round(tot[best].precision, 3), round(tot[best].recall, 3), round(tot[best].f1, 3), flush=True)
