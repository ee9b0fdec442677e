"""Result files and the results table.

A result file ``experiments/results/<system>.<split>.json`` is one JSON object::

    {"format": "plannlp-result/1", "system": "crf", "split": "dev",
     "gold": "corpus/gold/dev.jsonl", "model": "models/crf" | null, "predictions": "..." | null,
     "config": {...} | null, "config_file": "models/crf/plannlp.json" | null,
     "revision": "1a2b3c4" | "1a2b3c4+dirty" | "unknown",  # the code that scored
     "model_revision": "0f9e8d7" | null,  # the code that trained, from the model's run record
     "created": "2026-11-23T00:10:00Z",
     "scores": <EvaluationResult.to_json()>}

``plannlp evaluate ... --save PATH`` writes it; :func:`results_markdown` turns a folder of them
into ``experiments/RESULTS.md`` (``python experiments/make_results.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from plannlp.data import DataError
from plannlp.evaluate.metrics import SCHEMES
from plannlp.evaluate.result import EvaluationResult
from plannlp.io import atomic_writer
from plannlp.labels import LABELS
from plannlp.runrecord import RUN_RECORD, RunRecord, code_revision

RESULT_FORMAT = "plannlp-result/1"
SPLIT_ORDER = ("train", "dev", "test")


def model_config(model_dir: str | Path) -> tuple[dict[str, Any] | None, str | None]:
    """The training config a model folder's run record holds, with the record's path (a folder
    without a record, or a record without a config, gives ``(None, None)``)."""
    if not (Path(model_dir) / RUN_RECORD).is_file():
        return None, None
    record = RunRecord.read(model_dir)
    if not record.config:
        return None, None
    return dict(record.config), str(Path(model_dir) / RUN_RECORD)


def model_revision(model_dir: str | Path) -> str | None:
    """The code revision a model was trained at, from its run record."""
    if not (Path(model_dir) / RUN_RECORD).is_file():
        return None
    return RunRecord.read(model_dir).code_revision


def system_and_split(path: str | Path) -> tuple[str, str]:
    """``experiments/results/crf.dev.json`` -> ``("crf", "dev")``."""
    name = Path(path).name
    if not name.endswith(".json") or name.count(".") < 2:
        raise ValueError(f"{path}: a result file is named SYSTEM.SPLIT.json (e.g. crf.dev.json)")
    system, split = name[: -len(".json")].rsplit(".", 1)
    return system, split


def result_record(
    result: EvaluationResult,
    *,
    system: str,
    split: str,
    gold: str | Path,
    model: str | Path | None = None,
    predictions: str | Path | None = None,
    revision: str | None = None,
) -> dict[str, Any]:
    config, config_file = model_config(model) if model is not None else (None, None)
    return {
        "format": RESULT_FORMAT,
        "system": system,
        "split": split,
        "gold": str(gold),
        "model": None if model is None else str(model),
        "predictions": None if predictions is None else str(predictions),
        "config": config,
        "config_file": config_file,
        "revision": revision if revision is not None else code_revision(),
        "model_revision": None if model is None else model_revision(model),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scores": result.to_json(),
    }


def save_result(path: str | Path, record: Mapping[str, Any]) -> None:
    with atomic_writer(path) as fh:
        json.dump(record, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def load_result(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(record, dict) or record.get("format") != RESULT_FORMAT:
        raise DataError(f"{path}: not a {RESULT_FORMAT} result file")
    for key in ("system", "split", "scores"):
        if key not in record:
            raise DataError(f"{path}: result lacks {key!r}")
    return record


def _f1(scores: Mapping[str, Any]) -> str:
    interval = scores.get("f1_ci")
    ci = f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""
    return f"{scores['f1']:.3f}{ci}"


def _config_summary(record: Mapping[str, Any]) -> str:
    config = record.get("config")
    if not config:
        return "-"
    if isinstance(config, Mapping):
        return ", ".join(f"{k}={v}" for k, v in config.items() if not isinstance(v, (Mapping, list)))
    return str(config)


def results_markdown(records: Iterable[Mapping[str, Any]]) -> str:
    """The results table: every system on every split with 95% intervals, then per label, then
    where each figure came from (model, config, revision)."""
    records = sorted(
        records,
        key=lambda r: (r["system"], SPLIT_ORDER.index(r["split"]) if r["split"] in SPLIT_ORDER else 9, r["split"]),
    )
    lines = [
        "# Results",
        "",
        "Generated by `python experiments/make_results.py` from `experiments/results/*.json`; do not edit by hand.",
        "Micro F1 over spans under the SemEval-2013 schemes, and over target records; in brackets the 95%",
        "percentile interval from resampling documents (bootstrap).",
        "",
    ]
    if not records:
        return "\n".join([*lines, "No result files yet."]) + "\n"
    header = ["system", "split", "docs", *(f"{s} F1" for s in SCHEMES), "records F1", "strict macro F1"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in records:
        s = r["scores"]
        cells = [r["system"], r["split"], str(s["n_documents"]), *(_f1(s[scheme]["micro"]) for scheme in SCHEMES)]
        cells += [_f1(s["records"]), f"{s['strict']['macro']['f1']:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Strict F1 per label", ""]
    labels = [lab for lab in LABELS if any(lab in r["scores"]["strict"]["per_label"] for r in records)]
    lines += ["| system | split | " + " | ".join(labels) + " |", "|" + "---|" * (len(labels) + 2)]
    for r in records:
        per_label = r["scores"]["strict"]["per_label"]
        cells = [_f1(per_label[lab]) if lab in per_label else "-" for lab in labels]
        lines.append(f"| {r['system']} | {r['split']} | " + " | ".join(cells) + " |")
    lines += ["", "## Provenance", "",
              "| system | split | model or predictions | config | scored at revision | trained at revision | gold | created |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in records:
        source = r.get("model") or r.get("predictions") or "-"
        config = _config_summary(r)
        if r.get("config_file"):
            config = f"`{r['config_file']}`: {config}"
        lines.append(
            f"| {r['system']} | {r['split']} | `{source}` | {config} | {r.get('revision', 'unknown')} "
            f"| {r.get('model_revision') or '-'} "
            f"| `{r.get('gold', '-')}` | {r.get('created', '-')} |"
        )
    return "\n".join(lines) + "\n"


def write_results_markdown(results_dir: str | Path, out: str | Path) -> int:
    """Write :func:`results_markdown` of every ``*.json`` in ``results_dir``; returns how many."""
    paths = sorted(Path(results_dir).glob("*.json"))
    records = [load_result(p) for p in paths]
    with atomic_writer(out) as fh:
        fh.write(results_markdown(records))
    return len(records)
