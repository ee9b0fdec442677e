"""Overlapping windows of words for a sentence longer than the encoder takes, and the merge back.

PhoBERT takes 256 positions (258 position embeddings, two kept for the padding offset), two of
them for ``<s>`` and ``</s>``. A longer run of words is cut into windows of whole words whose
subwords fit the budget; consecutive windows share about ``stride`` subwords (as the ``stride``
of Hugging Face tokenizers), so a word near a cut is also seen with context on both sides.

Merging: each word takes its scores from the window where it is farthest from a cut (the
"maximum context" rule of BERT's SQuAD code). Averaging logits would mix in the prediction made
with the least context, and logits of different windows are not on a common scale; the
max-context window is the prediction the model made with the most evidence around the word.
A window edge at the start or end of the whole sequence is not a cut: context there is complete.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def plan_windows(lengths: Sequence[int], budget: int, stride: int = 0) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` covering all words; each fits ``budget`` subwords.

    ``lengths`` is the subword count of each word. Consecutive windows overlap by the longest
    run of words whose subwords total at most ``stride`` (less where the next window would
    otherwise reach no new word); every window starts and ends after the one before it. A single word longer than ``budget`` is a window of its
    own (the caller truncates it). No words, no windows.
    """
    if budget < 1:
        raise ValueError("budget must be at least 1 subword")
    if not 0 <= stride < budget:
        raise ValueError(f"stride must be in [0, budget), got {stride} for budget {budget}")
    if any(n < 1 for n in lengths):
        raise ValueError("every word has at least one subword")
    n = len(lengths)
    windows: list[tuple[int, int]] = []
    start = 0
    while start < n:
        end, used = start, 0
        while end < n and (end == start or used + lengths[end] <= budget):
            used += lengths[end]
            end += 1
        windows.append((start, end))
        if end == n:
            break
        next_start, shared = end, 0
        # share up to `stride` subwords, but leave room for the next window to reach a new word
        while (
            next_start - 1 > start
            and shared + lengths[next_start - 1] <= stride
            and shared + lengths[next_start - 1] + lengths[end] <= budget
        ):
            next_start -= 1
            shared += lengths[next_start]
        start = next_start
    return windows


def context(word: int, window: tuple[int, int], n_words: int) -> float:
    """How many words separate ``word`` from the nearer cut of ``window`` (inf without cuts)."""
    start, end = window
    left = word - start if start > 0 else math.inf
    right = end - 1 - word if end < n_words else math.inf
    return min(left, right)


def assign_windows(windows: Sequence[tuple[int, int]], n_words: int) -> list[int]:
    """For each word, the index of the window it takes its prediction from (max context; the
    earlier window on ties)."""
    best = [-1] * n_words
    best_context = [-math.inf] * n_words
    for k, window in enumerate(windows):
        for word in range(window[0], window[1]):
            c = context(word, window, n_words)
            if c > best_context[word]:
                best[word], best_context[word] = k, c
    if -1 in best:
        raise ValueError(f"word {best.index(-1)} lies in no window")
    return best


def merge_windows(windows: Sequence[tuple[int, int]], window_scores: Sequence[Sequence[Any]], n_words: int) -> list[Any]:
    """Per-word rows (e.g. tag log-probabilities) from per-window rows, by :func:`assign_windows`.

    ``window_scores[k][i]`` is the row of word ``windows[k][0] + i``.
    """
    if len(windows) != len(window_scores):
        raise ValueError(f"{len(window_scores)} score blocks for {len(windows)} windows")
    for (start, end), rows in zip(windows, window_scores):
        if len(rows) != end - start:
            raise ValueError(f"window [{start}, {end}) has {len(rows)} rows")
    chosen = assign_windows(windows, n_words)
    return [window_scores[k][w - windows[k][0]] for w, k in enumerate(chosen)]
