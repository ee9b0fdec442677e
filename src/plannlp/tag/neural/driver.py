"""The training driver both torch loops share: fine-tuning (:mod:`plannlp.tag.neural.train`) and
masked-LM pretraining (:mod:`plannlp.pretrain`).

Shaped like spaCy's ``train_while_improving``: :func:`optimizer_steps` is a generator that takes
one optimiser step per batch and yields the loss, and the loops consume it, deciding when to
score, checkpoint or stop with the small pieces here — :class:`TimeBudget`, :class:`EarlyStopping`,
:func:`due` — so that seeding, the optimiser's parameter groups, the random-state snapshot and the
checkpoint swap are written once.

Checkpoints hold tensors, numbers, strings, lists and dicts only, and are read back with
``torch.load(weights_only=True)``: a checkpoint file cannot run code when it is loaded.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators (every loop starts here)."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """Every random generator's state as plain values and tensors (safe for ``weights_only`` loading)."""
    import torch

    version, mt, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(mt), gauss],
        "numpy": [kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import torch

    version, mt, gauss = state["python"]
    random.setstate((version, tuple(mt), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def adamw(model: Any, learning_rate: float, weight_decay: float, **options: Any) -> Any:
    """AdamW with no weight decay on one-dimensional parameters (biases and layer norms)."""
    import torch

    decay, no_decay = [], []
    for _, param in model.named_parameters():
        if param.requires_grad:
            (no_decay if param.ndim < 2 else decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=learning_rate, **options)


def autocast_for(device: Any, bf16: bool) -> Callable[[], Any]:
    """A context factory: bf16 autocast on a GPU when asked, else nothing."""
    import torch

    if bf16 and getattr(device, "type", str(device)) == "cuda":
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def optimizer_steps(
    batches: Iterable[Any],
    loss_of: Callable[[Any], Any],
    model: Any,
    optimizer: Any,
    scheduler: Any,
    max_grad_norm: float,
    autocast: Callable[[], Any] = contextlib.nullcontext,
) -> Iterator[float]:
    """One optimiser step per batch (loss, backward, clip, step, schedule); yields each loss.

    The consumer stops the generator by breaking out of its loop; nothing happens between steps
    that the consumer does not ask for.
    """
    import torch

    for batch in batches:
        with autocast():
            loss = loss_of(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        yield float(loss.detach())


@dataclass
class TimeBudget:
    """Training time over chained runs: ``seconds_before`` from earlier runs, plus this one's."""

    limit_s: float | None
    seconds_before: float = 0.0

    def __post_init__(self) -> None:
        self._started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return self.seconds_before + time.monotonic() - self._started

    @property
    def run_seconds(self) -> float:
        return time.monotonic() - self._started

    def over(self) -> bool:
        return self.limit_s is not None and self.elapsed > self.limit_s


@dataclass
class EarlyStopping:
    """Keeps the best score; ``stop`` once ``patience`` scores in a row fail to beat it (0: never)."""

    patience: int
    best: float = -1.0
    bad: int = 0

    def update(self, score: float) -> bool:
        """Record a score; true when it is the best so far."""
        if score > self.best:
            self.best, self.bad = score, 0
            return True
        self.bad += 1
        return False

    @property
    def stop(self) -> bool:
        return bool(self.patience) and self.bad >= self.patience


def due(step: int, every: int) -> bool:
    """Whether a periodic action (scoring, checkpointing) falls on ``step`` (``every`` 0: never)."""
    return every > 0 and step % every == 0


def save_state(path: Path, obj: dict[str, Any]) -> None:
    """``torch.save`` beside ``path`` and rename into place, so a kill never leaves half a file."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_state(path: Path) -> dict[str, Any]:
    """A checkpoint written by :func:`save_state`, loaded without unpickling arbitrary objects."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def swap_directory(write: Callable[[Path], None], target: Path) -> None:
    """Fill a fresh directory beside ``target`` with ``write``, then put it in ``target``'s place."""
    tmp = target.with_name(target.name + ".tmp")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    write(tmp)
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
