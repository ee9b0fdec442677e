"""Masked-LM pretraining of a PhoBERT-shaped RoBERTa encoder, from scratch or from a checkpoint.

Stages, each a small function driven by :func:`pretrain` from one YAML config:

1. :func:`collect_documents` reads unlabelled text (``pretrain/*.jsonl.gz`` shards, interleaved so a
   character budget samples every source, and the project's cleaned plans).
2. :func:`segment_documents` word-segments it with underthesea on several processes and caches the
   result (gzip JSON lines, one document each) so a rerun does not segment again.
3. :func:`gold_exclusion` hashes every sentence (and every run of ``exclude_ngram`` syllables) of the
   gold dev/test texts; :func:`exclude_gold` drops matching pretraining sentences. Keys ignore case,
   Unicode form, tone-mark placement, punctuation and word segmentation, so NFD copies and
   re-segmented copies of a dev/test sentence are found too.
4. The BPE vocabulary comes from :func:`plannlp.model.vocab.build_phobert_vocab` (from scratch) or the
   checkpoint's tokenizer (``init_from``).
5. :func:`whole_word_mask` masks whole underthesea words (all their subwords, 80/10/10), drawn anew
   for every batch from ``(seed, step)`` so a resumed run sees the same masks it would have seen.
6. :func:`train_mlm` trains for at most ``max_minutes`` and ``max_steps``, evaluating held-out
   perplexity on a fixed slice with fixed masks, and checkpoints (model, optimizer, scheduler, RNG,
   step, data position) so that a later run resumes exactly where this one stopped.
7. :func:`export_encoder` writes a Hugging Face model directory with tokenizer and model card.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.data import DataError
from plannlp.model import driver
from plannlp.runrecord import RunRecord, code_revision

CACHE_VERSION = 2
CHECKPOINT = "checkpoint"
TRAINER_STATE = "trainer_state.pt"


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConfig:
    shards: str = "../shared/pretrain/*.jsonl.gz"  # glob of {"source", "text"} JSON lines (.gz or not)
    plans: str = "corpus/clean/*.txt"  # glob of cleaned plan texts; the file stem is the document id
    max_chars: int = 20_000_000  # budget of shard text (plans always come in full)
    gold_dir: str = "corpus/gold"  # dev.jsonl, test.jsonl and splits.tsv, where present
    exclude_ngram: int = 10  # drop a sentence sharing this many consecutive syllables with dev/test
    exclude_min_syllables: int = 4  # shorter identical sentences ("1.", "Điều 2.") identify no document
    n_jobs: int = 0  # segmentation processes (0: all cores)
    heldout_per_mille: int = 10  # documents (by id hash) kept out of training for perplexity
    heldout_max_blocks: int = 128  # per source kind, so an evaluation stays cheap


@dataclass(frozen=True)
class TrainConfig:
    max_seq_len: int = 128  # including <s> and </s>; PhoBERT allows 256
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_steps: int = 200
    max_steps: int = 2000  # length of the learning-rate schedule, over all chained runs
    schedule_minutes: float | None = None  # decay over this much training time instead, if it ends first
    max_minutes: float = 20.0  # wall-clock budget of this run (a later run resumes)
    run_steps: int | None = None  # at most this many steps in this run (chaining by steps)
    mlm_probability: float = 0.15
    eval_every: int = 200
    checkpoint_minutes: float = 5.0
    seed: int = 13
    threads: int = 0  # torch CPU threads (0: torch's default)
    bf16: bool = False  # autocast on CUDA
    compile: bool = False  # torch.compile on CUDA
    checkpoint_dtype: str = "float32"  # "bfloat16"/"float16" halves the checkpoint; resumes lose low bits
    export_dtype: str = "float32"


@dataclass(frozen=True)
class PretrainConfig:
    name: str
    output_dir: str  # the exported Hugging Face encoder
    work_dir: str  # segmentation cache, vocabulary, checkpoint (not committed)
    init_from: str | None = None  # checkpoint to continue (domain adaptation); None: from scratch
    vocab_size: int = 8000
    vocab_min_frequency: int = 2
    model: dict[str, Any] = field(default_factory=dict)  # RobertaConfig overrides (layers, sizes)
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    log_path: str | None = None  # JSON lines of every evaluation and run (committed with the config)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f for f in cls.__dataclass_fields__}
    unknown = sorted(set(values) - known)
    if unknown:
        raise DataError(f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
    return cls(**values)


def load_pretrain_config(path: str | Path) -> PretrainConfig:
    from plannlp.yamlconfig import read_yaml_config

    path = Path(path)
    raw = dict(read_yaml_config(path, "name", "pretraining"))
    name = str(raw["name"])
    raw.setdefault("output_dir", f"models/encoder-{name}")
    raw.setdefault("work_dir", f"runs/pretrain/{name}")
    raw.setdefault("log_path", f"experiments/pretrain/{name}.jsonl")
    data = _build(DataConfig, raw.pop("data", None) or {}, f"{path}: data")
    train = _build(TrainConfig, raw.pop("train", None) or {}, f"{path}: train")
    return _build(PretrainConfig, {**raw, "data": data, "train": train}, str(path))


# --- text collection and segmentation ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentedDoc:
    id: str
    kind: str  # "shard" or "plan"
    sentences: tuple[str, ...]  # words separated by spaces, syllables of a word joined by "_"


_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
_MARKUP = re.compile(r"\*\*|__|\[sửa[^\]]*\]|\[\d+\]|^#+\s*|^>\s*|^[-*+]\s+")


def _clean_lines(text: str) -> list[str]:
    """Paragraph lines without Markdown furniture; table cells become lines of their own."""
    lines: list[str] = []
    for line in unicodedata.normalize("NFC", text).split("\n"):
        line = line.strip()
        if not line or _TABLE_RULE.match(line):
            continue
        cells = [c for c in line.split("|")] if line.startswith("|") else [line]
        for cell in cells:
            # "_" joins syllables in PhoBERT's word form, so a literal one would fuse words
            cell = " ".join(_MARKUP.sub(" ", cell).replace("_", " ").split())
            if sum(ch.isalpha() for ch in cell) >= 2:
                lines.append(cell)
    return lines


def _sentences(line: str) -> list[str]:
    """The sentences :mod:`plannlp.segment` finds in a line (list markers kept with their sentence)."""
    from plannlp.segment import sentence_bounds

    return [line[s:e] for s, e in sentence_bounds(line)]


def segment_text(text: str) -> tuple[str, ...]:
    """Sentences of ``text`` in PhoBERT word form.

    Splits sentences as :func:`plannlp.segment.segment` does, then calls underthesea's
    ``word_tokenize(format="text")``: on news text that is ~1.25x faster than ``segment``, which
    also aligns character offsets that pretraining has no use for; both make the same words.
    """
    from underthesea import word_tokenize

    out: list[str] = []
    for line in _clean_lines(text):
        for sentence in _sentences(line):
            words = word_tokenize(sentence, format="text").split()
            if words:
                out.append(" ".join(words))
    return tuple(out)


def _open_text(path: str | Path) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path, encoding="utf-8")


def _shard_documents(pattern: str, max_chars: int) -> Iterator[tuple[str, str]]:
    """(id, text) of shard documents, one from each shard in turn, until ``max_chars`` are taken."""
    paths = sorted(glob.glob(pattern))
    files = [_open_text(p) for p in paths]
    try:
        taken = 0
        line_no = [0] * len(files)
        live = list(range(len(files)))
        while live and taken < max_chars:
            for i in list(live):
                line = files[i].readline()
                if not line:
                    live.remove(i)
                    continue
                line_no[i] += 1
                if not line.strip():
                    continue
                try:
                    text = json.loads(line)["text"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise DataError(f"{paths[i]}:{line_no[i]}: not a JSON object with 'text'") from None
                yield f"{Path(paths[i]).name.split('.')[0]}:{line_no[i]}", text
                taken += len(text)
                if taken >= max_chars:
                    break
    finally:
        for fh in files:
            fh.close()


def _plan_documents(pattern: str) -> Iterator[tuple[str, str]]:
    for path in sorted(glob.glob(pattern)):
        yield Path(path).stem, Path(path).read_text(encoding="utf-8")


def _segment_pair(pair: tuple[str, str]) -> tuple[str, tuple[str, ...], int]:
    return pair[0], segment_text(pair[1]), len(pair[1])


def segment_documents(
    pairs: Iterable[tuple[str, str]], kind: str, cache: Path, fingerprint: dict[str, Any], n_jobs: int = 0
) -> tuple[list[SegmentedDoc], dict[str, Any]]:
    """Segmented documents and how they were made (characters, seconds, processes, cached or not).

    They are read from ``cache`` when it was made from the same ``fingerprint``.
    """
    meta_path = cache.with_name(cache.name + ".meta.json")
    fingerprint = {"version": CACHE_VERSION, **fingerprint}
    if cache.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.pop("fingerprint") == fingerprint:
            with gzip.open(cache, "rt", encoding="utf-8") as fh:
                docs = [SegmentedDoc(o["id"], kind, tuple(o["sentences"])) for o in map(json.loads, fh)]
            return docs, {**meta, "cached": True}

    import multiprocessing as mp

    from tqdm import tqdm

    from plannlp.segment import default_jobs

    n_jobs = n_jobs or default_jobs()
    cache.parent.mkdir(parents=True, exist_ok=True)
    docs: list[SegmentedDoc] = []
    started = time.monotonic()
    chars = 0
    tmp = cache.with_name(cache.name + ".tmp")
    bar = tqdm(desc=f"segment {kind}", unit="char", unit_scale=True)
    with gzip.open(tmp, "wt", encoding="utf-8") as out, bar:
        pool = mp.get_context("fork").Pool(n_jobs) if n_jobs > 1 else None
        try:
            results = pool.imap(_segment_pair, pairs, chunksize=2) if pool else map(_segment_pair, pairs)
            for doc_id, sentences, n_chars in results:
                out.write(json.dumps({"id": doc_id, "sentences": sentences}, ensure_ascii=False) + "\n")
                docs.append(SegmentedDoc(doc_id, kind, sentences))
                chars += n_chars
                bar.update(n_chars)
        finally:
            if pool:
                pool.close()
                pool.join()
    os.replace(tmp, cache)
    meta = {"chars": chars, "segment_seconds": round(time.monotonic() - started, 1), "n_jobs": n_jobs}
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, **meta}) + "\n")
    return docs, {**meta, "cached": False}


def collect_documents(data: DataConfig, work_dir: Path) -> tuple[list[SegmentedDoc], dict[str, Any]]:
    """Segmented shard and plan documents (cached separately: new plans do not re-segment shards)."""
    plan_files = sorted(glob.glob(data.plans))
    plan_print = hashlib.sha256()
    for path in plan_files:  # by content: a rewritten but unchanged file does not re-segment
        plan_print.update(f"{path}\t{hashlib.sha256(Path(path).read_bytes()).hexdigest()}\n".encode())
    shards, shard_stats = segment_documents(
        _shard_documents(data.shards, data.max_chars),
        "shard",
        work_dir / "segmented-shards.jsonl.gz",
        {"shards": data.shards, "max_chars": data.max_chars},
        data.n_jobs,
    )
    plans, plan_stats = segment_documents(
        _plan_documents(data.plans),
        "plan",
        work_dir / "segmented-plans.jsonl.gz",
        {"plans": plan_print.hexdigest()},
        data.n_jobs,
    )
    return shards + plans, {"shards": shard_stats, "plans": plan_stats}


# --- dev/test exclusion -----------------------------------------------------------------------


def _syllables(text: str) -> list[str]:
    """Case-, form-, tone-placement- and segmentation-blind syllables: base letters and digits."""
    decomposed = unicodedata.normalize("NFD", text.replace("_", " ")).casefold()
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", base)


def sentence_key(text: str) -> str:
    return hashlib.blake2b(" ".join(_syllables(text)).encode("utf-8"), digest_size=12).hexdigest()


def _ngram_keys(syllables: Sequence[str], n: int) -> Iterator[int]:
    for i in range(len(syllables) - n + 1):
        yield hash(tuple(syllables[i : i + n]))


@dataclass(frozen=True)
class GoldExclusion:
    doc_ids: frozenset[str]  # corpus/clean ids in the dev/test split
    sentence_keys: frozenset[str]
    ngram_keys: frozenset[int]
    ngram: int
    min_syllables: int  # identical sentences shorter than this are kept
    documents: int  # dev/test texts hashed


def gold_exclusion(gold_dir: str | Path, plans_pattern: str, ngram: int, min_syllables: int = 4) -> GoldExclusion:
    """Keys of every sentence and syllable n-gram of the gold dev/test texts.

    Texts come from ``dev.jsonl``/``test.jsonl`` and from the ``corpus/clean`` files that
    ``splits.tsv`` puts in dev or test, whichever exist.
    """
    from plannlp.corpus.gold import read_splits
    from plannlp.io import read_documents

    gold_dir = Path(gold_dir)
    texts: dict[str, str] = {}
    for split in ("dev", "test"):
        path = gold_dir / f"{split}.jsonl"
        if path.is_file():
            texts.update((doc.id, doc.text) for doc in read_documents(path))
    ids = {row["id"] for row in read_splits(gold_dir / "splits.tsv") if row["split"] in ("dev", "test")}
    ids |= set(texts)
    plan_dir = Path(plans_pattern).parent
    for doc_id in ids - set(texts):
        path = plan_dir / f"{doc_id}.txt"
        if path.is_file():
            texts[doc_id] = path.read_text(encoding="utf-8")
    sentence_keys: set[str] = set()
    ngram_keys: set[int] = set()
    for text in texts.values():
        for line in unicodedata.normalize("NFC", text).split("\n"):
            for sentence in [line, *_sentences(line)] if line.strip() else []:
                syllables = _syllables(sentence)
                if syllables:
                    sentence_keys.add(sentence_key(sentence))
                    ngram_keys.update(_ngram_keys(syllables, ngram))
    return GoldExclusion(
        frozenset(ids), frozenset(sentence_keys), frozenset(ngram_keys), ngram, min_syllables, len(texts)
    )


def exclude_gold(docs: Sequence[SegmentedDoc], gold: GoldExclusion) -> tuple[list[SegmentedDoc], dict[str, int]]:
    """``docs`` without dev/test documents and without sentences found in dev/test text."""
    kept: list[SegmentedDoc] = []
    counts = {"documents": 0, "sentences_exact": 0, "sentences_ngram": 0}
    for doc in docs:
        if doc.kind == "plan" and doc.id in gold.doc_ids:
            counts["documents"] += 1
            continue
        sentences = []
        for sentence in doc.sentences:
            syllables = _syllables(sentence)
            if len(syllables) >= gold.min_syllables and sentence_key(sentence) in gold.sentence_keys:
                counts["sentences_exact"] += 1
            elif gold.ngram_keys and any(k in gold.ngram_keys for k in _ngram_keys(syllables, gold.ngram)):
                counts["sentences_ngram"] += 1
            else:
                sentences.append(sentence)
        if sentences:
            kept.append(replace(doc, sentences=tuple(sentences)))
    return kept, counts


# --- tokenisation into blocks -----------------------------------------------------------------


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

    ``pieces`` gives a word's subword ids (:func:`plannlp.model.align.word_encoder`).

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


# --- masking ----------------------------------------------------------------------------------


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


# --- model ------------------------------------------------------------------------------------


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
        from plannlp.model.vocab import build_phobert_vocab

        vocab_dir = build_phobert_vocab(
            (s.split() for d in train_docs for s in d.sentences),
            vocab_dir,
            vocab_size=cfg.vocab_size,
            min_frequency=cfg.vocab_min_frequency,
        )
    return _load_tokenizer(vocab_dir)


# --- training ---------------------------------------------------------------------------------


@dataclass
class TrainerState:
    step: int = 0
    epoch: int = 0
    position: int = 0  # blocks of this epoch's permutation already consumed
    train_seconds: float = 0.0  # over all chained runs
    runs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


def _dtype(name: str) -> Any:
    import torch

    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]
    except KeyError:
        raise DataError(f"unknown dtype {name!r}; expected float32, bfloat16 or float16") from None


def save_checkpoint(directory: Path, model: Any, optimizer: Any, scheduler: Any, state: TrainerState,
                    data_fingerprint: str, dtype: str) -> None:
    """Write the checkpoint next to the old one, then swap, so a kill never leaves half of one."""

    def write(tmp: Path) -> None:
        weights = {k: v.detach().to(_dtype(dtype)).contiguous() for k, v in model.state_dict().items()}
        model.save_pretrained(str(tmp), state_dict=weights)
        driver.save_state(
            tmp / TRAINER_STATE,
            {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": driver.rng_state(),
                "state": asdict(state),
                "data_fingerprint": data_fingerprint,
            },
        )

    driver.swap_directory(write, directory)


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


def _log(path: Path | None, record: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _progress(step: int, train_seconds: float, cfg: TrainConfig) -> float:
    """How far the decay has gone: by steps, or by training time when ``schedule_minutes`` ends first.

    A time-based decay anneals the learning rate within a wall-clock budget whatever pace a shared
    machine allows; it is exactly reproducible only by steps.
    """
    by_steps = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    if cfg.schedule_minutes is None:
        return by_steps
    return max(by_steps, train_seconds / (cfg.schedule_minutes * 60))


def _lr_factor(step: int, train_seconds: float, cfg: TrainConfig) -> float:
    """Linear warmup over ``warmup_steps``, then linear decay to 0 (RoBERTa's schedule)."""
    if step < cfg.warmup_steps:
        return step / max(1, cfg.warmup_steps)
    return max(0.0, 1.0 - _progress(step, train_seconds, cfg))


def train_mlm(
    model: Any,
    train_blocks: Blocks,
    heldout: dict[str, Blocks],
    special: SpecialIds,
    cfg: TrainConfig,
    checkpoint_dir: Path,
    data_fingerprint: str,
    log_path: Path | None = None,
) -> tuple[Any, TrainerState]:
    """Train until ``max_steps`` or ``max_minutes``, whichever comes first; resume from ``checkpoint_dir``."""
    import torch
    from tqdm import tqdm
    if len(train_blocks) == 0:
        raise DataError("no training text left after exclusion and held-out split")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    state = TrainerState()
    driver.seed_everything(cfg.seed)
    resume = checkpoint_dir / TRAINER_STATE
    if resume.is_file():
        from transformers import AutoModelForMaskedLM

        saved = driver.load_state(resume)
        if saved["data_fingerprint"] != data_fingerprint:
            raise DataError(
                f"{checkpoint_dir}: the checkpoint was trained on other data (text, exclusion or vocabulary changed);"
                " delete it to start over"
            )
        model = AutoModelForMaskedLM.from_pretrained(str(checkpoint_dir), dtype=torch.float32)
    model.to(device)
    model.train()
    optimizer = driver.adamw(model, cfg.learning_rate, cfg.weight_decay, betas=(0.9, 0.98), eps=1e-6)
    # the factor reads ``state`` when called, so it follows the state restored below
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(step, state.train_seconds, cfg))
    if resume.is_file():
        state = TrainerState(**saved["state"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        driver.set_rng_state(saved["rng"])
    state.runs += 1

    use_cuda = device.type == "cuda"
    autocast = driver.autocast_for(device, cfg.bf16)
    encoder = torch.compile(model.base_model) if cfg.compile and use_cuda else model.base_model
    eval_sets = {k: _eval_batches(b, special, cfg) for k, b in heldout.items() if len(b)}

    def evaluate() -> dict[str, float]:
        return {f"ppl_{k}": round(_evaluate(model, v, device, autocast), 3) for k, v in eval_sets.items()}

    run_started = time.monotonic()
    budget = cfg.max_minutes * 60
    last_checkpoint = run_started
    seconds_before = state.train_seconds
    if state.step == 0 and not state.history:
        unigram = {
            f"unigram_ppl_{k}": round(unigram_perplexity(train_blocks, v, special.vocab_size), 3)
            for k, v in eval_sets.items()
        }
        record = {"step": 0, "epoch": 0, "train_seconds": 0.0, **evaluate(), **unigram}
        state.history.append(record)
        _log(log_path, {"event": "eval", **record})

    def permutation(epoch: int) -> np.ndarray:
        return np.random.default_rng([cfg.seed, epoch]).permutation(len(train_blocks))

    order = permutation(state.epoch)
    running, running_n = 0.0, 0
    bar = tqdm(total=cfg.max_steps, initial=state.step, desc="pretrain", unit="step")
    stop_reason = "max_steps"
    last_step = min(cfg.max_steps, state.step + cfg.run_steps if cfg.run_steps else cfg.max_steps)

    def stop() -> str | None:
        if state.step >= cfg.max_steps:
            return "max_steps"
        if _progress(state.step, state.train_seconds, cfg) >= 1.0:
            return "schedule_minutes"
        if time.monotonic() - run_started >= budget:
            return "max_minutes"
        if state.step >= last_step:
            return "run_steps"
        return None

    def batches() -> Iterator[tuple[Any, Any, Any]]:
        nonlocal order
        while True:
            if state.position >= len(order):
                state.epoch += 1
                state.position = 0
                order = permutation(state.epoch)
            indices = order[state.position : state.position + cfg.batch_size].tolist()
            state.position += len(indices)
            input_ids, attention, word_ids = collate(train_blocks, indices, special)
            generator = torch.Generator().manual_seed(cfg.seed * 1_000_003 + state.step)
            masked, labels = whole_word_mask(input_ids, word_ids, special, cfg.mlm_probability, generator)
            yield masked, attention, labels

    def loss_of(batch: tuple[Any, Any, Any]) -> Any:
        masked, attention, labels = batch
        return _masked_lm_loss(encoder, model.lm_head, masked.to(device), attention.to(device), labels.to(device), "mean")

    reason = stop()
    if reason is None:
        for loss in driver.optimizer_steps(batches(), loss_of, model, optimizer, scheduler, 1.0, autocast):
            state.step += 1
            running += loss
            running_n += 1
            state.train_seconds = seconds_before + time.monotonic() - run_started
            bar.update(1)
            bar.set_postfix(loss=f"{running / running_n:.3f}")
            if driver.due(state.step, cfg.eval_every) or state.step == cfg.max_steps:
                record = {
                    "step": state.step,
                    "epoch": state.epoch,
                    "train_seconds": round(state.train_seconds, 1),
                    "train_loss": round(running / running_n, 4),
                    "lr": scheduler.get_last_lr()[0],
                    **evaluate(),
                }
                running, running_n = 0.0, 0
                state.history.append(record)
                _log(log_path, {"event": "eval", **record})
            if time.monotonic() - last_checkpoint >= cfg.checkpoint_minutes * 60:
                save_checkpoint(checkpoint_dir, model, optimizer, scheduler, state, data_fingerprint, cfg.checkpoint_dtype)
                last_checkpoint = time.monotonic()
            reason = stop()
            if reason is not None:
                break
    stop_reason = reason or stop_reason
    bar.close()
    if state.history[-1]["step"] != state.step:
        record = {"step": state.step, "epoch": state.epoch, "train_seconds": round(state.train_seconds, 1),
                  **({"train_loss": round(running / running_n, 4)} if running_n else {}), **evaluate()}
        state.history.append(record)
        _log(log_path, {"event": "eval", **record})
    save_checkpoint(checkpoint_dir, model, optimizer, scheduler, state, data_fingerprint, cfg.checkpoint_dtype)
    _log(log_path, {"event": "stop", "reason": stop_reason, "step": state.step, "run": state.runs,
                    "run_seconds": round(time.monotonic() - run_started, 1)})
    return model, state


# --- export -----------------------------------------------------------------------------------


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


# --- the whole pipeline -----------------------------------------------------------------------


def pretrain(config_path: str | Path) -> Path:
    """Run (or resume) the pretraining a config describes; returns the exported encoder directory."""
    import torch

    from plannlp.model.align import word_encoder

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


def _truncate(blocks: Blocks, n: int) -> Blocks:
    if len(blocks) <= n:
        return blocks
    end = blocks.offsets[n]
    return Blocks(blocks.ids[:end], blocks.words[:end], blocks.offsets[: n + 1])
