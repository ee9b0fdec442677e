"""Screen task-matching scores offline: link each target to the bodies of its top-scored task and

    python experiments/link_task_match.py base head gram spec head+spec gram+spec

report the pooled link F1 and how often that task is the oracle best (gold spans and roles, train+dev
linked documents). head: the task line plus its heading's words; gram: character 4-gram containment;
spec: minus half the task's mean score over the targets. Session links4; none beat base clearly
(0.371 with the aliases; spec 0.375, the model already has a `specific` feature)."""
import sys
from plannlp.io import read_documents
from plannlp.records import body_key
from plannlp.tag.links import _Matcher, _task_score, _tasks, content_syllables, overall_lead, _Task
from plannlp.tag.roles import _Layout
from plannlp.text import base_letters

docs = [d for p in ("corpus/gold/train.jsonl", "corpus/gold/dev.jsonl") for d in read_documents(p) if d.links]

def grams(s, n=4):
    s = " ".join(content_syllables(s))
    return {s[i:i+n] for i in range(len(s)-n+1)}

def run(variant):
    acc = [0, 0, 0]; hit = 0; n = 0
    for d in docs:
        tasks = [t for t in _tasks(d) if t.responsible]
        matcher = _Matcher.of(d)
        lay = _Layout(d.text)
        heads = [content_syllables(lay.heading_above(lay.line_of(t.start))) for t in tasks]
        tgrams = [grams(d.text[t.start:t.end]) for t in tasks]
        bodies = [{body_key(d.span_text(a)) for a in t.responsible} for t in tasks]
        inds = [s for s in d.spans if s.label == "INDICATOR"]
        W = [content_syllables(d.span_text(i)) for i in inds]
        base = [[_task_score(matcher, w, t) for t in tasks] for w in W]
        mean = [sum(base[i][j] for i in range(len(W))) / len(W) for j in range(len(tasks))] if W else []
        for ii, ind in enumerate(inds):
            gold = {body_key(d.text[l.agency[0]:l.agency[1]]) for l in d.links if l.indicator == ind.key}
            if not gold or not tasks:
                continue
            words = W[ii]
            def score(j):
                t = tasks[j]
                if t.start <= ind.start < t.end:
                    return -1
                s = base[ii][j]
                if "head" in variant:
                    ht = _Task(0, 0, (), frozenset(heads[j]) | t.words, frozenset())
                    s = max(s, 0.8 * matcher.weighted(words, ht))
                if "gram" in variant:
                    g = grams(d.span_text(ind))
                    s = 0.5 * s + 0.5 * (len(g & tgrams[j]) / len(g) if g else 0)
                if "spec" in variant:
                    s = s - 0.5 * mean[j]
                return s
            j = max(range(len(tasks)), key=lambda j: (score(j), -(tasks[j].end - tasks[j].start)))
            u = bodies[j]
            f = [2*len(b & gold)/(len(b)+len(gold)) for b in bodies]
            hit += f[j] >= max(f) - 1e-9 and max(f) > 0; n += 1
            acc[0] += len(u & gold); acc[1] += len(u - gold); acc[2] += len(gold - u)
    tp, fp, fn = acc
    print(variant, "top1 F1 %.3f" % (2*tp/(2*tp+fp+fn)), "oracle-hit %d/%d" % (hit, n))

for v in sys.argv[1:] or ["base"]:
    run(v)
