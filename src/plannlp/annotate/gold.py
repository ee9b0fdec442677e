"""The gold corpus: quote files compiled into split JSONL files, their statistics, and agreement.

Layout (under ``corpus/``):

- ``clean/<id>.txt``: cleaned text, written by ``plannlp corpus ingest`` (never edited by hand);
- ``manifest.tsv``: one row per ingested document and stage (:mod:`plannlp.annotate.manifest`);
- ``annotations/<id>.tsv``: the labels as a quote file (:mod:`plannlp.annotate.quotes`); only files whose
  header says ``status: gold`` go into the gold corpus;
- ``annotations/double/<id>.<annotator>.tsv``: independent second annotations, for agreement;
- ``gold/splits.tsv``: the fixed split of every gold document; rows are appended, never changed;
- ``gold/{train,dev,test}.jsonl``: the compiled documents.
"""

from __future__ import annotations

import csv
import hashlib
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plannlp.annotate.ids import id_path
from plannlp.annotate.manifest import load_clean_document
from plannlp.annotate.quotes import format_quotes, parse_quotes, read_annotation
from plannlp.annotate.validate import document_problems
from plannlp.data import DataError, Document
from plannlp.evaluate import evaluate
from plannlp.io import atomic_writer, write_documents
from plannlp.labels import AGENCY, INDICATOR, LABELS, ROLES
from plannlp.tag.baselines.rules import preannotation_rules

SPLITS: tuple[str, ...] = ("train", "dev", "test")
SPLIT_TARGETS: dict[str, float] = {"train": 0.70, "dev": 0.15, "test": 0.15}
HEALTH_SPLIT_TARGETS: dict[str, float] = {"train": 0.60, "dev": 0.20, "test": 0.20}
SOURCES: tuple[str, ...] = ("seed", "gov", "news")
SPLITS_HEADER: tuple[str, ...] = ("id", "split", "source")


def source_of(doc_id: str) -> str:
    """The stratum of a document: the id's prefix before the first ``-`` (seed, gov, news)."""
    return doc_id.split("-", 1)[0]


def read_quote_header(path: str | Path) -> dict[str, str]:
    """The ``# key: value`` header of a quote file, without reading its spans."""

    header = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                break
            header.append(line)
    return parse_quotes("", header, source=str(path))[1]


def load_annotation(
    quote_file: str | Path, corpus_dir: str | Path, doc_id: str | None = None, require_roles: bool = True
) -> Document:
    """The clean text of ``<id>`` (checked against the manifest's checksum) with the spans of
    ``quote_file`` and gold metadata."""

    quote_file = Path(quote_file)
    doc = load_clean_document(doc_id or quote_file.stem, corpus_dir)
    spans, links, header = read_annotation(quote_file, doc.text, require_roles=require_roles)
    meta = {
        **doc.meta,
        "stage": "gold",
        "labelled_by": header.get("labelled_by", ""),
        "labelled_at": header.get("labelled_at", ""),
        "pre_annotated_by": header.get("pre_annotated_by", ""),
        "annotation": str(quote_file),
    }
    if header.get("domain"):
        meta["domain"] = header["domain"]
    return doc.with_spans(spans, links).with_meta(**meta)


# --- splits ---------------------------------------------------------------------------------


def read_splits(path: str | Path) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for lineno, row in enumerate(rows, start=2):
        if row.get("split") not in SPLITS:
            raise DataError(f"{path}:{lineno}: split {row.get('split')!r} is not one of {', '.join(SPLITS)}")
    ids = Counter(r["id"] for r in rows)
    duplicated = [i for i, n in ids.items() if n > 1]
    if duplicated:
        raise DataError(f"{path}: ids listed twice: {', '.join(sorted(duplicated))}")
    return rows


def _id_hash(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


def assign_splits(
    new_ids: Iterable[str],
    existing: Sequence[Mapping[str, str]],
    domains: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """Split rows for documents not yet in ``existing``; existing rows are never changed.

    Documents are stratified by source and by domain (``domains`` maps ids to the annotation's
    ``# domain:``). Within each stratum, new documents are taken in the order of a hash of their
    id (so the result depends on the ids, not on file order) and each goes to the split furthest
    below its target share of the stratum, counting the documents already assigned: 70/15/15,
    but 60/20/20 for health documents, so that dev and test are health-rich (the project is for
    health plans, and its choices and final scores should rest on them).
    """
    domains = domains or {}
    known = {r["id"] for r in existing}

    def stratum(doc_id: str, source: str) -> tuple[str, str]:
        return source, domains.get(doc_id, "")

    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in existing:
        key = stratum(row["id"], row.get("source") or source_of(row["id"]))
        counts.setdefault(key, Counter())[row["split"]] += 1
    rows = []
    for doc_id in sorted(set(new_ids) - known, key=_id_hash):
        source = source_of(doc_id)
        key = stratum(doc_id, source)
        targets = HEALTH_SPLIT_TARGETS if key[1] == "health" else SPLIT_TARGETS
        have = counts.setdefault(key, Counter())
        n = sum(have.values()) + 1
        split = max(SPLITS, key=lambda s: (targets[s] * n - have[s], -SPLITS.index(s)))
        have[split] += 1
        rows.append({"id": doc_id, "split": split, "source": source})
    return rows


def write_splits(path: str | Path, rows: Sequence[Mapping[str, str]]) -> None:
    with atomic_writer(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=SPLITS_HEADER, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in SPLITS_HEADER})


# --- build ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    counts: dict[str, int]  # split -> documents written
    new_rows: tuple[dict[str, str], ...]  # split rows added this time
    skipped: dict[str, list[str]]  # id -> why it was left out (spec problems, unreadable)


def gold_quote_files(annotations_dir: str | Path) -> list[Path]:
    """The quote files directly under ``annotations_dir`` whose header says ``status: gold``."""
    return [
        p
        for p in sorted(Path(annotations_dir).glob("*.tsv"))
        if read_quote_header(p).get("status", "").strip() == "gold"
    ]


def build_gold(corpus_dir: str | Path = "corpus") -> BuildResult:
    """Compile every gold quote file into ``gold/{train,dev,test}.jsonl`` using ``gold/splits.tsv``.

    A document with spec problems (:func:`plannlp.annotate.validate.document_problems`) is left out
    and reported, so one bad file does not hold back the rest.
    """

    corpus_dir = Path(corpus_dir)
    if not (corpus_dir / "annotations").is_dir():  # else empty gold files were written there (over a gold/ it holds)
        raise DataError(f"{corpus_dir}: not a corpus directory (no annotations/ folder); nothing to build the gold from")
    docs: list[Document] = []
    skipped: dict[str, list[str]] = {}
    for quote_file in gold_quote_files(corpus_dir / "annotations"):
        try:
            doc = load_annotation(quote_file, corpus_dir)
        except DataError as exc:
            skipped[quote_file.stem] = [str(exc)]
            continue
        problems = document_problems(doc)
        if problems:
            skipped[doc.id] = [f"{quote_file}: {p}" for p in problems]
            continue
        docs.append(doc)
    splits_path = corpus_dir / "gold" / "splits.tsv"
    existing = read_splits(splits_path)
    new_rows = assign_splits((d.id for d in docs), existing, {d.id: d.meta.get("domain", "") for d in docs})
    if new_rows:
        write_splits(splits_path, [*existing, *new_rows])
    split_of = {r["id"]: r["split"] for r in [*existing, *new_rows]}
    counts = {}
    for split in SPLITS:
        part = [d for d in docs if split_of[d.id] == split]
        counts[split] = write_documents(corpus_dir / "gold" / f"{split}.jsonl", part)
    return BuildResult(counts, tuple(new_rows), skipped)


# --- statistics -----------------------------------------------------------------------------


def _distribution(values: Sequence[int]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(values),
        "min": ordered[0],
        "median": statistics.median(ordered),
        "mean": round(statistics.fmean(ordered), 2),
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
    }


def corpus_stats(parts: Mapping[str, Sequence[Document]]) -> dict[str, Any]:
    """Documents, spans per label and part, span lengths (characters, words), targets per document.

    ``parts`` maps a name (a split, a file) to its documents; "total" sums them.
    """
    out: dict[str, Any] = {"parts": {}}
    everything: list[Document] = []
    for name, docs in parts.items():
        out["parts"][name] = _part_stats(docs)
        everything.extend(docs)
    out["total"] = _part_stats(everything)
    return out


def _part_stats(docs: Sequence[Document]) -> dict[str, Any]:
    labels: Counter[str] = Counter()
    chars: dict[str, list[int]] = {label: [] for label in LABELS}
    words: dict[str, list[int]] = {label: [] for label in LABELS}
    sources: Counter[str] = Counter()
    for doc in docs:
        sources[doc.meta.get("source") or source_of(doc.id)] += 1
        for span in doc.spans:
            labels[span.label] += 1
            surface = doc.span_text(span)
            chars[span.label].append(len(surface))
            words[span.label].append(len(surface.split()))
    targets = [sum(1 for s in d.spans if s.label == INDICATOR) for d in docs]
    roles = Counter(s.role or "none" for d in docs for s in d.spans if s.label == AGENCY)
    return {
        "documents": len(docs),
        "health_documents": sum(d.meta.get("domain") == "health" for d in docs),
        "link_documents": sum(bool(d.links) for d in docs),
        "links": sum(len(d.links) for d in docs),
        "roles": dict(sorted(roles.items())),
        "characters": sum(len(d.text) for d in docs),
        "sources": dict(sorted(sources.items())),
        "spans": {label: labels[label] for label in LABELS},
        "span_chars": {label: _distribution(chars[label]) for label in LABELS if chars[label]},
        "span_words": {label: _distribution(words[label]) for label in LABELS if words[label]},
        "targets_per_document": _distribution(targets),
    }


def format_stats(stats: Mapping[str, Any]) -> str:
    """A plain-text table of :func:`corpus_stats`."""
    names = [*stats["parts"], "total"]
    part = {**stats["parts"], "total": stats["total"]}
    width = max(10, *(len(n) for n in names))
    lines = ["".ljust(12) + "".join(n.rjust(width + 2) for n in names)]
    lines.append("documents".ljust(12) + "".join(str(part[n]["documents"]).rjust(width + 2) for n in names))
    lines.append("  health".ljust(12) + "".join(str(part[n].get("health_documents", 0)).rjust(width + 2) for n in names))
    for label in LABELS:
        lines.append(label.ljust(12) + "".join(str(part[n]["spans"][label]).rjust(width + 2) for n in names))
    lines.append("spans".ljust(12) + "".join(str(sum(part[n]["spans"].values())).rjust(width + 2) for n in names))
    for role in ROLES:
        lines.append(f"  {role}".ljust(12) + "".join(str(part[n].get("roles", {}).get(role, 0)).rjust(width + 2) for n in names))
    lines.append("links".ljust(12) + "".join(str(part[n].get("links", 0)).rjust(width + 2) for n in names))
    lines.append("  documents".ljust(12) + "".join(str(part[n].get("link_documents", 0)).rjust(width + 2) for n in names))
    total = stats["total"]
    lines.append("")
    lines.append("span length (all parts): label  chars min/median/mean/p90/max  |  words min/median/mean/p90/max")
    for label in LABELS:
        c, w = total["span_chars"].get(label), total["span_words"].get(label)
        if c:
            lines.append(
                f"  {label:<11}{c['min']}/{c['median']}/{c['mean']}/{c['p90']}/{c['max']}".ljust(48)
                + f"|  {w['min']}/{w['median']}/{w['mean']}/{w['p90']}/{w['max']}"
            )
    t = total["targets_per_document"]
    if t["n"]:
        lines.append(
            f"targets (INDICATOR spans) per document: min {t['min']}, median {t['median']}, "
            f"mean {t['mean']}, max {t['max']}"
        )
    return "\n".join(lines)


# --- agreement ------------------------------------------------------------------------------


def double_annotations(corpus_dir: str | Path = "corpus") -> dict[str, list[tuple[str, Path]]]:
    """``id -> [(annotator, quote file), (annotator, quote file)]`` for each double-annotated doc.

    ``annotations/double/<id>.<annotator>.tsv`` files hold the independent annotations. With two or
    more for an id, the first two by annotator name are used; with one, the main file
    ``annotations/<id>.tsv`` is annotator 1 (the reference).
    """
    corpus_dir = Path(corpus_dir)
    by_id: dict[str, list[tuple[str, Path]]] = {}
    for path in sorted((corpus_dir / "annotations" / "double").glob("*.tsv")):
        doc_id, sep, annotator = path.stem.rpartition(".")
        if not sep or not doc_id:
            raise DataError(f"{path}: double annotations are named <id>.<annotator>.tsv")
        by_id.setdefault(doc_id, []).append((annotator, path))
    pairs = {}
    for doc_id, files in by_id.items():
        if len(files) == 1:
            main = corpus_dir / "annotations" / f"{doc_id}.tsv"
            if not main.is_file():
                continue
            first = (read_quote_header(main).get("labelled_by") or "main").split()[0]
            files = [(first, main), *files]
        pairs[doc_id] = files[:2]
    return pairs


def agreement(
    corpus_dir: str | Path = "corpus", labels: Sequence[str] = LABELS, bootstrap: int = 1000
) -> dict[str, Any]:
    """Span F1 between two annotators per label and overall, strict and partial (SemEval schemes).

    Annotator 1 is the reference and annotator 2 the prediction; F1 is symmetric. Scores come from
    the project's own evaluation code (:func:`plannlp.evaluate.evaluate`), with bootstrap intervals
    over documents.
    """

    corpus_dir = Path(corpus_dir)
    references, predictions, documents = [], [], []
    for doc_id, ((name1, file1), (name2, file2)) in sorted(double_annotations(corpus_dir).items()):
        # snapshots kept from before roles existed say `status: gold` without roles
        references.append(load_annotation(file1, corpus_dir, doc_id, require_roles=False))
        predictions.append(load_annotation(file2, corpus_dir, doc_id, require_roles=False))
        documents.append({"id": doc_id, "annotator_1": name1, "annotator_2": name2})
    out: dict[str, Any] = {"documents": documents, "schemes": {}}
    if not documents:
        return out
    scores = evaluate(references, predictions, bootstrap=bootstrap, labels=labels).to_json()
    for scheme in ("strict", "partial"):
        out["schemes"][scheme] = {"micro": scores[scheme]["micro"], "per_label": scores[scheme]["per_label"]}
    out["roles"] = role_agreement(corpus_dir, bootstrap=bootstrap)
    return out


def _has_roles(doc: Document) -> bool:
    agencies = [s for s in doc.spans if s.label == AGENCY]
    return bool(agencies) and all(s.role for s in agencies)


def role_agreement(corpus_dir: str | Path = "corpus", bootstrap: int = 1000) -> dict[str, Any]:
    """Agreement on AGENCY roles over the mentions both annotators marked with the same offsets.

    Pairs are the double annotations whose both sides give roles (``annotations/double/``, new
    documents labelled twice from scratch) and the roles-only doubles of ``annotations/double-roles/``
    (the spans of an earlier gold file given roles independently), each against the main gold file.
    Reports accuracy, Cohen's kappa, per-role F1 (annotator 1 as reference) and the links'
    agreement on documents where both sides link targets.
    """

    corpus_dir = Path(corpus_dir)
    pairs = [(doc_id, f1, f2) for doc_id, ((_, f1), (_, f2)) in sorted(double_annotations(corpus_dir).items())]
    for path in sorted((corpus_dir / "annotations" / "double-roles").glob("*.tsv")):
        doc_id = path.stem.rpartition(".")[0]
        main = corpus_dir / "annotations" / f"{doc_id}.tsv"
        if main.is_file():
            pairs.append((doc_id, main, path))
    refs, preds, ids = [], [], []
    for doc_id, f1, f2 in pairs:
        a = load_annotation(f1, corpus_dir, doc_id, require_roles=False)
        b = load_annotation(f2, corpus_dir, doc_id, require_roles=False)
        if _has_roles(a) and _has_roles(b):
            refs.append(a)
            preds.append(b)
            ids.append(f"{doc_id} ({Path(f2).parent.name})")
    out: dict[str, Any] = {"documents": ids}
    if not refs:
        return out
    result = evaluate(refs, preds, bootstrap=bootstrap).to_json()
    out.update(result["roles"])
    out["kappa"] = _kappa(refs, preds)
    linked = [(r, p) for r, p in zip(refs, preds) if r.links and p.links]
    if linked:
        out["links"] = evaluate([r for r, _ in linked], [p for _, p in linked], bootstrap=bootstrap).to_json()["links"]
    return out


def _kappa(refs: Sequence[Document], preds: Sequence[Document]) -> float:
    """Cohen's kappa of the roles on the mentions both sides marked with the same offsets."""
    pairs = []
    for r, p in zip(refs, preds):
        other = {s.key: s.role for s in p.spans if s.label == AGENCY}
        pairs.extend((s.role, other[s.key]) for s in r.spans if s.label == AGENCY and s.key in other)
    if not pairs:
        return 0.0
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in ROLES) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def format_agreement(result: Mapping[str, Any]) -> str:
    lines = [f"{len(result['documents'])} double-annotated documents"]
    roles = result.get("roles") or {}
    for doc in result["documents"]:
        lines.append(f"  {doc['id']}: {doc['annotator_1']} (reference) vs {doc['annotator_2']}")
    for scheme, block in result["schemes"].items():
        lines.append(f"{scheme}:  label        tp     fp     fn   F1     95% CI over documents")
        rows = [*block["per_label"].items(), ("all (micro)", block["micro"])]
        for label, prf in rows:
            ci = prf.get("f1_ci")
            interval = f"  [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
            lines.append(
                f"        {label:<12}{prf['tp']:>5g}  {prf['fp']:>5g}  {prf['fn']:>5g}   {prf['f1']:.3f}{interval}"
            )
    if roles.get("documents"):
        ci = roles.get("macro_f1_ci")
        lines.append(
            f"agency roles over {roles['agencies_found']:.0f} mentions both marked, {len(roles['documents'])} documents: "
            f"accuracy {roles['accuracy']:.3f}, kappa {roles['kappa']:.3f}, macro F1 {roles['macro_f1']:.3f}"
            + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
        )
        for role, prf in roles["per_role"].items():
            lines.append(f"        {role:<12}{prf['tp']:>5g}  {prf['fp']:>5g}  {prf['fn']:>5g}   {prf['f1']:.3f}")
        if "links" in roles:
            links = roles["links"]
            lines.append(f"target-agency links ({links['documents']} documents both link): P {links['precision']:.3f} R {links['recall']:.3f} F1 {links['f1']:.3f}")
    return "\n".join(lines)


# --- pre-annotation -------------------------------------------------------------------------


def preannotate(
    ids: Sequence[str], clean_dir: str | Path, out_dir: str | Path, force: bool = False
) -> list[Path]:
    """Draft quote files ``out_dir/<id>.tsv`` (``status: draft``) from the rule tagger's spans."""
    from datetime import date

    out_dir = Path(out_dir)
    docs = []
    for doc_id in ids:
        text_path = id_path(clean_dir, doc_id, ".txt")
        if not text_path.is_file():
            raise DataError(f"{doc_id}: no clean text {text_path}")
        target = id_path(out_dir, doc_id, ".tsv", for_writing=True)
        if target.exists() and not force:
            raise DataError(f"{target} exists; pass --force to overwrite it")
        docs.append(Document(doc_id, text_path.read_text(encoding="utf-8")))
    predicted = preannotation_rules().predict(docs)
    header = {"labelled_by": "", "labelled_at": date.today().isoformat(), "pre_annotated_by": "rules", "status": "draft"}
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for doc in predicted:
        target = id_path(out_dir, doc.id, ".tsv", for_writing=True)
        with atomic_writer(target) as fh:
            fh.write(format_quotes(doc, header))
        written.append(target)
    return written
