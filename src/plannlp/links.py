"""Who answers for which target: links from each INDICATOR to the AGENCY mentions responsible.

The spec's rule (*Agency roles and responsibility*): the bodies responsible for a target are the
``lead`` and ``partner`` mentions of the task the plan gives for that target (the task names the
target's indicator or its subject); where the plan gives no such task, the plan's overall lead
(the body that ``chủ trì`` the implementation of the whole plan); where it names none, the issuer.

:func:`link_targets` makes that rule concrete over a document whose AGENCY spans carry roles:

* A *task* is a line (a paragraph, a list item or a table row) holding a ``lead`` or ``partner``
  mention; a short line ending in ``:`` (``1. Sở Y tế:``) takes the lines under it, up to the next
  line that opens with an agency, as its task text.
* A task *names* a target when it shares enough of the indicator's content words: the share of
  the indicator's syllable bigrams (and, for short indicators, syllables) found in the task text,
  at least ``min_overlap``. The best-sharing task wins; ties go to the first.
* The overall lead is the first ``lead`` mention whose sentence speaks of carrying out the plan
  itself (``chủ trì`` with ``tổ chức thực hiện`` / ``triển khai`` / ``kế hoạch``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from plannlp.data import Document, Link, Span
from plannlp.labels import AGENCY, INDICATOR, ISSUER, LEAD, PARTNER
from plannlp.roles import assign_roles, heading_above

_SYLLABLE = re.compile(r"\w+", re.UNICODE)
# words that say little about what a target measures
_STOP = frozenset(
    "các của và có được cho trong trên dưới theo với về tại từ đến đạt là một những này đó tỷ lệ số "
    "người mỗi đều hơn ít nhất tối thiểu toàn bộ năm giai đoạn".split()
)
_PLAN_LEAD = re.compile(r"tổ chức thực hiện|triển khai thực hiện|triển khai kế hoạch|thực hiện kế hoạch|kế hoạch này|theo dõi, đôn đốc|đầu mối")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def content_syllables(text: str) -> list[str]:
    return [w for w in _SYLLABLE.findall(_fold(text)) if w not in _STOP and not w.isdigit()]


def _bigrams(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


@dataclass(frozen=True)
class _Task:
    start: int
    end: int
    agencies: tuple[Span, ...]  # its lead and partner mentions
    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]


def _line_ranges(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, start + len(line)))
        start += len(line) + 1
    return out


def _tasks(doc: Document) -> list[_Task]:
    lines = _line_ranges(doc.text)
    agencies = [s for s in doc.spans if s.label == AGENCY]
    by_line: dict[int, list[Span]] = {}
    k = 0
    for i, (a, b) in enumerate(lines):
        while k < len(agencies) and agencies[k].start < a:
            k += 1
        j = k
        while j < len(agencies) and agencies[j].start <= b:
            by_line.setdefault(i, []).append(agencies[j])
            j += 1
    tasks = []
    for i, mentions in sorted(by_line.items()):
        responsible = tuple(m for m in mentions if m.role in (LEAD, PARTNER))
        if not responsible:
            continue
        a, b = lines[i]
        end = b
        line = doc.text[a:b].rstrip()
        if line.endswith(":") and len(line.split()) <= 12:
            # "1. Sở Y tế:" — the body's tasks follow on the lines below it
            for n in range(i + 1, min(len(lines), i + 40)):
                na, nb = lines[n]
                opens_with_agency = any(m.start - na <= 6 for m in by_line.get(n, ()))
                if opens_with_agency:
                    break
                end = nb
        words = content_syllables(doc.text[a:end])
        tasks.append(_Task(a, end, responsible, frozenset(words), frozenset(_bigrams(words))))
    return tasks


def _overlap(indicator_words: Sequence[str], task: _Task) -> float:
    pairs = _bigrams(indicator_words)
    if len(pairs) >= 2:
        return len(pairs & task.pairs) / len(pairs)
    if not indicator_words:
        return 0.0
    return sum(w in task.words for w in indicator_words) / len(indicator_words)


def overall_lead(doc: Document) -> tuple[Span, ...]:
    """The lead mention(s) of the sentence that gives the plan's implementation to a body."""
    for span in doc.spans:
        if span.label != AGENCY or span.role != LEAD:
            continue
        a = doc.text.rfind("\n", 0, span.start) + 1
        b = doc.text.find("\n", span.end)
        sentence = _fold(doc.text[a : b if b >= 0 else len(doc.text)])
        if "chủ trì" in sentence and _PLAN_LEAD.search(sentence):
            return (span,)
    return ()


def link_targets(doc: Document, min_overlap: float = 0.5) -> Document:
    """``doc`` with links from every INDICATOR to the AGENCY mentions the spec makes responsible.

    AGENCY spans need roles (:func:`plannlp.roles.assign_roles`); existing links are replaced."""
    indicators = [s for s in doc.spans if s.label == INDICATOR]
    if not indicators:
        return doc.with_spans(doc.spans)
    tasks = _tasks(doc)
    fallback = overall_lead(doc) or tuple(
        s for s in doc.spans if s.label == AGENCY and s.role == ISSUER
    )[:1]
    links = []
    for indicator in indicators:
        words = content_syllables(doc.span_text(indicator))
        best, best_score = None, 0.0
        for task in tasks:
            if task.start <= indicator.start < task.end and not words:
                continue
            score = _overlap(words, task)
            if score > best_score:
                best, best_score = task, score
        chosen = best.agencies if best is not None and best_score >= min_overlap else fallback
        links.extend(Link(indicator.key, a.key) for a in chosen)
    return doc.with_spans(doc.spans, links)


def add_responsibility(doc: Document, role_model=None, min_overlap: float = 0.5) -> Document:
    """Roles on every AGENCY, then links from every target to its responsible bodies: the step
    every tagging system's spans go through before records are built."""
    return link_targets(assign_roles(doc, role_model), min_overlap=min_overlap)


# ---------------------------------------------------------------------------------------------
# Agency mentions as a table

AGENCY_COLUMNS = ["doc_id", "agency", "role", "start", "end", "heading", "score"]


def agency_rows(doc: Document) -> list[dict[str, object]]:
    """One row per AGENCY mention: the body as written, its role, offsets and the heading it sits
    under (the nearest numbered or lettered heading line above it)."""
    return [
        {
            "doc_id": doc.id,
            "agency": " ".join(doc.span_text(s).split()),
            "role": s.role or "",
            "start": s.start,
            "end": s.end,
            "heading": heading_above(doc.text, s.start),
            "score": None if s.score is None else round(s.score, 4),
        }
        for s in doc.spans
        if s.label == AGENCY
    ]
