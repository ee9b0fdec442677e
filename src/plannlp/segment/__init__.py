"""Sentence and word segmentation with underthesea, keeping character offsets.

Every :class:`Token` points back into the cleaned text (``text[token.start:token.end]`` is the
token's surface), so spans move between characters and words without loss. ``Token.form`` is
the PhoBERT input form (syllables joined by ``_``: ``bảo_hiểm_y_tế``).

Lines are paragraphs in cleaned text, so a sentence never crosses a newline. underthesea's
sentence splitter also breaks inside URLs and e-mail addresses (``abc@gmail.`` / ``com``);
a break is kept only where whitespace follows it in the text.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from plannlp.text import base_letters, is_nfc, line_offsets, nfc_with_offsets  # noqa: F401  (nfc_with_offsets: public here too)


def light_underthesea() -> None:
    """Let ``import underthesea.pipeline.<x>`` skip ``underthesea/__init__``.

    That ``__init__`` imports every pipeline at once, translation included, which imports
    transformers and torch: most of a one-document ``plannlp tag``'s time, for functions we never
    call. The package is registered un-executed (its ``__path__`` set, so its submodules import);
    the first access to any other name on it (``from underthesea import pos_tag``) runs the real
    ``__init__`` then, so every other user sees the whole package.
    """
    if "underthesea" in sys.modules:
        return
    import importlib.util

    spec = importlib.util.find_spec("underthesea")
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("No module named 'underthesea'", name="underthesea")
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def __getattr__(name: str):  # noqa: N807 - the module's attribute hook
        package.__dict__.pop("__getattr__", None)
        loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules["underthesea"] = package
    # word_tokenize and text_normalize import each other; underthesea's own __init__ imports
    # text_normalize first, the order that works
    import underthesea.pipeline.text_normalize  # noqa: F401
    _load_segmenter()


def _load_segmenter() -> None:
    """Load underthesea's word-segmentation model as underthesea does (its CRF file, feature
    templates and dictionary), but read the two pickles with the C unpickler: ``joblib.load``
    unpickles them in pure Python, ~0.35 s of every start. The objects are the same; when the
    model is not where this version of underthesea keeps it, underthesea loads it itself."""
    import pickle
    from pathlib import Path

    import underthesea.pipeline.word_tokenize as wt

    folder = Path(wt.__file__).parent / "models" / "ws_crf_vlsp2013_20230727"
    if getattr(wt, "word_tokenize_model", "absent") is not None or not folder.is_dir():
        return
    from underthesea.models.fast_crf_sequence_tagger import FastCRFSequenceTagger
    from underthesea_core import CRFFeaturizer, CRFTagger

    model = FastCRFSequenceTagger()
    try:
        with open(folder / model.path_features, "rb") as fh:
            features = pickle.load(fh)
        with open(folder / model.path_dictionary, "rb") as fh:
            dictionary = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return  # (joblib wrote them another way: underthesea's own loader reads them)
    if not isinstance(features, list) or not isinstance(dictionary, set):
        return
    model.features, model.dictionary = features, dictionary
    model.estimator = CRFTagger()
    model.estimator.load(str(folder / model.path_model))
    model.featurizer = CRFFeaturizer(features, dictionary)
    wt.word_tokenize_model = model


# Sentences seen before are not segmented again: plans repeat many word for word (legal bases,
# recipients, signatures) and underthesea's segmenter is a function of the sentence alone.
# PLANNLP_SENTENCE_CACHE=0 turns this (and the POS tagger's sentence cache) off.
SENTENCE_CACHE = int(os.environ.get("PLANNLP_SENTENCE_CACHE", 1 << 14))


@lru_cache(maxsize=SENTENCE_CACHE)
def _words(chunk: str) -> tuple[str, ...]:
    """underthesea's words of one sentence."""
    light_underthesea()
    from underthesea.pipeline.word_tokenize import word_tokenize

    return tuple(word_tokenize(chunk))


_LIST_MARKER = re.compile(r"^\s*(\d{1,3}|[a-zđ]|[IVXLCivxlc]{1,6})[.)]$")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def form(self) -> str:
        return "_".join(self.text.split())


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    tokens: tuple[Token, ...]

    @property
    def offsets(self) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in self.tokens]


def _align(text: str, words: Sequence[str], offset: int) -> list[Token]:
    """Place underthesea's words in ``text`` (which starts at ``offset`` in the document).

    underthesea may move tone marks (``hoà`` -> ``hòa``) but keeps each syllable's length in NFC,
    so a syllable is matched at the cursor by length and base letters. It also rewrites a few
    characters and misspellings (``Ð`` -> ``Đ``, ``nghành`` -> ``ngành``); when the quick match
    fails, the words are placed by a character alignment of the whole chunk instead.
    """
    tokens: list[Token] = []
    cursor = 0
    n = len(text)
    for word in words:
        start = end = None
        for syllable in word.split():
            while cursor < n and text[cursor].isspace():
                cursor += 1
            candidate = text[cursor : cursor + len(syllable)]
            if candidate != syllable and base_letters(candidate) != base_letters(syllable):
                return _align_by_characters(text, words, offset)
            if start is None:
                start = cursor
            cursor += len(syllable)
            end = cursor
        if start is not None:
            tokens.append(Token(offset + start, offset + end, text[start:end]))  # type: ignore[index]
    return tokens


def _align_by_characters(text: str, words: Sequence[str], offset: int) -> list[Token]:
    """Words placed through a diff of the chunk's and the words' non-space characters.

    Each word covers the text characters its own characters were aligned to; a word whose
    characters all align to nothing (underthesea inserted it) is dropped, so tokens never
    overlap and always point at real text.
    """
    from difflib import SequenceMatcher

    text_pos = [i for i, ch in enumerate(text) if not ch.isspace()]
    text_chars = "".join(text[i] for i in text_pos)
    word_chars = "".join("".join(w.split()) for w in words)
    target: list[int | None] = [None] * len(word_chars)
    matcher = SequenceMatcher(None, base_letters(text_chars), base_letters(word_chars), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("equal", "replace"):
            for k in range(b2 - b1):  # spread a replaced run over the text run it replaces
                target[b1 + k] = text_pos[a1 + min(k * (a2 - a1) // max(b2 - b1, 1), a2 - a1 - 1)]
    tokens: list[Token] = []
    i = 0
    floor = 0
    for word in words:
        width = len("".join(word.split()))
        placed = [t for t in target[i : i + width] if t is not None and t >= floor]
        i += width
        if not placed:
            continue
        start, end = min(placed), max(placed) + 1
        tokens.append(Token(offset + start, offset + end, text[start:end]))
        floor = end
    return tokens


def sentence_bounds(line: str) -> list[tuple[int, int]]:
    """Sentence ranges ``(start, end)`` in one line of text (see the module docstring)."""
    light_underthesea()
    from underthesea.pipeline.sent_tokenize import sent_tokenize

    bounds: list[tuple[int, int]] = []
    cursor = 0
    for piece in sent_tokenize(line):
        piece = piece.strip()
        if not piece:
            continue
        start = line.find(piece, cursor)
        if start < 0:  # underthesea changed the text: fall back to the whole rest of the line
            start, end = cursor, len(line.rstrip())
        else:
            end = start + len(piece)
        if bounds and (start == bounds[-1][1] or _LIST_MARKER.match(line[bounds[-1][0] : bounds[-1][1]])):
            # no whitespace before this piece (a URL, an e-mail), or the previous piece is only a
            # list marker ("1.", "a)"): not a real sentence break
            bounds[-1] = (bounds[-1][0], end)
        else:
            bounds.append((start, end))
        cursor = end
        if end >= len(line.rstrip()):
            break
    return bounds


def segment(text: str) -> tuple[Sentence, ...]:
    """Sentences of ``text`` with their word tokens, all offsets into ``text``.

    Cleaned text is NFC; other text is segmented in its NFC form and mapped back, so offsets
    always index the text as given.
    """
    if not is_nfc(text):
        nfc, origin = nfc_with_offsets(text)
        return tuple(
            Sentence(
                origin[s.start],
                origin[s.end],
                tuple(Token(origin[t.start], origin[t.end], text[origin[t.start] : origin[t.end]]) for t in s.tokens),
            )
            for s in segment(nfc)
        )
    sentences: list[Sentence] = []
    for line_start, line_end in line_offsets(text):
        line = text[line_start:line_end]
        if line.strip():
            for s, e in sentence_bounds(line):
                chunk = line[s:e]
                tokens = _align(chunk, _words(chunk), line_start + s)
                if tokens:
                    sentences.append(Sentence(tokens[0].start, tokens[-1].end, tuple(tokens)))
    return tuple(sentences)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def segment_many(texts: Iterable[str], n_jobs: int | None = None, chunksize: int = 4) -> Iterator[tuple[Sentence, ...]]:
    """Segment many texts, in order, on ``n_jobs`` processes (all cores by default)."""
    n_jobs = n_jobs or default_jobs()
    if n_jobs == 1:
        yield from map(segment, texts)
        return
    import multiprocessing as mp

    with mp.get_context("fork" if os.name == "posix" else "spawn").Pool(n_jobs) as pool:
        yield from pool.imap(segment, texts, chunksize=chunksize)


def to_words(sentences: Iterable[Sentence]) -> list[Token]:
    """All tokens of a segmented text, in order."""
    return [t for s in sentences for t in s.tokens]
