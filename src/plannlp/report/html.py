"""`plannlp report`: tagged plans as one self-contained HTML page a researcher can open offline.

The page holds an index of the documents (spans per label, targets, agencies, confidence), the
target records and the agency mentions as sortable, filterable tables whose rows link into the
text, and each document's text with its spans highlighted (one colour per label; label, role and
score on hover). Given the gold documents, it becomes a diff: every predicted span is marked
correct, spurious, boundary or label error, and gold spans nothing found are shown as missed.

Everything is rendered here into static HTML; the page's only script (in the template,
``resources/report.html``) sorts and filters the tables, so the page works without a server.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Span
from plannlp.evaluate.analysis import LABEL_COLOURS
from plannlp.evaluate.metrics import predicted_in_regions
from plannlp.evaluate.result import EvaluationResult, evaluate
from plannlp.io import atomic_writer, read_documents, same_file
from plannlp.labels import labels_of
from plannlp.records import extract_records, record_row
from plannlp.tag.links import agency_rows

# colours for labels beyond the spec's five (a model's config may name any labels)
_EXTRA_COLOURS = ("#8dd3c7", "#ffffb3", "#bebada", "#80b1d3", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5")
# how the diff names each alignment kind (plannlp.evaluate.metrics.ERROR_KINDS) on the page
# and the mark after a span's tag, so the kind reads without the colour key
KIND_MARKS = {"correct": "✓", "spurious": "✗", "missed": "missed", "boundary": "↔", "label": "≠", "boundary+label": "↔≠"}
KIND_NAMES = {
    "correct": "correct",
    "spurious": "spurious",
    "missed": "missed",
    "boundary": "boundary",
    "label": "wrong label",
    "boundary+label": "boundary and label",
}


def label_colours(labels: Sequence[str]) -> dict[str, str]:
    extra = iter(_EXTRA_COLOURS * (1 + len(labels) // len(_EXTRA_COLOURS)))
    return {label: LABEL_COLOURS.get(label) or next(extra) for label in labels}


def _css_name(kind: str) -> str:
    return kind.replace("+", "-")


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def span_anchor(doc_index: int, span: Span) -> str:
    return f"s-{doc_index}-{span.start}"


def _tip(span: Span, prefix: str = "") -> str:
    parts = [prefix + span.label]
    if span.role:
        parts.append(span.role)
    if span.score is not None:
        parts.append(f"score {span.score:.3f}")
    return " · ".join(parts)


def paint(
    text: str,
    doc_index: int,
    predicted: Sequence[Span],
    gold: Sequence[Span] = (),
    kinds: Mapping[tuple[int, int, str], str] | None = None,
) -> str:
    """The text as HTML with each predicted span a ``<mark>`` (label colour, tip with label, role
    and score) and, in a diff, gold spans underlined; ``kinds`` gives each span's alignment kind
    (keyed by start, end, label; gold spans under ``missed``).

    Predicted spans never overlap each other, nor gold spans each other, but the two sides may
    overlap, so the text is cut at every span edge and each piece says which spans cover it.
    """
    kinds = kinds or {}
    edges = sorted({0, len(text), *(x for s in (*predicted, *gold) for x in (s.start, s.end))})
    pred = sorted(predicted)
    gold = sorted(gold)
    out: list[str] = []
    pi = gi = 0
    for a, b in zip(edges, edges[1:]):
        while pi < len(pred) and pred[pi].end <= a:
            pi += 1
        while gi < len(gold) and gold[gi].end <= a:
            gi += 1
        p = pred[pi] if pi < len(pred) and pred[pi].start <= a else None
        g = gold[gi] if gi < len(gold) and gold[gi].start <= a else None
        piece = _esc(text[a:b])
        if p is None and g is None:
            out.append(piece)
            continue
        if p is None:
            assert g is not None
            kind = kinds.get((g.start, g.end, g.label), "missed")
            css = "g missed" if kind == "missed" else "g"
            tag = f'<span class="tag">{g.label} missed</span>' if kind == "missed" and b == g.end else ""
            out.append(
                f'<span class="{css}" data-gold="{g.label}" data-tip="{_esc(_tip(g, "gold "))}">{piece}{tag}</span>'
            )
            continue
        classes = ["p", f"l-{p.label}"]
        if kinds:
            classes.append("k-" + _css_name(kinds.get((p.start, p.end, p.label), "outside")))
        tip = _tip(p)
        if kinds:
            tip += " — " + KIND_NAMES.get(kinds.get((p.start, p.end, p.label), ""), "outside the labelled regions")
        if g is not None:
            classes.append("g")
            tip += f" (gold {g.label} [{g.start}, {g.end}))"
        attrs = f'class="{" ".join(classes)}" data-label="{p.label}" data-span="{doc_index}:{p.start}:{p.end}"'
        if p.score is not None:
            attrs += f' data-score="{p.score:.4f}"'
        if p.role:
            attrs += f' data-role="{p.role}"'
        if a == p.start:
            attrs = f'id="{span_anchor(doc_index, p)}" ' + attrs
        mark = " " + KIND_MARKS.get(kinds.get((p.start, p.end, p.label), ""), "") if kinds else ""
        tag = f'<span class="tag">{p.label}{"·" + p.role if p.role else ""}{mark}</span>' if b == p.end else ""
        out.append(f'<mark {attrs} data-tip="{_esc(tip)}">{piece}{tag}</mark>')
    return "".join(out)


@dataclass(frozen=True)
class Report:
    html: str
    documents: int
    spans: int
    records: int


def _table(table_id: str, headers: Sequence[tuple[str, str]], rows: Sequence[str], caption: str = "") -> str:
    """A sortable, filterable table: ``headers`` are (title, "number" | "text")."""
    head = "".join(f'<th data-type="{kind}">{_esc(title)}</th>' for title, kind in headers)
    return (
        f'<div>{caption}<input class="filter" type="search" data-table="{table_id}" '
        f'placeholder="filter rows (words, accents optional)"><span class="shown" data-table="{table_id}"></span></div>'
        f'<div class="scroll"><table class="data" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
    )


def _td(value: Any, numeric: bool = False, sort_value: Any = None) -> str:
    attrs = ' class="num"' if numeric else ""
    if sort_value is not None:
        attrs += f' data-value="{_esc(sort_value)}"'
    return f"<td{attrs}>{value}</td>"


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _provenance_html(provenances: Sequence[Mapping[str, Any]]) -> str:
    if not provenances:
        return '<p class="meta">The input does not say which model tagged it.</p>'
    rows = "".join(
        "<tr>" + "".join(f"<td>{_esc(p.get(k, ''))}</td>" for k in _PROVENANCE_KEYS) + "</tr>" for p in provenances
    )
    head = "".join(f"<th>{k}</th>" for k in _PROVENANCE_KEYS)
    return f"<h3>Tagged by</h3><table><tr>{head}</tr>{rows}</table>"


_PROVENANCE_KEYS = ("model", "system", "model_revision", "config_checksum", "plannlp_version", "plannlp_revision")


def build_report(
    docs: Sequence[Document],
    *,
    gold: Sequence[Document] | None = None,
    provenances: Sequence[Mapping[str, Any]] = (),
    title: str = "plannlp report",
    source: str = "",
) -> Report:
    """The report page for tagged documents (and their gold, for the diff view)."""
    docs = list(docs)
    result: EvaluationResult | None = None
    if gold is not None:
        result = evaluate(gold, docs, bootstrap=0)
        by_id = {d.id: d for d in docs}
        docs = [by_id[g.id] for g in gold]  # gold order; evaluate checked ids and texts
    labels = labels_of([*docs, *(gold or [])])
    colours = label_colours(labels)
    style = "".join(f"mark.l-{label} {{ background: {c}; }}\n" for label, c in colours.items())
    legend = "".join(f'<span class="chip" style="background:{c}">{_esc(label)}</span>' for label, c in colours.items())

    index_rows, record_rows, agency_table_rows, sections = [], [], [], []
    n_spans = n_records = 0
    kind_totals: Counter[str] = Counter()
    for i, doc in enumerate(docs):
        anchor = f"doc-{i}"
        records = extract_records(doc)
        agencies = agency_rows(doc)
        n_spans += len(doc.spans)
        n_records += len(records)
        counts = Counter(s.label for s in doc.spans)
        scores = [s.score for s in doc.spans if s.score is not None]
        mean = _mean(scores)
        cells = [_td(f'<a href="#{anchor}">{_esc(doc.id)}</a>', sort_value=doc.id), _td(len(doc.text), True)]
        cells += [_td(counts.get(label, 0), True) for label in labels]
        cells += [_td(len(records), True), _td(len(agencies), True), _td(_score(mean), True, "" if mean is None else f"{mean:.4f}")]
        kinds: dict[tuple[int, int, str], str] = {}
        gold_spans: Sequence[Span] = ()
        doc_summary = ""
        if result is not None:
            scored = result.documents[i]
            for row in scored.alignment:
                if row.predicted is not None:
                    kinds[row.predicted.start, row.predicted.end, row.predicted.label] = row.kind
                if row.gold is not None:  # so the painter tells a missed gold span from a matched one
                    kinds[row.gold.start, row.gold.end, row.gold.label] = row.kind
            gold_spans = scored.example.reference.spans
            kind_counts = Counter(row.kind for row in scored.alignment)
            kind_totals.update(kind_counts)
            strict = scored.micro["strict"]
            cells += [_td(f"{strict.f1:.3f}", True)]
            cells += [_td(kind_counts.get(k, 0), True) for k in _DIFF_COLUMNS]
            doc_summary = (
                f'<p class="meta">strict F1 {strict.f1:.3f} (tp {strict.tp:g}, fp {strict.fp:g}, fn {strict.fn:g}); '
                + ", ".join(f"{KIND_NAMES[k]} {kind_counts.get(k, 0)}" for k in KIND_NAMES)
                + "</p>"
            )
            in_regions = set(predicted_in_regions(doc, scored.example.reference))
            outside = len([s for s in doc.spans if s not in in_regions])
            if outside:
                doc_summary += f'<p class="meta">{outside} predicted spans lie outside the labelled regions (faded, not scored).</p>'
        index_rows.append("<tr>" + "".join(cells) + "</tr>")

        for r in records:
            row = record_row(r, doc.text)
            roles = [a.role or "" for a in r.responsible]
            responsible = " | ".join(
                f"{_esc(doc.span_text(a))} <span class=meta>({_esc(role or '?')})</span>" for a, role in zip(r.responsible, roles)
            )
            record_rows.append(
                "<tr>"
                + _td(f'<a href="#{anchor}">{_esc(doc.id)}</a>', sort_value=doc.id)
                + _td(f'<a href="#{span_anchor(i, r.indicator)}">{_esc(row["indicator"])}</a>', sort_value=row["indicator"])
                + _td(_esc(row["comparator"]))
                + _td(_esc(row["value"]))
                + _td(_esc("" if row["number"] is None else f"{row['number']:g}"), True, "" if row["number"] is None else row["number"])
                + _td(_esc(row["unit"]))
                # values under different years (năm 2025 ... 8%, năm 2026 ... 10%) show each value's year
                + _td(
                    _esc(row["value_year"] if len(set(row["value_year"].split(" | "))) > 1 else row["year"]),
                    sort_value=row["year_end"] if row["year_end"] is not None else "",
                )
                + _td(_esc(row["issuer"]))
                + _td(responsible)
                + _td(_score(row["score"]), True, "" if row["score"] is None else row["score"])
                + "</tr>"
            )
        for a in agencies:
            span = Span(int(a["start"]), int(a["end"]), "AGENCY")  # type: ignore[arg-type]
            agency_table_rows.append(
                "<tr>"
                + _td(f'<a href="#{anchor}">{_esc(doc.id)}</a>', sort_value=doc.id)
                + _td(f'<a href="#{span_anchor(i, span)}">{_esc(a["agency"])}</a>', sort_value=a["agency"])
                + _td(_esc(a["role"]))
                + _td(_esc(a["heading"]))
                + _td(_score(a["score"]), True, "" if a["score"] is None else a["score"])  # type: ignore[arg-type]
                + "</tr>"
            )
        meta = ", ".join(f"{_esc(k)}: {_esc(v)}" for k, v in doc.meta.items() if k in ("source", "url", "title", "date"))
        sections.append(
            f'<section id="{anchor}" data-doc="{_esc(doc.id)}"><h3>{_esc(doc.id)}</h3>'
            f'<p class="meta">{meta}{" · " if meta else ""}{len(doc.spans)} spans, {len(records)} targets, '
            f'{len(agencies)} agency mentions · <a href="#index">back to the index</a></p>{doc_summary}'
            f'<div class="text">{paint(doc.text, i, doc.spans, gold_spans, kinds if result is not None else None)}</div></section>'
        )

    index_headers = [("document", "text"), ("characters", "number")] + [(label, "number") for label in labels]
    index_headers += [("targets", "number"), ("agencies", "number"), ("mean span score", "number")]
    if result is not None:
        index_headers += [("strict F1", "number")] + [(KIND_NAMES[k], "number") for k in _DIFF_COLUMNS]
    record_headers = [
        ("document", "text"), ("indicator", "text"), ("comparator", "text"), ("value", "text"), ("number", "number"),
        ("unit", "text"), ("year", "number"), ("issuer", "text"), ("responsible (role)", "text"), ("score", "number"),
    ]  # fmt: skip
    agency_headers = [("document", "text"), ("agency", "text"), ("role", "text"), ("heading", "text"), ("score", "number")]

    summary = f"{len(docs)} documents, {n_spans} spans, {n_records} target records"
    diff = ""
    if result is not None:
        strict = result.micro("strict")
        diff = (
            f'<h2 id="diff">Against gold</h2><p>strict micro P {strict.precision:.3f}, R {strict.recall:.3f}, '
            f"F1 <b>{strict.f1:.3f}</b> (tp {strict.tp:g}, fp {strict.fp:g}, fn {strict.fn:g}); records F1 "
            f"{result.records.f1:.3f}.</p><p class=\"legend kinds\">"
            + "".join(
                f'<span class="chip k-{_css_name(k)}">{KIND_NAMES[k]}: {kind_totals.get(k, 0)}</span>' for k in KIND_NAMES if k != "missed"
            )
            + f'<span class="chip"><span class="g missed">missed: {kind_totals.get("missed", 0)}</span></span></p>'
            '<p class="meta">In the text, a coloured bar under a predicted span gives its kind; gold spans are '
            "underlined with a dashed line, and hatched where nothing was predicted.</p>"
        )
    body = (
        f"<h1>{_esc(title)}</h1><p class=\"meta\">{_esc(source)} · {summary}</p>"
        f'<nav><a href="#index">documents</a><a href="#records">target records</a><a href="#agencies">agencies</a>'
        f'{"<a href=#diff>against gold</a>" if result is not None else ""}</nav>'
        f"{_provenance_html(provenances)}"
        f'<p class="legend">{legend}</p>{diff}'
        f'<h2 id="index">Documents</h2>{_table("index-table", index_headers, index_rows)}'
        f'<h2 id="records">Target records</h2>{_table("records-table", record_headers, record_rows)}'
        f'<h2 id="agencies">Agency mentions</h2>{_table("agencies-table", agency_headers, agency_table_rows)}'
        f'<h2 id="texts">Texts</h2>{"".join(sections)}'
    )
    template = resources.files("plannlp").joinpath("resources/report.html").read_text(encoding="utf-8")
    page = template.replace("<!--plannlp:title-->", _esc(title)).replace("</style>", style + "</style>", 1)
    page = page.replace("<!--plannlp:body-->", body)
    return Report(page, len(docs), n_spans, n_records)


_DIFF_COLUMNS = ("correct", "missed", "spurious", "boundary", "label", "boundary+label")


def read_provenances(path: str | Path) -> list[dict[str, Any]]:
    """The distinct provenance objects of a tagged JSONL file's lines, in first-seen order."""
    seen: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                origin = json.loads(line).get("provenance")
            except (json.JSONDecodeError, AttributeError):
                continue  # read_documents reports malformed lines with file:line
            if isinstance(origin, dict) and origin not in seen:
                seen.append(origin)
    return seen


def write_report(
    tagged: str | Path, output: str | Path, gold: str | Path | None = None, title: str | None = None
) -> Report:
    """Read a tagged JSONL file (``plannlp tag`` output) and, optionally, gold; write the page."""
    for source in (tagged, gold):
        # the page would replace the very JSONL it was made from
        if source is not None and same_file(output, source):
            raise DataError(f"{output}: the HTML output is also an input ({source}); name another file")
    docs = list(read_documents(tagged))
    if not docs:
        raise DataError(f"{tagged}: no documents to report on")
    gold_docs = list(read_documents(gold)) if gold is not None else None
    default_title = f"plannlp: {Path(tagged).name}" + (f" against {Path(gold).name}" if gold is not None else "")
    report = build_report(
        docs,
        gold=gold_docs,
        provenances=read_provenances(tagged),
        title=title or default_title,
        source=str(tagged),
    )
    with atomic_writer(output) as fh:
        fh.write(report.html)
    return report
