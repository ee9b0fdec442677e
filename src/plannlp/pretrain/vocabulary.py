"""The vocabulary and the token blocks: the BPE tokenizer (built once per work dir, or the
checkpoint's), its special ids, the model shape, and documents packed into blocks of subwords."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.pretrain.config import PretrainConfig
from plannlp.pretrain.corpus import SegmentedDoc
from plannlp.tag.neural.vocab import build_phobert_vocab


@dataclass(frozen=True)
class Blocks:
    """Token blocks for the MLM, flat: ``ids[offsets[i]:offsets[i+1]]`` is block ``i`` (no specials)."""

    ids: np.ndarray  # int32 token ids
    words: np.ndarray  # int32: index of the word each token belongs to, within its block
    offsets: np.ndarray  # int64, len = blocks + 1

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def block(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.ids[a:b], self.words[a:b]

    @property
    def tokens(self) -> int:
        return int(self.offsets[-1])


def make_blocks(docs: Iterable[SegmentedDoc], pieces: Callable[[str], Sequence[int]], max_tokens: int) -> Blocks:
    """Consecutive sentences of a document packed into blocks of at most ``max_tokens`` subwords.

    ``pieces`` gives a word's subword ids (:func:`plannlp.tag.neural.align.word_encoder`).

    A block never crosses a document; a word is never split between blocks.
    """
    ids: list[int] = []
    words: list[int] = []
    offsets = [0]
    for doc in docs:
        start = len(ids)
        n_words = 0
        for sentence in doc.sentences:
            sentence_pieces = [pieces(w)[:max_tokens] for w in sentence.split()]
            if len(ids) - start + sum(map(len, sentence_pieces)) > max_tokens and len(ids) > start:
                offsets.append(len(ids))
                start, n_words = len(ids), 0
            for word in sentence_pieces:
                if len(ids) - start + len(word) > max_tokens:  # a sentence longer than a block
                    offsets.append(len(ids))
                    start, n_words = len(ids), 0
                ids.extend(word)
                words.extend([n_words] * len(word))
                n_words += 1
        if len(ids) > start:
            offsets.append(len(ids))
    return Blocks(np.asarray(ids, np.int32), np.asarray(words, np.int32), np.asarray(offsets, np.int64))


def split_heldout(docs: Sequence[SegmentedDoc], per_mille: int) -> tuple[list[SegmentedDoc], list[SegmentedDoc]]:
    """(train, held-out): a document is held out by a hash of its id, so the slice never moves."""
    def held(doc: SegmentedDoc) -> bool:
        return int(hashlib.sha256(doc.id.encode()).hexdigest()[:8], 16) % 1000 < per_mille

    return [d for d in docs if not held(d)], [d for d in docs if held(d)]


@dataclass(frozen=True)
class SpecialIds:
    bos: int
    eos: int
    pad: int
    mask: int
    vocab_size: int
    random_low: int  # random replacements are drawn from [random_low, vocab_size) minus mask

    @classmethod
    def of(cls, tokenizer: Any) -> SpecialIds:
        special = set(tokenizer.all_special_ids)
        low = 0
        while low in special:
            low += 1
        return cls(
            tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id,
            tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id,
            tokenizer.pad_token_id,
            tokenizer.mask_token_id,
            len(tokenizer),
            low,
        )


def phobert_config(vocab_size: int, special: SpecialIds, overrides: dict[str, Any]) -> Any:
    from transformers import RobertaConfig

    shape = {
        "num_hidden_layers": 4,
        "hidden_size": 256,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
        **overrides,
    }
    return RobertaConfig(
        vocab_size=vocab_size,
        max_position_embeddings=258,
        type_vocab_size=1,
        pad_token_id=special.pad,
        bos_token_id=special.bos,
        eos_token_id=special.eos,
        layer_norm_eps=1e-5,
        tie_word_embeddings=True,
        **shape,
    )


def _load_tokenizer(path: str | Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


def prepare_tokenizer(cfg: PretrainConfig, train_docs: Sequence[SegmentedDoc], work_dir: Path) -> Any:
    """The checkpoint's tokenizer, or a BPE vocabulary built from the training text once per work dir."""
    if cfg.init_from:
        return _load_tokenizer(cfg.init_from)
    vocab_dir = work_dir / "vocab"
    if not (vocab_dir / "vocab.txt").is_file():
        vocab_dir = build_phobert_vocab(
            (s.split() for d in train_docs for s in d.sentences),
            vocab_dir,
            vocab_size=cfg.vocab_size,
            min_frequency=cfg.vocab_min_frequency,
        )
    return _load_tokenizer(vocab_dir)


def _truncate(blocks: Blocks, n: int) -> Blocks:
    if len(blocks) <= n:
        return blocks
    end = blocks.offsets[n]
    return Blocks(blocks.ids[:end], blocks.words[:end], blocks.offsets[: n + 1])
