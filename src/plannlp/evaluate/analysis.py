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
from plannlp.evaluate.metrics import _record_key, predicted_in_regions
from plannlp.evaluate.result import EvaluationResult
from plannlp.records import extract_records, record_row

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


def _error_row(doc_id: str, text: str, row, context: int) -> dict:
    """One alignment row as a table row: both sides' labels and texts, offsets, the row in context."""
    start, end = _window(text, row, context)
    first = min(s.start for s in (row.gold, row.predicted) if s is not None)
    last = max(s.end for s in (row.gold, row.predicted) if s is not None)
    return {
        "doc_id": doc_id,
        "kind": row.kind,
        "gold_label": row.gold.label if row.gold else None,
        "gold_text": text[row.gold.start : row.gold.end] if row.gold else None,
        "pred_label": row.predicted.label if row.predicted else None,
        "pred_text": text[row.predicted.start : row.predicted.end] if row.predicted else None,
        "start": first,
        "end": last,
        "context": _one_line(f"{text[start:first]}[{text[first:last]}]{text[last:end]}"),
    }


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
            rows.append(_error_row(doc.doc_id, text, row, context)
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


# -- two systems: the errors one makes and the other does not --------------------------------


def _error_key(row: Alignment) -> tuple:
    """What an error is about: its gold span (for misses and wrong boundaries or labels), or its
    predicted span (for a false alarm)."""
    if row.gold is not None:
        return ("gold", row.gold.start, row.gold.end, row.gold.label)
    assert row.predicted is not None
    return ("predicted", row.predicted.start, row.predicted.end, row.predicted.label)


def exclusive_errors(a: EvaluationResult, b: EvaluationResult, context: int = 40) -> pd.DataFrame:
    """Errors system A makes that system B does not: a gold span A misses or gets wrong while B
    gets it exactly right, or a false alarm of A that B does not raise. ``b_did`` says what B did
    with that gold span (``correct``) or that B has no such false alarm (``nothing``)."""
    b_docs = {d.doc_id: d for d in b.documents}
    if set(b_docs) != {d.doc_id for d in a.documents}:
        raise ValueError("the two results cover different documents")
    rows = []
    for doc in a.documents:
        text = doc.example.reference.text
        b_rows = {_error_key(r): r for r in b_docs[doc.doc_id].alignment}
        for row in doc.alignment:
            if row.kind == "correct":
                continue
            other = b_rows.get(_error_key(row))
            if row.gold is not None:
                if other is None or other.kind != "correct":
                    continue
                b_did = "correct"
            else:
                if other is not None and other.kind == "spurious":
                    continue
                b_did = "nothing"
            rows.append({**_error_row(doc.doc_id, text, row, context), "b_did": b_did}
            )
    columns = ["doc_id", "kind", "gold_label", "gold_text", "pred_label", "pred_text", "b_did", "context"]
    return pd.DataFrame(rows, columns=columns)


def exclusive_error_counts(a: EvaluationResult, b: EvaluationResult) -> pd.DataFrame:
    """Per error kind: how many errors only A makes and how many only B makes."""
    only_a = exclusive_errors(a, b)["kind"].value_counts()
    only_b = exclusive_errors(b, a)["kind"].value_counts()
    table = pd.DataFrame({"only A": only_a, "only B": only_b}).reindex(list(ERRORS)).fillna(0).astype(int)
    table.loc["total"] = table.sum()
    return table


# -- target records -------------------------------------------------------------------------


def _record_fields(record: Any, text: str) -> dict[str, Any]:
    row = record_row(record, text)
    return {k: row[k] for k in ("indicator", "comparator", "value", "year", "responsible")}


def record_errors(result: EvaluationResult) -> pd.DataFrame:
    """Every target record scored wrong: gold records no prediction matched (``missed``) and
    predicted ones matching no gold record (``spurious``), matched as records are scored
    (:func:`plannlp.evaluate.metrics.record_score`). ``why`` says whether a record of the other
    side sits on an overlapping indicator (and which of value, comparator, year differ there)."""

    rows = []
    for doc in result.documents:
        ref, pred = doc.example.reference, doc.example.predicted
        text = ref.text
        kept_spans = predicted_in_regions(pred, ref)
        keys = {s.key for s in kept_spans}
        kept = pred.with_spans(kept_spans, [k for k in pred.links if k.indicator in keys and k.agency in keys])
        gold, predicted = extract_records(ref), extract_records(kept)
        unmatched_gold = list(gold)
        unmatched_pred = []
        for record in predicted:
            match = next(
                (i for i, g in enumerate(unmatched_gold)
                 if _record_key(g, text) == _record_key(record, text) and g.indicator.overlaps(record.indicator)),
                None,
            )  # fmt: skip
            if match is None:
                unmatched_pred.append(record)
            else:
                unmatched_gold.pop(match)
        for kind, mine, theirs in (("missed", unmatched_gold, predicted), ("spurious", unmatched_pred, gold)):
            for record in mine:
                near = next((o for o in theirs if o.indicator.overlaps(record.indicator)), None)
                if near is None:
                    why = "no target on this indicator on the other side"
                else:
                    fields = [name for name, x, y in zip(("value", "comparator", "year"),
                              _record_key(record, text), _record_key(near, text)) if x != y]  # fmt: skip
                    why = ("differs in " + ", ".join(fields)) if fields else "indicator matched another record"
                rows.append({"doc_id": doc.doc_id, "kind": kind, **_record_fields(record, text), "why": why})
    columns = ["doc_id", "kind", "indicator", "comparator", "value", "year", "responsible", "why"]
    return pd.DataFrame(rows, columns=columns)


# -- per-label scores across systems --------------------------------------------------------


def per_label_scores(results: Mapping[str, EvaluationResult], scheme: str = "strict") -> pd.DataFrame:
    """One row per system and label: precision, recall, F1 and F1's bootstrap interval (NaN
    without resamples)."""
    rows = []
    for name, result in results.items():
        for label in result.labels:
            prf = result.per_label(scheme, label)
            low, high = result.intervals.get(f"{scheme}.per_label.{label}.f1", (float("nan"), float("nan")))
            rows.append({"system": name, "label": label, "support": prf.tp + prf.fn, "precision": prf.precision,
                         "recall": prf.recall, "f1": prf.f1, "f1_low": low, "f1_high": high})  # fmt: skip
    return pd.DataFrame(rows, columns=["system", "label", "support", "precision", "recall", "f1", "f1_low", "f1_high"])


def plot_per_label(table: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Grouped bars of :func:`per_label_scores`' F1, one group per label, one bar per system,
    with the interval as an error bar."""
    import matplotlib.pyplot as plt
    import numpy as np

    labels = list(dict.fromkeys(table["label"]))
    systems = list(dict.fromkeys(table["system"]))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.5 + 1.2 * len(labels), 3.5))
    width = 0.8 / max(1, len(systems))
    for k, system in enumerate(systems):
        part = table[table["system"] == system].set_index("label").reindex(labels)
        f1 = part["f1"].to_numpy(dtype=float)
        errors = np.vstack([f1 - part["f1_low"].to_numpy(dtype=float), part["f1_high"].to_numpy(dtype=float) - f1])
        x = np.arange(len(labels)) + (k - (len(systems) - 1) / 2) * width
        ax.bar(x, f1, width, label=system, yerr=np.nan_to_num(np.clip(errors, 0, None)), capsize=3)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
