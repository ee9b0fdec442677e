"""The gold corpus as a Hugging Face ``datasets.DatasetDict``: :func:`load_gold`.

Two views of ``corpus/gold/{train,dev,test}.jsonl``:

- ``spans`` (the default): one row per document — ``id``, ``text``, character ``spans``
  (``start``, ``end``, ``label``, ``role``), ``links`` (target -> responsible body, as offsets),
  the labelled ``regions`` (empty: the whole text was labelled) and the provenance metadata;
- ``tokens``: one row per usable sentence for token-classification training — underthesea
  ``tokens`` (and their PhoBERT ``forms``, ``bảo_hiểm_y_tế``), character offsets of each word
  and ``ner_tags`` (BIO, a ``ClassLabel`` sequence). The sentences are exactly those the CRF and
  the transformer train on (:func:`plannlp.tag.training_data.tagged_sentences`): inside the labelled
  regions, with every span on word boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plannlp.bio import tag_names
from plannlp.data import DataError, Document
from plannlp.io import REPO_ROOT, read_documents
from plannlp.labels import LABELS
from plannlp.segment import segment_many
from plannlp.tag.training_data import SentenceCounts, tagged_sentences

SPLITS = ("train", "dev", "test")
DEFAULT_GOLD = REPO_ROOT / "corpus" / "gold"
VIEWS = ("spans", "tokens")
# metadata columns every row has ("" where a document lacks the key)
META_COLUMNS = ("source", "url", "title", "date", "licence", "labelled_by", "domain")


def _span_features():
    from datasets import Features, Sequence, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "spans": [
                {"start": Value("int32"), "end": Value("int32"), "label": Value("string"), "role": Value("string")}
            ],
            "links": [{"indicator_start": Value("int32"), "indicator_end": Value("int32"),
                       "agency_start": Value("int32"), "agency_end": Value("int32")}],  # fmt: skip
            "regions": Sequence(Sequence(Value("int32"), length=2)),
            **{f"meta_{k}": Value("string") for k in META_COLUMNS},
        }
    )


def document_row(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "text": doc.text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "role": s.role} for s in doc.spans],
        "links": [
            {"indicator_start": a.indicator[0], "indicator_end": a.indicator[1],
             "agency_start": a.agency[0], "agency_end": a.agency[1]}  # fmt: skip
            for a in doc.links
        ],
        "regions": [list(r) for r in doc.regions or ()],
        **{f"meta_{k}": str(doc.meta.get(k, "") or "") for k in META_COLUMNS},
    }


def sentence_rows(
    docs: Sequence[Document], labels: Sequence[str] = LABELS, scheme: str = "BIO", n_jobs: int | None = None
) -> list[dict[str, Any]]:
    """One row per usable gold sentence: words, their offsets and their tags (as tag names)."""
    sentences = list(segment_many([doc.text for doc in docs], n_jobs=n_jobs))
    rows = []
    for item in tagged_sentences(docs, sentences, scheme, SentenceCounts(), labels):
        doc = docs[item.doc_index]
        tokens = item.sentence.tokens
        rows.append(
            {
                "id": f"{doc.id}#{item.sentence_index}",
                "doc_id": doc.id,
                "tokens": [t.text for t in tokens],
                "forms": list(item.forms),
                "starts": [t.start for t in tokens],
                "ends": [t.end for t in tokens],
                "ner_tags": list(item.tags),
            }
        )
    return rows


def load_gold(
    gold_dir: str | Path | None = None,
    view: str = "spans",
    *,
    labels: Sequence[str] = LABELS,
    scheme: str = "BIO",
    splits: Sequence[str] = SPLITS,
    n_jobs: int | None = None,
):
    """The gold splits as a ``datasets.DatasetDict`` (``train``, ``dev``, ``test``).

    ``gold_dir`` defaults to the repository's ``corpus/gold``; ``view`` is ``spans`` (documents
    with character spans) or ``tokens`` (sentences as underthesea words with BIO ``ner_tags``).
    The token view segments every document (in ``n_jobs`` processes, default all cores): 118 s
    for the 198 gold documents (288k training words) on this project's busy 2-core machine.
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    gold_dir = Path(gold_dir) if gold_dir is not None else DEFAULT_GOLD
    parts = {}
    for split in splits:
        path = gold_dir / f"{split}.jsonl"
        if not path.is_file():
            raise DataError(f"{gold_dir}: no {split}.jsonl (build it with plannlp corpus build-gold)")
        parts[split] = list(read_documents(path))
    if view == "spans":
        features = _span_features()
        return DatasetDict(
            {split: Dataset.from_list([document_row(d) for d in docs], features=features) for split, docs in parts.items()}
        )
    names = tag_names(labels, scheme)
    features = Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "tokens": Sequence(Value("string")),
            "forms": Sequence(Value("string")),
            "starts": Sequence(Value("int32")),
            "ends": Sequence(Value("int32")),
            "ner_tags": Sequence(ClassLabel(names=names)),
        }
    )
    return DatasetDict(
        {
            split: Dataset.from_list(sentence_rows(docs, labels, scheme, n_jobs), features=features)
            for split, docs in parts.items()
        }
    )

