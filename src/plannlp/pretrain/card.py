"""Export: a Hugging Face encoder folder with its run record and a model card written from the summary."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from plannlp.pretrain.config import _dtype
from plannlp.runrecord import RunRecord


def _hardware() -> str:
    import platform

    import torch

    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        names = [ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")]
        name = names[0] if names else name
    return f"CPU ({name}, {cores} cores, torch threads {torch.get_num_threads()})"


ENCODER_SYSTEM = "encoder"  # a pretrained encoder: a run record, but no tagger to load


def encoder_record(summary: dict[str, Any], files: dict[str, str]) -> RunRecord:
    """The run record of a pretrained encoder, from the pretraining summary."""
    config_keys = ("name", "config", "output_dir", "init_from", "max_steps", "schedule_minutes", "learning_rate",
                   "batch_size", "max_seq_len")  # fmt: skip
    return RunRecord(
        system=ENCODER_SYSTEM,
        settings=dict(summary.get("model", {})),
        files=files,
        code_revision=str(summary.get("code_revision", "unknown")),
        data={"text": {"path": str(summary.get("config")), "checksum": str(summary["data_fingerprint"])}}
        if summary.get("data_fingerprint") else {},
        config={k: summary[k] for k in config_keys if k in summary},
        metrics={k: v for k, v in summary.items() if k not in config_keys and k != "model"},
    )


def read_encoder_summary(directory: str | Path) -> dict[str, Any]:
    """The pretraining summary of an encoder folder, rebuilt from its run record."""
    record = RunRecord.read(directory)
    record.expect(ENCODER_SYSTEM, directory)
    return {**record.config, "model": dict(record.settings), **record.metrics}


def export_encoder(model: Any, tokenizer: Any, out_dir: Path, summary: dict[str, Any], dtype: str) -> Path:
    """A Hugging Face model directory (safetensors weights, config, tokenizer, README.md) with its run record."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in out_dir.iterdir()}
    weights = {k: v.detach().to(_dtype(dtype)).contiguous() for k, v in model.state_dict().items()}
    model.save_pretrained(str(out_dir), state_dict=weights, safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
    written = sorted({p.name for p in out_dir.iterdir() if p.is_file()} - before - {"model.safetensors", "config.json"})
    files = {"weights": "model.safetensors", "model_config": "config.json", **{f"tokenizer:{n}": n for n in written}}
    (out_dir / "README.md").write_text(model_card(summary), encoding="utf-8")
    encoder_record(summary, {**files, "card": "README.md"}).write(out_dir)
    return out_dir


def model_card(s: dict[str, Any]) -> str:
    first, last = s["history"][0], s["history"][-1]
    unigram = ", ".join(f"{k[12:]} {v}" for k, v in first.items() if k.startswith("unigram_ppl_")) or "n/a"
    near_unigram = [
        k[4:] for k, v in last.items()
        if k.startswith("ppl_") and f"unigram_{k}" in first and v > 0.8 * first[f"unigram_{k}"]
    ]
    plateau = (
        f"\n- On held-out {', '.join(near_unigram)} text it predicts hardly better than token frequencies"
        " alone (see the table): it has learnt little context yet; expect little gain over a randomly"
        " initialised encoder of the same shape."
        if near_unigram else ""
    )
    ppl = lambda r: ", ".join(f"{k[4:]} {v}" for k, v in r.items() if k.startswith("ppl_")) or "n/a"  # noqa: E731
    m = s["model"]
    excl = s["exclusion"]
    data = s["data"]
    epochs = last["step"] * s["batch_size"] / max(1, data["train_blocks"])
    schedule = f"{s['max_steps']} steps"
    if s["schedule_minutes"] is not None:
        schedule += f" or {s['schedule_minutes']} minutes of training, whichever ends first"
    return f"""# encoder-{s['name']}

A RoBERTa encoder with PhoBERT's shape (BPE over underthesea-segmented words, 258 positions,
pad id 1, one token type), {'continued from `' + s['init_from'] + '`' if s['init_from'] else 'pretrained from scratch'}
with whole-word masked-LM by `plannlp pretrain {s['config']}`. Fine-tune it for token classification:
`AutoModelForTokenClassification.from_pretrained("{s['output_dir']}", num_labels=11)`; input must be
word-segmented like PhoBERT's (`bảo_hiểm y_tế`, as `plannlp.segment` gives).

| | |
|---|---|
| parameters | {m['parameters']:,} ({m['num_hidden_layers']} layers, hidden {m['hidden_size']}, {m['num_attention_heads']} heads, FFN {m['intermediate_size']}, vocabulary {m['vocab_size']}) |
| training text | {data['train_documents']:,} documents, {data['train_sentences']:,} sentences, {data['train_words']:,} words, {data['train_tokens']:,} subword tokens in {data['train_blocks']:,} blocks of ≤ {s['max_seq_len']} tokens ({data['shard_chars']:,} characters of `shared/pretrain` shards, interleaved, plus {data['plan_documents']} cleaned plans) |
| held out | {data['heldout_documents']} documents (by id hash; fixed masks); blocks: {data['heldout_blocks']} |
| dev/test exclusion | {excl['gold_documents']} gold dev/test texts hashed; dropped {excl['documents']} plan documents, {excl['sentences_exact']} identical sentences (of ≥ {excl.get('min_syllables', 4)} syllables) and {excl['sentences_ngram']} sentences sharing {excl['ngram']} syllables with dev/test; dev/test documents trained on (split grew during the run): {', '.join(excl.get('dev_test_ids_trained_on', [])) or 'none'} |
| steps | {last['step']} of batch {s['batch_size']} ({epochs:.2f} epochs), peak learning rate {s['learning_rate']}, linear decay to 0 over {schedule}; {s['runs']} run(s) |
| training time | {last['train_seconds'] / 60:.1f} min on {s['hardware']} |
| held-out perplexity | start: {ppl(first)}; end: {ppl(last)}; training-token frequencies alone (unigram, no context): {unigram} |

## Limits

- Small and briefly trained on {s['hardware'].split(' (')[0]}: its perplexity is far from a full PhoBERT's; it is a
  domain-matched starting point for fine-tuning at best, not a general Vietnamese language model.{plateau}
- The vocabulary and training text are government, legal and news Vietnamese; other registers are unseen.
- Word segmentation is underthesea's; text segmented differently tokenises into rarer pieces.
- Perplexity is whole-word masked-LM perplexity on held-out documents of the same sources, not a
  downstream score.
"""
