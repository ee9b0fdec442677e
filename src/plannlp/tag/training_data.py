"""Gold sentences as tag sequences: the training data of every trainable system (CRF, transformer).

A sentence is used when it lies inside the document's labelled regions and every span touching it
falls on its word boundaries; the others are counted, never silently bent, so each run can report
what its data lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plannlp.bio import spans_to_tags
from plannlp.data import Document
from plannlp.labels import LABELS
from plannlp.segment import Sentence


@dataclass
class SentenceCounts:
    """What became of the gold sentences (kept in each model's run record)."""

    documents: int = 0
    sentences: int = 0
    words: int = 0
    sentences_outside_regions: int = 0
    sentences_partly_in_regions: int = 0
    sentences_with_misaligned_spans: int = 0
    misaligned_spans: int = 0
    spans_across_sentences: int = 0
    sentences_used: int = 0
    words_used: int = 0
    spans_used: int = 0


@dataclass(frozen=True)
class TaggedSentence:
    doc_index: int
    sentence_index: int
    sentence: Sentence
    tags: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        """The words in PhoBERT form (``bảo_hiểm_y_tế``)."""
        return tuple(t.form for t in self.sentence.tokens)


def tagged_sentences(
    docs: Sequence[Document],
    sentences: Sequence[Sequence[Sentence]],
    scheme: str,
    counts: SentenceCounts,
    labels: Sequence[str] = LABELS,
) -> list[TaggedSentence]:
    """Tag sequences (of ``labels`` only) of the usable gold sentences; ``counts`` records the rest."""
    out: list[TaggedSentence] = []
    for doc_index, (doc, doc_sentences) in enumerate(zip(docs, sentences)):
        counts.documents += 1
        covered = set()
        for sentence_index, sentence in enumerate(doc_sentences):
            counts.sentences += 1
            counts.words += len(sentence.tokens)
            inside = [s for s in doc.spans if sentence.start <= s.start and s.end <= sentence.end]
            covered.update(inside)
            if not doc.in_regions(sentence.start, sentence.end):
                if doc.touches_regions(sentence.start, sentence.end):
                    counts.sentences_partly_in_regions += 1
                else:
                    counts.sentences_outside_regions += 1
                continue
            crossing = [
                s for s in doc.spans
                if s.start < sentence.end and sentence.start < s.end and s not in inside
            ]
            kept = [s for s in inside if s.label in labels]
            tags, misaligned = spans_to_tags(kept, sentence.offsets, scheme)
            if misaligned or crossing:
                counts.sentences_with_misaligned_spans += 1
                counts.misaligned_spans += len(misaligned) + len(crossing)
                continue
            counts.sentences_used += 1
            counts.words_used += len(sentence.tokens)
            counts.spans_used += len(kept)
            out.append(TaggedSentence(doc_index, sentence_index, sentence, tuple(tags)))
        counts.spans_across_sentences += sum(1 for s in doc.spans if s not in covered)
    return out
