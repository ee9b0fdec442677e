"""Score the responsibility models alone on a gold split: roles predicted on the gold AGENCY spans,
links predicted from the gold spans and gold roles (the linker's own error, apart from the tagger's),
and records built from the gold spans: the metric's records F1 (indicator, values, comparators,
year; 1.0 from gold spans unless the record builder is not deterministic) and the same with the
responsible bodies required to equal the gold links' bodies (the record builder plus the linker).

    python experiments/score_responsibility.py corpus/gold/test.jsonl
"""

import json
import sys

from plannlp.evaluate.metrics import PRF, link_score, record_score
from plannlp.io import read_documents
from plannlp.records import extract_records
from plannlp.tag.links import link_targets, load_link_model
from plannlp.tag.roles import CueRoles, load_role_model, role_prf


docs = list(read_documents(sys.argv[1]))
roles = load_role_model()
out = {
    "roles_model": role_prf(docs, [d.with_spans(roles.predict_spans(d)) for d in docs]),
    "roles_cue_rules": role_prf(docs, [d.with_spans(CueRoles().predict_spans(d)) for d in docs]),
}
linked = [d for d in docs if d.links]
for name, link in (("links_model", load_link_model().link), ("links_rule", lambda d: link_targets(d, 0.5))):
    total, records, strict = PRF(), PRF(), PRF()
    for d in linked:
        predicted = link(d.with_spans(d.spans))
        total = total + link_score(d, predicted)
        records = records + record_score(extract_records(d), extract_records(predicted), d.text)
        strict = strict + record_score(extract_records(d), extract_records(predicted), d.text, responsible=True)
    out[name] = {"documents": len(linked), **total.to_json(),
                 "records_from_gold_spans": records.to_json(),
                 "records_with_responsible_from_gold_spans": strict.to_json()}
print(json.dumps(out, indent=1, ensure_ascii=False))
