"""What the linker gets wrong, target by target, under 5-fold CV over the link-annotated train+dev documents
(gold spans and roles; the decoding settings of ``models/links``, a linker fitted per fold).

    PYTHONPATH=src python experiments/link_error_kinds.py

Each linked gold target is sorted by what its gold bodies are (the plan's overall lead alone, the issuer alone, or
the bodies of tasks) and by what the linker gave it: the same bodies (exact), some of them (partial), none,
only the overall lead or the issuer where gold names task bodies, or other bodies. For the partial ones, the roles
of the bodies missed and added are counted.
"""

from collections import Counter

from plannlp.io import read_documents
from plannlp.linear import shuffled_folds
from plannlp.records import body_key
from plannlp.tag.links import LinkModel, _pairs, load_link_model, overall_lead, train_links

shipped = load_link_model("models/links")
docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
kinds: Counter = Counter()
missed: Counter = Counter()
added: Counter = Counter()
for held, rest in shuffled_folds(docs, 5, 13):
    base = train_links(rest, c=shipped.settings.get("c", 0.3), seed=13)
    model = LinkModel(base.model, shipped.threshold, shipped.floor, {}, shipped.ratio, shipped.fallback_alone,
                      shipped.weak, shipped.weak_lead)
    for d in held:
        plain = d.with_spans(d.spans)
        lead = {body_key(d.span_text(s)) for s in overall_lead(d)}
        issuer = {body_key(d.span_text(s)) for s in d.spans if s.role == "issuer"}
        roles: dict[str, set] = {}
        for s in d.spans:
            if s.label == "AGENCY":
                roles.setdefault(body_key(d.span_text(s)), set()).add(s.role or "-")
        for indicator, rows in _pairs(plain):
            gold = {body_key(d.text[a:b]) for i, (a, b) in ((link.indicator, link.agency) for link in d.links) if i == indicator.key}
            if not gold:
                continue
            pred = {body_key(d.span_text(m)) for m in model.choose(rows)}
            kind = "overall lead" if lead and gold <= lead else ("issuer" if gold <= issuer else "task bodies")
            if pred == gold:
                result = "exact"
            elif pred & gold:
                result = "partial"
                missed.update("/".join(sorted(roles.get(b, {"?"}))) for b in gold - pred)
                added.update("/".join(sorted(roles.get(b, {"?"}))) for b in pred - gold)
            elif not pred:
                result = "none"
            elif lead and pred <= lead:
                result = "the overall lead (wrong)"
            elif pred <= issuer:
                result = "the issuer (wrong)"
            else:
                result = "other bodies"
            kinds[(kind, result)] += 1
print(f"{len(docs)} documents, {sum(kinds.values())} linked targets")
for (kind, result), n in sorted(kinds.items()):
    print(f"gold: {kind:<13} predicted: {result:<26} {n}")
print("partial, bodies missed by role:", dict(missed.most_common()))
print("partial, bodies added by role:", dict(added.most_common()))
