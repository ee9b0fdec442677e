"""Quote files: the human-editable form of a document's labels.

One line per span, in document order: ``LABEL<TAB>quote`` or ``LABEL<TAB>quote<TAB>left context``.
Each quote is looked for after the previous span; a left context pins it to the occurrence
that the context immediately precedes (whitespace between them allowed). ``SKIP<TAB>text`` moves
past an occurrence without labelling it. ``# key: value`` lines before the first span are
metadata (labelled_by, labelled_at, pre_annotated_by, status); other ``#`` lines are comments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from plannlp.data import DataError, Document, Span
from plannlp.labels import LABELS

_META = re.compile(r"^#\s*([a-z_]+)\s*:\s*(.*?)\s*$")


def _find(text: str, quote: str, cursor: int, context: str | None) -> int:
    if not context:
        return text.find(quote, cursor)
    pattern = re.escape(context) + r"\s*" + f"(?={re.escape(quote)})"
    for match in re.finditer(pattern, text[cursor:] if cursor else text):
        return cursor + match.end()
    return -1


def parse_quotes(text: str, lines: Iterable[str], source: str = "<quotes>") -> tuple[list[Span], dict[str, str]]:
    """Spans and metadata from quote-file lines, against the document's text."""
    spans: list[Span] = []
    meta: dict[str, str] = {}
    cursor = 0
    for lineno, raw in enumerate(lines, start=1):
        line = unicodedata.normalize("NFC", raw.rstrip("\n"))
        if not line.strip():
            continue
        if line.startswith("#"):
            match = _META.match(line)
            if match and not spans:
                meta[match.group(1)] = match.group(2)
            continue
        parts = line.split("\t")
        if len(parts) not in (2, 3) or not parts[1]:
            raise DataError(f"{source}:{lineno}: expected LABEL<TAB>quote[<TAB>left context], got {line!r}")
        label, quote = parts[0].strip(), parts[1]
        context = parts[2] if len(parts) == 3 else None
        if label != "SKIP" and label not in LABELS:
            raise DataError(f"{source}:{lineno}: unknown label {label!r}")
        if quote != quote.strip():
            raise DataError(f"{source}:{lineno}: quote {quote!r} has leading or trailing space")
        start = _find(text, quote, cursor, context)
        if start < 0:
            where = f" after {context!r}" if context else ""
            raise DataError(f"{source}:{lineno}: {quote!r}{where} not found after offset {cursor}")
        end = start + len(quote)
        if label != "SKIP":
            spans.append(Span(start, end, label))
        cursor = end
    return spans, meta


def read_quote_file(path, text: str) -> tuple[list[Span], dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return parse_quotes(text, fh, source=str(path))


def format_quotes(doc: Document, meta: dict[str, str] | None = None) -> str:
    """A quote file for ``doc``'s spans that :func:`parse_quotes` reads back to the same spans."""
    out = [f"# {k}: {v}" for k, v in (meta or {}).items()]
    cursor = 0
    for span in doc.spans:
        quote = doc.text[span.start : span.end]
        context = None
        if doc.text.find(quote, cursor) != span.start:
            # widen the left context until it singles out this occurrence
            for width in range(8, span.start - cursor + 1, 4):
                candidate = doc.text[span.start - width : span.start].strip()
                if candidate and "\t" not in candidate and _find(doc.text, quote, cursor, candidate) == span.start:
                    context = candidate
                    break
            if context is None:
                gap = doc.text[cursor : span.start].strip()
                raise DataError(f"document {doc.id}: cannot write a quote for {quote!r} at {span.start} ({gap[:40]!r})")
        out.append("\t".join([span.label, quote] + ([context] if context else [])))
        cursor = span.end
    return "\n".join(out) + "\n"


def render_spans(doc: Document, width: int = 40) -> str:
    """Each span in its context, one per line, for reading labels against the text."""
    rows = []
    for span in doc.spans:
        left = doc.text[max(0, span.start - width) : span.start].replace("\n", " ⏎ ")
        right = doc.text[span.end : span.end + width].replace("\n", " ⏎ ")
        rows.append(f"{span.start:>7} {span.label:<10} …{left}[[{doc.text[span.start:span.end]}]]{right}…")
    return "\n".join(rows)
