"""Model cards (``README.md`` with Hugging Face metadata) written from a folder's run record.

The card's metadata — language ``vi``, licence, the training data, the metrics, ``pipeline_tag``
— and its "Run record" section are generated from ``plannlp.json`` alone, so a retrained or
replaced model gets a card that follows it (``python scripts/write_model_cards.py``). Prose a
person wrote in the README (limits, how the figures were measured) is kept: only the metadata
block and the section between the generated markers are rewritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from plannlp.io import atomic_writer
from plannlp.runrecord import RUN_RECORD, RunRecord, config_checksum

CARD = "README.md"
LICENSE = "apache-2.0"  # the project's licence (pyproject.toml), which its model folders share
START = "<!-- plannlp:card:start (generated from plannlp.json by scripts/write_model_cards.py) -->"
END = "<!-- plannlp:card:end -->"
# Hugging Face's pipeline tag and library for each kind of folder the run record names
PIPELINE_TAGS = {
    "rules": "token-classification",
    "crf": "token-classification",
    "crf-stacked": "token-classification",
    "transformer": "token-classification",
    "roles": "text-classification",
    "links": "text-classification",  # a target-body pair classifier
    "doctype-tfidf-logreg": "text-classification",  # a page's document type
    "encoder": "fill-mask",
}
HF_LIBRARY = {"transformer": "transformers", "encoder": "transformers"}
_SPLITS = ("train", "dev", "test", "cv")
_METRIC_NAME = re.compile(r"(?:^|_)(f1|accuracy|perplexity)(?:_|$)")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n+", re.DOTALL)


def _metric_type(name: str) -> str | None:
    found = _METRIC_NAME.search(name)
    return found.group(1) if found else None


def card_metrics(record: RunRecord) -> list[tuple[str, str, str, float]]:
    """(split, metric type, metric name, value) for each headline figure of the run record: its
    top-level numbers named like ``dev_strict_micro_f1``, and the role classifier's chosen
    cross-validation scores."""
    found = []
    for key, value in record.metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        kind = _metric_type(key)
        if kind is None:
            continue
        split = next((s for s in _SPLITS if key.startswith(s + "_")), "dev")
        found.append((split, kind, key, float(value)))
    chosen = record.metrics.get("chosen_c")
    cv = record.metrics.get("cv")
    if chosen is not None and isinstance(cv, Mapping) and isinstance(cv.get(str(chosen)), Mapping):
        for key in ("accuracy", "macro_f1"):
            value = cv[str(chosen)].get(key)
            if isinstance(value, (int, float)):
                found.append(("cv", _metric_type(key) or key, f"cv_{key}", float(value)))
    return found


def _repo_relative(path: str) -> str:
    """``corpus/gold/train.jsonl`` for a run that recorded ``/home/x/clone/corpus/gold/train.jsonl``:
    the card names the repository's file, not one machine's checkout of it."""
    parts = PurePosixPath(path).parts
    if PurePosixPath(path).is_absolute() and "corpus" in parts:
        at = len(parts) - 1 - parts[::-1].index("corpus")
        return str(PurePosixPath(*parts[at:]))
    return path


def card_datasets(record: RunRecord) -> list[str]:
    """The data files the run read: from the record's checksums, else the config's file keys."""
    paths = [_repo_relative(str(v.get("path", k)) if isinstance(v, Mapping) else str(k)) for k, v in record.data.items()]
    if not paths:
        paths = [str(v) for k, v in record.config.items() if k.endswith("_file") and isinstance(v, str)]
    return list(dict.fromkeys(paths))


def card_metadata(record: RunRecord, name: str):
    """The card's Hugging Face metadata (a ``huggingface_hub.ModelCardData``)."""
    from huggingface_hub import EvalResult, ModelCardData

    pipeline_tag = PIPELINE_TAGS.get(record.system)
    datasets = card_datasets(record)
    results = [
        EvalResult(
            task_type=pipeline_tag or "other",
            dataset_type="plannlp-gold",
            dataset_name=f"plannlp gold corpus ({split})",
            dataset_split=split,
            metric_type=kind,
            metric_name=metric,
            metric_value=round(value, 4),
        )
        for split, kind, metric, value in card_metrics(record)
    ]
    return ModelCardData(
        language=["vi"],
        license=LICENSE,
        library_name=HF_LIBRARY.get(record.system, "plannlp"),
        pipeline_tag=pipeline_tag,
        tags=["plannlp", record.system, "public-health", "vietnamese"],
        datasets=datasets or None,
        metrics=sorted({kind for _, kind, _, _ in card_metrics(record)}) or None,
        model_name=name,
        eval_results=results or None,
    )


def _usage(record: RunRecord, folder: str) -> str:
    if record.system in ("rules", "crf", "crf-stacked", "transformer"):
        lines = [f"plannlp tag PLANS... --model {folder} -o tagged.jsonl", f"plannlp evaluate GOLD.jsonl --model {folder}"]
        text = "```bash\n" + "\n".join(lines) + "\n```\n"
        if record.system == "transformer":
            text += (
                "\nFrom Python, on raw text, with character offsets:\n\n```python\nfrom plannlp.tag.neural.hf import pipeline\n"
                f'pipeline("{folder}")("Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.")\n```\n'
            )
        return text
    if record.system == "roles":
        return "Used by every tagger for the roles of its AGENCY spans (`plannlp.tag.roles`).\n"
    if record.system == "links":
        return "Used by every tagger to link each target to its responsible bodies (`plannlp.tag.links`).\n"
    if record.system == "doctype-tfidf-logreg":
        return (f"```bash\nplannlp doctype predict PAGES... --model {folder}\n"
                f"plannlp watch SOURCES.yaml --out DIR --doctype-model {folder}\n```\n")
    if record.system == "vectors":
        return (f"Word vectors and their clusters (`plannlp.tag.baselines.vectors`), read by path: a BiLSTM config's "
                f"`vectors: {folder}`, a CRF config's `clusters: {folder}/clusters.json`.\n")
    return "An encoder to fine-tune: `plannlp train` with a config whose `encoder:` names this folder.\n"


def _scalar(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else json.dumps(value, ensure_ascii=False)


def generated_section(record: RunRecord, folder: str) -> str:
    """The card's "Run record" section: what the record says, in a table, and how to use it."""
    rows = [
        ("system", record.system),
        ("labels", ", ".join(record.labels) or "—"),
        ("output classes", str(len(record.tags)) if record.tags else "—"),
        ("files", ", ".join(f"`{n}`" for n in record.files.values()) or "—"),
        ("code revision that trained it", f"`{record.code_revision}`"),
        ("training config checksum", f"`{config_checksum(record.config)}`"),
    ]
    for role, entry in record.data.items():
        if isinstance(entry, Mapping):
            rows.append((f"data: {role}", f"`{_repo_relative(str(entry.get('path', role)))}` `{entry.get('checksum', '')}`"))
        else:
            rows.append((f"data: {role}", f"`{entry}`"))
    for key in ("train_file", "dev_file", "seed"):
        if key in record.config:
            rows.append((key, f"`{record.config[key]}`"))
    metrics = [(m, v) for _, _, m, v in card_metrics(record)]
    rows += [(f"metric: {m}", f"{v:.4f}") for m, v in metrics]
    settings = ", ".join(f"{k}={_scalar(v)}" for k, v in record.settings.items() if not isinstance(v, (dict, list)))
    if settings:
        rows.append(("settings", settings))
    table = "| | |\n| --- | --- |\n" + "".join(f"| {k} | {str(v).replace('|', '/')} |\n" for k, v in rows)
    return (
        f"{START}\n## Run record\n\nGenerated from `{RUN_RECORD}`; rerun `python scripts/write_model_cards.py` "
        f"after retraining.\n\n{table}\n### Use\n\n{_usage(record, folder)}{END}\n"
    )


def model_card(folder: str | Path, existing: str | None = None, display_name: str | None = None) -> str:
    """The card for a model folder: metadata, the prose of ``existing`` (the current README, if
    any) without its old metadata and generated section, then the generated section."""
    folder = Path(folder)
    record = RunRecord.read(folder)
    name = display_name or f"models/{folder.resolve().name}"
    prose = existing or ""
    prose = _FRONT_MATTER.sub("", prose, count=1)
    if START.split(" (")[0] in prose:
        head, _, rest = prose.partition(START.split(" (")[0])
        _, _, tail = rest.partition(END)
        prose = head.rstrip() + ("\n\n" + tail.lstrip() if tail.strip() else "")
    prose = prose.strip()
    if not prose:
        prose = f"# {name}\n\nA plannlp {record.system} model."
    metadata = card_metadata(record, name).to_yaml()
    return f"---\n{metadata}\n---\n\n{prose}\n\n{generated_section(record, name)}"


def write_model_card(folder: str | Path) -> Path:
    """(Re)write ``folder/README.md`` from the run record, keeping the README's prose."""
    folder = Path(folder)
    path = folder / CARD
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    text = model_card(folder, existing)
    with atomic_writer(path) as fh:
        fh.write(text)
    return path


def model_folders(root: str | Path = "models") -> list[Path]:
    """Every folder under ``root`` that holds a run record."""
    return sorted(p.parent for p in Path(root).glob(f"*/{RUN_RECORD}"))
