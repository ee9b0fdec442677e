"""What the two baselines share: word lists and patterns (read from resource files), the agency
gazetteer, CRF features.

The rule tagger and the CRF read the same lists (one source): the CRF's gazetteer and cue
features are the rule tagger's patterns seen from a token. Matching is done on a *key* of the
text (:func:`plannlp.text.text_key`: NFC with one tone placement, ``Uỷ`` -> ``Ủy``, ``hoà`` ->
``hòa``, ``hoàn`` unchanged). The key has exactly the length of the NFC text, so offsets found on
it are offsets into the NFC text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from plannlp.io import iter_jsonl
from plannlp.numbers import DIGITS_RE, number_words

# the text functions live in plannlp.text; these names stay importable from here
from plannlp.text import NfcView, nfc, nfc_view, text_key  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Word lists and patterns (spec: ANNOTATION_SPEC.md, "The five labels"), read once from
# plannlp/resources/rule_words.jsonl and rule_patterns.jsonl: one JSON object a line, with a note


def _resource_lines(name: str) -> list[tuple[int, dict[str, Any]]]:
    text = resources.files("plannlp").joinpath("resources", name).read_text(encoding="utf-8")
    return list(iter_jsonl(text.splitlines(), name))


@lru_cache(maxsize=1)
def rule_words() -> dict[str, tuple[str, ...]]:
    """The phrase lists of ``resources/rule_words.jsonl`` by name (NFC)."""
    out: dict[str, tuple[str, ...]] = {}
    for lineno, row in _resource_lines("rule_words.jsonl"):
        if not isinstance(row.get("list"), str) or not isinstance(row.get("words"), list) or not row.get("note"):
            raise ValueError(f"rule_words.jsonl:{lineno}: a row needs list, words and note")
        out[row["list"]] = tuple(nfc(w) for w in row["words"])
    return out


@lru_cache(maxsize=1)
def _pattern_rows() -> dict[str, dict[str, Any]]:
    out = {}
    for lineno, row in _resource_lines("rule_patterns.jsonl"):
        if not isinstance(row.get("name"), str) or not isinstance(row.get("pattern"), str) or not row.get("note"):
            raise ValueError(f"rule_patterns.jsonl:{lineno}: a row needs name, pattern and note")
        out[row["name"]] = {**row, "pattern": nfc(row["pattern"])}
    return out


_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def rule_pattern_source(name: str, /, **parts: str) -> str:
    """The regex source of pattern ``name``: each ``${part}`` is replaced by ``parts[part]`` or,
    failing that, by the file's pattern of that name (``${marker}``, ``${year}``)."""
    rows = _pattern_rows()
    if name not in rows:
        raise KeyError(f"rule_patterns.jsonl has no pattern {name!r}")

    def expand(m: re.Match[str]) -> str:
        part = m.group(1)
        if part in parts:
            return parts[part]
        if part in rows:
            return rule_pattern_source(part, **parts)
        raise KeyError(f"rule pattern {name!r} needs the part {part!r}")

    return _PLACEHOLDER.sub(expand, rows[name]["pattern"])


def rule_pattern(name: str, /, **parts: str) -> re.Pattern[str]:
    """Pattern ``name`` compiled with its flags (``i``: ignore case)."""
    flags = re.I if "i" in _pattern_rows()[name].get("flags", "") else 0
    return re.compile(rule_pattern_source(name, **parts), flags)


_WORDS = rule_words()
COMPARATORS: tuple[str, ...] = _WORDS["comparators"]
CHANGE_COMPARATORS: tuple[str, ...] = _WORDS["change_comparators"]
UNITS: tuple[str, ...] = _WORDS["units"]
DENOMINATORS: tuple[str, ...] = _WORDS["denominators"]
NUMBER_WORDS: tuple[str, ...] = number_words(standalone_only=True)
TARGET_CUES: tuple[str, ...] = _WORDS["target_cues"]
PAST_CUES: tuple[str, ...] = _WORDS["past_cues"]
DEFINITION_CUES: tuple[str, ...] = _WORDS["definition_cues"]
ROLE_CUES: tuple[str, ...] = _WORDS["role_cues"]
GROUP_WORDS: tuple[str, ...] = _WORDS["group_words"]
LEVEL_VERBS: tuple[str, ...] = _WORDS["level_verbs"]
LEADING_VERBS: tuple[str, ...] = _WORDS["leading_verbs"]
INDICATOR_STOPS: tuple[str, ...] = _WORDS["indicator_stops"]
TITLE_WORDS: tuple[str, ...] = _WORDS["title_words"]
ADMIN_LEVELS: tuple[str, ...] = _WORDS["admin_levels"]
AGENCY_QUALIFIERS: tuple[str, ...] = _WORDS["agency_qualifiers"]


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    takes_tail: bool  # may be followed by an administrative tail (tỉnh X, các huyện, ...)


def _parse_gazetteer(lines: Iterable[str]) -> tuple[GazetteerEntry, ...]:
    entries = []
    for line in lines:
        line = nfc(line.strip())
        if not line or line.startswith("#"):
            continue
        tail = line.endswith(" +")
        entries.append(GazetteerEntry(line[:-2].strip() if tail else line, tail))
    return tuple(entries)


@lru_cache(maxsize=1)
def builtin_gazetteer() -> tuple[GazetteerEntry, ...]:
    """The package's agency list (``plannlp/resources/agencies.txt``)."""
    text = resources.files("plannlp").joinpath("resources", "agencies.txt").read_text(encoding="utf-8")
    return _parse_gazetteer(text.splitlines())


# ---------------------------------------------------------------------------------------------
# Regex building blocks (over key text)

UPPER = "".join(
    re.escape(c) for c in map(chr, range(0x41, 0x1F00)) if c.isupper() and c.isalpha()
)
CAPITALISED_WORD = rf"(?-i:[{UPPER}][\w'’]*)"


def literal_pattern(phrase: str, left_bound: bool = True) -> str:
    """A phrase as a regex over key text: flexible white space, word-bounded where it has letters
    (on the left only when ``left_bound``: a unit may touch its number, ``167cm``)."""
    parts = [re.escape(text_key(p)) for p in phrase.split()]
    body = r"\s+".join(parts)
    left = r"(?<!\w)" if left_bound and phrase[:1].isalnum() else ""
    right = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return f"{left}{body}{right}"


def alternation(phrases: Iterable[str], left_bound: bool = True) -> str:
    """A regex matching any of the phrases, longest first (so ``không quá`` wins over ``không``)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    bounded = [p for p in ordered if left_bound and p[:1].isalnum()]
    free = [p for p in ordered if not (left_bound and p[:1].isalnum())]

    def opening(p: str) -> str:
        words = p.split()
        return text_key(words[0])[:1] if words else ""

    if len(bounded) > 1 and all(opening(p) and not opening(p).isalnum() for p in free):
        # the same matches, much faster: the left bound, written once before the phrases that
        # take it instead of in every one of them (Python's re tries every alternative's
        # look-behind at every position otherwise). Exact: a bounded phrase opens with a letter or
        # digit and a free one with neither, so no two of different kinds can match at the same
        # place, and within each kind the longest-first order is kept.
        body = r"(?<!\w)(?:" + "|".join(literal_pattern(p, left_bound=False) for p in bounded) + ")"
        return "(?:" + "|".join([body, *(literal_pattern(p, left_bound) for p in free)]) + ")"
    return "(?:" + "|".join(literal_pattern(p, left_bound) for p in ordered) + ")"


def gazetteer_entry_pattern(entry: str) -> str:
    """A gazetteer name as a regex: its first letter keeps its case when upper (``Thanh tra`` the
    body, not ``thanh tra`` the verb); the rest matches in any case."""
    first, rest = entry[:1], entry[1:]
    if first.isupper():
        head = f"(?-i:{re.escape(text_key(first))})"
    else:
        head = f"[{re.escape(first)}{re.escape(first.upper())}]"
    body = literal_pattern(rest.strip(), left_bound=False) if rest.strip() else ""
    sep = r"\s*" if rest[:1].isspace() else ""
    # not inside a document number ("Kế hoạch số 24/KH-UBND")
    return rf"(?<![\w\-/]){head}{sep}{body}" if body else rf"(?<![\w\-/]){head}(?!\w)"


# ---------------------------------------------------------------------------------------------
# CRF token features


def word_shape(word: str) -> str:
    """Character classes with runs collapsed: ``95%`` -> ``d%``, ``Sở`` -> ``Xx``, ``2,1`` -> ``d,d``."""
    out = []
    for ch in word:
        cls = "d" if ch.isdigit() else "X" if ch.isupper() else "x" if ch.isalpha() else ch
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def is_number(word: str) -> bool:
    return bool(DIGITS_RE.fullmatch(word))


def _lexicon_sets() -> dict[str, frozenset[str]]:
    return {
        "cmp": frozenset(text_key(w).lower() for w in (*COMPARATORS, *CHANGE_COMPARATORS)),
        "unit": frozenset(text_key(w).lower() for w in UNITS),
        "numw": frozenset(NUMBER_WORDS),
        "cue": frozenset(text_key(w).lower() for w in TARGET_CUES),
        "past": frozenset(text_key(w).lower() for w in PAST_CUES),
        "role": frozenset(text_key(w).lower() for w in ROLE_CUES),
        "lvl": frozenset(text_key(w).lower() for w in LEVEL_VERBS),
        "stop": frozenset(text_key(w).lower() for w in INDICATOR_STOPS),
    }


_LEXICON = _lexicon_sets()
_YEAR_WORD = re.compile(rule_pattern_source("year_number"))


@dataclass(frozen=True, slots=True)
class _Word:
    """What a word's features need from the word alone, computed once per distinct word."""

    lower: str
    shape: str
    own: dict[str, str | float | bool]  # the word's own features, in order, up to "gaz"
    lexicons: tuple[str, ...]  # the word lists holding its lower case, in _LEXICON order


@lru_cache(maxsize=1 << 17)
def _word(word: str) -> _Word:
    key = text_key(word)
    lower = key.lower()
    syllables = lower.split()
    shape = word_shape(word)
    own: dict[str, str | float | bool] = {
        "w": key,
        "lw": lower,
        "shape": shape,
        "first_syl": syllables[0] if syllables else "",
        "last_syl": syllables[-1] if syllables else "",
        "n_syl": float(len(syllables)),
        "num": is_number(word),
        "year": bool(_YEAR_WORD.fullmatch(word)),
        "title": key[:1].isupper(),
    }
    return _Word(lower, shape, own, tuple(name for name, lexicon in _LEXICON.items() if lower in lexicon))


def lower_key(word: str) -> str:
    """``text_key(word).lower()``, from the per-word cache that the token features fill (the
    stacked CRF's second pass reads the same words again)."""
    return _word(word).lower


@lru_cache(maxsize=64)
def _neighbour_names(d: int) -> tuple[str, str, str, str, str, dict[str, str]]:
    return (f"{d}:lw", f"{d}:shape", f"{d}:gaz", f"{d}:pos", f"{d}:rule", {n: f"{d}:in_{n}" for n in _LEXICON})


_OWN_LEXICON_NAMES = {n: f"in_{n}" for n in _LEXICON}


def token_features(
    words: Sequence[str],
    pos: Sequence[str] | None,
    gazetteer_tags: Sequence[str],
    window: int = 2,
    rule_tags: Sequence[str] | None = None,
) -> list[dict[str, str | float | bool]]:
    """One feature dict per word: form, lower, shape, syllable prefix/suffix, number, word-list
    and gazetteer membership, POS, the rule tagger's tag when given, and the same (lighter) for
    neighbours within ``window``.

    A word's own part is computed once per distinct word (cached across sentences and
    documents) and its neighbours' parts read from their cached entries; keys go in in a fixed
    order, so crfsuite sees the same attributes in the same order every time.
    """
    info = [_word(w) for w in words]
    neighbours = [(d, _neighbour_names(d)) for d in range(-window, window + 1) if d != 0]
    rows = []
    n = len(words)
    for i in range(n):
        me = info[i]
        feats = dict(me.own)
        feats["gaz"] = gazetteer_tags[i]
        for name in me.lexicons:
            feats[_OWN_LEXICON_NAMES[name]] = True
        if pos is not None:
            feats["pos"] = pos[i]
        if rule_tags is not None:
            feats["rule"] = rule_tags[i]
        if i == 0:
            feats["BOS"] = True
        if i == n - 1:
            feats["EOS"] = True
        for d, (lw, shape, gaz, pos_name, rule_name, lexicon_names) in neighbours:
            j = i + d
            if not 0 <= j < n:
                continue
            other = info[j]
            feats[lw] = other.lower
            feats[shape] = other.shape
            feats[gaz] = gazetteer_tags[j]
            if pos is not None:
                feats[pos_name] = pos[j]
            if rule_tags is not None:
                feats[rule_name] = rule_tags[j]
            for name in other.lexicons:
                feats[lexicon_names[name]] = True
        if i > 0:
            feats["-1|0:lw"] = f"{info[i - 1].lower}|{me.lower}"
        if i < n - 1:
            feats["0|1:lw"] = f"{me.lower}|{info[i + 1].lower}"
        rows.append(feats)
    return rows
