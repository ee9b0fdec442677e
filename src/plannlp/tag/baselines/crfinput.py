"""The CRF's prediction input as crfsuite's attribute strings, built from per-word caches.

python-crfsuite turns a feature dict into attributes one entry at a time (``_pycrfsuite.pyx``,
``to_item``): a string value gives the attribute ``name:value`` of weight 1, a bool or number the
attribute ``name`` with that weight (True 1, False 0), in the dict's order. Done for every entry
of every word of every sentence, on top of building the dicts in Python, that was about a third of
a prediction. Here the same attributes are built as UTF-8 byte strings, and each word's strings
once per distinct (word, gazetteer tag, POS tag, rule tag): its own part and the part it lends a
neighbour at each window offset (``-1:lw:...``), kept ready-prefixed. A sentence's item for a word
is then a concatenation of cached lists plus the few truly contextual strings (sentence
boundaries, word bigrams); the layout part is encoded once per sentence and the clause-geometry
part once per distinct tuple of values.

Exact: the same attributes with the same weights in the same order (crfsuite sums a word's
attribute weights in the order given), except that weight-0 attributes (False flags, a word of no
syllable) are left out: each adds ``weight * 0`` to its labels' scores, which changes no sum.
A word whose ``n_syl`` is not 1 is given as a dict (``attribute: weight``), the only way to pass a
weight; the others as tuples (weight 1). Tuples, not lists, throughout: a tuple (or dict) holding
only strings and numbers is dropped from the garbage collector's watch at its first collection, so
the cached parts and the items do not make its full collections longer (with lists, filling the
caches from cold cost more than the dicts did). ``tests/test_tag_baselines_crfinput.py`` checks the
strings against the dict rows of :func:`plannlp.tag.baselines.crf.sentence_features` converted by
python-crfsuite's rules, order included. The stacked CRF's second pass gives each word's item
followed by its stacking features (:func:`with_row`); ``tests/test_tag_baselines_stacked.py``
checks those against the merged dict rows converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from plannlp.tag.baselines import features as fx
from plannlp.tag.baselines.targets import TargetValues, values_features

Item = Union[tuple[bytes, ...], dict[bytes, float]]  # one word, as crfsuite's Tagger.set takes it
_BOUNDED = 20_000  # entries in each cache before it is emptied (a word entry and its parts: about 3 kB)

_BOS, _EOS, _NSYL = b"BOS", b"EOS", b"n_syl"
_BIGRAM_LEFT, _BIGRAM_RIGHT = b"-1|0:lw:", b"0|1:lw:"


def attributes(row: dict[str, Any]) -> list[tuple[bytes, float]]:
    """A feature dict as python-crfsuite turns it into crfsuite attributes (nested values are not
    used by our features and not handled), weight-0 ones left out."""
    out = []
    for name, value in row.items():
        if isinstance(value, str):
            out.append(((name + ":" + value).encode(), 1.0))
        elif float(value) != 0.0:
            out.append((name.encode(), float(value)))
    return out


def _strings(row: dict[str, Any]) -> tuple[bytes, ...]:
    """:func:`attributes` of a row whose weights are all 1 (checked)."""
    out = []
    for attr, weight in attributes(row):
        if weight != 1.0:
            raise ValueError(f"attribute {attr!r} has weight {weight}, not 1")
        out.append(attr)
    return tuple(out)


class _Base:
    """What a word's attribute strings take from the word alone (its entry of the CRF's per-word
    cache, :func:`plannlp.tag.baselines.features._word`): its own strings up to ``title`` (``n_syl``
    in place, its weight apart), its word-list flags, and per window offset the ``lw``/``shape``
    strings and word-list flags that it lends the word that far away."""

    __slots__ = ("head", "weight", "lexicons", "lent_head", "lent_lexicons", "lower")

    def __init__(self, word: str, window: int) -> None:
        info = fx._word(word)
        own = attributes(info.own)
        self.head = tuple(a for a, _ in own)
        weights = [w for a, w in own if a == _NSYL]
        self.weight = weights[0] if weights and weights[0] != 1.0 else None
        if any(w != 1.0 for a, w in own if a != _NSYL):
            raise ValueError(f"{word!r}: a feature other than n_syl has a weight other than 1")
        self.lexicons = tuple(fx._OWN_LEXICON_NAMES[name].encode() for name in info.lexicons)
        self.lent_head: list[tuple[bytes, ...]] = []
        self.lent_lexicons: list[tuple[bytes, ...]] = []
        for d in range(-window, window + 1):
            lw, shape, _, _, _, lexicon_names = fx._neighbour_names(d)
            self.lent_head.append(_strings({lw: info.lower, shape: info.shape}))
            self.lent_lexicons.append(tuple(lexicon_names[name].encode() for name in info.lexicons))
        self.lower = info.lower.encode()


class _Tags:
    """One (gazetteer tag, POS tag, rule tag)'s strings: the word's own ``gaz`` and its ``pos``
    and ``rule`` (which stand after its word-list flags), and per window offset the three lent."""

    __slots__ = ("gaz", "pos_rule", "lent")

    def __init__(self, gaz: str, pos: str | None, rule: str | None, window: int) -> None:
        self.gaz = (("gaz:" + gaz).encode(),)
        row: dict[str, Any] = {}
        if pos is not None:
            row["pos"] = pos
        if rule is not None:
            row["rule"] = rule
        self.pos_rule = _strings(row)
        self.lent: list[tuple[bytes, ...]] = []
        for d in range(-window, window + 1):
            _, _, gaz_name, pos_name, rule_name, _ = fx._neighbour_names(d)
            lent: dict[str, Any] = {gaz_name: gaz}
            if pos is not None:
                lent[pos_name] = pos
            if rule is not None:
                lent[rule_name] = rule
            self.lent.append(_strings(lent))


class _Word:
    """One (word, gazetteer tag, POS tag, rule tag)'s attribute strings, in token_features' order:
    its own (``own``; ``weight``: its ``n_syl`` when not 1), what it lends the word ``d`` places
    away (``near[d + window]``) and its lower case for the bigrams."""

    __slots__ = ("own", "weight", "near", "lower")

    def __init__(self, base: _Base, tags: _Tags) -> None:
        self.own = (*base.head, *tags.gaz, *base.lexicons, *tags.pos_rule)
        self.weight = base.weight
        self.near = tuple((*h, *t, *x) for h, t, x in zip(base.lent_head, tags.lent, base.lent_lexicons))
        self.lower = base.lower


_bases: dict[tuple[str, int], _Base] = {}
_tag_parts: dict[tuple[str, str | None, str | None, int], _Tags] = {}
_words: dict[tuple[str, str, str | None, str | None, int], _Word] = {}
_targets: dict[TargetValues, tuple[bytes, ...]] = {}
_extras: dict[tuple[str, Any], bytes] = {}


def _cached(cache: dict[Any, Any], key: Any, make: Any) -> Any:
    found = cache.get(key)
    if found is None:
        if len(cache) > _BOUNDED:
            cache.clear()
        found = cache[key] = make()
    return found


def _word(word: str, gaz: str, pos: str | None, rule: str | None, window: int) -> _Word:
    key = (word, gaz, pos, rule, window)
    found = _words.get(key)
    if found is None:
        base = _cached(_bases, (word, window), lambda: _Base(word, window))
        tags = _cached(_tag_parts, (gaz, pos, rule, window), lambda: _Tags(gaz, pos, rule, window))
        found = _cached(_words, key, lambda: _Word(base, tags))
    return found


def target_strings(values: TargetValues) -> tuple[bytes, ...]:
    """The clause-geometry attributes of one word (:func:`plannlp.tag.baselines.targets.target_values`)."""
    found = _targets.get(values)
    if found is None:
        if len(_targets) > _BOUNDED:
            _targets.clear()
        found = _targets[values] = _strings(values_features(values))
    return found


def clear_caches() -> None:
    """Empty the per-word and per-value caches (a benchmark's cold start)."""
    for cache in (_bases, _tag_parts, _words, _targets, _extras):
        cache.clear()


def _empties(n: int) -> list[tuple[bytes, ...]]:
    """A column of ``n`` empty parts."""
    return [()] * n


def sentence_items(
    words: Sequence[str],
    pos: Sequence[str] | None,
    gazetteer_tags: Sequence[str],
    window: int,
    rule_tags: Sequence[str] | None,
    layout: tuple[dict[str, Any], Sequence[tuple[str | None, bool]]] | None,
    targets: Sequence[TargetValues] | None,
) -> list[Item]:
    """One sentence's crfsuite items: the attributes of :func:`plannlp.tag.baselines.features.token_features`,
    then the layout part (``layout``: :func:`plannlp.tag.baselines.structure.layout_parts` of this
    sentence), then the clause part (``targets``), as :func:`plannlp.tag.baselines.crf.sentence_features`
    orders them."""
    n = len(words)
    if not n:
        return []
    info = [
        _word(w, gazetteer_tags[i], None if pos is None else pos[i], None if rule_tags is None else rule_tags[i], window)
        for i, w in enumerate(words)
    ]
    # each part of the items as a column (one list of strings per word), then every word's item
    # joined from its row of the columns in one go: the per-word Python work is a few list copies
    empty: tuple[bytes, ...] = ()
    columns: list[list[tuple[bytes, ...]]] = [[e.own for e in info]]
    edges = [empty] * n  # BOS, EOS
    edges[0] = (_BOS, _EOS) if n == 1 else (_BOS,)
    if n > 1:
        edges[-1] = (_EOS,)
    columns.append(edges)
    near = []
    for d in range(-window, window + 1):  # what the neighbours lend, left to right, as token_features
        if d == 0:
            continue
        slot = d + window
        lent = [e.near[slot] for e in info[max(0, d) : n + min(0, d)]]
        near.append([empty] * max(0, -d) + lent + [empty] * max(0, d) if len(lent) < n else lent)
    if len(near) != 4:  # (window 2 takes four columns; another window is joined into one)
        near = [[tuple(a for part in parts for a in part) for parts in zip(*near)] if near else _empties(n)]
        near += [_empties(n)] * 3
    columns += near
    # word bigrams: the pair (i, i + 1) is word i's "0|1:lw" and word i + 1's "-1|0:lw"
    pairs = [a.lower + b"|" + b.lower for a, b in zip(info, info[1:])]
    left = [empty] + [(_BIGRAM_LEFT + p,) for p in pairs]
    right = [(_BIGRAM_RIGHT + p,) for p in pairs] + [empty]
    columns += [left, right]
    if layout is None:
        columns.append(_empties(n))
    else:
        common, marks = layout
        shared = _strings(common)
        column_at = list(common).index("T.col") if "T.col" in common else -1
        with_first = (*shared, b"L.first")
        cells = []
        for column, first in marks:
            if column is None:
                cells.append(with_first if first else shared)
                continue
            # dict(common) with T.col set: in its place when common has one, else at the end
            cell = ("T.col:" + column).encode()
            if column_at >= 0:
                row = (*shared[:column_at], cell, *shared[column_at + 1 :])
            else:
                row = (*shared, cell)
            cells.append((*row, b"L.first") if first else row)
        columns.append(cells)
    if targets is None:
        columns.append(_empties(n))
    else:
        found = _targets
        clause = []
        for values in targets:
            strings = found.get(values)
            if strings is None:
                strings = target_strings(values)
            clause.append(strings)
        columns.append(clause)
    # ten columns: own, edges (BOS, EOS), four of neighbours, two of bigrams, layout, clause
    items: list[Item] = [
        (*a, *b, *c, *d, *e, *f, *g, *h, *i, *j)
        for a, b, c, d, e, f, g, h, i, j in zip(*columns)
    ]
    for i, e in enumerate(info):
        if e.weight is not None:
            weighted = dict.fromkeys(items[i], 1.0)
            weighted[_NSYL] = e.weight
            items[i] = weighted
    return items


def _extra_attribute(name: str, value: Any) -> bytes:
    """One (name, value) entry's attribute by python-crfsuite's rules; ``b""`` for weight 0."""
    [found] = attributes({name: value}) or [(b"", 1.0)]
    if found[1] != 1.0:
        raise ValueError(f"feature {name!r} has weight {found[1]}, not 1 or 0")
    return found[0]


def with_row(item: Item, row: dict[str, Any]) -> Item:
    """An item with the attributes of a feature dict added after its own, in the dict's order, as
    python-crfsuite would make of the base row merged with ``row`` (``{**base, **row}``) when no
    name of ``row`` is already in the base (the stacked CRF's second-pass features,
    :func:`plannlp.tag.baselines.stacked.stack_features`: their names are their own). Each
    (name, value) is encoded once (its values are tags, buckets and labels: few distinct)."""
    found = _extras
    strings = []
    for entry in row.items():
        attr = found.get(entry)
        if attr is None:
            if len(found) > _BOUNDED:
                found.clear()
            attr = found[entry] = _extra_attribute(*entry)
        if attr:
            strings.append(attr)
    if isinstance(item, dict):  # a word of weighted n_syl: the added attributes weigh 1
        weighted = dict(item)
        weighted.update(dict.fromkeys(strings, 1.0))
        return weighted
    return (*item, *strings)
