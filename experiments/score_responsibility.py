"""Score the responsibility models alone on a gold split: roles predicted on the gold AGENCY spans,
links predicted from the gold spans and gold roles (the linker's own error, apart from the tagger's).

    python experiments/score_responsibility.py corpus/gold/test.jsonl
"""

import json
import sys

from plannlp.evaluate.metrics import PRF, link_score
from plannlp.io import read_documents
from plannlp.links import link_targets, load_link_model
from plannlp.roles import CueRoles, load_role_model, role_prf

docs = list(read_documents(sys.argv[1]))
roles = load_role_model()
out = {
    "roles_model": role_prf(docs, [d.with_spans(roles.predict_spans(d)) for d in docs]),
    "roles_cue_rules": role_prf(docs, [d.with_spans(CueRoles().predict_spans(d)) for d in docs]),
}
linked = [d for d in docs if d.links]
for name, link in (("links_model", load_link_model().link), ("links_rule", lambda d: link_targets(d, 0.5))):
    total = PRF()
    for d in linked:
        total = total + link_score(d, link(d.with_spans(d.spans)))
    out[name] = {"documents": len(linked), **total.to_json()}
print(json.dumps(out, indent=1, ensure_ascii=False))
