"""Scoring a corpus: pair predictions with gold, score each document, add the counts, and
bootstrap confidence intervals over documents."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plannlp.data import DataError, Document, Example
from plannlp.evaluate.metrics import ERROR_KINDS, PRF, SCHEMES, DocumentScore, score_example, total
from plannlp.evaluate.stats import (
    Comparison,
    bootstrap_weights,
    compare_counts,
    counts_array,
    f1_of,
    percentile_interval,
    precision_of,
    recall_of,
)
from plannlp.labels import LABELS, ROLES, labels_of


def pair_documents(gold_docs: Iterable[Document], pred_docs: Iterable[Document]) -> list[Example]:
    """Examples in gold order; the two sides must hold the same ids and the same texts."""
    gold = list(gold_docs)
    predicted = {d.id: d for d in pred_docs}
    gold_ids = {d.id for d in gold}
    missing = [d.id for d in gold if d.id not in predicted]
    extra = sorted(set(predicted) - gold_ids)
    problems = []
    if missing:
        problems.append(f"{len(missing)} gold document(s) have no prediction: {', '.join(missing[:5])}")
    if extra:
        problems.append(f"{len(extra)} predicted document(s) are not in the gold file: {', '.join(extra[:5])}")
    if problems:
        raise DataError("; ".join(problems))
    examples = []
    for ref in gold:
        pred = predicted[ref.id]
        if pred.text != ref.text:
            hint = ""
            if unicodedata.normalize("NFC", pred.text) == unicodedata.normalize("NFC", ref.text):
                hint = " (they differ only in Unicode normalisation; gold text is NFC)"
            raise DataError(f"document {ref.id}: predicted and gold texts differ{hint}")
        examples.append(Example(predicted=pred, reference=ref))
    return examples


@dataclass(frozen=True)
class EvaluationResult:
    """Corpus scores: the documents' scores (with where each error is) and bootstrap intervals.

    ``intervals`` maps a flattened key of :meth:`to_json` (``"strict.micro.f1"``) to its
    ``(low, high)`` percentile interval; it is empty when no resampling was asked for.
    """

    documents: tuple[DocumentScore, ...]
    labels: tuple[str, ...] = LABELS
    intervals: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    resamples: int = 0
    seed: int = 0
    confidence: float = 0.95

    def micro(self, scheme: str) -> PRF:
        return total(d.micro[scheme] for d in self.documents)

    def per_label(self, scheme: str, label: str) -> PRF:
        return total(d.per_label[scheme][label] for d in self.documents)

    @property
    def macro_labels(self) -> tuple[str, ...]:
        """Labels that occur in gold or predictions: a label absent from both has no F1 to average."""
        return tuple(lab for lab in self.labels if _any(self.per_label("strict", lab)))

    def macro(self, scheme: str) -> dict[str, float]:
        rows = [self.per_label(scheme, lab) for lab in self.macro_labels]
        n = len(rows) or 1
        return {
            "precision": sum(r.precision for r in rows) / n,
            "recall": sum(r.recall for r in rows) / n,
            "f1": sum(r.f1 for r in rows) / n,
        }

    @property
    def records(self) -> PRF:
        return total(d.records for d in self.documents)

    def role(self, role: str) -> PRF:
        return total(d.roles.get(role, PRF()) for d in self.documents)

    @property
    def role_labels(self) -> tuple[str, ...]:
        """Roles that occur among the exactly found agencies (gold or predicted)."""
        return tuple(r for r in ROLES if _any(self.role(r)))

    @property
    def role_accuracy(self) -> float:
        """Share of the exactly found gold agencies whose role was predicted right."""
        return _role_accuracy([d.roles for d in self.documents])

    @property
    def role_macro_f1(self) -> float:
        present = self.role_labels
        return sum(self.role(r).f1 for r in present) / len(present) if present else 0.0

    @property
    def links(self) -> PRF:
        """Link counts over the documents whose gold has links."""
        return total(d.links for d in self.documents if d.links is not None)

    @property
    def n_linked(self) -> int:
        return sum(d.links is not None for d in self.documents)

    @property
    def error_counts(self) -> dict[str, int]:
        counts = Counter(row.kind for d in self.documents for row in d.alignment)
        return {kind: counts.get(kind, 0) for kind in ERROR_KINDS}

    def document(self, doc_id: str) -> DocumentScore:
        for doc in self.documents:
            if doc.doc_id == doc_id:
                return doc
        raise KeyError(doc_id)

    def _ci(self, key: str) -> list[float] | None:
        interval = self.intervals.get(key)
        return None if interval is None else [interval[0], interval[1]]

    def to_json(self) -> dict[str, Any]:
        """Nested scores; ``obj["strict"]["micro"]["f1"]``, ``obj["strict"]["micro"]["f1_ci"]``,
        ``obj["strict"]["per_label"]["VALUE"]["f1"]``, ``obj["records"]["f1"]`` and so on."""
        out: dict[str, Any] = {
            "n_documents": len(self.documents),
            "bootstrap": {"resamples": self.resamples, "seed": self.seed, "confidence": self.confidence},
        }
        for scheme in SCHEMES:
            micro = self.micro(scheme).to_json()
            for metric in ("precision", "recall", "f1"):
                micro[f"{metric}_ci"] = self._ci(f"{scheme}.micro.{metric}")
            macro: dict[str, Any] = {**self.macro(scheme), "labels": list(self.macro_labels)}
            macro["f1_ci"] = self._ci(f"{scheme}.macro.f1")
            per_label = {}
            for label in self.labels:
                row = self.per_label(scheme, label).to_json()
                row["f1_ci"] = self._ci(f"{scheme}.per_label.{label}.f1")
                per_label[label] = row
            out[scheme] = {"micro": micro, "macro": macro, "per_label": per_label}
        records = self.records.to_json()
        for metric in ("precision", "recall", "f1"):
            records[f"{metric}_ci"] = self._ci(f"records.{metric}")
        out["records"] = records
        out["roles"] = {
            "accuracy": self.role_accuracy,
            "accuracy_ci": self._ci("roles.accuracy"),
            "macro_f1": self.role_macro_f1,
            "macro_f1_ci": self._ci("roles.macro_f1"),
            "agencies_found": sum(self.role(r).tp + self.role(r).fn for r in ROLES),
            "per_role": {r: {**self.role(r).to_json(), "f1_ci": self._ci(f"roles.per_role.{r}.f1")} for r in ROLES},
        }
        links = self.links.to_json()
        for metric in ("precision", "recall", "f1"):
            links[f"{metric}_ci"] = self._ci(f"links.{metric}")
        links["documents"] = self.n_linked
        out["links"] = links
        out["errors"] = self.error_counts
        return out

    def render(self) -> str:
        """A plain-text table: every scheme, records, strict per label, error kinds."""
        level = f"{self.confidence:.0%} CI"
        lines = [
            f"{len(self.documents)} documents; intervals: "
            + (f"{level} over {self.resamples} document resamples (seed {self.seed})" if self.resamples else "none"),
            "",
            f"{'scheme':<10}{'P':>8}{'R':>8}{'F1':>8}  {level}",
        ]

        def row(name: str, prf: PRF, key: str) -> str:
            ci = self._ci(key)
            interval = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-"
            return f"{name:<10}{prf.precision:8.3f}{prf.recall:8.3f}{prf.f1:8.3f}  {interval}"

        for scheme in SCHEMES:
            lines.append(row(scheme, self.micro(scheme), f"{scheme}.micro.f1"))
        lines.append(row("records", self.records, "records.f1"))
        lines.append(row("links", self.links, "links.f1") + f"  ({self.n_linked} link-annotated documents)")
        macro = self.macro("strict")
        lines.append(f"{'macro':<10}{macro['precision']:8.3f}{macro['recall']:8.3f}{macro['f1']:8.3f}  (strict)")
        lines += ["", "strict, per label:", f"{'label':<12}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}  {level}"]
        for label in self.labels:
            prf = self.per_label("strict", label)
            ci = self._ci(f"strict.per_label.{label}.f1")
            interval = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-"
            lines.append(
                f"{label:<12}{prf.tp + prf.fn:6.0f}{prf.tp + prf.fp:6.0f}"
                f"{prf.precision:8.3f}{prf.recall:8.3f}{prf.f1:8.3f}  {interval}"
            )
        found = sum(self.role(r).tp + self.role(r).fn for r in ROLES)
        ci = self._ci("roles.macro_f1")
        lines += [
            "",
            f"agency roles over the {found:.0f} exactly found gold agencies: accuracy {self.role_accuracy:.3f}, "
            f"macro F1 {self.role_macro_f1:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""),
        ]
        for role in ROLES:
            prf = self.role(role)
            lines.append(f"{role:<12}{prf.tp + prf.fn:6.0f}{prf.tp + prf.fp:6.0f}{prf.precision:8.3f}{prf.recall:8.3f}{prf.f1:8.3f}")
        errors = self.error_counts
        lines += ["", "alignment: " + ", ".join(f"{k} {errors[k]}" for k in ERROR_KINDS)]
        return "\n".join(lines)


def _any(prf: PRF) -> bool:
    return bool(prf.tp or prf.fp or prf.fn)


def _intervals(
    documents: Sequence[DocumentScore], labels: Sequence[str], resamples: int, seed: int, confidence: float
) -> dict[str, tuple[float, float]]:
    weights = bootstrap_weights(len(documents), resamples, seed)
    out: dict[str, tuple[float, float]] = {}

    def resampled(scores: Sequence[PRF]) -> np.ndarray:
        return weights @ counts_array(scores)  # (resamples, 3)

    for scheme in SCHEMES:
        sums = resampled([d.micro[scheme] for d in documents])
        for metric, fn in (("precision", precision_of), ("recall", recall_of), ("f1", f1_of)):
            out[f"{scheme}.micro.{metric}"] = percentile_interval(fn(sums), confidence)
        label_f1 = {}
        for label in labels:
            label_f1[label] = f1_of(resampled([d.per_label[scheme][label] for d in documents]))
            out[f"{scheme}.per_label.{label}.f1"] = percentile_interval(label_f1[label], confidence)
        present = [lab for lab in labels if any(_any(d.per_label["strict"][lab]) for d in documents)]
        if present:
            out[f"{scheme}.macro.f1"] = percentile_interval(
                np.mean([label_f1[lab] for lab in present], axis=0), confidence
            )
    sums = resampled([d.records for d in documents])
    for metric, fn in (("precision", precision_of), ("recall", recall_of), ("f1", f1_of)):
        out[f"records.{metric}"] = percentile_interval(fn(sums), confidence)
    role_sums = {role: resampled([d.roles.get(role, PRF()) for d in documents]) for role in ROLES}
    role_f1 = {role: f1_of(sums) for role, sums in role_sums.items()}
    for role in ROLES:
        out[f"roles.per_role.{role}.f1"] = percentile_interval(role_f1[role], confidence)
    # accuracy: right roles over exactly found gold agencies (each role's tp + fn)
    correct = sum(sums[:, 0] for sums in role_sums.values())
    found = sum(sums[:, 0] + sums[:, 2] for sums in role_sums.values())
    out["roles.accuracy"] = percentile_interval(np.divide(correct, found, out=np.zeros_like(correct), where=found > 0), confidence)
    present = [r for r in ROLES if any(_any(d.roles.get(r, PRF())) for d in documents)]
    if present:
        out["roles.macro_f1"] = percentile_interval(np.mean([role_f1[r] for r in present], axis=0), confidence)
    linked = [d.links if d.links is not None else PRF() for d in documents]
    sums = resampled(linked)
    for metric, fn in (("precision", precision_of), ("recall", recall_of), ("f1", f1_of)):
        out[f"links.{metric}"] = percentile_interval(fn(sums), confidence)
    return out


def _role_accuracy(per_doc: Sequence[Mapping[str, PRF]]) -> float:
    correct = sum(r.tp for roles in per_doc for r in roles.values())
    found = sum(r.tp + r.fn for roles in per_doc for r in roles.values())
    return correct / found if found else 0.0


def evaluate(
    gold_docs: Iterable[Document],
    pred_docs: Iterable[Document],
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
) -> EvaluationResult:
    """Score predicted documents against gold ones (matched by id; texts must be equal).

    ``labels`` defaults to the labels found in the data: the spec's five when every label of
    gold and predictions is one of them, else the labels that occur (a corpus with other labels,
    such as a public NER benchmark, is scored on its own).

    Spans are scored under SemEval-2013's strict, exact, partial and type schemes, per label and
    over all labels, and target records are scored too (see :mod:`plannlp.evaluate.metrics`).
    With ``bootstrap > 0`` each figure gets a percentile interval from that many resamples of
    the documents (seeded, so reruns agree).
    """
    if bootstrap < 0:
        raise ValueError("the number of bootstrap resamples cannot be negative")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1")
    examples = pair_documents(gold_docs, pred_docs)
    if labels is None:
        found = labels_of([d for ex in examples for d in (ex.reference, ex.predicted)])
        labels = LABELS if set(found) <= set(LABELS) else found
    labels = tuple(labels)
    documents = tuple(score_example(ex, labels) for ex in examples)
    intervals = _intervals(documents, labels, bootstrap, seed, confidence) if bootstrap and documents else {}
    return EvaluationResult(
        documents=documents,
        labels=labels,
        intervals=intervals,
        resamples=bootstrap if documents else 0,
        seed=seed,
        confidence=confidence,
    )


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"strict": {"micro": {"f1": x}}}`` -> ``{"strict.micro.f1": x}`` (lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def compare(
    gold_docs: Iterable[Document],
    pred_a: Iterable[Document],
    pred_b: Iterable[Document],
    *,
    rounds: int = 10_000,
    seed: int = 0,
    scheme: str = "strict",
) -> Comparison:
    """Is system A better than system B on micro F1 (``scheme``) over the gold documents?
    Paired bootstrap and approximate randomisation over documents (see :class:`Comparison`)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    gold = list(gold_docs)
    a = evaluate(gold, pred_a, bootstrap=0)
    b = evaluate(gold, pred_b, bootstrap=0)
    return compare_counts(
        counts_array([d.micro[scheme] for d in a.documents]),
        counts_array([d.micro[scheme] for d in b.documents]),
        rounds=rounds,
        seed=seed,
    )
