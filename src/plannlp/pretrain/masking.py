"""Batches and whole-word masking (80/10/10 over all the subwords of a chosen word)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from plannlp.pretrain.vocabulary import Blocks, SpecialIds


def collate(blocks: Blocks, indices: Sequence[int], special: SpecialIds) -> tuple[Any, Any, Any]:
    """(input_ids, attention_mask, word_ids) tensors; word_ids are batch-unique, -1 on specials/padding."""
    import torch

    length = max(blocks.offsets[i + 1] - blocks.offsets[i] for i in indices) + 2
    input_ids = torch.full((len(indices), length), special.pad, dtype=torch.long)
    word_ids = torch.full((len(indices), length), -1, dtype=torch.long)
    attention = torch.zeros((len(indices), length), dtype=torch.long)
    next_word = 0
    for row, i in enumerate(indices):
        ids, words = blocks.block(i)
        n = len(ids)
        input_ids[row, 0] = special.bos
        input_ids[row, 1 : n + 1] = torch.from_numpy(ids.astype(np.int64))
        input_ids[row, n + 1] = special.eos
        word_ids[row, 1 : n + 1] = torch.from_numpy(words.astype(np.int64)) + next_word
        attention[row, : n + 2] = 1
        next_word += int(words[-1]) + 1 if n else 0
    return input_ids, attention, word_ids


def whole_word_mask(
    input_ids: Any, word_ids: Any, special: SpecialIds, probability: float, generator: Any
) -> tuple[Any, Any]:
    """(masked inputs, labels) choosing whole words with ``probability``.

    Every subword of a chosen word is predicted; per chosen word, 80% of the time all its subwords
    become <mask>, 10% random tokens, 10% unchanged. A row with no chosen word gets one, so every
    sequence contributes to the loss.
    """
    import torch

    is_word = word_ids >= 0
    n_words = int(word_ids.max()) + 1 if is_word.any() else 0
    chosen = torch.rand(n_words, generator=generator) < probability
    # make sure each row has a chosen word: its first word that has any token
    for row in range(word_ids.shape[0]):
        row_words = word_ids[row][is_word[row]]
        if len(row_words) and not chosen[row_words].any():
            pick = row_words[torch.randint(len(row_words), (1,), generator=generator)]
            chosen[pick] = True
    action = torch.rand(n_words, generator=generator)
    safe = word_ids.clamp(min=0)
    selected = is_word & chosen[safe]
    to_mask = selected & (action[safe] < 0.8)
    to_random = selected & (action[safe] >= 0.8) & (action[safe] < 0.9)

    labels = torch.where(selected, input_ids, torch.full_like(input_ids, -100))
    masked = input_ids.clone()
    masked[to_mask] = special.mask
    random_ids = torch.randint(special.random_low, special.vocab_size - 1, input_ids.shape, generator=generator)
    random_ids = random_ids + (random_ids >= special.mask).long() * (special.mask >= special.random_low)
    masked[to_random] = random_ids[to_random]
    return masked, labels
