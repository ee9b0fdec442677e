"""Words to subword ids and back, for a tokenizer that only tokenizes (PhoBERT's is slow-only:
no ``word_ids()``, no offsets).

Each word is tokenized on its own, so the word owning every subword is known by construction.
A word is labelled on its first subword; the other subwords and the special tokens get
``IGNORE`` (-100), which PyTorch's cross-entropy skips. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from plannlp.text import nfc

IGNORE = -100  # label id that cross-entropy ignores
SPECIAL = -1  # word index of <s>, </s>


def word_pieces(
    words: Sequence[str],
    encode_word: Callable[[str], Sequence[int]],
    unk_id: int,
    max_pieces: int | None = None,
) -> tuple[list[tuple[int, ...]], int]:
    """The subword ids of each word, and how many subwords ``max_pieces`` cut off.

    Words are NFC-normalised first (the vocabulary is NFC, so an NFD word gets the same ids).
    Every word keeps at least one subword, so word and label counts stay equal: an empty word
    (or one the tokenizer returns nothing for) becomes ``<unk>``. A run of ``<unk>`` inside a
    word (an emoji, a script outside the vocabulary) is one ``<unk>``: the run tells the model
    no more than one does, and it would spend positions. ``max_pieces`` keeps the first pieces
    of a very long word (a long number); its label sits on the first one anyway.
    """
    if max_pieces is not None and max_pieces < 1:
        raise ValueError("max_pieces must be at least 1")
    out: list[tuple[int, ...]] = []
    cut = 0
    for word in words:
        ids = list(encode_word(nfc(word))) if word.strip() else []
        pieces: list[int] = []
        for i in ids:
            if not (i == unk_id and pieces and pieces[-1] == unk_id):
                pieces.append(i)
        if not pieces:
            pieces = [unk_id]
        if max_pieces is not None and len(pieces) > max_pieces:
            cut += len(pieces) - max_pieces
            pieces = pieces[:max_pieces]
        out.append(tuple(pieces))
    return out, cut


@dataclass(frozen=True, slots=True)
class Alignment:
    """Model input for a run of words and the word each position belongs to.

    ``word_index[p]`` is the word of position ``p`` (``SPECIAL`` for ``<s>``/``</s>``);
    ``first[w]`` is the position of word ``w``'s first subword, or -1 when ``max_length``
    dropped the word. ``dropped_words`` and ``dropped_pieces`` count what truncation lost.
    """

    input_ids: tuple[int, ...]
    word_index: tuple[int, ...]
    first: tuple[int, ...]
    dropped_words: int
    dropped_pieces: int

    def labels(self, word_labels: Sequence[int]) -> list[int]:
        """Per-position label ids: each word's label on its first subword, ``IGNORE`` elsewhere."""
        if len(word_labels) != len(self.first):
            raise ValueError(f"{len(word_labels)} labels for {len(self.first)} words")
        out = [IGNORE] * len(self.input_ids)
        for w, pos in enumerate(self.first):
            if pos >= 0:
                out[pos] = word_labels[w]
        return out


def align(
    pieces: Sequence[Sequence[int]], bos_id: int, eos_id: int, max_length: int | None = None
) -> Alignment:
    """``<s>`` + the words' subwords + ``</s>``, cut to ``max_length`` positions at most.

    Truncation drops whole subwords from the end; a word whose first subword is cut is
    dropped (``first`` is -1), a word cut after its first subword keeps its label.
    """
    if max_length is not None and max_length < 3:
        raise ValueError("max_length must leave room for <s>, one subword and </s>")
    budget = None if max_length is None else max_length - 2
    input_ids = [bos_id]
    word_index = [SPECIAL]
    first: list[int] = []
    dropped_words = dropped_pieces = 0
    for w, word in enumerate(pieces):
        room = len(word) if budget is None else max(0, budget - (len(input_ids) - 1))
        kept = list(word)[:room]
        dropped_pieces += len(word) - len(kept)
        if not kept:
            first.append(-1)
            dropped_words += 1
            continue
        first.append(len(input_ids))
        input_ids.extend(kept)
        word_index.extend([w] * len(kept))
    input_ids.append(eos_id)
    word_index.append(SPECIAL)
    return Alignment(tuple(input_ids), tuple(word_index), tuple(first), dropped_words, dropped_pieces)


def word_encoder(tokenizer, cache_size: int = 200_000) -> Callable[[str], tuple[int, ...]]:
    """A cached ``word -> subword ids`` function for a transformers tokenizer (no special tokens)."""

    @lru_cache(maxsize=cache_size)
    def encode(word: str) -> tuple[int, ...]:
        return tuple(tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word)))

    return encode
