"""Document-level k-fold cross-validation over train+dev, so choices rest on every labelled document.

:func:`assign_folds` deals documents into ``k`` folds stratified by source and by health domain
(``meta.domain`` where the gold has it; otherwise the annotation header, then a keyword test, see
:func:`document_domain`), with a fixed seed. :func:`crossval` trains a system on ``k - 1`` folds and
tags the held-out one, for each fold; each fold is scored (strict and partial micro F1, strict
per label, records) and the folds are summarised as mean and standard deviation, beside the pooled
score of all held-out predictions. ``fractions`` draws a learning curve: each fold's training
documents are subsampled (seeded) to each fraction, the held-out fold unchanged.

The caller gives the :class:`FoldSystem` (``plannlp.tag.systems.fold_system(config)`` finds the one
a config names): it prepares all documents once (segmentation, features) and then fits and predicts
per fold. Scoring sits below the systems, so it never imports them.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from plannlp.data import DataError, Document
from plannlp.evaluate import evaluate
from plannlp.io import write_documents
from plannlp.labels import LABELS

HEALTH, OTHER = "health", "other"


class FoldSystem(Protocol):
    def prepare(self, docs: Sequence[Document]) -> None:
        """Do once what does not depend on the fold (segmentation, features) for all documents."""

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        """Train on the documents at ``train``, return those at ``test`` with predicted spans."""


# ---------------------------------------------------------------------------------------------
# Strata


@lru_cache(maxsize=1)
def _health_terms() -> tuple[str, ...]:
    text = resources.files("plannlp").joinpath("resources", "health_terms.txt").read_text(encoding="utf-8")
    return tuple(t.strip().lower() for t in text.splitlines() if t.strip() and not t.startswith("#"))


def _header_domain(doc: Document) -> str | None:
    path = doc.meta.get("annotation") if doc.meta else None
    if not path or not Path(path).is_file():
        return None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*domain:\s*(\w+)", line)
        if m:
            return m.group(1).lower()
    return None


def _key(text: str) -> str:
    """NFC lower case, the form of the health terms (the terms avoid oa/oe/uy, whose tone placement varies)."""
    import unicodedata

    return unicodedata.normalize("NFC", text).lower()


def document_domain(doc: Document) -> str:
    """``health`` or ``other``: ``meta.domain`` when the gold has it, else the annotation file's
    ``# domain:`` header, else a keyword test (``resources/health_terms.txt``): health terms make
    >= 10 per 1,000 words of the text, or >= 5 with one in the title (on the 83 documents of
    2026-11-22 this marks 19 as health, 3 of dev's and 1 of test's)."""
    meta = dict(doc.meta or {})
    if meta.get("domain"):
        return HEALTH if str(meta["domain"]).lower() == HEALTH else OTHER
    header = _header_domain(doc)
    if header:
        return HEALTH if header == HEALTH else OTHER
    terms = _health_terms()
    title = _key(str(meta.get("title", "")))
    in_title = any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", title) for t in terms)
    body = _key(doc.text)
    hits = sum(len(re.findall(rf"(?<!\w){re.escape(t)}(?!\w)", body)) for t in terms)
    per_mille = hits * 1000 / max(1, len(body.split()))
    return HEALTH if per_mille >= 10 or (in_title and per_mille >= 5) else OTHER


def source_of(doc: Document) -> str:
    return str((doc.meta or {}).get("source") or doc.id.split("-")[0])


def assign_folds(docs: Sequence[Document], k: int, seed: int = 0) -> list[int]:
    """Each document's fold in ``0..k-1``: within each (source, domain) stratum the documents are
    shuffled (seeded) and dealt round-robin, each stratum starting where the last one stopped, so
    folds differ in size by at most one and every stratum is spread evenly."""
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    if len(docs) < k:
        raise DataError(f"{len(docs)} documents cannot fill {k} folds")
    strata: dict[tuple[str, str], list[int]] = {}
    for i, doc in enumerate(docs):
        strata.setdefault((source_of(doc), document_domain(doc)), []).append(i)
    rng = np.random.default_rng(seed)
    folds = [0] * len(docs)
    cursor = 0
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda i: docs[i].id)
        for i in rng.permutation(len(members)):
            folds[members[int(i)]] = cursor % k
            cursor += 1
    return folds


def subsample(indices: Sequence[int], fraction: float, seed: int) -> list[int]:
    """A seeded share of ``indices`` (at least one), in their original order."""
    if not 0 < fraction <= 1:
        raise ValueError("fractions lie in (0, 1]")
    if fraction == 1:
        return list(indices)
    n = max(1, round(fraction * len(indices)))
    chosen = np.random.default_rng(seed).permutation(len(indices))[:n]
    return [indices[i] for i in sorted(int(c) for c in chosen)]


# ---------------------------------------------------------------------------------------------
# Running and scoring


def _scores(gold: Sequence[Document], predicted: Sequence[Document]) -> dict[str, Any]:
    result = evaluate(gold, predicted, bootstrap=0).to_json()
    out = {
        "n_documents": len(gold),
        "strict": {m: result["strict"]["micro"][m] for m in ("precision", "recall", "f1")},
        "partial": {m: result["partial"]["micro"][m] for m in ("precision", "recall", "f1")},
        "per_label": {lab: result["strict"]["per_label"][lab]["f1"] for lab in LABELS},
        "records": result["records"]["f1"],
    }
    return out


def _flat(scores: dict[str, Any]) -> dict[str, float]:
    out = {
        "strict_f1": scores["strict"]["f1"], "strict_p": scores["strict"]["precision"],
        "strict_r": scores["strict"]["recall"], "partial_f1": scores["partial"]["f1"],
        "records_f1": scores["records"],
    }  # fmt: skip
    out.update({f"{lab}_f1": f for lab, f in scores["per_label"].items()})
    return out


def _summary(per_fold: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    flats = [_flat(f) for f in per_fold]
    out = {}
    for key in flats[0]:
        values = np.array([f[key] for f in flats], dtype=float)
        out[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0}
    return out


@dataclass
class CrossvalResult:
    system: str
    config: dict[str, Any]
    k: int
    seed: int
    folds: list[int]
    doc_ids: list[str]
    domains: list[str]
    runs: dict[str, Any] = field(default_factory=dict)  # fraction -> {"per_fold", "mean_sd", "pooled", "pooled_health"}
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system, "config": self.config, "k": self.k, "seed": self.seed,
            "documents": [{"id": i, "fold": f, "domain": d} for i, f, d in zip(self.doc_ids, self.folds, self.domains)],
            "runs": self.runs, "seconds": round(self.seconds, 1),
        }  # fmt: skip

    def render(self) -> str:
        lines = [
            f"{self.system}: {self.k}-fold cross-validation over {len(self.doc_ids)} documents "
            f"({sum(d == HEALTH for d in self.domains)} health), seed {self.seed}; {self.seconds:.0f} s",
        ]
        for fraction, run in self.runs.items():
            lines.append("")
            lines.append(f"training fraction {fraction}:")
            lines.append(f"{'fold':<8}{'docs':>5}{'strict P':>10}{'R':>7}{'F1':>7}{'partial':>9}{'records':>9}  " + " ".join(f"{lab[:4]:>6}" for lab in LABELS))
            for i, f in enumerate(run["per_fold"]):
                lines.append(
                    f"{i:<8}{f['n_documents']:>5}{f['strict']['precision']:>10.3f}{f['strict']['recall']:>7.3f}"
                    f"{f['strict']['f1']:>7.3f}{f['partial']['f1']:>9.3f}{f['records']:>9.3f}  "
                    + " ".join(f"{f['per_label'][lab]:>6.3f}" for lab in LABELS)
                )
            ms = run["mean_sd"]
            lines.append(
                f"{'mean':<8}{'':>5}{ms['strict_p']['mean']:>10.3f}{ms['strict_r']['mean']:>7.3f}"
                f"{ms['strict_f1']['mean']:>7.3f}{ms['partial_f1']['mean']:>9.3f}{ms['records_f1']['mean']:>9.3f}  "
                + " ".join(f"{ms[lab + '_f1']['mean']:>6.3f}" for lab in LABELS)
            )
            lines.append(
                f"{'sd':<8}{'':>5}{ms['strict_p']['sd']:>10.3f}{ms['strict_r']['sd']:>7.3f}"
                f"{ms['strict_f1']['sd']:>7.3f}{ms['partial_f1']['sd']:>9.3f}{ms['records_f1']['sd']:>9.3f}  "
                + " ".join(f"{ms[lab + '_f1']['sd']:>6.3f}" for lab in LABELS)
            )
            for name in ("pooled", "pooled_health"):
                p = run.get(name)
                if p:
                    lines.append(
                        f"{name:<13}{p['strict']['precision']:>10.3f}{p['strict']['recall']:>7.3f}{p['strict']['f1']:>7.3f}"
                        f"{p['partial']['f1']:>9.3f}{p['records']:>9.3f}  " + " ".join(f"{p['per_label'][lab]:>6.3f}" for lab in LABELS)
                        + f"  ({p['n_documents']} docs)"
                    )
        return "\n".join(lines)


def crossval(
    config: dict[str, Any],
    docs: Sequence[Document],
    k: int = 5,
    seed: int = 0,
    fractions: Sequence[float] = (1.0,),
    *,
    system: FoldSystem,
    predictions_out: Path | None = None,
) -> CrossvalResult:
    """Cross-validate ``system`` (the fold system of ``config``) over ``docs`` (see the module docstring)."""
    started = time.monotonic()
    for fraction in fractions:  # here, not in subsample: a bad last fraction failed after the others had trained
        if not 0 < fraction <= 1:
            raise ValueError(f"fractions lie in (0, 1], got {fraction}")
    docs = list(docs)
    folds = assign_folds(docs, k, seed)
    domains = [document_domain(d) for d in docs]
    system.prepare(docs)
    result = CrossvalResult(str(config.get("system")), dict(config), k, seed, folds, [d.id for d in docs], domains)
    for fraction in fractions:
        predicted: dict[int, Document] = {}
        per_fold = []
        for fold in range(k):
            test = [i for i, f in enumerate(folds) if f == fold]
            train = subsample([i for i, f in enumerate(folds) if f != fold], fraction, seed + fold)
            out = system.fit_predict(train, test)
            predicted.update(zip(test, out))
            scores = _scores([docs[i] for i in test], out)
            scores["n_train_documents"] = len(train)
            per_fold.append(scores)
        order = list(range(len(docs)))
        pooled = _scores(docs, [predicted[i] for i in order])
        health = [i for i in order if domains[i] == HEALTH]
        pooled_health = _scores([docs[i] for i in health], [predicted[i] for i in health]) if health else None
        result.runs[str(fraction)] = {
            "per_fold": per_fold, "mean_sd": _summary(per_fold), "pooled": pooled, "pooled_health": pooled_health,
        }  # fmt: skip
        if predictions_out is not None and fraction == max(fractions):
            # each held-out prediction records its fold, so a later run can reuse it (system "heldout")
            write_documents(
                predictions_out,
                [
                    dataclasses.replace(predicted[i], meta={**dict(predicted[i].meta or {}), "crossval": {"k": k, "seed": seed, "fold": folds[i]}})
                    for i in order
                ],
            )
    result.seconds = time.monotonic() - started
    return result


def save_result(path: Path, result: CrossvalResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def crossval_markdown(paths: Sequence[Path]) -> str:
    """Tables of saved cross-validation results: mean ± sd over folds per system, per label, the
    pooled health documents, and the learning curve where a run drew one."""
    records = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(paths)]
    if not records:
        return ""
    lines = [
        "## Cross-validation (train+dev, document folds stratified by source and health)",
        "",
        "Generated from `experiments/crossval/*.json` (`plannlp crossval CONFIG --folds K --out ...`). Mean ± sd",
        "over folds of strict micro F1 (P, R), partial micro F1 and records F1; per label the mean strict F1; then",
        "strict micro F1 pooled over the held-out health documents.",
        "",
        "| run | config | k | docs | strict F1 | P | R | partial F1 | records F1 | "
        + " | ".join(LABELS) + " | health (pooled) |",
        "|" + "---|" * (11 + len(LABELS)),
    ]
    curves = []
    for path, r in records:
        runs = r["runs"]
        full = runs.get("1.0") or runs[max(runs, key=float)]
        ms = full["mean_sd"]

        def pm(key: str) -> str:
            return f"{ms[key]['mean']:.3f} ± {ms[key]['sd']:.3f}"

        health = full.get("pooled_health")
        cells = [
            path.stem, f"`{r['config'].get('config_file', '-')}`", str(r["k"]), str(len(r["documents"])),
            pm("strict_f1"), pm("strict_p"), pm("strict_r"), pm("partial_f1"), pm("records_f1"),
            *(f"{ms[lab + '_f1']['mean']:.3f}" for lab in LABELS),
            f"{health['strict']['f1']:.3f} ({health['n_documents']})" if health else "-",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
        if len(runs) > 1:
            curves.append((path.stem, runs))
    for name, runs in curves:
        lines += ["", f"Learning curve of `{name}` (share of each fold's training documents; mean ± sd strict F1):", ""]
        lines += ["| fraction | training docs (mean) | strict F1 | P | R |", "|---|---|---|---|---|"]
        for fraction in sorted(runs, key=float):
            run = runs[fraction]
            ms = run["mean_sd"]
            n = np.mean([f.get("n_train_documents", 0) for f in run["per_fold"]])
            lines.append(
                f"| {fraction} | {n:.0f} | {ms['strict_f1']['mean']:.3f} ± {ms['strict_f1']['sd']:.3f} "
                f"| {ms['strict_p']['mean']:.3f} | {ms['strict_r']['mean']:.3f} |"
            )
    return "\n".join(lines) + "\n"
