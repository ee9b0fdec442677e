"""Pretraining configs: one YAML file (``experiments/pretrain-*.yaml``) read into typed, frozen settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plannlp.data import DataError
from plannlp.yamlconfig import read_yaml_config


@dataclass(frozen=True)
class DataConfig:
    shards: str = "../shared/pretrain/*.jsonl.gz"  # glob of {"source", "text"} JSON lines (.gz or not)
    plans: str = "corpus/clean/*.txt"  # glob of cleaned plan texts; the file stem is the document id
    max_chars: int = 20_000_000  # budget of shard text (plans always come in full)
    gold_dir: str = "corpus/gold"  # dev.jsonl, test.jsonl and splits.tsv, where present
    exclude_ngram: int = 10  # drop a sentence sharing this many consecutive syllables with dev/test
    exclude_min_syllables: int = 4  # shorter identical sentences ("1.", "Điều 2.") identify no document
    n_jobs: int = 0  # segmentation processes (0: all cores)
    heldout_per_mille: int = 10  # documents (by id hash) kept out of training for perplexity
    heldout_max_blocks: int = 128  # per source kind, so an evaluation stays cheap


@dataclass(frozen=True)
class TrainConfig:
    max_seq_len: int = 128  # including <s> and </s>; PhoBERT allows 256
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_steps: int = 200
    max_steps: int = 2000  # length of the learning-rate schedule, over all chained runs
    schedule_minutes: float | None = None  # decay over this much training time instead, if it ends first
    max_minutes: float = 20.0  # wall-clock budget of this run (a later run resumes)
    run_steps: int | None = None  # at most this many steps in this run (chaining by steps)
    mlm_probability: float = 0.15
    eval_every: int = 200
    checkpoint_minutes: float = 5.0
    seed: int = 13
    threads: int = 0  # torch CPU threads (0: torch's default)
    bf16: bool = False  # autocast on CUDA
    compile: bool = False  # torch.compile on CUDA
    checkpoint_dtype: str = "float32"  # "bfloat16"/"float16" halves the checkpoint; resumes lose low bits
    export_dtype: str = "float32"


@dataclass(frozen=True)
class PretrainConfig:
    name: str
    output_dir: str  # the exported Hugging Face encoder
    work_dir: str  # segmentation cache, vocabulary, checkpoint (not committed)
    init_from: str | None = None  # checkpoint to continue (domain adaptation); None: from scratch
    vocab_size: int = 8000
    vocab_min_frequency: int = 2
    model: dict[str, Any] = field(default_factory=dict)  # RobertaConfig overrides (layers, sizes)
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    log_path: str | None = None  # JSON lines of every evaluation and run (committed with the config)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f for f in cls.__dataclass_fields__}
    unknown = sorted(set(values) - known)
    if unknown:
        raise DataError(f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
    return cls(**values)


def load_pretrain_config(path: str | Path) -> PretrainConfig:
    path = Path(path)
    raw = dict(read_yaml_config(path, "name", "pretraining"))
    name = str(raw["name"])
    raw.setdefault("output_dir", f"models/encoder-{name}")
    raw.setdefault("work_dir", f"runs/pretrain/{name}")
    raw.setdefault("log_path", f"experiments/pretrain/{name}.jsonl")
    data = _build(DataConfig, raw.pop("data", None) or {}, f"{path}: data")
    train = _build(TrainConfig, raw.pop("train", None) or {}, f"{path}: train")
    return _build(PretrainConfig, {**raw, "data": data, "train": train}, str(path))


def _dtype(name: str) -> Any:
    import torch

    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]
    except KeyError:
        raise DataError(f"unknown dtype {name!r}; expected float32, bfloat16 or float16") from None
