"""Mechanical checks of the annotation spec on one span or one document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from plannlp.data import DataError, Document, Link, Span, text_checksum
from plannlp.io import UNDECODED
from plannlp.labels import LABELS
from plannlp.text import SPAN_EDGE

# characters a span may not start or end with (spec: no leading/trailing space or punctuation)
_EDGE_PUNCT = SPAN_EDGE


def span_problems(text: str, span: Span) -> list[str]:
    """What is wrong with ``span`` under the spec's mechanical rules (empty when nothing)."""
    problems = []
    surface = text[span.start : span.end]
    if surface[0] in _EDGE_PUNCT or surface[-1] in _EDGE_PUNCT:
        if not (span.label == "VALUE" and surface[-1] in "%‰"):
            problems.append(f"starts or ends with space or punctuation: {surface!r}")
    if span.start > 0 and text[span.start - 1].isalnum() and surface[0].isalnum():
        problems.append(f"starts inside a word: …{text[max(0, span.start - 5):span.end]!r}")
    if span.end < len(text) and text[span.end].isalnum() and surface[-1].isalnum():
        problems.append(f"ends inside a word: {text[span.start:span.end + 5]!r}…")
    if "\n" in surface:
        problems.append("crosses a line break")
    return problems


def document_problems(doc: Document) -> list[str]:
    """Spec problems of every span of ``doc``, each prefixed with the span's offsets and label."""
    return [
        f"[{s.start}, {s.end}) {s.label}: {problem}"
        for s in doc.spans
        for problem in span_problems(doc.text, s)
    ]


def _raw_span_problems(text: str, raw: object) -> tuple[Span | None, list[str]]:
    """A span from its JSON form, or why it cannot be one (bounds, label, types)."""

    try:
        span = Span.from_json(raw)
    except DataError as exc:
        return None, [str(exc)]
    if span.end > len(text):
        return None, [f"[{span.start}, {span.end}) {span.label}: ends past the text ({len(text)} characters)"]
    return span, []


def json_document_problems(
    obj: object, checksums: Mapping[str, str] | None = None, labels: Sequence[str] | None = LABELS
) -> list[str]:
    """Every spec problem of one JSON document, checking each span on its own (unlike
    :meth:`Document.from_json`, which stops at the first); ``checksums`` maps ids to the clean
    text checksums the corpus manifest recorded."""
    import unicodedata

    if not isinstance(obj, Mapping):
        return [f"a document must be a JSON object, got {type(obj).__name__}"]
    text, doc_id = obj.get("text"), obj.get("id")
    if not isinstance(text, str) or not isinstance(doc_id, str) or not doc_id:
        return ["a document needs a string 'id' and a string 'text'"]
    problems = []
    if not unicodedata.is_normalized("NFC", text):
        problems.append("text is not NFC-normalised")
    checksum = text_checksum(text)
    meta = obj.get("meta") or {}
    if isinstance(meta, Mapping) and meta.get("checksum") and meta["checksum"] != checksum:
        problems.append(f"text checksum {checksum} differs from meta.checksum {meta['checksum']}")
    recorded = (checksums or {}).get(doc_id)
    if recorded and recorded != checksum:
        problems.append(f"text checksum {checksum} differs from the manifest's {recorded}")
    raw_spans = obj.get("spans", [])
    if not isinstance(raw_spans, list):
        return [*problems, "'spans' must be a list"]
    spans = []
    for raw in raw_spans:
        span, found = _raw_span_problems(text, raw)
        problems.extend(found)
        if span is not None and labels is not None and span.label not in labels:
            problems.append(f"[{span.start}, {span.end}) {span.label}: unknown label; expected one of {', '.join(labels)}")
            span = None
        if span is not None:
            spans.append(span)
    spans.sort()
    regions, found = _regions(obj.get("regions"), len(text))
    problems.extend(found)
    if regions is not None:
        problems.extend(
            f"[{s.start}, {s.end}) {s.label} {text[s.start:s.end]!r}: lies outside the labelled regions"
            for s in spans
            if not any(r0 <= s.start and s.end <= r1 for r0, r1 in regions)
        )
    for a, b in zip(spans, spans[1:]):
        if a.overlaps(b):
            problems.append(
                f"spans overlap: [{a.start}, {a.end}) {a.label} {text[a.start:a.end]!r} "
                f"and [{b.start}, {b.end}) {b.label} {text[b.start:b.end]!r}"
            )
    problems.extend(
        f"[{s.start}, {s.end}) {s.label} {text[s.start:s.end]!r}: {p}" for s in spans for p in span_problems(text, s)
    )
    if isinstance(meta, Mapping) and meta.get("stage") == "gold":
        problems.extend(
            f"[{s.start}, {s.end}) AGENCY {text[s.start:s.end]!r}: a gold AGENCY needs a role"
            for s in spans
            if s.label == "AGENCY" and s.role is None
        )
    problems.extend(_link_problems(obj.get("links", []), spans))
    return problems


def _regions(raw: object, n: int) -> tuple[list[tuple[int, int]] | None, list[str]]:
    """The labelled regions (None: the whole text was labelled) and what is wrong with them."""
    if raw is None:
        return None, []
    if not isinstance(raw, list):
        return None, ["'regions' must be a list of [start, end] pairs"]
    regions, problems = [], []
    for r in raw:
        if not (
            isinstance(r, list) and len(r) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in r)
        ):
            problems.append(f"region {r!r} is not a [start, end] pair of integers")
        elif not 0 <= r[0] < r[1] <= n:
            problems.append(f"region [{r[0]}, {r[1]}) is outside the text ({n} characters)")
        else:
            regions.append((r[0], r[1]))
    regions.sort()
    problems.extend(
        f"regions [{a0}, {a1}) and [{b0}, {b1}) overlap" for (a0, a1), (b0, b1) in zip(regions, regions[1:]) if b0 < a1
    )
    return regions, problems


def _link_problems(raw_links: object, spans: list[Span]) -> list[str]:
    """Links that are malformed or name no INDICATOR / AGENCY span of the document."""

    if not isinstance(raw_links, list):
        return ["'links' must be a list"]
    by_key = {s.key: s for s in spans}
    problems = []
    for raw in raw_links:
        try:
            link = Link.from_json(raw)
        except DataError as exc:
            problems.append(str(exc))
            continue
        for end, label in ((link.indicator, "INDICATOR"), (link.agency, "AGENCY")):
            span = by_key.get(end)
            if span is None or span.label != label:
                problems.append(f"link {list(link.indicator)} -> {list(link.agency)}: {list(end)} is not a {label} span")
    return problems


def validate_file(path: str | Path, checksums: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """``(documents read, problems)`` for a JSONL file; each problem starts with ``file:line:``."""
    import json

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    problems: list[str] = []
    seen: dict[str, int] = {}
    n = 0
    # undecodable bytes are kept as surrogates, so that a bad line is a problem on its line, not
    # a UnicodeDecodeError that names neither the file nor the line
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            n += 1
            bad = UNDECODED.search(line)
            if bad is not None:
                problems.append(f"{path}:{lineno}: not UTF-8 text (column {bad.start() + 1})")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            doc_id = obj.get("id") if isinstance(obj, Mapping) else None
            if isinstance(doc_id, str):
                if doc_id in seen:
                    problems.append(f"{path}:{lineno}: duplicate id {doc_id!r} (first on line {seen[doc_id]})")
                seen.setdefault(doc_id, lineno)
            label = f" {doc_id}" if isinstance(doc_id, str) else ""
            problems.extend(f"{path}:{lineno}:{label}: {p}" for p in json_document_problems(obj, checksums))
    return n, problems
