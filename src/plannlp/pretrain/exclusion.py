"""Dev/test exclusion: keys of every gold dev/test sentence and syllable n-gram, blind to case,
Unicode form, tone-mark placement, punctuation and segmentation, and the pretraining sentences
that match them dropped."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plannlp.annotate.gold import read_splits
from plannlp.io import read_documents
from plannlp.pretrain.corpus import SegmentedDoc, _sentences
from plannlp.text import blind_syllables, nfc


_syllables = blind_syllables  # case-, form-, tone-placement- and segmentation-blind (plannlp.text)


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
        for line in nfc(text).split("\n"):
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
