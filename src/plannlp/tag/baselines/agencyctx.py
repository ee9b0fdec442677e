"""Where a word stands among the bodies of its sentence, as CRF features (the CRF's ``agency_context``
flag: conjuncts; ``agency_names``: mined names).

Issue 10: most AGENCY errors of the one-pass CRF are conjuncts of a list of bodies (``Sở Tư pháp``,
``Trung tâm Thông tin tỉnh`` in a list whose other members it finds) and names its gazetteer does
not know. The CRF sees two words either side, so a conjunct five words from the last agency it
tagged looks like any other noun phrase. Two groups of features widen that view:

- **conjuncts**: a sentence is cut into conjuncts at ``,`` ``;`` ``và`` ``/`` (hard boundaries
  such as ``.`` ``:`` ``(`` end a list). Each conjunct gets a kind from its first words — ``head``
  (a body's head noun: ``Sở``, ``Ban``, ``Trung tâm`` ..., or a gazetteer/mined name starting
  there), ``generic`` (``các``, ``cơ quan``, ``đơn vị``, ``địa phương`` ...), ``late-head`` (a
  body after other words: ``phối hợp với Sở Tư pháp``), ``other``. A word gets
  its own conjunct's kind, the previous and next conjuncts' kinds, its place in its conjunct and
  how many head/generic conjuncts its list holds, alone and combined;
- **mined names**: the B/I position of the longest match of a list of body names mined from the
  unlabelled plans and pretraining text (``resources/agency_names_mined.txt``, made by
  ``scripts/mine_agency_names.py`` with the head nouns of ``resources/agency_context.json``: a
  head, a capitalised word, and the words up to a stop, kept when seen often). No gold is read.

All phrase lists live in ``resources/agency_context.json``; the mined names are data too.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from plannlp.text import nfc, text_key

Features = dict[str, Any]
MINED_FILE = "agency_names_mined.txt"
# syllables, numbers, single punctuation marks: how names are mined and matched (not underthesea,
# so that mining millions of characters stays cheap and matching needs no segmentation)
_SYLLABLE = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def _key(text: str) -> str:
    return text_key(nfc(text)).lower()


@dataclass(frozen=True)
class _Lists:
    heads: frozenset[tuple[str, ...]]
    generic: frozenset[tuple[str, ...]]
    separators: frozenset[str]
    hard: frozenset[str]
    longest: int  # syllables of the longest head or generic phrase
    mine_heads: frozenset[tuple[str, ...]]
    mine_stop: frozenset[str]
    mine_max: int
    mine_not: frozenset[tuple[str, ...]]


def _phrases(items: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(_key(p).split()) for p in items)


@lru_cache(maxsize=1)
def lists() -> _Lists:
    raw = json.loads(resources.files("plannlp").joinpath("resources", "agency_context.json").read_text(encoding="utf-8"))
    heads, generic = _phrases(raw["heads"]), _phrases(raw["generic"])
    return _Lists(
        heads,
        generic,
        frozenset(_key(s) for s in raw["separators"]),
        frozenset(raw["hard_boundaries"]),
        max(len(p) for p in heads | generic),
        frozenset(tuple(text_key(nfc(h)).split()) for h in raw["mine_heads"]),
        frozenset(_key(s) for s in raw["mine_stop"]),
        int(raw["mine_max_syllables"]),
        _phrases(raw["mine_not"]),
    )


# ---------------------------------------------------------------------------------------------
# Mining names from unlabelled text


def _syllables(line: str) -> list[re.Match[str]]:
    return list(_SYLLABLE.finditer(line))


def _upper(token: str) -> bool:
    return token[:1].isupper() and token[:1].isalpha()


def _candidate_ends(toks: Sequence[str], i: int, ls: _Lists) -> tuple[int, list[int]]:
    """The name candidates that start with a head at ``toks[i]``: (the head's length or 0, the
    token indices where a candidate may end)."""
    head = 0
    for n in range(min(4, len(toks) - i), 0, -1):
        if tuple(toks[i : i + n]) in ls.mine_heads:
            head = n
            break
    j = i + head
    if not head or j >= len(toks) or not _upper(toks[j]):
        return 0, []
    ends = []
    k = j
    while k < len(toks) and k - i < ls.mine_max:
        tok = toks[k]
        low = tok.lower()
        joins = tok == "-" or low == "và"
        if joins:  # ``Lao động - Thương binh và Xã hội``: a joiner only between capitalised words
            if k + 1 < len(toks) and _upper(toks[k + 1]):
                k += 1
                continue
            break
        if not tok.isalpha() or (not _upper(tok) and low in ls.mine_stop):
            break
        k += 1
        ends.append(k)
    return head, ends


def mine_names(
    texts: Iterable[str], min_count: int = 5, max_share: float = 0.8, min_step: float = 0.25
) -> Counter[str]:
    """Body names seen at least ``min_count`` times in ``texts``: a head noun (``mine_heads``, not
    after a capitalised word: ``Tây Ban Nha``), a capitalised word, then words up to a stop word,
    punctuation or ``mine_max_syllables``. Every prefix of a candidate is counted; a prefix is kept
    when it is not nearly always followed by the same word (``max_share``: ``Sở Kế hoạch và`` is
    always followed by ``Đầu tư``) and each word after the first capitalised one follows the
    shorter prefix in at least ``min_step`` of its occurrences (``Bộ Tài chính quản lý`` is a rare
    way on from ``Bộ Tài chính``: a verb, not a name)."""
    ls = lists()
    counts: Counter[tuple[str, ...]] = Counter()
    follow: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for text in texts:
        for line in text_key(nfc(text)).split("\n"):
            toks = [m.group() for m in _syllables(line)]
            for i, tok in enumerate(toks):
                if not _upper(tok) or (i > 0 and _upper(toks[i - 1])):
                    continue
                head, ends = _candidate_ends(toks, i, ls)
                for n, e in enumerate(ends):
                    name = tuple(t.lower() for t in toks[i:e])
                    counts[name] += 1
                    if n + 1 < len(ends):
                        follow[name][toks[e].lower()] += 1
    def strong(name: tuple[str, ...]) -> bool:
        """Every step beyond the head and its first word is a usual way on."""
        for e in range(len(name) - 1, 0, -1):
            shorter = name[:e]
            if shorter not in counts:  # the head (+ a joiner): the first word is never tested
                return True
            if counts[name[: e + 1]] < min_step * counts[shorter]:
                return False
        return True

    def two_bodies(name: tuple[str, ...]) -> bool:
        """``Bộ Nông nghiệp ... và Bộ``: a joiner followed by a head joins two bodies, not one name."""
        heads = {tuple(w.lower() for w in h) for h in ls.mine_heads}
        return any(
            name[k] == "và" and any(name[k + 1 : k + 1 + len(h)] == h for h in heads) for k in range(1, len(name) - 1)
        )

    kept: Counter[str] = Counter()
    for name, n in counts.items():
        if n < min_count or two_bodies(name) or any(name[: len(bad)] == bad or name[1 : 1 + len(bad)] == bad for bad in ls.mine_not):
            continue
        top = max(follow[name].values(), default=0)
        if top / n >= max_share or not strong(name):
            continue
        kept[" ".join(name)] = n
    return kept


# ---------------------------------------------------------------------------------------------
# Matching mined names


@dataclass(frozen=True)
class NameList:
    names: frozenset[tuple[str, ...]]
    longest: int

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> NameList:
        names = frozenset(
            tuple(_key(line.split("\t")[0]).split()) for line in lines if line.strip() and not line.startswith("#")
        )
        return cls(names, max((len(n) for n in names), default=0))

    def matches(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of ``text`` holding a name, longest first from the left; a match
        starts at a capitalised syllable and is at least two syllables long."""
        out = []
        key = text_key(nfc(text))  # same length as the NFC text; cleaned text is NFC already
        if len(key) != len(text):
            return out
        for line_match in re.finditer(r"[^\n]+", key):
            toks = _syllables(line_match.group())
            words = [m.group().lower() for m in toks]
            base = line_match.start()
            i = 0
            while i < len(toks):
                found = 0
                if _upper(toks[i].group()):
                    for n in range(min(self.longest, len(toks) - i), 1, -1):
                        if tuple(words[i : i + n]) in self.names:
                            found = n
                            break
                if found:
                    out.append((base + toks[i].start(), base + toks[i + found - 1].end()))
                    i += found
                else:
                    i += 1
        return out


@lru_cache(maxsize=1)
def mined_names() -> NameList:
    text = resources.files("plannlp").joinpath("resources", MINED_FILE).read_text(encoding="utf-8")
    return NameList.from_lines(text.splitlines())


# ---------------------------------------------------------------------------------------------
# Conjunct features


def _starts_with(words: Sequence[str], start: int, end: int, phrases: frozenset[tuple[str, ...]], longest: int) -> bool:
    syllables: list[str] = []
    for w in words[start : min(end, start + longest)]:
        syllables.extend(w.split())
    return any(tuple(syllables[:n]) in phrases for n in range(1, min(longest, len(syllables)) + 1))


def _kind(words: Sequence[str], start: int, end: int, names: Sequence[str], ls: _Lists) -> str:
    if start >= end:
        return "empty"
    if names[start].startswith("B"):
        return "head"
    low = [_key(w) for w in words]
    first = start
    if low[first] in ("các", "những", "mọi") and first + 1 < end:
        first += 1
    if _starts_with(low, first, end, ls.heads, ls.longest) and words[first][:1].isupper():
        return "head"
    if _starts_with(low, start, end, ls.generic, ls.longest):
        return "generic"
    # ``phối hợp với Sở Tư pháp``: a body after the verb still tells the next conjunct it is in a list
    for i in range(start + 1, end):
        if names[i].startswith("B") or (words[i][:1].isupper() and _starts_with(low, i, end, ls.heads, ls.longest)):
            return "late-head"
    return "other"


def _bucket(n: int) -> str:
    return str(n) if n < 3 else "3+"


def agency_context_features(
    words: Sequence[str], gazetteer: Sequence[str], mined: Sequence[str] | None, conjuncts: bool = True
) -> list[Features]:
    """Per word: the conjunct features (when ``conjuncts``) and the mined-name tags (when ``mined``
    is given); see the module docstring. ``gazetteer`` and ``mined`` are per-word ``B``/``I``/``O``
    tags of the built-in gazetteer and the mined names; a conjunct that starts with either counts
    as a head conjunct."""
    n = len(words)
    rows: list[Features] = [{} for _ in range(n)]
    if conjuncts:
        _conjunct_features(words, gazetteer, mined or ["O"] * n, rows)
    if mined is not None:
        for i in range(n):
            rows[i]["mgaz"] = mined[i]
            rows[i]["mgaz|-1"] = f"{mined[i - 1] if i else 'BOS'}|{mined[i]}"
            rows[i]["mgaz|+1"] = f"{mined[i]}|{mined[i + 1] if i + 1 < n else 'EOS'}"
    return rows


def _conjunct_features(words: Sequence[str], gazetteer: Sequence[str], mined: Sequence[str], rows: list[Features]) -> None:
    ls = lists()
    n = len(words)
    low = [_key(w) for w in words]
    starts = ["B" if g.startswith("B") or m.startswith("B") else "O" for g, m in zip(gazetteer, mined)]
    # conjuncts: [start, end) word ranges; lists: runs of conjuncts between hard boundaries
    conj: list[tuple[int, int, int]] = []  # (start, end, list id)
    sep_before: list[str] = []
    list_id, start = 0, 0
    for i in range(n + 1):
        hard = i == n or words[i] in ls.hard
        if hard or low[i] in ls.separators:
            conj.append((start, i, list_id))
            sep_before.append(low[start - 1] if start > 0 and low[start - 1] in ls.separators else "")
            start = i + 1
            if hard:
                list_id += 1
    kinds = [_kind(words, s, e, starts, ls) for s, e, _ in conj]
    per_list: dict[int, Counter[str]] = defaultdict(Counter)
    for (_, _, lid), kind in zip(conj, kinds):
        per_list[lid][kind] += 1
    for c, (s, e, lid) in enumerate(conj):
        same = lambda d: c + d >= 0 and c + d < len(conj) and conj[c + d][2] == lid  # noqa: E731
        prev = kinds[c - 1] if same(-1) else "none"
        nxt = kinds[c + 1] if same(1) else "none"
        heads = _bucket(per_list[lid]["head"])
        generic = _bucket(per_list[lid]["generic"])
        for i in range(s, e):
            pos = _bucket(i - s)
            rows[i].update(
                {
                    "cj.kind": kinds[c],
                    "cj.prev": prev,
                    "cj.next": nxt,
                    "cj.pos": pos,
                    "cj.sep": sep_before[c],
                    "cj.kind|prev|pos": f"{kinds[c]}|{prev}|{pos}",
                    "cj.kind|next|pos": f"{kinds[c]}|{nxt}|{pos}",
                    "cj.heads": heads,
                    "cj.heads|kind|pos": f"{heads}|{generic}|{kinds[c]}|{pos}",
                }
            )
