"""How the annotators linked targets to bodies, and how far the linker's tasks get.

    python experiments/link_analysis.py                 # counts and the unit oracle over train+dev
    python experiments/link_analysis.py DOC_ID [...]    # also each target's gold bodies, roles and lines

The oracle: for each target, the single candidate unit (a task of plannlp.tag.links, the overall lead or
the issuer) whose bodies agree best with the gold bodies, against the unit whose words match the
target best. Gold spans and roles throughout.
"""

import sys

from plannlp.io import read_documents
from plannlp.records import body_key
from plannlp.tag.links import _Matcher, _task_score, _tasks, content_syllables, overall_lead

docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]
show = set(sys.argv[1:])
oracle = [0, 0, 0]
top = [0, 0, 0]
issuer_only = 0
for d in docs:
    spans = {s.key: s for s in d.spans}
    tasks = [t for t in _tasks(d) if t.responsible]
    matcher = _Matcher.of(d)
    bodies = [{body_key(d.span_text(a)) for a in t.responsible} for t in tasks]
    issuer = {body_key(d.span_text(s)) for s in d.spans if s.role == "issuer"}
    fallback = [set(list(issuer)[:1]), {body_key(d.span_text(s)) for s in overall_lead(d)}]
    if d.id in show:
        print(f"===== {d.id}")
    for ind in (s for s in d.spans if s.label == "INDICATOR"):
        links = [link for link in d.links if link.indicator == ind.key]
        gold = {body_key(d.text[a:b]) for a, b in (link.agency for link in links)}
        if not gold:
            continue
        issuer_only += gold <= issuer
        best = max(bodies + fallback, key=lambda u: 2 * len(u & gold) / (len(u) + len(gold)) if u else 0.0)
        words = content_syllables(d.span_text(ind))
        ranked = sorted(range(len(tasks)), key=lambda j: (-_task_score(matcher, words, tasks[j]), tasks[j].end - tasks[j].start))
        first = bodies[ranked[0]] if ranked else set()
        for acc, unit in ((oracle, best), (top, first)):
            acc[0] += len(unit & gold)
            acc[1] += len(unit - gold)
            acc[2] += len(gold - unit)
        if d.id in show:
            print(f"-- {d.span_text(ind)[:70]!r}")
            for link in links:
                a = spans[link.agency]
                line = d.text[d.text.rfind("\n", 0, a.start) + 1 : d.text.find("\n", a.end)].strip()
                print(f"     {a.role:9s} {d.span_text(a)!r} | {line[:120]!r}")


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


print(f"{len(docs)} documents, {sum(len(d.links) for d in docs)} links; targets linked to the issuer only: {issuer_only}")
print(f"oracle single unit: tp {oracle[0]} fp {oracle[1]} fn {oracle[2]} F1 {f1(*oracle):.3f}")
print(f"best-matching task: tp {top[0]} fp {top[1]} fn {top[2]} F1 {f1(*top):.3f}")
