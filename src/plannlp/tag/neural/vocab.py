"""A PhoBERT-format BPE vocabulary (fastBPE ``bpe.codes`` + fairseq ``vocab.txt``) built from words.

PhoBERT's tokenizer (``transformers.PhobertTokenizer``) reads two files:

``bpe.codes``
    one merge a line, ``left right count``, in rank order; the last symbol of a word carries the
    end-of-word marker ``</w>`` (``y_t ế</w> 52``).
``vocab.txt``
    one token a line, ``token count``; a piece that does not end its word carries ``@@``
    (``bảo_hi@@``), a word-final piece is bare. Ids 0-3 (``<s> <pad> </s> <unk>``) are fixed by the
    tokenizer and not listed; ``<mask>`` is added after the listed tokens, as in PhoBERT.

The merges are learnt by the ``tokenizers`` library's BPE trainer with the end-of-word suffix
``</w>`` (the subword-nmt/fastBPE convention PhobertTokenizer applies), then exported. The
trainer does not report the frequency a pair had when it was merged, so the third column of
``bpe.codes`` is the corpus frequency of the merged symbol as a token of the final segmentation
(PhobertTokenizer and fastBPE's ``applybpe`` ignore it). ``vocab.txt`` counts are the corpus
frequencies of the tokens in the final segmentation, as in fairseq's ``dict.txt``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from plannlp.text import nfc

log = logging.getLogger(__name__)

END_OF_WORD = "</w>"
CONTINUATION = "@@"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
MODEL_MAX_LENGTH = 256  # PhoBERT's positions (258 embeddings, 2 kept for the padding offset)
ROUND_TRIP_SAMPLE = 20_000  # distinct words checked through PhobertTokenizer after building


def _phobert_token(symbol: str) -> str:
    """A BPE symbol as PhoBERT writes it: ``ế</w>`` -> ``ế``, ``bảo_`` -> ``bảo_@@``."""
    if symbol.endswith(END_OF_WORD):
        return symbol[: -len(END_OF_WORD)]
    return symbol + CONTINUATION


def _count_words(word_sentences: Iterable[list[str]], counts: Counter[str]) -> Iterator[str]:
    """Sentences as the trainer reads them (space-joined), counting NFC words on the way."""
    for words in word_sentences:
        composed = [nfc(w) for w in words]
        composed = [w for w in composed if w and not any(c.isspace() for c in w)]
        counts.update(composed)
        if composed:
            yield " ".join(composed)


def build_phobert_vocab(
    word_sentences: Iterable[list[str]],
    out_dir: str | Path,
    vocab_size: int = 64_000,
    min_frequency: int = 2,
) -> Path:
    """Learn a BPE vocabulary from PhoBERT-form words (``bảo_hiểm_y_tế``) and save a tokenizer.

    ``out_dir`` receives ``bpe.codes``, ``vocab.txt`` and the tokenizer config, so that
    ``PhobertTokenizer.from_pretrained(out_dir)`` (and ``AutoTokenizer``) load it. ``vocab_size``
    counts every id, special tokens included. Words are NFC-normalised; words holding
    whitespace cannot be PhoBERT words and are skipped. The result is checked by round trip
    through PhobertTokenizer (the pieces of every sampled word join back to the word).
    Returns ``out_dir``.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    out_dir = Path(out_dir)
    if vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size {vocab_size} leaves no room beside the special tokens")
    word_counts: Counter[str] = Counter()
    bpe = Tokenizer(models.BPE(end_of_word_suffix=END_OF_WORD))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(SPECIAL_TOKENS),
        min_frequency=min_frequency,
        end_of_word_suffix=END_OF_WORD,
        show_progress=False,
    )
    bpe.train_from_iterator(_count_words(word_sentences, word_counts), trainer)
    if not word_counts:
        raise ValueError("no words to build a vocabulary from")
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    symbols: list[str] = list(model["vocab"])  # the alphabet and every merged symbol

    token_counts: Counter[str] = Counter()
    for word, n in word_counts.items():
        for piece in bpe.model.tokenize(word):
            token_counts[piece.value] += n

    out_dir.mkdir(parents=True, exist_ok=True)
    codes_path = out_dir / "bpe.codes"
    vocab_path = out_dir / "vocab.txt"
    with open(codes_path, "w", encoding="utf-8") as fh:
        for left, right in merges:
            fh.write(f"{left} {right} {token_counts[left + right]}\n")
    ordered = sorted(symbols, key=lambda s: (-token_counts[s], s))  # the trainer's ids vary between runs
    written = set(SPECIAL_TOKENS)  # a repeated token would shift every later id in PhobertTokenizer
    with open(vocab_path, "w", encoding="utf-8") as fh:
        for symbol in ordered:
            token = _phobert_token(symbol)  # a word ending in "@@" can collide with a non-final piece
            if token not in written:
                written.add(token)
                fh.write(f"{token} {token_counts[symbol]}\n")

    from transformers import PhobertTokenizer

    tokenizer = PhobertTokenizer(
        vocab_file=str(vocab_path), merges_file=str(codes_path), model_max_length=MODEL_MAX_LENGTH
    )
    tokenizer.save_pretrained(str(out_dir))
    _check_round_trip(tokenizer, word_counts)
    return out_dir


def _check_round_trip(tokenizer, word_counts: Counter[str]) -> None:
    """Every sampled word must tokenize to pieces that join back to it; log the in-vocab share."""
    sample = [w for w, _ in word_counts.most_common(ROUND_TRIP_SAMPLE)]
    unk = tokenizer.unk_token
    covered = 0
    for word in sample:
        pieces = tokenizer.tokenize(word)
        if tokenizer.convert_tokens_to_string(pieces) != word:  # joins "bảo_hi@@ ểm" back
            raise RuntimeError(f"BPE export is inconsistent: {word!r} tokenizes to {pieces!r}")
        ids = tokenizer.convert_tokens_to_ids(pieces)
        covered += all(t != tokenizer.unk_token_id for t in ids)
    log.info(
        "vocabulary: %d tokens, %d merges; %d of the %d most frequent words tokenize without %s",
        len(tokenizer),
        len(tokenizer.bpe_ranks),
        covered,
        len(sample),
        unk,
    )
