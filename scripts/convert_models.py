"""Convert model folders written before the run record into data-only folders with one.

    python scripts/convert_models.py models/crf models/default models/rules models/encoder-cpu-small

A CRF folder's ``crf.pkl`` is unpickled here, once, by the person running this script on
folders they trust, and replaced by crfsuite's own model file (the same bytes crfsuite trained;
predictions do not change). ``plannlp.json``, ``train_config.yaml`` and ``metrics.json`` (and an
encoder's ``pretrain.json``) are folded into the run record. Nothing is retrained.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import yaml

from plannlp.bio import tag_names
from plannlp.labels import LABELS
from plannlp.pretrain import encoder_record
from plannlp.runrecord import RECORD_FORMAT, RUN_RECORD, RunRecord


def _old(directory: Path, name: str) -> dict:
    path = directory / name
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)


def convert(directory: Path) -> None:
    manifest = _old(directory, RUN_RECORD)
    if manifest.get("format") == RECORD_FORMAT:
        print(f"{directory}: already converted")
        return
    config, metrics = _old(directory, "train_config.yaml"), _old(directory, "metrics.json")
    provenance = {"converted_from": "plannlp.json, train_config.yaml and metrics.json written before run records"}
    system = manifest.get("system")
    if system == "crf":
        with open(directory / "crf.pkl", "rb") as fh:  # trusted: the project's own committed model
            crf = pickle.load(fh)
        model_bytes = Path(crf.modelfile.name).read_bytes()
        (directory / "crf.crfsuite").write_bytes(model_bytes)
        settings = manifest["settings"]
        record = RunRecord(
            system="crf",
            settings=settings,
            labels=settings.get("labels", LABELS),
            tags=manifest.get("tags") or tag_names(settings.get("labels", LABELS), settings.get("scheme", "BIO")),
            files={"model": "crf.crfsuite"},
            config=config,
            metrics={**metrics, **provenance},
        )
        (directory / "crf.pkl").unlink()
    elif system == "rules":
        (directory / "lexicon.json").write_text(
            json.dumps(manifest.get("lexicon", {}), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        record = RunRecord(
            system="rules",
            settings=manifest["settings"],
            labels=config.get("labels", LABELS),
            files={"lexicon": "lexicon.json"},
            config=config,
            metrics={**metrics, **provenance},
        )
    elif (directory / "pretrain.json").is_file():
        summary = _old(directory, "pretrain.json")
        skip = {RUN_RECORD, "pretrain.json", "model.safetensors", "config.json", "README.md"}
        tokenizer = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name not in skip)
        files = {"weights": "model.safetensors", "model_config": "config.json", "card": "README.md"}
        record = encoder_record(summary, {**files, **{f"tokenizer:{n}": n for n in tokenizer}})
        (directory / "pretrain.json").unlink()
    else:
        raise SystemExit(f"{directory}: no converter for system {system!r}")
    for name in ("train_config.yaml", "metrics.json"):
        (directory / name).unlink(missing_ok=True)
    record.write(directory)
    print(f"{directory}: converted ({record.system}, files {sorted(record.files.values())})")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        convert(Path(arg))
