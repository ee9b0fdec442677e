"""Masked-LM pretraining of a PhoBERT-shaped RoBERTa encoder, from scratch or from a checkpoint.

Stages, each a small function driven by :func:`pretrain` (``pipeline``) from one YAML config
(``config``), each stage a module of this package:

1. ``corpus``: :func:`collect_documents` reads unlabelled text (``pretrain/*.jsonl.gz`` shards, interleaved so a
   character budget samples every source, and the project's cleaned plans).
2. :func:`segment_documents` word-segments it with underthesea on several processes and caches the
   result (gzip JSON lines, one document each) so a rerun does not segment again.
3. ``exclusion``: :func:`gold_exclusion` hashes every sentence (and every run of ``exclude_ngram`` syllables) of the
   gold dev/test texts; :func:`exclude_gold` drops matching pretraining sentences. Keys ignore case,
   Unicode form, tone-mark placement, punctuation and word segmentation, so NFD copies and
   re-segmented copies of a dev/test sentence are found too.
4. ``vocabulary``: the BPE vocabulary comes from :func:`plannlp.tag.neural.vocab.build_phobert_vocab` (from scratch) or the
   checkpoint's tokenizer (``init_from``).
5. ``masking``: :func:`whole_word_mask` masks whole underthesea words (all their subwords, 80/10/10), drawn anew
   for every batch from ``(seed, step)`` so a resumed run sees the same masks it would have seen.
6. ``loop`` (on the shared driver, :mod:`plannlp.tag.neural.driver`) and ``evaluation``:
   :func:`train_mlm` trains for at most ``max_minutes`` and ``max_steps``, evaluating held-out
   perplexity on a fixed slice with fixed masks, and checkpoints (model, optimizer, scheduler, RNG,
   step, data position) so that a later run resumes exactly where this one stopped.
7. ``card``: :func:`export_encoder` writes a Hugging Face model directory with tokenizer and model card.
"""

from __future__ import annotations

from plannlp.pretrain.card import (
    ENCODER_SYSTEM,
    _hardware,
    encoder_record,
    export_encoder,
    model_card,
    read_encoder_summary,
)
from plannlp.pretrain.config import DataConfig, PretrainConfig, TrainConfig, _build, _dtype, load_pretrain_config
from plannlp.pretrain.corpus import (
    CACHE_VERSION,
    SegmentedDoc,
    collect_documents,
    segment_documents,
    segment_text,
)
from plannlp.pretrain.evaluation import _eval_batches, _evaluate, _masked_lm_loss, unigram_perplexity
from plannlp.pretrain.exclusion import GoldExclusion, exclude_gold, gold_exclusion, sentence_key
from plannlp.pretrain.loop import CHECKPOINT, TRAINER_STATE, TrainerState, _lr_factor, _progress, save_checkpoint, train_mlm
from plannlp.pretrain.masking import collate, whole_word_mask
from plannlp.pretrain.pipeline import pretrain
from plannlp.pretrain.vocabulary import (
    Blocks,
    SpecialIds,
    _truncate,
    make_blocks,
    phobert_config,
    prepare_tokenizer,
    split_heldout,
)

__all__ = [
    "CACHE_VERSION", "CHECKPOINT", "ENCODER_SYSTEM", "TRAINER_STATE", "Blocks", "DataConfig", "GoldExclusion",
    "PretrainConfig", "SegmentedDoc", "SpecialIds", "TrainConfig", "TrainerState", "collate", "collect_documents",
    "encoder_record", "exclude_gold", "export_encoder", "gold_exclusion", "load_pretrain_config", "make_blocks",
    "model_card", "phobert_config", "prepare_tokenizer", "pretrain", "read_encoder_summary", "save_checkpoint",
    "segment_documents", "segment_text", "sentence_key", "split_heldout", "train_mlm", "unigram_perplexity",
    "whole_word_mask",
]  # fmt: skip
