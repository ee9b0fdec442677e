"""The whole pretraining run, stage after stage, from one config."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path

from plannlp.pretrain.card import _hardware, export_encoder
from plannlp.pretrain.config import load_pretrain_config
from plannlp.pretrain.corpus import collect_documents
from plannlp.pretrain.exclusion import exclude_gold, gold_exclusion
from plannlp.pretrain.loop import CHECKPOINT, _log, train_mlm
from plannlp.pretrain.vocabulary import SpecialIds, _truncate, make_blocks, phobert_config, prepare_tokenizer, split_heldout
from plannlp.runrecord import code_revision
from plannlp.tag.neural.align import word_encoder


def pretrain(config_path: str | Path) -> Path:
    """Run (or resume) the pretraining a config describes; returns the exported encoder directory."""
    import torch

    cfg = load_pretrain_config(config_path)
    work_dir = Path(cfg.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = Path(cfg.log_path) if cfg.log_path else None
    started = time.monotonic()

    docs, seg_stats = collect_documents(cfg.data, work_dir)
    gold = gold_exclusion(cfg.data.gold_dir, cfg.data.plans, cfg.data.exclude_ngram, cfg.data.exclude_min_syllables)
    docs, dropped = exclude_gold(docs, gold)
    train_docs, heldout_docs = split_heldout(docs, cfg.data.heldout_per_mille)
    tokenizer = prepare_tokenizer(cfg, train_docs, work_dir)
    special = SpecialIds.of(tokenizer)
    pieces = word_encoder(tokenizer)
    max_tokens = cfg.train.max_seq_len - 2
    train_blocks = make_blocks(train_docs, pieces, max_tokens)
    heldout = {
        kind: make_blocks([d for d in heldout_docs if d.kind == kind], pieces, max_tokens) for kind in ("shard", "plan")
    }
    heldout = {k: _truncate(b, cfg.data.heldout_max_blocks) for k, b in heldout.items()}
    fingerprint = hashlib.sha256(
        train_blocks.ids.tobytes() + train_blocks.offsets.tobytes() + str(len(tokenizer)).encode()
    ).hexdigest()
    prep_seconds = time.monotonic() - started
    _log(log_path, {"event": "data", "dropped": dropped, "gold_documents": gold.documents,
                    "train_blocks": len(train_blocks), "train_tokens": train_blocks.tokens,
                    "prepare_seconds": round(prep_seconds, 1), **seg_stats})

    if cfg.init_from:
        from transformers import AutoModelForMaskedLM

        model = AutoModelForMaskedLM.from_pretrained(cfg.init_from, dtype=torch.float32)
    else:
        torch.manual_seed(cfg.train.seed)
        from transformers import RobertaForMaskedLM

        model = RobertaForMaskedLM(phobert_config(len(tokenizer), special, cfg.model))
    remaining = replace(cfg.train, max_minutes=max(0.0, cfg.train.max_minutes - prep_seconds / 60))
    model, state = train_mlm(
        model, train_blocks, heldout, special, remaining, work_dir / CHECKPOINT, fingerprint, log_path
    )
    gold_now = gold_exclusion(cfg.data.gold_dir, cfg.data.plans, cfg.data.exclude_ngram, cfg.data.exclude_min_syllables)
    late_ids = gold_now.doc_ids & {d.id for d in train_docs if d.kind == "plan"}
    conf = model.config
    summary = {
        "name": cfg.name,
        "config": str(config_path),
        "output_dir": cfg.output_dir,
        "init_from": cfg.init_from,
        "hardware": _hardware(),
        "max_steps": cfg.train.max_steps,
        "schedule_minutes": cfg.train.schedule_minutes,
        "learning_rate": cfg.train.learning_rate,
        "batch_size": cfg.train.batch_size,
        "max_seq_len": cfg.train.max_seq_len,
        "runs": state.runs,
        "model": {
            "parameters": sum(p.numel() for p in model.parameters()),
            "num_hidden_layers": conf.num_hidden_layers,
            "hidden_size": conf.hidden_size,
            "num_attention_heads": conf.num_attention_heads,
            "intermediate_size": conf.intermediate_size,
            "vocab_size": conf.vocab_size,
        },
        "data": {
            "train_documents": len(train_docs),
            "train_sentences": sum(len(d.sentences) for d in train_docs),
            "train_words": sum(len(s.split()) for d in train_docs for s in d.sentences),
            "train_tokens": train_blocks.tokens,
            "train_blocks": len(train_blocks),
            "shard_chars": seg_stats["shards"]["chars"],
            "plan_documents": sum(d.kind == "plan" for d in train_docs),
            "heldout_documents": len(heldout_docs),
            "heldout_blocks": {k: len(b) for k, b in heldout.items()},
            "segmentation": seg_stats,
        },
        "exclusion": {
            "gold_documents": gold.documents,
            "ngram": gold.ngram,
            "min_syllables": gold.min_syllables,
            **dropped,
            # the gold split may grow while a run trains: checked again at export
            "dev_test_ids_trained_on": sorted(late_ids),
        },
        "train_plan_ids": sorted(d.id for d in train_docs if d.kind == "plan"),
        "history": state.history,
        "code_revision": code_revision(),
        "data_fingerprint": fingerprint,
    }
    return export_encoder(model, tokenizer, Path(cfg.output_dir), summary, cfg.train.export_dtype)
