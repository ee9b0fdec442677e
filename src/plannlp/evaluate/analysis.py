"""Error analysis over an :class:`~plannlp.evaluate.EvaluationResult`: tables, a confusion
matrix, and HTML with the spans highlighted. ``notebooks/error_analysis.ipynb`` is built on these.

Tables are pandas DataFrames; HTML is a string for ``IPython.display.HTML``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from plannlp.data import Span
from plannlp.evaluate.metrics import ERROR_KINDS, SCHEMES, Alignment, DocumentScore
from plannlp.evaluate.result import EvaluationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NONE = "O"  # the row/column of the confusion matrix for "no span": misses and false alarms
LABEL_COLOURS = {
    "INDICATOR": "#a6cee3",
    "VALUE": "#b2df8a",
    "COMPARATOR": "#fdbf6f",
    "YEAR": "#cab2d6",
    "AGENCY": "#fb9a99",
}
ERRORS = tuple(k for k in ERROR_KINDS if k != "correct")


def confusion_matrix(result: EvaluationResult) -> pd.DataFrame:
    """Gold label (rows) against predicted label (columns) over aligned pairs, whatever their
    boundaries; row ``O`` counts false alarms, column ``O`` misses."""
    names = [*result.labels, NONE]
    matrix = pd.DataFrame(0, index=pd.Index(names, name="gold"), columns=pd.Index(names, name="predicted"))
    for doc in result.documents:
        for row in doc.alignment:
            gold = row.gold.label if row.gold else NONE
            predicted = row.predicted.label if row.predicted else NONE
            matrix.loc[gold, predicted] += 1
    return matrix


def plot_confusion(matrix: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """A heatmap of :func:`confusion_matrix` with the count in each cell."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(1 + 0.9 * len(matrix.columns), 0.8 + 0.7 * len(matrix.index)))
    values = matrix.to_numpy()
    image = ax.imshow(values, cmap="Blues")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    threshold = values.max() / 2 if values.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, int(values[i, j]), ha="center", va="center",
                    color="white" if values[i, j] > threshold else "black")  # fmt: skip
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    if title:
        ax.set_title(title)
    return ax


def error_summary(result: EvaluationResult) -> pd.DataFrame:
    """Per label (the gold one, or the predicted one for false alarms): how many alignment rows
    of each kind; a ``total`` row at the bottom."""
    table = pd.DataFrame(0, index=pd.Index(result.labels, name="label"), columns=list(ERROR_KINDS))
    for doc in result.documents:
        for row in doc.alignment:
            table.loc[row.label, row.kind] += 1
    table.loc["total"] = table.sum()
    return table


def worst_documents(result: EvaluationResult, n: int = 10, scheme: str = "strict") -> pd.DataFrame:
    """Documents with the most errors (false positives + false negatives under ``scheme``)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}")
    rows = []
    for doc in result.documents:
        prf = doc.micro[scheme]
        rows.append(
            {"doc_id": doc.doc_id, "gold": prf.tp + prf.fn, "predicted": prf.tp + prf.fp, "tp": prf.tp,
             "fp": prf.fp, "fn": prf.fn, "errors": prf.fp + prf.fn, "f1": prf.f1,
             "records_f1": doc.records.f1}  # fmt: skip
        )
    table = pd.DataFrame(rows, columns=["doc_id", "gold", "predicted", "tp", "fp", "fn", "errors", "f1", "records_f1"])
    return table.sort_values(["errors", "f1", "doc_id"], ascending=[False, True, True]).head(n).reset_index(drop=True)


def _window(text: str, row: Alignment, context: int) -> tuple[int, int]:
    """About ``context`` characters either side of the row's spans, widened to whole words."""
    spans = [s for s in (row.gold, row.predicted) if s is not None]
    start = max(0, min(s.start for s in spans) - context)
    end = min(len(text), max(s.end for s in spans) + context)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _one_line(text: str) -> str:
    return " ".join(text.split())


def error_table(
    result: EvaluationResult, context: int = 40, kinds: Iterable[str] = ERRORS
) -> pd.DataFrame:
    """Every error (alignment row of one of ``kinds``) with its text and its context."""
    kinds = set(kinds)
    unknown = kinds - set(ERROR_KINDS)
    if unknown:
        raise ValueError(f"unknown error kind(s): {', '.join(sorted(unknown))}")
    rows = []
    for doc in result.documents:
        text = doc.example.reference.text
        for row in doc.alignment:
            if row.kind not in kinds:
                continue
            start, end = _window(text, row, context)
            first = min(s.start for s in (row.gold, row.predicted) if s is not None)
            last = max(s.end for s in (row.gold, row.predicted) if s is not None)
            rows.append(
                {
                    "doc_id": doc.doc_id,
                    "kind": row.kind,
                    "gold_label": row.gold.label if row.gold else None,
                    "gold_text": text[row.gold.start : row.gold.end] if row.gold else None,
                    "pred_label": row.predicted.label if row.predicted else None,
                    "pred_text": text[row.predicted.start : row.predicted.end] if row.predicted else None,
                    "start": first,
                    "end": last,
                    "context": _one_line(f"{text[start:first]}[{text[first:last]}]{text[last:end]}"),
                }
            )
    columns = ["doc_id", "kind", "gold_label", "gold_text", "pred_label", "pred_text", "start", "end", "context"]
    return pd.DataFrame(rows, columns=columns)


def highlight_html(text: str, spans: Sequence[Span], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` as HTML, each span in a ``<mark>`` coloured by its label (spans that
    cross the window's edge are cut to it); line breaks become ``<br>``."""
    end = len(text) if end is None else end
    parts, cursor = [], start
    for span in sorted(spans):
        s, e = max(span.start, start), min(span.end, end)
        if s >= e:
            continue
        parts.append(html.escape(text[cursor:s]))
        colour = LABEL_COLOURS.get(span.label, "#dddddd")
        parts.append(
            f'<mark style="background:{colour};padding:0 2px" title="{span.label}">{html.escape(text[s:e])}'
            f'<sub style="font-size:65%">{span.label}</sub></mark>'
        )
        cursor = e
    parts.append(html.escape(text[cursor:end]))
    return "".join(parts).replace("\n", "<br>")


def _predicted_spans(doc: DocumentScore) -> list[Span]:
    """The predictions that were scored (those outside the gold regions are left out)."""
    return [r.predicted for r in doc.alignment if r.predicted is not None]


def legend_html() -> str:
    return " ".join(
        f'<mark style="background:{c};padding:0 2px">{label}</mark>' for label, c in LABEL_COLOURS.items()
    )


def document_html(doc: DocumentScore) -> str:
    """One document, gold above and prediction below, spans highlighted."""
    text = doc.example.reference.text
    prf = doc.micro["strict"]
    return (
        f"<div><b>{html.escape(doc.doc_id)}</b> strict F1 {prf.f1:.3f} (tp {prf.tp:g}, fp {prf.fp:g}, fn {prf.fn:g})"
        f"<div><i>gold</i>: {highlight_html(text, doc.example.reference.spans)}</div>"
        f"<div><i>predicted</i>: {highlight_html(text, _predicted_spans(doc))}</div></div>"
    )


def errors_html(
    result: EvaluationResult, context: int = 60, kinds: Iterable[str] = ERRORS, limit: int | None = None
) -> str:
    """Every error in its context, gold and predicted spans highlighted, as an HTML table."""
    kinds = set(kinds)
    rows = []
    for doc in result.documents:
        text = doc.example.reference.text
        gold, predicted = doc.example.reference.spans, _predicted_spans(doc)
        for row in doc.alignment:
            if row.kind not in kinds:
                continue
            start, end = _window(text, row, context)
            rows.append(
                f"<tr><td>{html.escape(doc.doc_id)}</td><td>{row.kind}</td>"
                f"<td>{highlight_html(text, gold, start, end)}</td>"
                f"<td>{highlight_html(text, predicted, start, end)}</td></tr>"
            )
    shown = rows if limit is None else rows[:limit]
    note = f"<p>{len(shown)} of {len(rows)} errors shown</p>" if len(shown) < len(rows) else ""
    return (
        f"<p>{legend_html()}</p>{note}<table><tr><th>document</th><th>kind</th><th>gold</th><th>predicted</th></tr>"
        + "".join(shown)
        + "</table>"
    )


def system_table(results: Mapping[str, EvaluationResult]) -> pd.DataFrame:
    """One row per system: micro F1 under each scheme (with the strict interval) and records F1."""
    rows = []
    for name, result in results.items():
        row: dict[str, Any] = {"system": name, "documents": len(result.documents)}
        for scheme in SCHEMES:
            row[f"{scheme}_f1"] = result.micro(scheme).f1
        interval = result.intervals.get("strict.micro.f1")
        row["strict_f1_ci"] = None if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"
        row["records_f1"] = result.records.f1
        rows.append(row)
    return pd.DataFrame(rows).set_index("system")


def disagreements(a: EvaluationResult, b: EvaluationResult, n: int = 5, scheme: str = "strict") -> pd.DataFrame:
    """Documents on which two systems' ``scheme`` F1 differ most (largest |difference| first)."""
    b_by_id = {d.doc_id: d for d in b.documents}
    if set(b_by_id) != {d.doc_id for d in a.documents}:
        raise ValueError("the two results cover different documents")
    rows = [
        {"doc_id": d.doc_id, "f1_a": d.micro[scheme].f1, "f1_b": b_by_id[d.doc_id].micro[scheme].f1}
        for d in a.documents
    ]
    table = pd.DataFrame(rows, columns=["doc_id", "f1_a", "f1_b"])
    table["delta"] = table["f1_a"] - table["f1_b"]
    order = table["delta"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].head(n).reset_index(drop=True)


def side_by_side_html(results: Mapping[str, EvaluationResult], doc_id: str) -> str:
    """One document as gold and as each system predicted it, in columns."""
    docs = {name: r.document(doc_id) for name, r in results.items()}
    if not docs:
        raise ValueError("no systems to show")
    first = next(iter(docs.values()))
    text = first.example.reference.text
    header = "<th>gold</th>" + "".join(
        f"<th>{html.escape(name)} (strict F1 {d.micro['strict'].f1:.3f})</th>" for name, d in docs.items()
    )
    cells = f'<td style="vertical-align:top">{highlight_html(text, first.example.reference.spans)}</td>' + "".join(
        f'<td style="vertical-align:top">{highlight_html(text, _predicted_spans(d))}</td>' for d in docs.values()
    )
    return f"<p><b>{html.escape(doc_id)}</b> {legend_html()}</p><table><tr>{header}</tr><tr>{cells}</tr></table>"
