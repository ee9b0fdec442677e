"""POS tags from a lexicon: each word's most frequent underthesea tag (the CRF's ``pos: lexicon``).

underthesea's POS tagger is a second CRF over every sentence, about as costly as segmentation
(issue 14). A lexicon lookup costs nothing by comparison and keeps most of what the tag says
about a word; what it loses is the context (the same word tagged N here and V there). Whether
that is worth it is a modelling choice, made by cross-validation (``experiments/RESULTS.md``).

``plannlp/resources/pos_lexicon.tsv`` (built by ``scripts/build_pos_lexicon.py`` from plans
outside the gold corpus and a slice of the pretraining text, tagged by underthesea) holds one
``word<TAB>tag<TAB>count`` line per lower-cased word seen often enough, and ``#shape<TAB>shape<TAB>tag``
lines: the most frequent tag of each word shape (``d%``, ``Xx``), for words the list lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from plannlp.io import atomic_writer
from plannlp.runrecord import RunRecord
from plannlp.tag.baselines.features import word_shape
from plannlp.text import text_key

LEXICON_FILE = "pos_lexicon.tsv"
LEXICON_ROLE = "pos_lexicon"  # its name in a run record's files
FALLBACK = "X"  # a shape the lexicon never saw
_BOUNDED = 200_000


class PosLexicon:
    def __init__(self, words: dict[str, str], shapes: dict[str, str], text: str = "") -> None:
        self.text = text  # the file it was read from, copied as it is into a model's folder
        self.words = words
        self.shapes = shapes
        self._cache: dict[str, str] = {}  # word as written -> tag (bounded)

    @classmethod
    def parse(cls, text: str) -> PosLexicon:
        words: dict[str, str] = {}
        shapes: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                raise ValueError(f"{LEXICON_FILE}:{n}: expected three tab-separated fields")
            if fields[0] == "#shape":
                shapes[fields[1]] = fields[2]
            else:
                words[fields[0]] = fields[1]
        return cls(words, shapes, text)

    def to_text(self) -> str:
        if self.text:
            return self.text
        lines = [f"{w}\t{t}\t0" for w, t in sorted(self.words.items())]  # (made in code: no counts)
        lines += [f"#shape\t{s}\t{t}" for s, t in sorted(self.shapes.items())]
        return "\n".join(lines) + "\n"

    def tag(self, word: str) -> str:
        found = self.words.get(text_key(word).lower())
        if found is not None:
            return found
        return self.shapes.get(word_shape(word), FALLBACK)

    def tags(self, words: Sequence[str]) -> list[str]:
        cache = self._cache
        out = []
        for w in words:
            found = cache.get(w)
            if found is None:
                if len(cache) > _BOUNDED:
                    cache.clear()
                found = cache[w] = self.tag(w)
            out.append(found)
        return out


def save_lexicon(directory: Path, lexicon: PosLexicon) -> dict[str, str]:
    """Write ``lexicon`` into a model folder (the one the model was trained with, so that a rebuilt
    package lexicon does not change the model's features); returns its run record ``files`` entry."""
    with atomic_writer(Path(directory) / LEXICON_FILE) as fh:
        fh.write(lexicon.to_text())
    return {LEXICON_ROLE: LEXICON_FILE}


def load_lexicon(directory: Path, record: RunRecord) -> PosLexicon:
    """The lexicon a model folder holds (:func:`save_lexicon`)."""
    return PosLexicon.parse(record.file(directory, LEXICON_ROLE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def pos_lexicon() -> PosLexicon:
    text = resources.files("plannlp").joinpath("resources", LEXICON_FILE).read_text(encoding="utf-8")
    return PosLexicon.parse(text)
