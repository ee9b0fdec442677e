"""The transformer tagger: a PhoBERT (RoBERTa) token classifier over underthesea words.

Tags follow ``plannlp.bio.tag_names(scheme="BIO")``: BIO is the default because every span
label is short enough that an explicit end tag (BIOES) adds classes without adding
information the constrained decoder does not already enforce; the scheme is a saved setting,
so a BIOES model loads and decodes the same way.

Prediction: sentences are cut into windows of words that fit the encoder
(:mod:`plannlp.tag.neural.windows`), the windows are sorted by length and run in batches, each
word's tag log-probabilities come from its first subword in its max-context window, a
constrained Viterbi pass picks the best tag sequence that :func:`plannlp.bio.allowed_transition`
accepts, and :func:`plannlp.bio.tags_to_spans` turns it into character spans. A span's score
is the mean, over its words, of the probability of the tag chosen for the word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.bio import allowed_transition, tag_names, tags_to_spans
from plannlp.data import DataError, Document, Span
from plannlp.labels import LABELS
from plannlp.runrecord import RunRecord
from plannlp.segment import Sentence
from plannlp.tag.contract import Tagger
from plannlp.tag.neural.align import Alignment, align, word_encoder, word_pieces
from plannlp.tag.neural.windows import merge_windows, plan_windows

log = logging.getLogger(__name__)

SYSTEM = "transformer"
PHOBERT_POSITIONS = 256
# Models whose position ids start after the padding index (RoBERTa's quirk: 258 embeddings, 256 usable).
_PADDING_OFFSET_MODELS = {"roberta", "xlm-roberta", "camembert", "bertweet"}


# -- constrained decoding ------------------------------------------------------------------


@dataclass(frozen=True)
class Constraints:
    """Which tags may start, follow one another and end a sequence (from ``allowed_transition``)."""

    start: np.ndarray  # (T,) bool
    transition: np.ndarray  # (T, T) bool, [previous, current]
    end: np.ndarray  # (T,) bool

    @classmethod
    def for_tags(cls, tags: Sequence[str], scheme: str) -> Constraints:
        start = np.array([allowed_transition(None, t, scheme) for t in tags])
        end = np.array([allowed_transition(t, None, scheme) for t in tags])
        transition = np.array([[allowed_transition(p, c, scheme) for c in tags] for p in tags])
        return cls(start, transition, end)


def constrained_viterbi(log_probs: np.ndarray, constraints: Constraints) -> list[int]:
    """The highest-scoring tag index sequence that the constraints allow (``log_probs``: n x T)."""
    n = len(log_probs)
    if n == 0:
        return []
    blocked = np.float64(-np.inf)
    trans = np.where(constraints.transition, 0.0, blocked)
    score = np.where(constraints.start, log_probs[0].astype(np.float64), blocked)
    back = np.zeros((n, log_probs.shape[1]), dtype=np.int64)
    for i in range(1, n):
        total = score[:, None] + trans  # previous x current
        back[i] = total.argmax(axis=0)
        score = total.max(axis=0) + log_probs[i]
    score = np.where(constraints.end, score, blocked)
    best = [int(score.argmax())]
    if not np.isfinite(score[best[0]]):
        raise ValueError("no tag sequence satisfies the constraints")
    for i in range(n - 1, 0, -1):
        best.append(int(back[i, best[-1]]))
    return best[::-1]


# -- words from subwords ----------------------------------------------------------------------

# How a word's tag distribution comes from its subwords' (Hugging Face's aggregation strategies):
# "first" is what training labels (the first subword), so it is the default; "average" averages
# the subwords' probabilities; "max" takes the subword whose best tag is most probable.
POOLINGS = ("first", "average", "max")


def pool_words(log_probs: np.ndarray, alignment: Alignment, pooling: str = "first") -> np.ndarray:
    """Per-word tag log-probabilities (n_words x T) from one window's positions (n_positions x T)."""
    if pooling == "first":
        return log_probs[list(alignment.first)]
    n_words = len(alignment.first)
    out = np.empty((n_words, log_probs.shape[1]), dtype=log_probs.dtype)
    positions: list[list[int]] = [[] for _ in range(n_words)]
    for p, w in enumerate(alignment.word_index):
        if 0 <= w < n_words:
            positions[w].append(p)
    for w, rows in enumerate(positions):
        rows = rows or [alignment.first[w]]
        if pooling == "average":
            out[w] = np.log(np.exp(log_probs[rows]).mean(axis=0))
        elif pooling == "max":
            out[w] = log_probs[rows[int(log_probs[rows].max(axis=1).argmax())]]
        else:
            raise ValueError(f"unknown word pooling {pooling!r}")
    return out


# -- the tagger -----------------------------------------------------------------------------


def position_limit(model_config: Any) -> int:
    """How many positions (special tokens included) the encoder's position embeddings allow."""
    limit = int(getattr(model_config, "max_position_embeddings", PHOBERT_POSITIONS))
    if getattr(model_config, "model_type", None) in _PADDING_OFFSET_MODELS:
        limit -= int(model_config.pad_token_id) + 1
    return limit


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True, slots=True)
class _Window:
    sentence: int  # index into the flat list of sentences
    window: int  # index among the sentence's windows
    alignment: Alignment


WEIGHTS_FILE = "model.safetensors"
MODEL_CONFIG_FILE = "config.json"


class TransformerTagger(Tagger):
    """Token classifier over words; see the module docstring for how it predicts."""

    system = SYSTEM

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        scheme: str = "BIO",
        max_length: int = PHOBERT_POSITIONS,
        stride: int = 64,
        batch_size: int = 32,
        device: str | None = None,
        bf16: bool = True,
        labels: Sequence[str] = LABELS,
        pooling: str = "first",
    ) -> None:
        if pooling not in POOLINGS:
            raise ValueError(f"unknown word pooling {pooling!r}; expected one of {', '.join(POOLINGS)}")
        self.pooling = pooling
        self.model = model
        self.tokenizer = tokenizer
        self.scheme = scheme
        self.labels = tuple(labels)
        self._tags = tuple(tag_names(self.labels, scheme))
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        if tuple(id2label.get(i) for i in range(len(self.tags))) != self.tags:
            raise DataError(f"model labels {id2label} differ from the {scheme} tags {self.tags}")
        self.max_length = min(max_length, position_limit(model.config))
        if self.max_length < 3:
            raise ValueError(f"max_length {self.max_length} leaves no room for words")
        self.stride = min(stride, self.budget - 1)
        self.batch_size = batch_size
        self.device = device or default_device()
        self.bf16 = bf16
        self.constraints = Constraints.for_tags(self.tags, scheme)
        self._encode_word: Callable[[str], Sequence[int]] = word_encoder(tokenizer)
        self.model.to(self.device)
        self.truncated_pieces = 0  # subwords of over-long words cut in the last predict call

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @property
    def budget(self) -> int:
        """Subword positions per window (``<s>`` and ``</s>`` take two)."""
        return self.max_length - 2

    # construction ---------------------------------------------------------------------

    @classmethod
    def from_encoder(
        cls,
        encoder: str | Path,
        tokenizer: str | Path | None = None,
        scheme: str = "BIO",
        labels: Sequence[str] = LABELS,
        **options: Any,
    ) -> TransformerTagger:
        """A tagger with a fresh classification head on a pretrained encoder (hub name such as
        ``vinai/phobert-base-v2`` or a local directory); the tokenizer defaults to the encoder's."""
        from transformers import AutoModelForTokenClassification

        tags = tag_names(labels, scheme)
        model = AutoModelForTokenClassification.from_pretrained(
            str(encoder),
            num_labels=len(tags),
            id2label=dict(enumerate(tags)),
            label2id={t: i for i, t in enumerate(tags)},
        )
        return cls(model, load_tokenizer(tokenizer or encoder), scheme=scheme, labels=labels, **options)

    @classmethod
    def from_scratch(
        cls,
        tokenizer: str | Path,
        architecture: dict[str, Any],
        scheme: str = "BIO",
        labels: Sequence[str] = LABELS,
        **options: Any,
    ) -> TransformerTagger:
        """A randomly initialised RoBERTa-style tagger (``architecture``: RobertaConfig fields)."""
        from transformers import AutoModelForTokenClassification, RobertaConfig

        tok = load_tokenizer(tokenizer)
        tags = tag_names(labels, scheme)
        config = RobertaConfig(
            vocab_size=len(tok),
            pad_token_id=tok.pad_token_id,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            num_labels=len(tags),
            id2label=dict(enumerate(tags)),
            label2id={t: i for i, t in enumerate(tags)},
            **{"max_position_embeddings": PHOBERT_POSITIONS + 2, **architecture},
        )
        return cls(AutoModelForTokenClassification.from_config(config), tok, scheme=scheme, labels=labels, **options)

    # encoding -------------------------------------------------------------------------

    def encode_words(self, words: Sequence[str]) -> tuple[list[tuple[int, int]], list[Alignment], int]:
        """Windows of a sentence's words, their model inputs, and the subwords cut from over-long words."""
        pieces, cut = word_pieces(words, self._encode_word, self.tokenizer.unk_token_id, self.budget)
        windows = plan_windows([len(p) for p in pieces], self.budget, self.stride)
        bos, eos = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        alignments = [align(pieces[s:e], bos, eos, self.max_length) for s, e in windows]
        return windows, alignments, cut

    # prediction -----------------------------------------------------------------------

    def word_log_probs(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Tag log-probabilities (n_words x n_tags, float32) for each sentence's words."""
        import torch

        plans: list[list[tuple[int, int]]] = []
        items: list[_Window] = []
        self.truncated_pieces = 0
        for s, words in enumerate(sentences):
            windows, alignments, cut = self.encode_words(words) if words else ([], [], 0)
            self.truncated_pieces += cut
            plans.append(windows)
            items.extend(_Window(s, k, a) for k, a in enumerate(alignments))
        items.sort(key=lambda it: len(it.alignment.input_ids))
        outputs: dict[tuple[int, int], np.ndarray] = {}
        pad = self.tokenizer.pad_token_id
        device = torch.device(self.device)
        autocast = self.bf16 and device.type == "cuda"
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                for b in range(0, len(items), self.batch_size):
                    batch = items[b : b + self.batch_size]
                    width = max(len(it.alignment.input_ids) for it in batch)
                    ids = torch.full((len(batch), width), pad, dtype=torch.long)
                    mask = torch.zeros((len(batch), width), dtype=torch.long)
                    for row, it in enumerate(batch):
                        n = len(it.alignment.input_ids)
                        ids[row, :n] = torch.tensor(it.alignment.input_ids)
                        mask[row, :n] = 1
                    logits = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
                    log_probs = torch.log_softmax(logits.float(), dim=-1).cpu().numpy()
                    for row, it in enumerate(batch):
                        outputs[it.sentence, it.window] = pool_words(log_probs[row], it.alignment, self.pooling)
        finally:
            self.model.train(was_training)
        result = []
        for s, windows in enumerate(plans):
            n_words = len(sentences[s])
            if not windows:
                result.append(np.zeros((0, len(self.tags)), dtype=np.float32))
                continue
            rows = merge_windows(windows, [outputs[s, k] for k in range(len(windows))], n_words)
            result.append(np.stack(rows))
        return result

    def decode(self, log_probs: np.ndarray, sentence: Sentence) -> list:
        """Spans (with scores) of one sentence from its words' tag log-probabilities."""
        best = constrained_viterbi(log_probs, self.constraints)
        tags = [self.tags[i] for i in best]
        scores = [float(np.exp(log_probs[i, t])) for i, t in enumerate(best)]
        scores = [min(1.0, max(0.0, s)) for s in scores]
        return tags_to_spans(tags, sentence.offsets, self.scheme, scores=scores)

    def predict_spans(
        self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]
    ) -> list[list[Span]]:
        flat = [(d, s) for d, doc_sents in enumerate(sentences) for s in doc_sents]
        log_probs = self.word_log_probs([[t.form for t in s.tokens] for _, s in flat])
        spans: list[list[Span]] = [[] for _ in docs]
        for (d, sentence), lp in zip(flat, log_probs):
            spans[d].extend(self.decode(lp, sentence))
        if self.truncated_pieces:
            log.info("cut %d subwords from words longer than %d subwords", self.truncated_pieces, self.budget)
        return spans

    # persistence ----------------------------------------------------------------------

    def settings_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "max_length": self.max_length,
            "stride": self.stride,
            "batch_size": self.batch_size,
        }

    def save_files(self, directory: Path) -> dict[str, str]:
        """Weights as safetensors, Hugging Face's model config, the tokenizer's vocabulary files."""
        before = {p.name for p in directory.iterdir()}
        self.model.save_pretrained(str(directory), safe_serialization=True)
        self.tokenizer.save_pretrained(str(directory))
        written = sorted({p.name for p in directory.iterdir() if p.is_file()} - before - {WEIGHTS_FILE, MODEL_CONFIG_FILE})
        return {"weights": WEIGHTS_FILE, "model_config": MODEL_CONFIG_FILE, **{f"tokenizer:{n}": n for n in written}}

    @classmethod
    def from_record(
        cls, directory: Path, record: RunRecord, device: str | None = None, **overrides: Any
    ) -> TransformerTagger:
        from transformers import AutoModelForTokenClassification

        record.expect(SYSTEM, directory)
        record.file(directory, "weights")
        record.file(directory, "model_config")
        # safetensors only: a folder that also holds a pickled pytorch_model.bin never has it read
        model = AutoModelForTokenClassification.from_pretrained(str(directory), use_safetensors=True)
        options = {k: record.settings[k] for k in ("scheme", "max_length", "stride", "batch_size") if k in record.settings}
        labels = record.labels or LABELS
        tagger = cls(model, load_tokenizer(directory), device=device, labels=labels, **{**options, **overrides})
        if record.tags and tuple(record.tags) != tagger.tags:
            raise DataError(f"{directory}: saved tags {list(record.tags)} differ from {list(tagger.tags)}")
        return tagger

    @classmethod
    def load(cls, directory: str | Path, device: str | None = None, **overrides: Any) -> TransformerTagger:
        return cls.from_record(Path(directory), RunRecord.read(directory), device=device, **overrides)


def load_tokenizer(name_or_path: str | Path) -> Any:
    """The tokenizer of a model directory or hub name (PhoBERT's is slow-only)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(name_or_path))
