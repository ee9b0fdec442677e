"""A BiLSTM-CRF tagger that trains on two CPU cores in minutes.

Each word enters as its word2vec vector (``experiments/vectors.yaml``, fine-tuned), a character
CNN over its letters (for words the vectors lack: ``167cm``, names), and small embeddings of what
the CRF also sees: word shape, the agency gazetteer's tag, the rule tagger's tag, the line kind and
table column, and the layout flags of :mod:`plannlp.tag.baselines.structure` (heading cues, sentence
cues, list item). A bidirectional LSTM reads the sentence; a linear-chain CRF layer decodes BIO
tags with Viterbi. A span's score is the mean of its words' tag probabilities under the
emission softmax.

Saved as data only: ``bilstm.safetensors`` (weights) and ``bilstm.json`` (vocabularies, sizes),
beside the run record.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.bio import tag_names, tags_to_spans
from plannlp.data import DataError, Document, Span
from plannlp.labels import LABELS
from plannlp.runrecord import RunRecord
from plannlp.segment import Sentence
from plannlp.tag.baselines import check_keys, read_split, strict_micro_f1
from plannlp.tag.baselines.crf import gazetteer_tags, rule_tags
from plannlp.tag.baselines.features import word_shape
from plannlp.tag.baselines.folds import analysed
from plannlp.tag.baselines.structure import cues, layout_features
from plannlp.tag.baselines.vectors import load_vectors, word_key
from plannlp.tag.contract import Tagger
from plannlp.tag.training_data import SentenceCounts, tagged_sentences
from plannlp.yamlconfig import settings_from_mapping

SYSTEM = "bilstm"
WEIGHTS = "bilstm.safetensors"
META = "bilstm.json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BilstmSettings:
    hidden: int = 128
    char_dim: int = 24
    char_filters: int = 48
    dropout: float = 0.3
    epochs: int = 12
    max_minutes: float = 3.0  # per training run: the 2-core budget, whatever the epoch count
    learning_rate: float = 2e-3
    batch_size: int = 32
    empty_keep: float = 0.3  # share of span-less sentences drawn into each epoch
    rule_features: bool = True
    seed: int = 0
    threads: int = 1
    scheme: str = "BIO"
    labels: tuple[str, ...] = LABELS

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BilstmSettings:
        return settings_from_mapping(cls, config)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["labels"] = list(self.labels)
        return out


# ---------------------------------------------------------------------------------------------
# Inputs


def _flag_names() -> list[str]:
    c = cues()
    names = ["L.head", "L.first", "L.aftercolon"]
    names += [f"H.{n}" for n in (*c.heading, "year")] + [f"H0.{n}" for n in (*c.heading, "year")]
    names += [f"S.{n}" for n in c.sentence]
    return names


@dataclass
class SentenceInput:
    words: list[str]  # word keys
    chars: list[str]  # surface forms
    shape: list[str]
    gaz: list[str]
    rule: list[str]
    kind: list[str]
    col: list[str]
    flags: np.ndarray  # (n, n_flags) float32


def document_inputs(
    text: str, sentences: Sequence[Sentence], settings: BilstmSettings
) -> list[SentenceInput]:
    gaz = gazetteer_tags(text, sentences)
    rules = rule_tags(text, sentences) if settings.rule_features else [["O"] * len(s.tokens) for s in sentences]
    layout = layout_features(text, sentences)
    flags = {n: i for i, n in enumerate(_flag_names())}
    out = []
    for sentence, g, r, lay in zip(sentences, gaz, rules, layout):
        words = [t.text for t in sentence.tokens]
        f = np.zeros((len(words), len(flags)), dtype=np.float32)
        for i, row in enumerate(lay):
            for name, value in row.items():
                if value is True and name in flags:
                    f[i, flags[name]] = 1.0
        out.append(
            SentenceInput(
                [word_key(w) for w in words], words, [word_shape(w)[:6] for w in words], list(g), list(r),
                [row.get("L.kind", "") for row in lay], [str(row.get("T.col", "")) for row in lay], f,
            )
        )
    return out


class Vocab:
    def __init__(self, items: Sequence[str]) -> None:
        self.items = ["<pad>", "<unk>", *[i for i in items if i not in ("<pad>", "<unk>")]]
        self.index = {w: i for i, w in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.items)

    def ids(self, xs: Sequence[str]) -> list[int]:
        return [self.index.get(x, 1) for x in xs]


# ---------------------------------------------------------------------------------------------
# The network


def _build_network(sizes: dict[str, int], n_flags: int, n_tags: int, settings: BilstmSettings, word_dim: int) -> Any:
    import torch
    from torch import nn

    class CharCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(sizes["chars"], settings.char_dim, padding_idx=0)
            self.conv = nn.Conv1d(settings.char_dim, settings.char_filters, 3, padding=1)

        def forward(self, chars: torch.Tensor) -> torch.Tensor:  # (B, T, C) -> (B, T, F)
            b, t, c = chars.shape
            x = self.emb(chars.view(b * t, c)).transpose(1, 2)
            x = torch.relu(self.conv(x)).max(dim=2).values
            return x.view(b, t, -1)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(sizes["words"], word_dim, padding_idx=0)
            self.chars = CharCNN()
            self.shape = nn.Embedding(sizes["shape"], 16, padding_idx=0)
            self.gaz = nn.Embedding(sizes["gaz"], 8, padding_idx=0)
            self.rule = nn.Embedding(sizes["rule"], 16, padding_idx=0)
            self.kind = nn.Embedding(sizes["kind"], 8, padding_idx=0)
            self.col = nn.Embedding(sizes["col"], 8, padding_idx=0)
            width = word_dim + settings.char_filters + 16 + 8 + 16 + 8 + 8 + n_flags
            self.drop = nn.Dropout(settings.dropout)
            self.lstm = nn.LSTM(width, settings.hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * settings.hidden, n_tags)
            self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))  # [from, to]
            self.start = nn.Parameter(torch.zeros(n_tags))
            self.end = nn.Parameter(torch.zeros(n_tags))

        def emissions(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
            x = torch.cat(
                [
                    self.word(batch["words"]), self.chars(batch["chars"]), self.shape(batch["shape"]),
                    self.gaz(batch["gaz"]), self.rule(batch["rule"]), self.kind(batch["kind"]),
                    self.col(batch["col"]), batch["flags"],
                ],
                dim=-1,
            )  # fmt: skip
            lengths = batch["mask"].sum(1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(self.drop(x), lengths, batch_first=True, enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            return self.out(self.drop(h))

        def nll(self, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """Mean negative log-likelihood of the gold tag paths (CRF forward algorithm)."""
            b, t, n = em.shape
            maskf = mask.float()
            score = self.start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
            for i in range(1, t):
                step = self.transitions[tags[:, i - 1], tags[:, i]] + em[:, i].gather(1, tags[:, i : i + 1]).squeeze(1)
                score = score + step * maskf[:, i]
            last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
            score = score + self.end[last]
            alpha = self.start.unsqueeze(0) + em[:, 0]
            for i in range(1, t):
                nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions.unsqueeze(0), dim=1) + em[:, i]
                alpha = torch.where(mask[:, i : i + 1], nxt, alpha)
            log_z = torch.logsumexp(alpha + self.end.unsqueeze(0), dim=1)
            return (log_z - score).mean()

        def decode(self, em: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
            b, t, n = em.shape
            score = self.start.unsqueeze(0) + em[:, 0]
            back = []
            for i in range(1, t):
                total = score.unsqueeze(2) + self.transitions.unsqueeze(0)
                best, idx = total.max(dim=1)
                nxt = best + em[:, i]
                score = torch.where(mask[:, i : i + 1], nxt, score)
                back.append(idx)
            score = score + self.end.unsqueeze(0)
            lengths = mask.sum(1).tolist()
            paths = []
            for k in range(b):
                tag = int(score[k].argmax())
                path = [tag]
                for i in range(lengths[k] - 1, 0, -1):
                    tag = int(back[i - 1][k, tag])
                    path.append(tag)
                paths.append(path[::-1])
            return paths

    return Net()


# ---------------------------------------------------------------------------------------------
# The tagger


class BilstmTagger(Tagger):
    system = SYSTEM

    def __init__(self, net: Any, vocabs: dict[str, Vocab], settings: BilstmSettings, word_dim: int) -> None:
        self.net = net
        self.vocabs = vocabs
        self.settings = settings
        self.word_dim = word_dim
        self.labels = tuple(settings.labels)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(tag_names(self.settings.labels, self.settings.scheme))

    # batches ---------------------------------------------------------------------------------
    def _batch(self, items: Sequence[SentenceInput], tags: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
        import torch

        t = max(len(s.words) for s in items)
        c = min(20, max(len(w) for s in items for w in s.chars))
        v = self.vocabs

        def pad(rows: list[list[int]]) -> torch.Tensor:
            return torch.tensor([r + [0] * (t - len(r)) for r in rows], dtype=torch.long)

        chars = torch.zeros((len(items), t, c), dtype=torch.long)
        for i, s in enumerate(items):
            for j, w in enumerate(s.chars):
                ids = v["chars"].ids(list(w[:c]))
                chars[i, j, : len(ids)] = torch.tensor(ids)
        flags = torch.zeros((len(items), t, items[0].flags.shape[1]))
        for i, s in enumerate(items):
            flags[i, : len(s.words)] = torch.from_numpy(s.flags)
        batch = {
            "words": pad([v["words"].ids(s.words) for s in items]), "chars": chars,
            "shape": pad([v["shape"].ids(s.shape) for s in items]), "gaz": pad([v["gaz"].ids(s.gaz) for s in items]),
            "rule": pad([v["rule"].ids(s.rule) for s in items]), "kind": pad([v["kind"].ids(s.kind) for s in items]),
            "col": pad([v["col"].ids(s.col) for s in items]), "flags": flags,
            "mask": torch.tensor([[True] * len(s.words) + [False] * (t - len(s.words)) for s in items]),
        }  # fmt: skip
        if tags is not None:
            index = {tag: i for i, tag in enumerate(self.tags)}
            batch["tags"] = pad([[index[x] for x in row] for row in tags])
        return batch

    # training --------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        inputs: Sequence[SentenceInput],
        tags: Sequence[Sequence[str]],
        settings: BilstmSettings,
        vectors: tuple[list[str], np.ndarray] | None,
    ) -> BilstmTagger:
        import torch

        torch.manual_seed(settings.seed)
        torch.set_num_threads(settings.threads)
        rng = np.random.default_rng(settings.seed)
        counts = Counter(w for s in inputs for w in s.words)
        pre_words, pre_vecs = vectors if vectors is not None else ([], np.zeros((0, 100), np.float32))
        pre_index = {w: i for i, w in enumerate(pre_words)}
        # the words a model keeps: those seen twice in training, or seen once and in the vectors
        kept = sorted(w for w, n in counts.items() if n >= 2 or w in pre_index)
        vocabs = {
            "words": Vocab(kept),
            "chars": Vocab(sorted({ch for s in inputs for w in s.chars for ch in w})),
            "shape": Vocab(sorted({x for s in inputs for x in s.shape})),
            "gaz": Vocab(["O", "B", "I"]),
            "rule": Vocab(sorted({x for s in inputs for x in s.rule} | {"O"})),
            "kind": Vocab(sorted({x for s in inputs for x in s.kind})),
            "col": Vocab(sorted({x for s in inputs for x in s.col})),
        }
        word_dim = pre_vecs.shape[1] if len(pre_words) else 64
        n_flags = inputs[0].flags.shape[1]
        net = _build_network({k: len(v) for k, v in vocabs.items()}, n_flags, len(tag_names(settings.labels, settings.scheme)), settings, word_dim)
        with torch.no_grad():
            for i, w in enumerate(vocabs["words"].items):
                if w in pre_index:
                    net.word.weight[i] = torch.from_numpy(pre_vecs[pre_index[w]].astype(np.float32))
        tagger = cls(net, vocabs, settings, word_dim)
        with_spans = [i for i, row in enumerate(tags) if any(x != "O" for x in row)]
        empty = [i for i, row in enumerate(tags) if all(x == "O" for x in row)]
        optimiser = torch.optim.Adam(net.parameters(), lr=settings.learning_rate)
        started = time.monotonic()
        for epoch in range(settings.epochs):
            chosen = with_spans + [i for i in empty if rng.random() < settings.empty_keep]
            chosen.sort(key=lambda i: (len(inputs[i].words), rng.random()))  # similar lengths batch together
            batches = [chosen[k : k + settings.batch_size] for k in range(0, len(chosen), settings.batch_size)]
            rng.shuffle(batches)
            net.train()
            total = 0.0
            for ids in batches:
                batch = tagger._batch([inputs[i] for i in ids], [tags[i] for i in ids])
                loss = net.nll(net.emissions(batch), batch["tags"], batch["mask"])
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                optimiser.step()
                total += float(loss.detach()) * len(ids)
            log.info("epoch %d: loss %.4f (%.0f s)", epoch + 1, total / max(1, len(chosen)), time.monotonic() - started)
            if time.monotonic() - started > settings.max_minutes * 60:
                log.info("stopped after %d epochs: %.1f minutes", epoch + 1, settings.max_minutes)
                break
        net.eval()
        return tagger

    # prediction ------------------------------------------------------------------------------
    def _spans(self, sentences: Sequence[Sentence], inputs: Sequence[SentenceInput]) -> list[Span]:
        import torch

        spans: list[Span] = []
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i].words))
        results: dict[int, tuple[list[str], list[float]]] = {}
        with torch.no_grad():
            for k in range(0, len(order), 64):
                ids = order[k : k + 64]
                batch = self._batch([inputs[i] for i in ids])
                em = self.net.emissions(batch)
                probs = torch.softmax(em, dim=-1)
                for i, path in zip(ids, self.net.decode(em, batch["mask"])):
                    row = ids.index(i)
                    results[i] = ([self.tags[p] for p in path], [float(probs[row, j, p]) for j, p in enumerate(path)])
        for i, sentence in enumerate(sentences):
            path, scores = results[i]
            spans.extend(tags_to_spans(path, sentence.offsets, self.settings.scheme, scores=scores, repair=True))
        return spans

    def predict_spans(self, docs: Sequence[Document], sentences: Sequence[tuple[Sentence, ...]]) -> list[list[Span]]:
        return [
            self._spans(sents, document_inputs(doc.text, sents, self.settings)) if sents else []
            for doc, sents in zip(docs, sentences)
        ]

    # storage ---------------------------------------------------------------------------------
    def settings_json(self) -> dict[str, Any]:
        return self.settings.to_json()

    def save_files(self, directory: Path) -> dict[str, str]:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in self.net.state_dict().items()}, str(directory / WEIGHTS))
        meta = {
            "word_dim": self.word_dim, "flags": _flag_names(), "vocabs": {k: v.items for k, v in self.vocabs.items()},
        }  # fmt: skip
        (directory / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return {"weights": WEIGHTS, "inputs": META}

    @classmethod
    def from_record(cls, directory: Path, record: RunRecord) -> BilstmTagger:
        import torch
        from safetensors.torch import load_file

        record.expect(SYSTEM, directory)
        meta = json.loads(record.file(directory, "inputs").read_text(encoding="utf-8"))
        if meta["flags"] != _flag_names():
            raise DataError(f"{directory}: saved with other layout flags than plannlp/resources/structure.json gives now")
        settings = BilstmSettings.from_config(dict(record.settings))
        vocabs = {k: Vocab(v[2:]) for k, v in meta["vocabs"].items()}
        torch.set_num_threads(settings.threads)
        n_tags = len(tag_names(settings.labels, settings.scheme))
        net = _build_network({k: len(v) for k, v in vocabs.items()}, len(meta["flags"]), n_tags, settings, meta["word_dim"])
        net.load_state_dict(load_file(str(record.file(directory, "weights"))))
        net.eval()
        return cls(net, vocabs, settings, meta["word_dim"])

    @classmethod
    def load(cls, directory: str | Path) -> BilstmTagger:
        return cls.from_record(Path(directory), RunRecord.read(directory))


# ---------------------------------------------------------------------------------------------
# Cross-validation and training from a config


def _vectors(config: dict[str, Any], root: Path | None) -> tuple[list[str], np.ndarray] | None:
    if not config.get("vectors"):
        return None

    path = Path(config["vectors"])
    if not path.is_absolute() and root is not None and not path.exists():
        path = root / path
    return load_vectors(path)


# The keys of a ``system: bilstm`` config: BilstmSettings fields, the files train_from_config
# reads and ``vectors`` (_vectors); the trainer and BilstmFolds refuse any other.
CONFIG_KEYS = (*(f.name for f in dataclasses.fields(BilstmSettings)), "train_file", "dev_file", "output_dir", "vectors")


def check_config(config: dict[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: bilstm`` config that no reader knows."""
    check_keys(config, CONFIG_KEYS, config_path)


class BilstmFolds:
    def __init__(self, config: dict[str, Any], config_path: Path | None) -> None:
        check_config(config, config_path)
        self.settings = BilstmSettings.from_config(config)
        self.vectors = _vectors(config, None)

    def prepare(self, docs: Sequence[Document]) -> None:
        self.docs = list(docs)
        self.sentences = [analysed(d.text, False)[0] for d in self.docs]
        self.inputs = [document_inputs(d.text, s, self.settings) for d, s in zip(self.docs, self.sentences)]
        self.tagged = tagged_sentences(self.docs, self.sentences, self.settings.scheme, SentenceCounts(), self.settings.labels)

    def fit_predict(self, train: Sequence[int], test: Sequence[int]) -> list[Document]:
        keep = set(train)
        used = [t for t in self.tagged if t.doc_index in keep]
        tagger = BilstmTagger.fit(
            [self.inputs[t.doc_index][t.sentence_index] for t in used], [list(t.tags) for t in used], self.settings, self.vectors
        )
        return [
            Document(self.docs[i].id, self.docs[i].text, tuple(tagger._spans(self.sentences[i], self.inputs[i])), meta=self.docs[i].meta)
            for i in test
        ]


def bilstm_folds(config: dict[str, Any], config_path: Path | None) -> BilstmFolds:
    return BilstmFolds(config, config_path)


def train_from_config(config: dict[str, Any], config_path: Path, scorer: Any = None) -> Path:
    """Train on ``train_file`` (one file or a list), score ``dev_file``, save to ``output_dir``."""

    check_config(config, config_path)
    files = config.get("train_file")
    train_docs = [d for f in (files if isinstance(files, list) else [files]) for d in read_split(f, "train")]
    dev_docs = read_split(config.get("dev_file"), "dev")
    root = config_path.resolve().parents[1]
    folds = BilstmFolds(config, config_path)
    folds.vectors = _vectors(config, root)
    started = time.monotonic()
    folds.prepare(train_docs)
    used = folds.tagged
    tagger = BilstmTagger.fit(
        [folds.inputs[t.doc_index][t.sentence_index] for t in used], [list(t.tags) for t in used], folds.settings, folds.vectors
    )
    dev_score = (scorer or strict_micro_f1)(dev_docs, tagger.predict([Document(d.id, d.text, (), meta=d.meta) for d in dev_docs]))
    out_dir = Path(config.get("output_dir") or "models/bilstm")
    summary = {"dev_strict_micro_f1": dev_score, "train_documents": len(train_docs), "total_s": round(time.monotonic() - started, 1)}
    tagger.save(out_dir, config={"system": SYSTEM, **{k: v for k, v in config.items() if k != "system"}}, metrics=summary)
    log.info("saved %s (dev strict micro F1 %.4f)", out_dir, dev_score)
    return out_dir


__all__ = ["BilstmSettings", "BilstmTagger", "CONFIG_KEYS", "bilstm_folds", "check_config", "train_from_config"]
