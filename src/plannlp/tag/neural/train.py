"""Fine-tune the transformer tagger from a YAML config (``plannlp train experiments/transformer-*.yaml``).

A plain PyTorch loop: AdamW with a linear warm-up/decay schedule, bf16 autocast on a GPU, dev
strict micro F1 (``plannlp.evaluate``) after each epoch for model selection and early stopping.

Resuming: a checkpoint (model, optimizer, scheduler, every RNG, epoch and step) is written
after each epoch and every ``checkpoint_steps`` steps into ``<output_dir>/checkpoint``; rerunning
the same command continues from it. The batch order of an epoch is drawn from ``seed`` and the
epoch number, so a resumed run sees the same batches (and ends with the same weights, on CPU)
as an uninterrupted one. A finished run is not trained again; rerunning it with a changed
config or changed data files is an error. ``max_minutes`` bounds the training time.

Output (``<output_dir>``): the best model (``model.safetensors``, Hugging Face's ``config.json``,
tokenizer files) and its run record ``plannlp.json`` (:mod:`plannlp.runrecord`: the config with
everything resolved — seed, label set, tag order, max length, selection metric —, data checksums,
code revision, and as metrics the dev scores of the selected epoch, the per-epoch history, data
counts and training time); with no
pretrained encoder, also ``tokenizer/``, the vocabulary built from the training text.

Training data: the gold documents' sentences that lie wholly inside a labelled region
(``Document.regions``); sentences partly outside, and sentences with a span that does not fall
on word boundaries, are dropped and counted. Long sentences are split into windows.
``negative_ratio`` subsamples the sentences without spans afresh each epoch.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.bio import tag_names
from plannlp.data import DataError, Document
from plannlp.evaluate import evaluate
from plannlp.io import read_documents
from plannlp.labels import label_set
from plannlp.tag.neural import driver
from plannlp.tag.neural.driver import rng_state, set_rng_state  # noqa: F401  (imported from here by older code)
from plannlp.runrecord import RunRecord, data_checksums, file_checksum
from plannlp.segment import Sentence, segment_many
from plannlp.tag.neural.tagger import TransformerTagger
from plannlp.tag.neural.vocab import build_phobert_vocab
from plannlp.tag.training_data import SentenceCounts, TaggedSentence, tagged_sentences
from plannlp.yamlconfig import check_keys

log = logging.getLogger(__name__)

SELECTION_METRIC = "strict micro F1 (plannlp.evaluate) on the dev set"
CHECKPOINT = "checkpoint"
BEST = "best"
DEFAULT_ARCHITECTURE = {
    "num_hidden_layers": 4,
    "hidden_size": 256,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
}

# (gold docs, predicted docs) -> (selection score, metrics to record)
Scorer = Callable[[Sequence[Document], Sequence[Document]], tuple[float, dict[str, Any]]]


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a transformer run; see ``experiments/transformer-*.yaml``."""

    train_file: str
    dev_file: str | None = None
    run: str | None = None  # default: the config file's stem
    output_dir: str | None = None  # default: models/<run>
    encoder: str | None = None  # hub name or local dir of a pretrained encoder; None: from scratch
    architecture: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ARCHITECTURE))
    tokenizer: str | None = None  # default: the encoder's, or one built from the training text
    vocab_size: int = 8000  # for a built tokenizer
    min_frequency: int = 2
    scheme: str = "BIO"
    labels: list[str] | None = None  # the model's label set (default: the spec's five)
    max_length: int = 256  # positions, <s> and </s> included
    stride: int = 64  # subwords shared by consecutive windows of a long sentence
    learning_rate: float = 5e-5
    epochs: int = 20
    batch_size: int = 16
    negative_ratio: float | None = None  # per epoch, sample this many span-less windows per one with a span
    eval_batch_size: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    seed: int = 13
    patience: int = 5  # epochs without a better dev F1 before stopping (0: never stop early)
    bf16: bool = True  # bf16 autocast on a GPU (ignored on CPU)
    checkpoint_steps: int = 0  # also checkpoint every N steps (0: after each epoch only)
    segment_jobs: int = 1  # processes for underthesea segmentation
    device: str | None = None  # default: cuda when available
    max_minutes: float | None = None  # time budget: past it, score the epoch so far and stop

    @classmethod
    def from_mapping(cls, config: dict[str, Any], config_path: Path | None = None) -> TrainConfig:
        check_config(config, config_path)
        options = {k: v for k, v in config.items() if k != "system"}
        if "train_file" not in options:
            raise DataError(f"{config_path or 'config'}: 'train_file' is required")
        if options.get("run") is None and config_path is not None:
            options["run"] = Path(config_path).stem
        cfg = cls(**options)
        if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.max_length < 3:
            raise DataError("epochs and batch_size must be positive, max_length at least 3")
        return cfg

    @property
    def out_dir(self) -> Path:
        return Path(self.output_dir or Path("models") / (self.run or "transformer"))

    @property
    def label_set(self) -> tuple[str, ...]:
        try:
            return label_set(self.labels, "config")
        except ValueError as exc:
            raise DataError(str(exc)) from None


# -- data ------------------------------------------------------------------------------------



def check_config(config: dict[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: transformer`` config that are not :class:`TrainConfig` fields."""
    check_keys(config, [f.name for f in fields(TrainConfig)], config_path)


@dataclass
class DataCounts(SentenceCounts):
    """Sentence counts plus what windowing did to them (logged, and kept in the run record's metrics)."""

    sentences_split: int = 0
    windows: int = 0
    windows_with_spans: int = 0
    truncated_subwords: int = 0


def load_split(path: str | Path, jobs: int) -> tuple[list[Document], list[tuple[Sentence, ...]]]:
    docs = list(read_documents(path))
    return docs, list(segment_many((d.text for d in docs), n_jobs=jobs))


file_sha256 = file_checksum  # the one checksum format, under its old name here


def strict_f1_scorer(gold: Sequence[Document], predicted: Sequence[Document]) -> tuple[float, dict[str, Any]]:
    """Strict micro F1 of ``plannlp.evaluate`` (spans outside gold regions are not scored)."""
    report = evaluate(gold, predicted, bootstrap=0).to_json()
    return float(report["strict"]["micro"]["f1"]), {"strict": report["strict"], "exact": report.get("exact")}


# -- training --------------------------------------------------------------------------------


def epoch_batches(
    lengths: Sequence[int],
    batch_size: int,
    seed: int,
    epoch: int,
    group: int = 50,
    positive: Sequence[bool] | None = None,
    negative_ratio: float | None = None,
) -> list[list[int]]:
    """Example indices of one epoch's batches, drawn from ``seed`` and ``epoch`` alone.

    With ``negative_ratio``, the epoch keeps every ``positive`` example (one with a span) and a
    fresh random sample of the others, ``negative_ratio`` times as many: in plans most sentences
    hold no target, and without this a small model learns to tag everything ``O``. Then a
    shuffle, examples of similar length batched together within chunks of ``group`` batches (as
    ``group_by_length`` in transformers) so little of a batch is padding, and the batches in
    random order. The number of batches is the same every epoch.
    """
    rng = np.random.default_rng([seed, epoch])
    pool = list(range(len(lengths)))
    if negative_ratio is not None:
        if positive is None or len(positive) != len(lengths):
            raise ValueError("negative_ratio needs a positive flag for every example")
        pos = [i for i in pool if positive[i]]
        neg = [i for i in pool if not positive[i]]
        k = min(len(neg), round(negative_ratio * len(pos)))
        pool = pos + sorted(rng.choice(neg, size=k, replace=False).tolist())
    order = [pool[i] for i in rng.permutation(len(pool))]
    chunk = batch_size * group
    batches = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: -lengths[i])
        batches.extend(part[b : b + batch_size] for b in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _build_tokenizer(cfg: TrainConfig, sentences: Sequence[Sequence[Sentence]], out: Path) -> Path:
    if (out / "vocab.txt").is_file() and (out / "bpe.codes").is_file():
        return out
    words = ([t.form for t in s.tokens] for doc in sentences for s in doc)
    log.info("building a %d-token vocabulary from the training text", cfg.vocab_size)
    return build_phobert_vocab(words, out, vocab_size=cfg.vocab_size, min_frequency=cfg.min_frequency)


def _make_tagger(cfg: TrainConfig, train_sentences: Sequence[Sequence[Sentence]], run_dir: Path):
    options = {
        "scheme": cfg.scheme,
        "labels": cfg.label_set,
        "max_length": cfg.max_length,
        "stride": cfg.stride,
        "batch_size": cfg.eval_batch_size,
        "device": cfg.device,
        "bf16": cfg.bf16,
    }
    if cfg.encoder is not None:
        return TransformerTagger.from_encoder(cfg.encoder, cfg.tokenizer, **options)
    tokenizer = cfg.tokenizer or _build_tokenizer(cfg, train_sentences, run_dir / "tokenizer")
    return TransformerTagger.from_scratch(tokenizer, cfg.architecture, **options)


def _examples(tagger, sentences: Sequence[TaggedSentence], counts: DataCounts) -> list[dict[str, list[int]]]:
    label_ids = {t: i for i, t in enumerate(tagger.tags)}
    rows = []
    for sentence in sentences:
        windows, alignments, cut = tagger.encode_words(sentence.forms)
        counts.truncated_subwords += cut
        counts.windows += len(windows)
        counts.sentences_split += len(windows) > 1
        word_labels = [label_ids[t] for t in sentence.tags]
        for (start, end), alignment in zip(windows, alignments):
            rows.append({"input_ids": list(alignment.input_ids), "labels": alignment.labels(word_labels[start:end])})
    return rows


def train_from_config(
    config: dict[str, Any],
    config_path: str | Path | None = None,
    scorer: Scorer | None = None,
    on_step: Callable[[int], None] | None = None,
) -> Path:
    """Train (or resume, or find finished) the run a config describes; returns its directory.

    ``scorer`` replaces the dev scorer (default :func:`strict_f1_scorer`); ``on_step`` is called
    with the global step after each optimizer step (progress hooks, interruption tests).
    """
    import torch
    from datasets import Dataset
    from tqdm import tqdm
    from transformers import DataCollatorForTokenClassification, get_linear_schedule_with_warmup

    cfg = TrainConfig.from_mapping(config, Path(config_path) if config_path else None)
    scorer = scorer or strict_f1_scorer
    run_dir = cfg.out_dir
    labels = cfg.label_set
    resolved = {
        "system": "transformer",
        **asdict(cfg),
        "tags": tag_names(labels, cfg.scheme),
        "labels": list(labels),
        "selection_metric": SELECTION_METRIC,
    }
    data = data_checksums(train=cfg.train_file, dev=cfg.dev_file)
    if (run_dir / "plannlp.json").is_file() and not (run_dir / CHECKPOINT).exists():
        _check_same_run(run_dir, resolved, data)
        log.info("%s is already trained; delete it to train again", run_dir)
        return run_dir
    run_dir.mkdir(parents=True, exist_ok=True)

    train_docs, train_sents = load_split(cfg.train_file, cfg.segment_jobs)
    dev_docs, dev_sents = load_split(cfg.dev_file, cfg.segment_jobs) if cfg.dev_file else ([], [])
    counts = DataCounts()
    train_tagged = tagged_sentences(train_docs, train_sents, cfg.scheme, counts, labels)
    if not train_tagged:
        raise DataError(f"{cfg.train_file}: no sentence inside a labelled region to train on")

    driver.seed_everything(cfg.seed)
    tagger = _make_tagger(cfg, train_sents, run_dir)
    resolved["max_length"] = tagger.max_length
    resolved["stride"] = tagger.stride
    rows = _examples(tagger, train_tagged, counts)
    dataset = Dataset.from_list(rows)
    lengths = [len(r["input_ids"]) for r in rows]
    positive = [any(label > 0 for label in r["labels"]) for r in rows]  # 0 is "O", -100 ignored

    def batches_of(epoch: int) -> list[list[int]]:
        return epoch_batches(
            lengths, cfg.batch_size, cfg.seed, epoch, positive=positive, negative_ratio=cfg.negative_ratio
        )

    counts.windows_with_spans = sum(positive)
    log.info("training data: %s", json.dumps(asdict(counts)))
    collate = DataCollatorForTokenClassification(tagger.tokenizer, pad_to_multiple_of=8)

    model = tagger.model
    device = torch.device(tagger.device)
    optimizer = driver.adamw(model, cfg.learning_rate, cfg.weight_decay)
    steps_per_epoch = len(batches_of(0))
    total_steps = steps_per_epoch * cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_steps), total_steps)

    state: dict[str, Any] = {
        "epoch": 0, "step_in_epoch": 0, "global_step": 0, "best_f1": -1.0, "best_epoch": None,
        "bad_epochs": 0, "history": [], "elapsed": 0.0, "stopped_early": False,
    }  # fmt: skip
    ckpt_path = run_dir / CHECKPOINT / "state.pt"
    if ckpt_path.is_file():
        saved = driver.load_state(ckpt_path)
        if saved["config"] != json.loads(json.dumps(resolved)) or saved["data"] != data:
            raise DataError(
                f"{run_dir}: the checkpoint was made with a different config or data; delete {run_dir} to restart"
            )
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        driver.set_rng_state(saved["rng"])
        state = saved["state"]
        log.info("resuming %s at epoch %d, step %d", run_dir, state["epoch"] + 1, state["global_step"])

    budget = driver.TimeBudget(None if cfg.max_minutes is None else 60 * cfg.max_minutes, state["elapsed"])
    stopping = driver.EarlyStopping(cfg.patience if dev_docs else 0, state["best_f1"], state["bad_epochs"])

    def checkpoint() -> None:
        state["elapsed"] = budget.elapsed
        state["best_f1"], state["bad_epochs"] = stopping.best, stopping.bad
        driver.save_state(
            ckpt_path,
            {
                "config": json.loads(json.dumps(resolved)), "data": data, "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "rng": driver.rng_state(), "state": state,
            },
        )  # fmt: skip

    def loss_of(indices: list[int]) -> Any:
        batch = collate([dataset[i] for i in indices])
        return model(**{k: v.to(device) for k, v in batch.items()}).loss

    autocast = driver.autocast_for(device, cfg.bf16)
    progress = tqdm(total=total_steps, initial=state["global_step"], desc=f"train {cfg.run}", unit="step")
    while state["epoch"] < cfg.epochs and not state["stopped_early"]:
        epoch = state["epoch"]
        batches = batches_of(epoch)[state["step_in_epoch"] :]
        model.train()
        losses = state.setdefault("epoch_losses", [])  # kept in the checkpoint for a resumed epoch
        steps = driver.optimizer_steps(batches, loss_of, model, optimizer, scheduler, cfg.max_grad_norm, autocast)
        for loss in steps:
            losses.append(loss)
            state["global_step"] += 1
            state["step_in_epoch"] += 1
            progress.update(1)
            progress.set_postfix(loss=f"{loss:.4f}")
            if driver.due(state["global_step"], cfg.checkpoint_steps) and state["step_in_epoch"] < steps_per_epoch:
                checkpoint()
            if on_step is not None:
                on_step(state["global_step"])
            if budget.over():
                state["stopped_early"] = True
                log.info("stopping: past the %s-minute training budget", cfg.max_minutes)
                break
        record: dict[str, Any] = {"epoch": epoch + 1, "step": state["global_step"]}
        if losses:
            record["train_loss"] = float(np.mean(losses))
        if dev_docs:
            f1, details = scorer(dev_docs, tagger.predict(dev_docs, dev_sents))
            record["dev_f1"] = f1
        else:  # no dev set: the last epoch is the one kept
            f1, details = float(epoch), {}
        if stopping.update(f1):
            state.update(best_epoch=epoch + 1, best_details=details)
            driver.swap_directory(tagger.save, run_dir / BEST)
        state["history"].append(record)
        log.info("epoch %s", json.dumps(record))
        state["epoch"] = epoch + 1
        state["step_in_epoch"] = 0
        state["epoch_losses"] = []
        if stopping.stop:
            state["stopped_early"] = True
        checkpoint()
    progress.close()

    summary = {
        "run": cfg.run,
        "selection_metric": SELECTION_METRIC,
        "best_epoch": state["best_epoch"],
        "dev_strict_micro_f1": stopping.best if dev_docs else None,
        "stopped_early": state["stopped_early"],
        "epochs_run": state["epoch"],
        "steps": state["global_step"],
        "train_seconds": round(budget.elapsed, 1),
    }
    metrics = {
        **summary,
        "dev": state.get("best_details", {}),
        "history": state["history"],
        "data_counts": asdict(counts),
        "device": str(device),
    }
    _finish(run_dir, resolved, metrics, data)
    return run_dir


def _finish(run_dir: Path, resolved: dict[str, Any], metrics: dict[str, Any], data: dict[str, Any]) -> None:
    """Move the selected model into ``run_dir``, complete its run record; drop the checkpoint."""
    best = run_dir / BEST
    for item in best.iterdir():
        target = run_dir / item.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)
    best.rmdir()
    saved = RunRecord.read(run_dir)
    record = RunRecord(**{**saved.__dict__, "config": resolved, "metrics": metrics, "data": data})
    record.write(run_dir)
    shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)
    log.info("saved %s (dev strict F1 %s, epoch %s)", run_dir, metrics["dev_strict_micro_f1"], metrics["best_epoch"])


def _check_same_run(run_dir: Path, resolved: dict[str, Any], data: dict[str, Any]) -> None:
    """A finished run is reused only for the same config and the same data files."""
    saved = RunRecord.read(run_dir)
    ignore = {"max_length", "stride"}  # resolved against the model after loading it
    current = json.loads(json.dumps(resolved))
    if {k: v for k, v in saved.config.items() if k not in ignore} != {
        k: v for k, v in current.items() if k not in ignore
    }:
        raise DataError(f"{run_dir} was trained with a different config; delete it or change 'run'")
    if json.loads(json.dumps(saved.data)) != json.loads(json.dumps(data)):
        raise DataError(f"{run_dir} was trained on different data files; delete it to train again")
