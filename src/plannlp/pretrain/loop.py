"""The training loop: the shared driver's optimizer steps under a step and wall-clock budget, a
learning-rate schedule by steps or time, evaluations, and checkpoints a later run resumes exactly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.data import DataError
from plannlp.pretrain.config import TrainConfig, _dtype
from plannlp.pretrain.evaluation import _eval_batches, _evaluate, _masked_lm_loss, unigram_perplexity
from plannlp.pretrain.masking import collate, whole_word_mask
from plannlp.pretrain.vocabulary import Blocks, SpecialIds
from plannlp.tag.neural import driver


CHECKPOINT = "checkpoint"


TRAINER_STATE = "trainer_state.pt"


@dataclass
class TrainerState:
    step: int = 0
    epoch: int = 0
    position: int = 0  # blocks of this epoch's permutation already consumed
    train_seconds: float = 0.0  # over all chained runs
    runs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


def save_checkpoint(directory: Path, model: Any, optimizer: Any, scheduler: Any, state: TrainerState,
                    data_fingerprint: str, dtype: str) -> None:
    """Write the checkpoint next to the old one, then swap, so a kill never leaves half of one."""

    def write(tmp: Path) -> None:
        weights = {k: v.detach().to(_dtype(dtype)).contiguous() for k, v in model.state_dict().items()}
        model.save_pretrained(str(tmp), state_dict=weights)
        driver.save_state(
            tmp / TRAINER_STATE,
            {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": driver.rng_state(),
                "state": asdict(state),
                "data_fingerprint": data_fingerprint,
            },
        )

    driver.swap_directory(write, directory)


def _log(path: Path | None, record: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _progress(step: int, train_seconds: float, cfg: TrainConfig) -> float:
    """How far the decay has gone: by steps, or by training time when ``schedule_minutes`` ends first.

    A time-based decay anneals the learning rate within a wall-clock budget whatever pace a shared
    machine allows; it is exactly reproducible only by steps.
    """
    by_steps = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    if cfg.schedule_minutes is None:
        return by_steps
    return max(by_steps, train_seconds / (cfg.schedule_minutes * 60))


def _lr_factor(step: int, train_seconds: float, cfg: TrainConfig) -> float:
    """Linear warmup over ``warmup_steps``, then linear decay to 0 (RoBERTa's schedule)."""
    if step < cfg.warmup_steps:
        return step / max(1, cfg.warmup_steps)
    return max(0.0, 1.0 - _progress(step, train_seconds, cfg))


def train_mlm(
    model: Any,
    train_blocks: Blocks,
    heldout: dict[str, Blocks],
    special: SpecialIds,
    cfg: TrainConfig,
    checkpoint_dir: Path,
    data_fingerprint: str,
    log_path: Path | None = None,
) -> tuple[Any, TrainerState]:
    """Train until ``max_steps`` or ``max_minutes``, whichever comes first; resume from ``checkpoint_dir``."""
    import torch
    from tqdm import tqdm
    if len(train_blocks) == 0:
        raise DataError("no training text left after exclusion and held-out split")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    state = TrainerState()
    driver.seed_everything(cfg.seed)
    resume = checkpoint_dir / TRAINER_STATE
    if resume.is_file():
        from transformers import AutoModelForMaskedLM

        saved = driver.load_state(resume)
        if saved["data_fingerprint"] != data_fingerprint:
            raise DataError(
                f"{checkpoint_dir}: the checkpoint was trained on other data (text, exclusion or vocabulary changed);"
                " delete it to start over"
            )
        model = AutoModelForMaskedLM.from_pretrained(str(checkpoint_dir), dtype=torch.float32)
    model.to(device)
    model.train()
    optimizer = driver.adamw(model, cfg.learning_rate, cfg.weight_decay, betas=(0.9, 0.98), eps=1e-6)
    # the factor reads ``state`` when called, so it follows the state restored below
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(step, state.train_seconds, cfg))
    if resume.is_file():
        state = TrainerState(**saved["state"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        driver.set_rng_state(saved["rng"])
    state.runs += 1

    use_cuda = device.type == "cuda"
    autocast = driver.autocast_for(device, cfg.bf16)
    encoder = torch.compile(model.base_model) if cfg.compile and use_cuda else model.base_model
    eval_sets = {k: _eval_batches(b, special, cfg) for k, b in heldout.items() if len(b)}

    def evaluate() -> dict[str, float]:
        return {f"ppl_{k}": round(_evaluate(model, v, device, autocast), 3) for k, v in eval_sets.items()}

    run_started = time.monotonic()
    budget = cfg.max_minutes * 60
    last_checkpoint = run_started
    seconds_before = state.train_seconds
    if state.step == 0 and not state.history:
        unigram = {
            f"unigram_ppl_{k}": round(unigram_perplexity(train_blocks, v, special.vocab_size), 3)
            for k, v in eval_sets.items()
        }
        record = {"step": 0, "epoch": 0, "train_seconds": 0.0, **evaluate(), **unigram}
        state.history.append(record)
        _log(log_path, {"event": "eval", **record})

    def permutation(epoch: int) -> np.ndarray:
        return np.random.default_rng([cfg.seed, epoch]).permutation(len(train_blocks))

    order = permutation(state.epoch)
    running, running_n = 0.0, 0
    bar = tqdm(total=cfg.max_steps, initial=state.step, desc="pretrain", unit="step")
    stop_reason = "max_steps"
    last_step = min(cfg.max_steps, state.step + cfg.run_steps if cfg.run_steps else cfg.max_steps)

    def stop() -> str | None:
        if state.step >= cfg.max_steps:
            return "max_steps"
        if _progress(state.step, state.train_seconds, cfg) >= 1.0:
            return "schedule_minutes"
        if time.monotonic() - run_started >= budget:
            return "max_minutes"
        if state.step >= last_step:
            return "run_steps"
        return None

    def batches() -> Iterator[tuple[Any, Any, Any]]:
        nonlocal order
        while True:
            if state.position >= len(order):
                state.epoch += 1
                state.position = 0
                order = permutation(state.epoch)
            indices = order[state.position : state.position + cfg.batch_size].tolist()
            state.position += len(indices)
            input_ids, attention, word_ids = collate(train_blocks, indices, special)
            generator = torch.Generator().manual_seed(cfg.seed * 1_000_003 + state.step)
            masked, labels = whole_word_mask(input_ids, word_ids, special, cfg.mlm_probability, generator)
            yield masked, attention, labels

    def loss_of(batch: tuple[Any, Any, Any]) -> Any:
        masked, attention, labels = batch
        return _masked_lm_loss(encoder, model.lm_head, masked.to(device), attention.to(device), labels.to(device), "mean")

    reason = stop()
    if reason is None:
        for loss in driver.optimizer_steps(batches(), loss_of, model, optimizer, scheduler, 1.0, autocast):
            state.step += 1
            running += loss
            running_n += 1
            state.train_seconds = seconds_before + time.monotonic() - run_started
            bar.update(1)
            bar.set_postfix(loss=f"{running / running_n:.3f}")
            if driver.due(state.step, cfg.eval_every) or state.step == cfg.max_steps:
                record = {
                    "step": state.step,
                    "epoch": state.epoch,
                    "train_seconds": round(state.train_seconds, 1),
                    "train_loss": round(running / running_n, 4),
                    "lr": scheduler.get_last_lr()[0],
                    **evaluate(),
                }
                running, running_n = 0.0, 0
                state.history.append(record)
                _log(log_path, {"event": "eval", **record})
            if time.monotonic() - last_checkpoint >= cfg.checkpoint_minutes * 60:
                save_checkpoint(checkpoint_dir, model, optimizer, scheduler, state, data_fingerprint, cfg.checkpoint_dtype)
                last_checkpoint = time.monotonic()
            reason = stop()
            if reason is not None:
                break
    stop_reason = reason or stop_reason
    bar.close()
    if state.history[-1]["step"] != state.step:
        record = {"step": state.step, "epoch": state.epoch, "train_seconds": round(state.train_seconds, 1),
                  **({"train_loss": round(running / running_n, 4)} if running_n else {}), **evaluate()}
        state.history.append(record)
        _log(log_path, {"event": "eval", **record})
    save_checkpoint(checkpoint_dir, model, optimizer, scheduler, state, data_fingerprint, cfg.checkpoint_dtype)
    _log(log_path, {"event": "stop", "reason": stop_reason, "step": state.step, "run": state.runs,
                    "run_seconds": round(time.monotonic() - run_started, 1)})
    return model, state
