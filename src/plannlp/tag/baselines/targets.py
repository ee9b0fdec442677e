"""Where a word stands in its target clause, as CRF features (the ``targets`` flag of the CRF).

An indicator is found from the geometry of its clause rather than from the two words around it:
``Phấn đấu [tỷ lệ X] đến năm 2030 đạt 95%`` (between an opening verb and a level reached through a
level verb), ``100% [trạm y tế xã có bác sĩ]`` (right after a level, up to the next boundary),
``[Thời gian thực hiện]: 10 ngày`` (before a colon and a level). For every word of a sentence:

- the nearest *level* on its left and on its right (a token with a digit that is not a year, or a
  word the rule tagger marks as VALUE): distance bucket, the strongest boundary crossed on the way
  (``;``/``.`` > ``:`` > ``,``) and whether a level verb or comparator stands just before the level
  on the right (``... đạt 95%``, ``... trên 80%``) or between the level on the left and the word;
- the nearest opening verb on its left (``phấn đấu``, ``nâng``, ``giảm``, ``duy trì`` ...) within
  the clause, its distance and whether a level lies between;
- the word's position in its clause (clauses end at the strong boundaries) and whether it is
  itself a level verb, an opening verb or a boundary;
- conjunctions of the above (left | right) so that a linear model can read "between a level and
  the next boundary" or "between an opening verb and a level".

The phrase lists live in ``plannlp/resources/targets.json`` and ``rule_words.jsonl``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from plannlp.tag.baselines.features import CHANGE_COMPARATORS, COMPARATORS, LEVEL_VERBS, rule_pattern_source, text_key

Features = dict[str, Any]

_YEAR = re.compile(rule_pattern_source("year_number"))
_DIGIT = re.compile(r"\d")
_STRENGTH = {"": 0, ",": 1, ":": 2, ";": 3}


@dataclass(frozen=True)
class _Lists:
    strong: frozenset[str]
    colon: frozenset[str]
    comma: frozenset[str]
    opening: frozenset[str]
    linking: frozenset[str]  # level verbs and comparators: what stands between an indicator and its level
    level_marks: frozenset[str]  # tokens that continue a number (``%``)


def _keys(words: Sequence[str]) -> frozenset[str]:
    return frozenset(text_key(w).lower() for w in words)


@lru_cache(maxsize=1)
def lists() -> _Lists:
    raw = json.loads(resources.files("plannlp").joinpath("resources", "targets.json").read_text(encoding="utf-8"))
    b = raw["boundaries"]
    return _Lists(
        _keys(b["strong"]),
        _keys(b["colon"]),
        _keys(b["comma"]),
        _keys(raw["opening_verbs"]),
        _keys([*LEVEL_VERBS, *COMPARATORS, *CHANGE_COMPARATORS]),
        _keys(raw["level_marks"]),
    )


def bucket(d: int) -> str:
    """Distance buckets: 1, 2, 3, 4-5, 6-8, 9-14, 15+."""
    if d <= 3:
        return str(d)
    if d <= 5:
        return "4-5"
    if d <= 8:
        return "6-8"
    if d <= 14:
        return "9-14"
    return "15+"


def _kinds(lowers: Sequence[str], words: Sequence[str], rule: Sequence[str] | None) -> list[str]:
    """Per word: ``N`` level, ``Y`` year, ``;``/``:``/``,`` boundary, ``L`` linking word, ``O``
    opening verb, ``-`` anything else."""
    out = []
    for i, (low, word) in enumerate(zip(lowers, words)):
        kind = _word_kind(low, word)
        # a word the rule tagger marks as VALUE is a level, unless it is a year or a level already
        if kind not in ("Y", "N") and rule is not None and rule[i].endswith("VALUE"):
            kind = "N"
        out.append(kind)
    return out


@lru_cache(maxsize=200_000)
def _word_kind(low: str, word: str) -> str:
    """:func:`_kinds` of one word seen without the rule tagger (a function of the word alone)."""
    c = lists()
    if _YEAR.fullmatch(word):
        return "Y"
    if _DIGIT.search(word) or low in c.level_marks:
        return "N"
    if low in c.strong:
        return ";"
    if low in c.colon:
        return ":"
    if low in c.comma:
        return ","
    if low in c.linking:
        return "L"
    if low in c.opening:
        return "O"
    return "-"


def _strongest(kinds: Sequence[str]) -> str:
    best = ""
    for k in kinds:
        if k in _STRENGTH and _STRENGTH[k] > _STRENGTH[best]:
            best = k
    return best


@lru_cache(maxsize=200_000)
def _lower_key(word: str) -> str:
    return text_key(word).lower()


# one word's clause features: (X.kind or None, X.cpos, X.lnum, X.rnum, X.open or None); X.lr and
# X.open|r are made from these, so the tuple determines the word's whole feature dict
TargetValues = tuple[str | None, str, str, str, str | None]


def target_values(words: Sequence[str], rule: Sequence[str] | None = None) -> list[TargetValues]:
    """Per word of one sentence: the values of the clause features of the module docstring
    (:func:`target_features` names them); the CRF's prediction input caches each distinct tuple's
    attribute strings.

    Linear in the sentence: the strongest boundary between a word and its nearest level on each
    side is carried along in one sweep from each end (no level lies between a word and its nearest
    one), instead of being looked up afresh for every word (quadratic in long sentences)."""
    lowers = [_lower_key(w) for w in words]
    kinds = _kinds(lowers, words, rule)
    n = len(words)
    # right to left: for each word, the strongest kind strictly between it and the next level
    # (ties are the same kind: strengths differ) and that level's index
    right_cross: list[str] = [""] * n
    right_level: list[int | None] = [None] * n
    run, level = "", None
    for i in range(n - 1, -1, -1):
        right_cross[i], right_level[i] = run, level
        k = kinds[i]
        if k == "N":
            run, level = "", i
        elif k in _STRENGTH and _STRENGTH[k] > _STRENGTH[run]:
            run = k
    out: list[TargetValues] = []
    clause_start = 0
    last_open = -1
    prev: int | None = None  # the nearest level on the left
    left_cross, left_via = "", False  # strongest kind and any linking word since that level
    for i in range(n):
        if i > 0 and kinds[i - 1] == ";":
            clause_start = i
            last_open = -1
        k = kinds[i]
        kind = k if k in ("L", "O", ";", ":", ",") else None
        pos = i - clause_start
        cpos = bucket(pos + 1) if pos else "0"
        # the nearest level on each side
        left = right = "none"
        nxt = right_level[i]
        if prev is not None and k != "N":
            if left_cross != ";":
                left = f"{bucket(i - prev)}{left_cross}{'L' if left_via else ''}"
        if nxt is not None and k != "N":
            cross = right_cross[i]
            if cross != ";":
                via = "L" if nxt - 1 > i and kinds[nxt - 1] in ("L", "O") else ""
                right = f"{bucket(nxt - i)}{cross}{via}"
        # the nearest opening verb in the clause
        opening = None
        if last_open >= 0 and k != "O":
            has_level = prev is not None and prev > last_open  # a level between it and this word
            opening = bucket(i - last_open) + ("N" if has_level else "")
        if k == "O":
            last_open = i
        out.append((kind, cpos, left, right, opening))
        if k == "N":
            prev, left_cross, left_via = i, "", False
        else:
            if k in _STRENGTH and _STRENGTH[k] > _STRENGTH[left_cross]:
                left_cross = k
            left_via = left_via or k == "L"
    return out


def values_features(values: TargetValues) -> Features:
    """One word's clause features (names ``X.*``, in a fixed order) from its :func:`target_values`."""
    kind, cpos, left, right, opening = values
    feats: Features = {}
    if kind is not None:
        feats["X.kind"] = kind
    feats["X.cpos"] = cpos
    feats["X.lnum"] = left
    feats["X.rnum"] = right
    feats["X.lr"] = f"{left}|{right}"
    if opening is not None:
        feats["X.open"] = opening
        feats["X.open|r"] = f"{opening}|{right}"
    return feats


def target_features(words: Sequence[str], rule: Sequence[str] | None = None) -> list[Features]:
    """Per word of one sentence: the clause features of the module docstring (names ``X.*``)."""
    return [values_features(v) for v in target_values(words, rule)]


def sentence_target_features(
    words_of: Sequence[Sequence[str]], rules: Sequence[Sequence[str] | None]
) -> list[list[Features]]:
    """:func:`target_features` of every sentence."""
    return [target_features(words, rule) for words, rule in zip(words_of, rules)]


def indicator_features(words: Sequence[str], rule: Sequence[str] | None = None) -> list[Features]:
    """Per word of one sentence: where it stands against the levels of its clause (names ``I.*``;
    the ``indicators`` flag of the CRF).

    ``I.side``: before the clause's first level (``pre``), after its last (``post``), between two
    (``mid``); nothing in a clause without a level; ``pre`` carries whether a linking word stands
    just before that level (``[Tỷ lệ ...] đạt 95%``) and ``post`` whether the clause *opens* with
    its level, nothing but opening verbs, comparators and commas before it (``Phấn đấu 100% [trạm y
    tế xã có ...]``), the two shapes of a target clause. Clauses end at the strong boundaries, as in
    :func:`target_features`. (A boundary-crossing variant, ``pre,``/``post:``, and the place alone
    were tried too and left out: 3-fold CV 0.700 with them against 0.702 without.)"""
    lowers = [_lower_key(w) for w in words]
    kinds = _kinds(lowers, words, rule)
    n = len(words)
    rows: list[Features] = [{} for _ in range(n)]
    start = 0
    while start < n:
        end = start
        while end < n and kinds[end] != ";":
            end += 1
        levels = [i for i in range(start, end) if kinds[i] == "N"]
        if levels:
            first, last = levels[0], levels[-1]
            linked = first > start and kinds[first - 1] == "L"
            opens = all(k in ("O", "L", ",", "Y") for k in kinds[start:first])
            for i in range(start, end):
                k = kinds[i]
                if k == "N":
                    continue
                if i < first:
                    side = "pre" + ("L" if linked else "")
                elif i > last:
                    side = "post" + ("V" if opens else "")
                else:
                    side = "mid"
                rows[i]["I.side"] = side
        # a clause without a level gets no I.* features: it has nothing to say about a word's
        # place against levels, and such clauses are most of the text (most words are O)
        start = end + 1
    return rows
