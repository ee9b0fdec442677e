"""Held-out masked-LM perplexity on fixed batches with fixed masks, and the unigram baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from plannlp.pretrain.config import TrainConfig
from plannlp.pretrain.masking import collate, whole_word_mask
from plannlp.pretrain.vocabulary import Blocks, SpecialIds


def _masked_lm_loss(encoder: Any, lm_head: Any, inputs: Any, attention: Any, labels: Any, reduction: str) -> Any:
    """Cross-entropy over the predicted positions only.

    The vocabulary projection is applied to those ~15% of positions rather than to every token
    (as ``RobertaForMaskedLM(labels=...)`` does), which saves about a third of a small model's time.
    """
    import torch

    hidden = encoder(input_ids=inputs, attention_mask=attention).last_hidden_state
    predicted = labels != -100
    logits = lm_head(hidden[predicted])
    return torch.nn.functional.cross_entropy(logits.float(), labels[predicted], reduction=reduction)


def _evaluate(model: Any, batches: Sequence[tuple[Any, Any, Any]], device: Any, autocast: Any) -> float:
    """Held-out MLM perplexity: exp of the mean loss over every masked token."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, attention, labels in batches:
            with autocast():
                loss = _masked_lm_loss(
                    model.base_model, model.lm_head, inputs.to(device), attention.to(device), labels.to(device), "sum"
                )
            total += float(loss)
            count += int((labels != -100).sum())
    model.train()
    return math.exp(total / max(count, 1))


def _eval_batches(blocks: Blocks, special: SpecialIds, cfg: TrainConfig) -> list[tuple[Any, Any, Any]]:
    """Fixed held-out batches with fixed masks (seeded independently of training)."""
    import torch

    generator = torch.Generator().manual_seed(10_000 + cfg.seed)
    batches = []
    for i in range(0, len(blocks), cfg.batch_size):
        input_ids, attention, word_ids = collate(blocks, range(i, min(i + cfg.batch_size, len(blocks))), special)
        masked, labels = whole_word_mask(input_ids, word_ids, special, cfg.mlm_probability, generator)
        batches.append((masked, attention, labels))
    return batches


def unigram_perplexity(train_blocks: Blocks, batches: Sequence[tuple[Any, Any, Any]], vocab_size: int) -> float:
    """Perplexity of the training tokens' frequencies (add-one) on the same masked positions.

    The level a masked LM reaches by ignoring context: an encoder near it has learnt little to transfer.
    """
    counts = np.bincount(train_blocks.ids, minlength=vocab_size).astype(np.float64) + 1.0
    log_p = np.log(counts / counts.sum())
    total, n = 0.0, 0
    for _, _, labels in batches:
        targets = labels[labels != -100].numpy()
        total -= float(log_p[targets].sum())
        n += len(targets)
    return math.exp(total / max(n, 1))
