"""Quote files: the human-editable form of a document's labels.

One line per span, in document order: ``LABEL<TAB>quote`` or ``LABEL<TAB>quote<TAB>left context``.
Each quote is looked for after the previous span; a left context pins it to the occurrence
that the context immediately precedes (whitespace between them allowed). ``SKIP<TAB>text`` moves
past an occurrence without labelling it. ``# key: value`` lines before the first span are
metadata (labelled_by, labelled_at, pre_annotated_by, status, domain); other ``#`` lines are comments.

The label field also carries an AGENCY's role and the links of the responsibility section of the
spec (``../shared/ANNOTATION_SPEC.md``):

- ``AGENCY:lead`` — the mention's role (``issuer``, ``lead``, ``partner``, ``oversight``); every
  AGENCY of a ``status: gold`` file must have one;
- ``INDICATOR#bhyt`` — names a target so that agencies can link to it (letters, digits, ``_ -``);
- ``AGENCY:lead>bhyt,tram`` — this mention is responsible for the targets ``bhyt`` and ``tram``
  (named before or after it in the file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from plannlp.data import DataError, Document, Link, Span
from plannlp.io import utf8_lines
from plannlp.labels import AGENCY, INDICATOR, LABELS, ROLES, is_label_name
from plannlp.text import nfc

_META = re.compile(r"^#\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_FIELD = re.compile(
    r"^(?P<label>[^:#>\s]+)(?::(?P<role>[a-z]+))?(?:#(?P<name>[\w-]+))?(?:>(?P<links>[\w-]+(?:,[\w-]+)*))?$"
)


class Annotation(NamedTuple):
    """What a quote file says of one document."""

    spans: list[Span]
    links: list[Link]
    meta: dict[str, str]


def _find(text: str, quote: str, cursor: int, context: str | None) -> int:
    if not context:
        return text.find(quote, cursor)
    pattern = re.escape(context) + r"\s*" + f"(?={re.escape(quote)})"
    for match in re.finditer(pattern, text[cursor:] if cursor else text):
        return cursor + match.end()
    return -1


def parse_annotation(
    text: str,
    lines: Iterable[str],
    source: str = "<quotes>",
    labels: Iterable[str] | None = LABELS,
    require_roles: bool = True,
) -> Annotation:
    """Spans (with roles), links and metadata from quote-file lines, against the document's text.

    ``labels`` is the label set (default: the spec's five; ``None``: any well-formed name). A ``status: gold`` file
    must give every AGENCY a role; an unknown role, a link to a name no INDICATOR has, or a name
    given twice fails with ``source:line``. ``require_roles=False`` reads a gold file that predates
    roles (for drafting them)."""
    allowed = None if labels is None else set(labels)
    spans: list[Span] = []
    meta: dict[str, str] = {}
    names: dict[str, tuple[Span, int]] = {}
    pending: list[tuple[Span, list[str], int]] = []
    roleless: list[tuple[Span, int]] = []  # AGENCY spans without a role, with their lines
    cursor = 0
    for lineno, raw in enumerate(lines, start=1):
        line = nfc(raw.rstrip("\n"))
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
        field = _FIELD.match(parts[0].strip())
        if field is None:
            raise DataError(f"{source}:{lineno}: cannot read the label field {parts[0]!r} (LABEL[:role][#name][>name,...])")
        label, role, name, refs = field.group("label", "role", "name", "links")
        quote = parts[1]
        context = parts[2] if len(parts) == 3 else None
        if label != "SKIP" and (not is_label_name(label) or (allowed is not None and label not in allowed)):
            raise DataError(f"{source}:{lineno}: unknown label {label!r}")
        if label == "SKIP" and (role or name or refs):
            raise DataError(f"{source}:{lineno}: SKIP takes no role, name or links")
        if role is not None and label != AGENCY:
            raise DataError(f"{source}:{lineno}: only AGENCY takes a role, not {label}")
        if role is not None and role not in ROLES:
            raise DataError(f"{source}:{lineno}: unknown role {role!r}; expected one of {', '.join(ROLES)}")
        if name is not None and label != INDICATOR:
            raise DataError(f"{source}:{lineno}: only an INDICATOR is named (#{name}), not {label}")
        if refs is not None and label != AGENCY:
            raise DataError(f"{source}:{lineno}: only an AGENCY links to targets (>{refs}), not {label}")
        if quote != quote.strip():
            raise DataError(f"{source}:{lineno}: quote {quote!r} has leading or trailing space")
        start = _find(text, quote, cursor, context)
        if start < 0:
            where = f" after {context!r}" if context else ""
            raise DataError(f"{source}:{lineno}: {quote!r}{where} not found after offset {cursor}")
        end = start + len(quote)
        if label != "SKIP":
            span = Span(start, end, label, role=role)
            spans.append(span)
            if label == AGENCY and role is None:
                roleless.append((span, lineno))
            if name is not None:
                if name in names:
                    raise DataError(f"{source}:{lineno}: target name #{name} is already given on line {names[name][1]}")
                names[name] = (span, lineno)
            if refs is not None:
                pending.append((span, refs.split(","), lineno))
        cursor = end
    if require_roles and meta.get("status", "").strip() == "gold":
        for span, lineno in roleless[:1]:
            raise DataError(
                f"{source}:{lineno}: AGENCY {text[span.start:span.end]!r} at {span.start} has no role "
                "(a gold file gives every AGENCY one: AGENCY:issuer|lead|partner|oversight)"
            )
    links = []
    for span, refs, lineno in pending:
        for ref in refs:
            if ref not in names:
                raise DataError(f"{source}:{lineno}: link >{ref} names no INDICATOR (#{ref} is not given in the file)")
            links.append(Link(names[ref][0].key, span.key))
    return Annotation(spans, sorted(set(links)), meta)


def parse_quotes(text: str, lines: Iterable[str], source: str = "<quotes>") -> tuple[list[Span], dict[str, str]]:
    """Spans (with roles) and metadata from quote-file lines; :func:`parse_annotation` adds links."""
    found = parse_annotation(text, lines, source)
    return found.spans, found.meta


def _quote_lines(path):
    """The lines of a quote file (:func:`plannlp.io.utf8_lines`). A byte-order mark, which editors
    on Windows put in front of a hand-edited file, is dropped (it made line 1 unreadable)."""
    return utf8_lines(path, bom=True)


def read_annotation(path, text: str, require_roles: bool = True) -> Annotation:
    return parse_annotation(text, _quote_lines(path), source=str(path), require_roles=require_roles)


def read_quote_file(path, text: str) -> tuple[list[Span], dict[str, str]]:
    return parse_quotes(text, _quote_lines(path), source=str(path))


def format_quotes(doc: Document, meta: dict[str, str] | None = None) -> str:
    """A quote file for ``doc``'s spans, roles and links that :func:`parse_annotation` reads back
    to the same document."""
    out = [f"# {k}: {v}" for k, v in (meta or {}).items()]
    linked = sorted({link.indicator for link in doc.links})
    names = {key: f"t{i}" for i, key in enumerate(linked, start=1)}
    refs: dict[tuple[int, int], list[str]] = {}
    for link in doc.links:
        refs.setdefault(link.agency, []).append(names[link.indicator])
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
        field = span.label
        if span.role is not None:
            field += f":{span.role}"
        if span.key in names:
            field += f"#{names[span.key]}"
        if span.key in refs:
            field += ">" + ",".join(sorted(refs[span.key], key=lambda n: int(n[1:])))
        out.append("\t".join([field, quote] + ([context] if context else [])))
        cursor = span.end
    return "\n".join(out) + "\n"


def render_spans(doc: Document, width: int = 40) -> str:
    """Each span in its context, one per line, for reading labels against the text."""
    rows = []
    for span in doc.spans:
        left = doc.text[max(0, span.start - width) : span.start].replace("\n", " ⏎ ")
        right = doc.text[span.end : span.end + width].replace("\n", " ⏎ ")
        label = span.label + (f":{span.role}" if span.role else "")
        rows.append(f"{span.start:>7} {label:<16} …{left}[[{doc.text[span.start:span.end]}]]{right}…")
    return "\n".join(rows)
