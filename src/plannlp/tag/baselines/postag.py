"""underthesea's CRF POS tagger, run on our own words, with its features built fast.

underthesea builds a word's POS features (``CRFPOSTagPredictor.transformer``) by re-parsing
every template with a regex and copying all of the sentence's columns, for every template and
every word: quadratic in sentence length, and ~60% of a CRF tagging run. Here each template is
parsed once; a template over one word (``T[-1].lower``, ``T[2]``) reads a string computed once
per distinct word; the rest (``T[-1,0]``, ``T[-3][1]``, which reads the constant column ``X``)
are built per position. The strings, and their order, are exactly underthesea's
(``tests/test_tag_baselines_crf_speed.py`` compares them with its featuriser), so the tags are the same.

Tags of a whole sentence are cached (bounded): plans repeat sentences word for word (legal
bases, recipients, signatures) and the tags depend on the words alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from plannlp.segment import SENTENCE_CACHE, light_underthesea

# underthesea's template syntax: T[i] or T[i,j], an optional [column], an optional .function
_SYNTAX = re.compile(r"T\[(?P<i>-?\d+)(?:,(?P<j>-?\d+))?\](?:\[(?P<col>.*)\])?(?:\.(?P<fn>.*))?")
_BOUNDED = 200_000  # entries in each per-word table before it is emptied


class PosTagger:
    def __init__(self) -> None:
        light_underthesea()
        from underthesea.pipeline.pos_tag import tagged_feature
        from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

        predictor = CRFPOSTagPredictor.Instance()
        self._model = predictor.model
        self._apply = tagged_feature.apply_function
        # (prefix, i, j, column, function) per template, in underthesea's order
        self._templates: list[tuple[str, int, int | None, int, str | None]] = []
        for syntax in predictor.transformer.template:
            m = _SYNTAX.fullmatch(syntax)
            if m is None:
                raise ValueError(f"unknown underthesea POS template {syntax!r}")
            j, col = m.group("j"), m.group("col")
            self._templates.append((f"{syntax}=", int(m.group("i")), int(j) if j else None, int(col) if col else 0, m.group("fn")))
        # templates over one word of column 0: their strings are a function of that word alone
        self._single = [k for k, (_, _, j, col, _) in enumerate(self._templates) if j is None and col == 0]
        self._per_word: dict[str, tuple[str, ...]] = {}
        self._applied: dict[tuple[str, str], str] = {}

        self._cached = lru_cache(maxsize=SENTENCE_CACHE)(self._tags)

    def _word_strings(self, word: str) -> tuple[str, ...]:
        found = self._per_word.get(word)
        if found is None:
            if len(self._per_word) > _BOUNDED:
                self._per_word.clear()
            found = self._per_word[word] = tuple(
                self._templates[k][0] + (word if self._templates[k][4] is None else str(self._apply(self._templates[k][4], word)))
                for k in self._single
            )
        return found

    def _value(self, fn: str, word: str) -> str:
        key = (fn, word)
        found = self._applied.get(key)
        if found is None:
            if len(self._applied) > _BOUNDED:
                self._applied.clear()
            found = self._applied[key] = str(self._apply(fn, word))
        return found

    def features(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """underthesea's POS feature strings of ``words`` (one tuple per word)."""
        n = len(words)
        if not n:
            return []
        strings = [self._word_strings(w) for w in words]
        columns: list[list[str] | None] = [None] * len(self._templates)
        for slot, k in enumerate(self._single):
            prefix, i = self._templates[k][0], self._templates[k][1]
            before = min(n, max(-i, 0))  # positions reading before the sentence: BOS
            middle = [s[slot] for s in strings[max(i, 0) : n + min(i, 0)]]
            columns[k] = [prefix + "BOS"] * before + middle + [prefix + "EOS"] * (n - before - len(middle))
        for k, (_, _, _, col, _) in enumerate(self._templates):
            if columns[k] is None:
                # over column 1, which underthesea fills with "X": the same for every sentence of length n
                columns[k] = self._constant_column(k, n) if col == 1 else self._column(k, words)
        return list(zip(*columns))  # type: ignore[arg-type]

    def _column(self, k: int, values: Sequence[str]) -> list[str]:
        """Template ``k``'s strings over a column's ``values``, position by position."""
        prefix, i, j, _, fn = self._templates[k]
        n = len(values)
        out = []
        for p in range(n):
            if p + i < 0:
                out.append(prefix + "BOS")
            elif p + i >= n or (j is not None and p + j >= n):
                out.append(prefix + "EOS")
            else:
                word = values[p + i] if j is None else " ".join(values[p + i : p + j + 1])
                out.append(prefix + (word if fn is None else self._value(fn, word)))
        return out

    @lru_cache(maxsize=4096)  # noqa: B019 - one tagger per process
    def _constant_column(self, k: int, n: int) -> list[str]:
        return self._column(k, ["X"] * n)

    def _tags(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self._model.tag(self.features(words))) if words else ()

    def tags(self, words: Sequence[str]) -> list[str]:
        return list(self._cached(tuple(words)))


@lru_cache(maxsize=1)
def pos_tagger() -> PosTagger:
    return PosTagger()
