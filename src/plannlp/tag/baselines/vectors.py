"""Word representations learned on CPU from ``shared/pretrain``: word2vec vectors and their clusters.

The taggers see words as underthesea segments them (``bảo hiểm y tế`` may be one word), so the
vectors are trained on the same segmentation, in PhoBERT form (``bảo_hiểm``), lower-cased. What a
model keeps is small and data-only:

- ``clusters.json``: word -> k-means cluster id at a few granularities (Brown-cluster-like
  prefixes: a coarse and a fine id), the CRF's features;
- ``vectors.npy`` + ``vocab.json``: vectors pruned to the words a tagger needs (a BiLSTM's input).

Training (:func:`train_vectors`) reads a slice of the shards fixed by a config
(``experiments/vectors.yaml``): sources, a character budget, a seed; records the corpus ingested, or that share a long
line with a corpus document, are skipped, so no gold text (test included) shapes the vectors.
"""

from __future__ import annotations

import glob
import gzip
import json
import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from plannlp.data import DataError
from plannlp.runrecord import RunRecord, code_revision
from plannlp.segment import segment
from plannlp.tag.baselines.features import text_key

log = logging.getLogger(__name__)

CLUSTERS_FILE = "clusters.json"


def word_key(word: str) -> str:
    """The form vectors and clusters are keyed by: NFC tone placement, lower case, syllables joined by ``_``."""

    return "_".join(text_key(word).lower().split())


# ---------------------------------------------------------------------------------------------
# Clusters as CRF features


@dataclass(frozen=True)
class WordClusters:
    """Cluster ids of words at several granularities (coarse to fine)."""

    sizes: tuple[int, ...]
    ids: dict[str, tuple[int, ...]]

    def features(self, word: str) -> dict[str, str]:
        found = self.ids.get(word_key(word))
        if found is None:
            return {}
        return {f"cl{size}": str(cid) for size, cid in zip(self.sizes, found)}

    def to_json(self) -> dict[str, Any]:
        return {"sizes": list(self.sizes), "ids": {w: list(c) for w, c in sorted(self.ids.items())}}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> WordClusters:
        return cls(tuple(int(s) for s in obj["sizes"]), {w: tuple(int(x) for x in c) for w, c in obj["ids"].items()})

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@lru_cache(maxsize=4)
def load_clusters(path: str) -> WordClusters:
    return WordClusters.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def kmeans_clusters(
    words: Sequence[str], vectors: np.ndarray, sizes: Sequence[int], seed: int = 0
) -> WordClusters:
    """k-means (cosine: vectors normalised first) over the words' vectors, once per size."""
    from sklearn.cluster import MiniBatchKMeans

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    columns = []
    for size in sizes:
        km = MiniBatchKMeans(n_clusters=size, random_state=seed, batch_size=2048, n_init=3)
        columns.append(km.fit_predict(unit))
    ids = {w: tuple(int(col[i]) for col in columns) for i, w in enumerate(words)}
    return WordClusters(tuple(int(s) for s in sizes), ids)


def clusters_of(config: dict[str, Any], root: Path | None = None) -> WordClusters | None:
    """The clusters a config's ``clusters`` file names (relative to ``root`` when not found as given)."""
    if not config.get("clusters"):
        return None
    path = Path(config["clusters"])
    if not path.is_absolute() and root is not None and not path.is_file():
        path = root / path
    if not path.is_file():
        raise DataError(f"cluster file {config['clusters']} not found (python experiments/train_vectors.py builds it)")
    return load_clusters(str(path))


# ---------------------------------------------------------------------------------------------
# Training from the shared pretraining shards


def _corpus_lines(paths: Sequence[Path], min_chars: int = 60) -> set[str]:
    """Long lines of the corpus's texts (gold JSONL documents, cleaned ``.txt`` plans)."""
    lines: set[str] = set()
    for path in paths:
        if path.suffix == ".jsonl":
            texts = [json.loads(raw)["text"] for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]
        else:
            texts = [path.read_text(encoding="utf-8")]
        for text in texts:
            lines.update(ln.strip() for ln in text.split("\n") if len(ln.strip()) >= min_chars)
    return lines


_SHARD_ID = re.compile(r"pt(\d{3})-(\d+)")


def _corpus_records(manifest: Path | None) -> set[tuple[int, int]]:
    """(shard, line) of the shard records the corpus took in (ids such as ``gov-pt000-1249``, line 0-based)."""
    if manifest is None or not manifest.is_file():
        return set()
    return {(int(m.group(1)), int(m.group(2))) for m in _SHARD_ID.finditer(manifest.read_text(encoding="utf-8"))}


def pretraining_texts(
    shards: str,
    budgets: dict[str, int],
    exclude: Sequence[Path],
    stats: dict[str, Any],
    manifest: Path | None = None,
) -> Iterator[str]:
    """Records of the shards (sorted by name, in file order) until each source's character budget
    is spent. Skipped: records the corpus ingested (``manifest`` ids), and records sharing a line
    of >= 60 characters with a text in ``exclude`` (gold, cleaned plans), so no document the
    taggers are scored on shapes the vectors."""
    import unicodedata

    corpus = _corpus_lines(exclude)
    taken = _corpus_records(manifest)
    left = dict(budgets)
    if not glob.glob(shards):
        raise FileNotFoundError(f"no pretraining shard matches {shards}")
    stats.update({"records": 0, "chars": 0, "skipped_corpus": 0, "shards": []})
    for path in sorted(glob.glob(shards)):
        if all(v <= 0 for v in left.values()):
            break
        stats["shards"].append(Path(path).name)
        shard = int(m.group(1)) if (m := re.search(r"(\d+)", Path(path).name)) else -1
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line_no, raw in enumerate(fh):
                record = json.loads(raw)
                source = record.get("source")
                if left.get(source, 0) <= 0:
                    continue
                text = unicodedata.normalize("NFC", record["text"])
                if (shard, line_no) in taken or any(
                    ln.strip() in corpus for ln in text.split("\n") if len(ln.strip()) >= 60
                ):
                    stats["skipped_corpus"] += 1
                    continue
                left[source] -= len(text)
                stats["records"] += 1
                stats["chars"] += len(text)
                yield text


def segmented_sentences(texts: Iterable[str]) -> Iterator[list[str]]:
    """Sentences as lists of word keys, segmented as the taggers segment."""

    for text in texts:
        for sentence in segment(text):
            words = [word_key(t.text) for t in sentence.tokens]
            if len(words) > 1:
                yield words


def train_vectors(config: dict[str, Any], root: Path) -> dict[str, Any]:
    """Segment the configured slice, train word2vec, write vectors and clusters; returns the run record."""
    from gensim.models import Word2Vec

    out_dir = root / config["output_dir"]
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = root / config.get("cache", "runs/vectors/sentences.txt")
    cache.parent.mkdir(parents=True, exist_ok=True)
    stats: dict[str, Any] = {}
    started = time.monotonic()
    if not cache.is_file():
        shards = config["shards"] if Path(config["shards"]).is_absolute() else str(root / config["shards"])
        exclude = [Path(p) for pattern in config.get("exclude", []) for p in sorted(glob.glob(str(root / pattern)))]
        manifest = root / config["manifest"] if config.get("manifest") else None
        budgets = {k: int(v) for k, v in config["budget_chars"].items()}
        texts = pretraining_texts(shards, budgets, exclude, stats, manifest)
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for words in segmented_sentences(texts):
                fh.write(" ".join(words) + "\n")
        tmp.replace(cache)
        (cache.with_suffix(".json")).write_text(json.dumps(stats, indent=2), encoding="utf-8")
    else:
        stats = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
    segment_s = time.monotonic() - started
    sentences = [line.split() for line in cache.read_text(encoding="utf-8").splitlines()]
    w2v = config.get("word2vec", {})
    model = Word2Vec(
        sentences,
        vector_size=int(w2v.get("vector_size", 100)),
        window=int(w2v.get("window", 5)),
        min_count=int(w2v.get("min_count", 3)),
        sg=int(w2v.get("sg", 1)),
        negative=int(w2v.get("negative", 5)),
        epochs=int(w2v.get("epochs", 5)),
        workers=1,  # one worker thread: the same seed gives the same vectors
        seed=int(config.get("seed", 0)),
    )
    words = list(model.wv.index_to_key)
    vectors = model.wv.vectors.astype(np.float32)
    keep = int(config.get("keep_words", 30000))  # most frequent first: the pruned vocabulary
    words, vectors = words[:keep], vectors[:keep]
    np.save(out_dir / "vectors.npy", vectors.astype(np.float16))
    (out_dir / "vocab.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    clusters = kmeans_clusters(words, vectors, config.get("cluster_sizes", [64, 512]), int(config.get("seed", 0)))
    clusters.save(out_dir / CLUSTERS_FILE)
    record = {
        "corpus": stats,
        "sentences": len(sentences),
        "tokens": sum(len(s) for s in sentences),
        "vocabulary": len(model.wv.index_to_key),
        "kept_words": len(words),
        "segment_s": round(segment_s, 1),
        "total_s": round(time.monotonic() - started, 1),
        "config": config,
    }
    vectors_record(record, code_revision()).write(out_dir)
    return record


def vectors_record(record: dict[str, Any], revision: str) -> RunRecord:
    """The run record (``plannlp.json``) of a vectors folder: every model folder has one. System
    ``vectors`` is no tagger: taggers and configs read the folder by path (``vectors:``,
    ``clusters:``)."""
    config = dict(record.get("config") or {})
    settings = {"word2vec": dict(config.get("word2vec") or {}), "keep_words": config.get("keep_words"),
                "cluster_sizes": config.get("cluster_sizes"), "seed": config.get("seed", 0)}
    metrics = {k: v for k, v in record.items() if k != "config"}
    return RunRecord(
        system="vectors", settings=settings, files={"vectors": "vectors.npy", "vocabulary": "vocab.json", "clusters": CLUSTERS_FILE},
        code_revision=revision, config=config, metrics=metrics,
    )


def load_vectors(directory: str | Path) -> tuple[list[str], np.ndarray]:
    directory = Path(directory)
    words = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    return words, np.load(directory / "vectors.npy").astype(np.float32)
