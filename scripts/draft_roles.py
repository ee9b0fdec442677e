"""Draft a role for every AGENCY of existing quote files, for annotators to read and correct.

A pre-annotation aid only (the spec's *Agency roles and responsibility*): it looks at the words
governing each mention and writes ``AGENCY:<role>``; the file's header records ``roles: draft``
until an annotator has read every role in context and changed it to ``roles: checked by <who>``.

    python scripts/draft_roles.py corpus/annotations/*.tsv
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from plannlp.annotate.gold import load_annotation
from plannlp.annotate.manifest import load_clean_document
from plannlp.annotate.quotes import read_annotation

BEFORE = [  # (pattern on the 60 characters before the mention, role)
    (r"(phối hợp với|phối hợp|cùng với|cùng|tham gia|và)\s*$", "partner"),
    (r"(báo cáo|báo cáo về|tham mưu|trình|đề xuất|dưới sự chỉ đạo của|xin ý kiến|gửi về|gửi)\s*(cho\s*)?$", "oversight"),
]
AFTER = [  # (pattern on the 40 characters after the mention, role)
    (r"^\s*(vừa có|vừa ban hành|ban hành|đã ban hành kế hoạch|phê duyệt|quyết định)", "issuer"),
    (r"^\s*(chủ trì|chịu trách nhiệm|:)", "lead"),
    (r"^\s*(phối hợp|tham gia)", "lead"),
    (r"^\s*(chỉ đạo|giám sát|kiểm tra, giám sát)", "oversight"),
]


def draft_role(text: str, start: int, end: int) -> str:
    before, after = text[max(0, start - 60) : start], text[end : end + 40]
    for pattern, role in AFTER:
        if re.search(pattern, after, re.I):
            return role
    for pattern, role in BEFORE:
        if re.search(pattern, before, re.I):
            return role
    return "lead"


def main(paths: list[str]) -> None:
    corpus = Path("corpus")
    for path in map(Path, paths):
        doc = load_clean_document(path.stem, corpus)
        spans, _, meta = read_annotation(path, doc.text, require_roles=False)
        if meta.get("roles"):
            print(f"{path}: roles already {meta['roles']!r}; left alone")
            continue
        # rewrite the label field of each AGENCY line in place: SKIP lines, contexts and comments stay
        lines = path.read_text(encoding="utf-8").splitlines()
        out, k, header_done = [], 0, False
        for line in lines:
            if line.strip() and not line.startswith("#"):
                if not header_done:
                    out.append("# roles: draft (scripts/draft_roles.py cue rules)")
                    header_done = True
                field, rest = line.split("\t", 1)
                if field.strip() != "SKIP":
                    span = spans[k]
                    k += 1
                    if span.label == "AGENCY" and span.role is None:
                        line = f"AGENCY:{draft_role(doc.text, span.start, span.end)}\t{rest}"
            out.append(line)
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        again = load_annotation(path, corpus)  # reads back to the same spans
        assert list(again.spans) == spans, path
        print(f"{path}: {sum(s.label == 'AGENCY' for s in spans)} roles drafted")


if __name__ == "__main__":
    main(sys.argv[1:])
