"""Who answers for which target: links from each INDICATOR to the AGENCY mentions responsible.

The spec's rule (*Agency roles and responsibility*): the bodies responsible for a target are the
``lead`` and ``partner`` mentions of the task the plan gives for that target (the task names the
target's indicator or its subject); where the plan gives no such task, the plan's overall lead
(the body that ``chủ trì`` the implementation of the whole plan); where it names none, the issuer.

:func:`link_targets` makes that rule concrete over a document whose AGENCY spans carry roles:

* *Tasks* are read from the layout (:func:`_tasks`): a body heading (``1. Công an tỉnh``,
  ``2.3. Sở Y tế:``, ``12. Đề nghị ...``) with each line of the list under it (up to the next item
  of the same list style or a Roman part), the heading's body answering for them; the bodies of a
  table row or of ``Đơn vị chủ trì:`` / ``Đơn vị phối hợp:`` lines with the task text around them
  (the lines above, back to the previous row; or, when the bodies open the row, the lines after);
  any other line holding a ``lead`` or ``partner`` mention. Phrase lists: ``resources/link_cues.json``.
* A task *names* a target when it holds enough of the indicator's content syllables
  (diacritic-blind): the larger of the share of the indicator's syllable bigrams and its
  IDF-weighted share of syllables, at least ``min_overlap``. The best task wins (ties: the
  shortest, then the first); the target's own text is not its task.
* The overall lead is the first ``lead`` mention whose sentence speaks of carrying out the plan
  itself (``chủ trì`` with ``tổ chức thực hiện`` / ``triển khai`` / ``kế hoạch``).

:class:`LinkModel` learns the same decision body by body from the gold links, with the rule's
answer as one of its features.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Link, Span
from plannlp.evaluate.metrics import PRF, link_score
from plannlp.io import MODELS_ROOT, read_documents, read_json, write_json
from plannlp.labels import AGENCY, INDICATOR, ISSUER, LEAD, PARTNER
from plannlp.linear import LinearModel, fit_linear, shuffled_folds
from plannlp.records import body_key
from plannlp.runrecord import RunRecord, code_revision, data_checksums
from plannlp.tag.roles import assign_roles, heading_above
from plannlp.text import blind_syllables, fold, line_offsets
from plannlp.yamlconfig import check_keys

@lru_cache(maxsize=1)
def link_cues() -> dict[str, Any]:
    """The phrase lists of ``resources/link_cues.json``."""
    text = resources.files("plannlp").joinpath("resources", LINK_CUES_FILE).read_text(encoding="utf-8")
    cues = json.loads(text)
    return {
        "stop": frozenset(blind_syllables(cues["stop_syllables"])),
        "plan_lead": tuple(fold(p) for p in cues["plan_lead"]),
        "cell_prefixes": tuple(sorted((fold(p) for p in cues["cell_prefixes"]), key=len, reverse=True)),
        "heading_prefixes": tuple(sorted((fold(p) for p in cues["heading_prefixes"]), key=len, reverse=True)),
        "heading_fillers": frozenset(w for p in cues["heading_fillers"] for w in fold(p).split()),
        # an abbreviation stands for its words (BHYT: bảo hiểm y tế), so either spelling matches
        "aliases": {blind_syllables(k)[0]: tuple(blind_syllables(v)) for k, v in cues.get("aliases", {}).items()},
    }


LINK_CUES_FILE = "link_cues.json"
# a list marker or number opening a line: "1.", "2.3.", "IV.", "a)", "-", "+"
_MARKER = re.compile(r"^\s*(?:#+\s*|\*\*)?(?:(?:[IVXLC]+\.|\d+(?:\.\d+)*\.?|[a-zđ]\))(?=\s)|[-+•*])\s*", re.I)
_ROW_NUMBER = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*\.?\s*$")  # a table row's number cell, alone on its line
_WORDS = re.compile(r"\w+", re.UNICODE)
_STYLES = (
    ("roman", re.compile(r"^\s*[IVXLC]+\.\s")),
    ("n.n.n", re.compile(r"^\s*\d+\.\d+\.\d+\.?\s")),
    ("n.n", re.compile(r"^\s*\d+\.\d+\.?\s")),
    ("n", re.compile(r"^\s*\d+\.\s")),
    ("a)", re.compile(r"^\s*[a-zđ]\)\s")),
)


def _marker_style(line: str) -> str:
    """Which kind of list marker opens ``line`` (``n``: ``1.``, ``n.n``: ``2.3.``, ``a)``, ``roman``)."""
    return next((name for name, pattern in _STYLES if pattern.match(line)), "")


def content_syllables(text: str) -> list[str]:
    """The syllables of ``text`` that say what a target measures: diacritic-, case- and
    form-blind (:func:`plannlp.text.blind_syllables`), stop syllables and numbers dropped."""
    return list(_content_syllables(text))


@lru_cache(maxsize=65_536)
def _content_syllables(text: str) -> tuple[str, ...]:
    # a function of the text and the cue lists alone: the linker asks for the same task lines and
    # targets again for every target of a document (about 5% of the model stage without the cache)
    stop = link_cues()["stop"]
    return tuple(w for w in aliased_syllables(text) if w not in stop and not w.isdigit())


def aliased_syllables(text: str) -> list[str]:
    """The blind syllables of ``text`` with each abbreviation read as its words (BHYT: bảo hiểm y
    tế), stop syllables and numbers kept."""
    aliases = link_cues()["aliases"]
    return [x for w in blind_syllables(text) for x in aliases.get(w, (w,))]


def _bigrams(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


@dataclass(frozen=True)
class _Task:
    """A task the plan gives: its text ``[start, end)``, its own lead and partner mentions, the
    lead of the body heading it sits under (``inherited``) and what kind of layout it is
    (``line``: a paragraph or list item; ``cell``: a table row's or a ``Đơn vị chủ trì:`` line's
    bodies with the task text around them; ``heading``: the ``1. Sở Y tế`` line itself; ``under``:
    a line of the list under such a heading that names no body, the heading's body answering)."""

    start: int
    end: int
    agencies: tuple[Span, ...]
    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    kind: str = "line"
    inherited: tuple[Span, ...] = ()

    @property
    def responsible(self) -> tuple[Span, ...]:
        own = {a.key for a in self.agencies}
        return tuple(self.agencies) + tuple(a for a in self.inherited if a.key not in own)


def _line_kind(text: str, a: int, b: int, mentions: Sequence[Span]) -> str:
    """``heading``, ``cell``, ``line`` (a line holding agencies) or ``""`` (none)."""
    if not mentions:
        return ""
    cues = link_cues()
    line = text[a:b]
    marker = _MARKER.match(line)
    body = line[marker.end() :] if marker else line
    folded = fold(body)
    if folded.startswith(cues["cell_prefixes"]):
        return "cell"
    # what is left of the line once its agencies, marker, "Đề nghị"/"Trách nhiệm" and fillers go
    chars = list(line)
    for m in mentions:
        for k in range(max(m.start, a) - a, min(m.end, b) - a):
            chars[k] = " "
    rest = fold("".join(chars)[marker.end() if marker else 0 :])
    for prefix in cues["heading_prefixes"]:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :]
            break
    left = [w for w in _WORDS.findall(rest) if w not in cues["heading_fillers"]]
    numbered = marker is not None and not marker.group(0).strip().startswith(("-", "+", "•", "*"))
    ends_colon = line.rstrip().endswith(":")
    if len(left) <= 2:
        return "heading" if numbered or ends_colon else "cell"
    if ends_colon and len(line.split()) <= 12 and any(m.role == LEAD for m in mentions):
        return "heading"
    return "line"


def _tasks(doc: Document) -> list[_Task]:
    text = doc.text
    lines = list(line_offsets(text))
    agencies = [s for s in doc.spans if s.label == AGENCY]
    by_line: dict[int, list[Span]] = {}
    k = 0
    for i, (a, b) in enumerate(lines):
        while k < len(agencies) and agencies[k].start < a:
            k += 1
        j = k
        while j < len(agencies) and agencies[j].start <= b:
            by_line.setdefault(i, []).append(agencies[j])
            j += 1
    kinds = [_line_kind(text, a, b, by_line.get(i, ())) for i, (a, b) in enumerate(lines)]

    def responsible(i: int) -> tuple[Span, ...]:
        return tuple(m for m in by_line.get(i, ()) if m.role in (LEAD, PARTNER))

    def boundary(i: int) -> bool:
        return kinds[i] in ("cell", "heading") or bool(_ROW_NUMBER.match(text[slice(*lines[i])]))

    def make(first: int, last: int, mentions: tuple[Span, ...], kind: str, inherited=()) -> _Task:
        a, end = lines[first][0], lines[last][1]
        words = content_syllables(text[a:end])
        return _Task(a, end, mentions, frozenset(words), frozenset(_bigrams(words)), kind, tuple(inherited))

    # body headings first: each holds the lines under it up to the next heading
    block_of: dict[int, tuple[Span, ...]] = {}
    tasks: list[_Task] = []
    heads = [i for i, kind in enumerate(kinds) if kind == "heading" and responsible(i)]
    for n, i in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else len(lines)
        style = _marker_style(text[slice(*lines[i])])
        last = i
        for j in range(i + 1, min(stop, i + 120)):
            other = _marker_style(text[slice(*lines[j])])
            if other and (other == style or other == "roman"):
                break  # the next item of the heading's own list, or a part above it
            last = j
        leads = tuple(m for m in responsible(i) if m.role == LEAD) or responsible(i)
        for j in range(i + 1, last + 1):
            block_of[j] = leads
            if not responsible(j) and kinds[j] != "cell":
                # a line of the body's task list that names no body: the heading's body answers
                tasks.append(make(j, j, (), "under", leads))
        tasks.append(make(i, i, responsible(i), "heading"))
    i = 0
    taken = -1  # the last line a previous row's task took after its bodies
    while i < len(lines):
        kind = kinds[i]
        if kind == "line" and responsible(i):
            tasks.append(make(i, i, responsible(i), "line", block_of.get(i, ())))
        elif kind == "cell":
            last = i
            while last + 1 < len(lines) and kinds[last + 1] == "cell":
                last += 1
            mentions = tuple(m for j in range(i, last + 1) for m in responsible(j))
            first = i
            # back to the previous row, but never into the task text a bodies-first row above
            # took after its bodies: that line is the other row's target, not this row's
            while first > taken + 1 and i - first < 6 and not boundary(first - 1):
                first -= 1
            if first > 0 and _ROW_NUMBER.match(text[slice(*lines[first - 1])]):
                first -= 1
            context = content_syllables(text[lines[first][0] : lines[i][0]])
            end = last
            if not context:  # "1 / Bộ Xây dựng / - Bộ Công an; / the task": the task follows
                while end + 1 < len(lines) and end - last < 12 and not boundary(end + 1):
                    end += 1
            if mentions:
                tasks.append(make(first, end, mentions, "cell", block_of.get(i, ())))
            taken = end if end > last else -1
            i = last
        i += 1
    return tasks


@dataclass
class _Matcher:
    """How much of an indicator's words a task holds: the share of its syllable bigrams and its
    inverse-line-frequency weighted share of syllables (a word on every line counts little)."""

    idf: dict[str, float]

    @classmethod
    def of(cls, doc: Document) -> _Matcher:
        df: dict[str, int] = {}
        n = 0
        for a, b in line_offsets(doc.text):
            words = set(content_syllables(doc.text[a:b]))
            if words:
                n += 1
                for w in words:
                    df[w] = df.get(w, 0) + 1
        return cls({w: math.log((n + 1) / c) for w, c in df.items()})

    def weighted(self, words: Sequence[str], task: _Task) -> float:
        # fsum: a set's order follows the string hash (PYTHONHASHSEED), and a plain float sum in
        # that order made the same input score differently from one process to the next
        uniq = set(words)
        total = math.fsum(self.idf.get(w, 1.0) for w in uniq)
        return math.fsum(self.idf.get(w, 1.0) for w in uniq if w in task.words) / total if total else 0.0


def _overlap(indicator_words: Sequence[str], task: _Task) -> float:
    pairs = _bigrams(indicator_words)
    if len(pairs) >= 2:
        return len(pairs & task.pairs) / len(pairs)
    if not indicator_words:
        return 0.0
    return sum(w in task.words for w in indicator_words) / len(indicator_words)


def overall_lead(doc: Document) -> tuple[Span, ...]:
    """The lead mention(s) of the sentence that gives the plan's implementation to a body."""
    plan = link_cues()["plan_lead"]
    for span in doc.spans:
        if span.label != AGENCY or span.role != LEAD:
            continue
        a = doc.text.rfind("\n", 0, span.start) + 1
        b = doc.text.find("\n", span.end)
        sentence = fold(doc.text[a : b if b >= 0 else len(doc.text)])
        if "chủ trì" in sentence and any(p in sentence for p in plan):
            return (span,)
    return ()


def _task_score(matcher: _Matcher, words: Sequence[str], task: _Task) -> float:
    return max(_overlap(words, task), matcher.weighted(words, task))


def link_targets(doc: Document, min_overlap: float = 0.5) -> Document:
    """``doc`` with links from every INDICATOR to the AGENCY mentions the spec makes responsible.

    AGENCY spans need roles (:func:`plannlp.tag.roles.assign_roles`); existing links are replaced."""
    indicators = [s for s in doc.spans if s.label == INDICATOR]
    if not indicators:
        return doc.with_spans(doc.spans)
    tasks = _tasks(doc)
    matcher = _Matcher.of(doc)
    fallback = overall_lead(doc) or tuple(
        s for s in doc.spans if s.label == AGENCY and s.role == ISSUER
    )[:1]
    links = []
    for indicator in indicators:
        words = content_syllables(doc.span_text(indicator))
        best, best_key = None, (0.0, 0)
        for task in tasks:
            if task.start <= indicator.start < task.end:
                continue  # the target's own sentence is not the task that answers for it
            key = (_task_score(matcher, words, task), -(task.end - task.start))
            if key > best_key:
                best, best_key = task, key
        chosen = best.responsible if best is not None and best_key[0] >= min_overlap else fallback
        links.extend(Link(indicator.key, a.key) for a in dict.fromkeys(chosen))
    return doc.with_spans(doc.spans, links)


# --- a learned linker: which bodies of the document answer for each target --------------------

LINK_MODEL_FILE = "links.json"
DEFAULT_LINK_MODEL = MODELS_ROOT / "links"


@dataclass
class _Body:
    key: str
    mentions: list[Span]


def _doc_context(doc: Document) -> dict:
    """What every candidate pair of a document shares: tasks, bodies, the overall lead, lines."""

    bodies: dict[str, _Body] = {}
    for s in doc.spans:
        if s.label == AGENCY:
            bodies.setdefault(body_key(doc.span_text(s)), _Body(body_key(doc.span_text(s)), [])).mentions.append(s)
    leads = sorted(
        bodies.values(), key=lambda b: (-sum(m.role == LEAD for m in b.mentions), b.mentions[0].start)
    )
    lead_rank = {b.key: i for i, b in enumerate(leads) if any(m.role == LEAD for m in b.mentions)}
    overall = {body_key(doc.span_text(s)) for s in overall_lead(doc)}
    issuers = [b.key for b in bodies.values() if any(m.role == ISSUER for m in b.mentions)]
    tasks = _tasks(doc)
    # each body's tasks (its own mention there, or the heading it leads), once per document
    key_of = {s.key: body_key(doc.span_text(s)) for s in doc.spans if s.label == AGENCY}
    body_tasks: dict[str, list[tuple[_Task, Span, bool]]] = {b: [] for b in bodies}
    for task in tasks:
        own = {a.key for a in task.agencies}
        seen = set()
        for a in task.responsible:
            body = key_of[a.key]
            if body not in seen:
                seen.add(body)
                body_tasks[body].append((task, a, a.key in own))
    body_words = {
        b: frozenset(w for task, _, _ in entries for w in task.words) for b, entries in body_tasks.items()
    }
    name_words = {b.key: frozenset(content_syllables(doc.span_text(b.mentions[0]))) for b in bodies.values()}
    return {
        "tasks": tasks,
        "body_words": body_words,
        "name_words": name_words,
        "matcher": _Matcher.of(doc),
        "body_tasks": body_tasks,
        "bodies": list(bodies.values()),
        "lead_rank": lead_rank,
        "overall": overall,
        "issuer": issuers[0] if issuers else None,
        "n_agencies": sum(len(b.mentions) for b in bodies.values()),
    }


# extra feature groups a LinkModel may be trained with (its settings["features"]; none by default,
# so models saved before them decode as they did)
LINK_FEATURES = ("sub_items", "pair_match", "sub_tasks")
# list levels, outermost first: a line's marker kind -> depth (dashes and pluses below letters)
_LEVELS = {"roman": 0, "n": 1, "n.n": 2, "n.n.n": 3, "a)": 4}
_DASH = re.compile(r"^\s*[-+•]\s")


def _line_level(line: str) -> int | None:
    """How deep the list item opening ``line`` sits (``None``: no list marker)."""
    style = _marker_style(line)
    if style:
        return _LEVELS[style]
    return 5 if _DASH.match(line) else None


def _sub_item_leads(doc: Document) -> dict[tuple[int, int], list[Span]]:
    """The numbered or lettered item lines ``[start, end)`` with the lead mentions of the deeper
    items under them (``6. Các bộ ... phấn đấu tăng trưởng ...:`` / ``a) Bộ Tài chính chủ trì ...:``):
    a sub-item's lead carries out part of that item's task."""
    text = doc.text
    lines = list(line_offsets(text))
    levels = [_line_level(text[a:b]) for a, b in lines]
    leads: dict[int, list[Span]] = {}
    k = 0
    agencies = [s for s in doc.spans if s.label == AGENCY]
    for i, (a, b) in enumerate(lines):
        while k < len(agencies) and agencies[k].start < a:
            k += 1
        j = k
        while j < len(agencies) and agencies[j].start <= b:
            if agencies[j].role == LEAD:
                leads.setdefault(i, []).append(agencies[j])
            j += 1
    items: dict[tuple[int, int], list[Span]] = {}
    for i, level in enumerate(levels):
        if level is None or level > 4:
            continue  # a parent is a numbered or lettered item
        for j in range(i + 1, min(len(lines), i + 60)):
            if levels[j] is not None and levels[j] <= level:
                break  # the next item of the same list, or one above it
            if levels[j] is not None and j in leads:
                items.setdefault(lines[i], []).extend(leads[j])
    return items


def _sub_item_parents(doc: Document) -> dict[str, list[tuple[int, int]]]:
    """For each body, the item lines under which it leads a deeper item (:func:`_sub_item_leads`)."""
    parents: dict[str, list[tuple[int, int]]] = {}
    for line, mentions in _sub_item_leads(doc).items():
        for m in mentions:
            key = body_key(doc.span_text(m))
            if line not in parents.setdefault(key, []):
                parents[key].append(line)
    return parents


def _add_parent_tasks(doc: Document, ctx: dict) -> None:
    """``sub_tasks``: each item line with sub-items becomes one more task (kind ``parent``) of the
    bodies that lead its sub-items, so they inherit the item's word match."""
    for (a, b), mentions in _sub_item_leads(doc).items():
        words = content_syllables(doc.text[a:b])
        inherited = tuple({body_key(doc.span_text(m)): m for m in reversed(mentions)}.values())[::-1]
        task = _Task(a, b, (), frozenset(words), frozenset(_bigrams(words)), "parent", inherited)
        ctx["tasks"].append(task)
        for m in inherited:
            key = body_key(doc.span_text(m))
            ctx["body_tasks"][key].append((task, m, False))
            ctx["body_words"][key] = ctx["body_words"][key] | task.words


def _seq_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent syllable pairs of ``text``, stop syllables kept (diacritic-blind, aliases read)."""
    words = aliased_syllables(text)
    return frozenset(zip(words, words[1:]))


def _pair_match(matcher: _Matcher, target: str, task_pairs: frozenset, task_words: frozenset) -> float:
    """The IDF-weighted share of the target's content syllables that the task holds next to the
    same neighbour as the target does: ``hồ sơ`` is not held by ``hỗ trợ``, nor ``khai thác`` by
    ``triển khai`` (diacritic-blind single syllables would match them)."""
    stop = link_cues()["stop"]
    seq = aliased_syllables(target)
    held: set[str] = set()
    for k, w in enumerate(seq):
        if w in stop or w.isdigit():
            continue
        if len(seq) == 1:
            if w in task_words:
                held.add(w)
        elif (k > 0 and (seq[k - 1], w) in task_pairs) or (k + 1 < len(seq) and (w, seq[k + 1]) in task_pairs):
            held.add(w)
    uniq = {w for w in seq if w not in stop and not w.isdigit()}
    total = math.fsum(matcher.idf.get(w, 1.0) for w in uniq)  # order-free, as in _Matcher.weighted
    return math.fsum(matcher.idf.get(w, 1.0) for w in held) / total if total else 0.0


def _bucket(n: float) -> str:
    return str(min(6, int(math.log2(n + 1))))


def pair_features(doc: Document, ctx: dict, indicator: Span, features: Sequence[str] = ()) -> list[tuple[_Body, dict[str, float], Span]]:
    """For each body of the document, features of the pair (``indicator``, body) and the mention a
    link would point to (the body's mention in its best-matching task, else its first lead mention).
    ``features``: extra groups of :data:`LINK_FEATURES` (``sub_items``, ``pair_match``; ``sub_tasks``
    acts on the tasks, in :func:`_pairs`)."""
    words = content_syllables(doc.span_text(indicator))
    matcher = ctx["matcher"]
    task_score: dict[int, float] = {id(t): _task_score(matcher, words, t) for t in ctx["tasks"]}
    ranked = sorted(ctx["tasks"], key=lambda t: (-task_score[id(t)], t.end - t.start))
    task_rank = {id(t): r for r, t in enumerate(ranked)}
    best_any = task_score[id(ranked[0])] if ranked else 0.0
    spread = sorted(task_score.values())
    peak = best_any - spread[len(spread) // 2] if spread else 0.0
    scored = []
    for body in ctx["bodies"]:
        entries = ctx["body_tasks"][body.key]
        best = min(entries, key=lambda e: task_rank[id(e[0])], default=None)
        scored.append((task_score[id(best[0])] if best else 0.0, body, best))
    order = sorted(scored, key=lambda x: -x[0])
    rank = {id(b): i for i, (_, b, _) in enumerate(order)}
    target_text = doc.span_text(indicator)
    if "pair_match" in features:
        pm = {id(t): _pair_match(matcher, target_text, ctx["seq_pairs"][id(t)], t.words) for t in ctx["tasks"]}
        pm_any = max(pm.values(), default=0.0)
    rows = []
    for ov, body, best in scored:
        roles = [m.role or "none" for m in body.mentions]
        f: dict[str, float] = {}
        f["ov"] = ov
        f["ov_pos"] = 1.0 if ov > 0 else 0.0
        f["ov_ge_half"] = 1.0 if ov >= 0.5 else 0.0
        f["ov_ge_0.8"] = 1.0 if ov >= 0.8 else 0.0
        r = rank[id(body)]
        f[f"ov_rank={min(r, 3)}"] = 1.0 if ov > 0 else 0.0
        f["ov_is_best"] = 1.0 if ov > 0 and ov >= best_any else 0.0
        f["ov_gap"] = best_any - ov
        f[f"best_any>={int(best_any * 4) / 4}"] = 1.0
        f["peak"] = peak
        # the body's subject: the words of all its tasks together, and its own name
        # ("Sở Giáo dục và Đào tạo" for a schooling target, "Sở Y tế" for trạm y tế)
        pooled = _Task(0, 0, (), ctx["body_words"][body.key], frozenset())
        f["body_text"] = matcher.weighted(words, pooled)
        named = _Task(0, 0, (), ctx["name_words"][body.key], frozenset())
        f["name_match"] = matcher.weighted(words, named)
        if f["name_match"] > 0:
            f["name_match_pos"] = 1.0
        f[f"n_tasks={_bucket(len(ctx['body_tasks'][body.key]))}"] = 1.0
        if best is not None:
            task, mention, own = best
            tr = task_rank[id(task)]
            f[f"task_rank={min(tr, 5)}"] = 1.0
            f[f"kind={task.kind}"] = 1.0
            f[f"kind={task.kind}*ov"] = ov
            f["inherited" if not own else f"own_{mention.role}"] = 1.0
            f["bigram"] = _overlap(words, task)
            f["weighted"] = matcher.weighted(words, task)
            f[f"task_bodies={_bucket(len(task.responsible))}"] = 1.0
            f[f"task_words={_bucket(len(task.words) / 4)}"] = 1.0
            if task.start <= indicator.start < task.end:
                f["task_holds_target"] = 1.0
            f[f"task_dist={_bucket(abs(task.start - indicator.start) / 500)}"] = 1.0
            # a task that is the best match of many targets (a generic duty list) names none of
            # them in particular (with the aliases, CV link F1 0.547 -> 0.574: experiments/RESPONSIBILITY.md)
            f[f"task_best_for={_bucket(ctx.get('best_for', {}).get(id(task), 0))}"] = 1.0
            mean = ctx.get("task_mean", {}).get(id(task))
            if mean is not None:
                f["specific"] = ov - mean
                f["specific_pos"] = 1.0 if ov - mean > 0.2 else 0.0
        else:
            f["no_task"] = 1.0
        for role in ("lead", "partner", "oversight", "issuer"):
            n = roles.count(role)
            f[f"n_{role}"] = math.log1p(n)
            if n:
                f[f"has_{role}"] = 1.0
        if not any(x in ("lead", "partner") for x in roles):
            f["never_responsible"] = 1.0
        f["share"] = len(body.mentions) / max(1, ctx["n_agencies"])
        lr = ctx["lead_rank"].get(body.key)
        f[f"lead_rank={min(lr, 3) if lr is not None else 'none'}"] = 1.0
        if body.key in ctx["overall"]:
            f["overall_lead"] = 1.0
            f["overall_lead_no_task"] = 1.0 if best_any < 0.5 else 0.0
        if body.key == ctx["issuer"]:
            f["issuer"] = 1.0
            f["issuer_no_task"] = 1.0 if best_any < 0.5 else 0.0
            f["issuer_no_overall"] = 1.0 if not ctx["overall"] else 0.0
        if body.key.startswith("các ") or body.key.startswith("cơ quan"):
            f["generic"] = 1.0
        dist = min(abs(m.start - indicator.start) for m in body.mentions)
        f[f"dist={_bucket(dist / 50)}"] = 1.0
        before = [m for m in body.mentions if m.end <= indicator.start]
        f["before"] = 1.0 if before else 0.0
        if before and indicator.start - before[-1].end < 300:
            f["just_before"] = 1.0
        line = doc.text.rfind("\n", 0, indicator.start), doc.text.find("\n", indicator.end)
        if any(line[0] < m.start and (line[1] < 0 or m.end <= line[1]) for m in body.mentions):
            f["same_line"] = 1.0
        f[f"targets={_bucket(ctx.get('n_targets', 1))}"] = 1.0
        f[f"bodies={_bucket(len(ctx['bodies']))}"] = 1.0
        if "sub_items" in features:
            # the body leads a sub-item (a lettered or dashed item) of an item line that names the target
            parents = ctx["sub_parents"].get(body.key, ())
            if parents:
                f["sub_lead"] = 1.0
                f["sub_parent_ov"] = max(
                    _task_score(matcher, words, _Task(0, 0, (), frozenset(content_syllables(doc.text[a:b])),
                                                      frozenset(_bigrams(content_syllables(doc.text[a:b])))))
                    for a, b in parents
                )
                if any(a <= indicator.start < b for a, b in parents):
                    f["sub_parent_holds"] = 1.0
        if "pair_match" in features:
            # word match counted only where the task holds a syllable with its neighbour in the target
            own = max((pm[id(t)] for t, _, _ in ctx["body_tasks"][body.key]), default=0.0)
            f["pm"] = own
            f["pm_gap"] = pm_any - own
            if own > 0 and own >= pm_any:
                f["pm_is_best"] = 1.0
            if best is not None:
                f["pm_task"] = pm[id(best[0])]
        if best is not None and ov > 0:
            mention = best[1]
        else:
            mention = next((m for m in body.mentions if m.role == LEAD), body.mentions[0])
        rows.append((body, f, mention))
    return rows


def _pairs(doc: Document, features: Sequence[str] = ()):
    unknown = set(features) - set(LINK_FEATURES)
    if unknown:
        raise DataError(f"unknown link features {sorted(unknown)} (known: {', '.join(LINK_FEATURES)})")
    ctx = _doc_context(doc)
    if "sub_items" in features:
        ctx["sub_parents"] = _sub_item_parents(doc)
    if "sub_tasks" in features:
        _add_parent_tasks(doc, ctx)
    if "pair_match" in features:
        ctx["seq_pairs"] = {id(t): _seq_pairs(doc.text[t.start : t.end]) for t in ctx["tasks"]}
    indicators = [s for s in doc.spans if s.label == INDICATOR]
    ctx["n_targets"] = len(indicators)
    # how well each task matches the document's targets on average: a task that every target
    # matches about as well names none of them in particular
    matcher, tasks = ctx["matcher"], ctx["tasks"]
    words = [content_syllables(doc.span_text(s)) for s in indicators]
    scores = [[_task_score(matcher, w, t) for t in tasks] for w in words]
    ctx["task_mean"] = {id(t): sum(row[j] for row in scores) / len(scores) for j, t in enumerate(tasks)} if scores else {}
    # how many targets each task is the best match of (ties: the first task)
    best_for: dict[int, int] = {}
    for row in scores:
        if row and max(row) > 0:
            j = max(range(len(row)), key=lambda j: row[j])
            best_for[id(tasks[j])] = best_for.get(id(tasks[j]), 0) + 1
    ctx["best_for"] = best_for
    # the spec's rule, made concrete by link_targets, is one more piece of evidence for the model
    ruled = {(link.indicator, body_key(doc.text[link.agency[0] : link.agency[1]])) for link in link_targets(doc, 0.5).links}
    for indicator in indicators:
        rows = pair_features(doc, ctx, indicator, features)
        for body, feats, _ in rows:
            if (indicator.key, body.key) in ruled:
                feats["rule"] = 1.0
                feats["rule_ov"] = feats["ov"]
        yield indicator, rows


def link_training_rows(docs: Iterable[Document], features: Sequence[str] = ()) -> tuple[list[dict[str, float]], list[str]]:
    """Features of every (target, body) pair of link-annotated documents; ``yes`` where the gold
    links the target to a mention of that body."""

    X, y = [], []
    for doc in docs:
        if not doc.links:
            continue
        gold: dict[tuple[int, int], set[str]] = {}
        for link in doc.links:
            gold.setdefault(link.indicator, set()).add(body_key(doc.text[link.agency[0] : link.agency[1]]))
        for indicator, rows in _pairs(doc, features):
            if indicator.key not in gold:
                continue  # a target the annotator could not link: no negative evidence either
            for body, feats, _ in rows:
                X.append(feats)
                y.append("yes" if body.key in gold[indicator.key] else "no")
    return X, y


@dataclass(frozen=True)
class LinkModel:
    """A linear model over :func:`pair_features`: a target is linked to each body whose
    probability reaches ``threshold`` and ``ratio`` times the best body's, and to its most
    probable body when none does but that one reaches ``floor``. Where the most probable body
    is the spec's fallback (the overall lead or the issuer, named by no task) it answers alone;
    where the most probable body's best task matches less than ``weak`` of the target's words,
    no task names the target and the issuer answers alone (the spec's last fallback) — or, with
    ``weak_lead``, the plan's overall lead when the document names one (the spec's first
    fallback), else the issuer."""

    model: LinearModel
    threshold: float = 0.5
    floor: float = 0.2
    settings: Mapping[str, Any] = field(default_factory=dict)
    ratio: float = 0.0
    fallback_alone: bool = False
    weak: float = 0.0
    weak_lead: bool = False

    @property
    def features(self) -> tuple[str, ...]:
        """The extra feature groups the model was trained with (none for older models)."""
        return tuple(self.settings.get("features", ()))

    def link(self, doc: Document) -> Document:
        links = []
        for indicator, rows in _pairs(doc, self.features):
            links.extend(Link(indicator.key, m.key) for m in self.choose(rows))
        return doc.with_spans(doc.spans, links)

    def choose(self, rows) -> list[Span]:
        """The mentions to link among one target's ``(body, features, mention)`` rows."""
        scored = [(self.model.probability(f, "yes"), f, mention) for _, f, mention in rows]
        if not scored:
            return []
        top, top_f, top_m = max(scored, key=lambda x: x[0])
        if self.fallback_alone and top >= self.floor and "no_task" in top_f and (
            "issuer" in top_f or "overall_lead" in top_f
        ):
            return [top_m]
        if top_f["ov"] < self.weak:
            lead = next((m for _, f, m in scored if "overall_lead" in f), None) if self.weak_lead else None
            fallback = lead or next((m for _, f, m in scored if "issuer" in f), None)
            if fallback is not None:
                return [fallback]
        chosen = [m for p, _, m in scored if p >= self.threshold and p >= self.ratio * top]
        if not chosen and top >= self.floor:
            chosen = [top_m]
        return chosen

    def save(self, directory: str | Path) -> Path:
        obj = {**self.model.to_json(), "threshold": self.threshold, "floor": self.floor, "ratio": self.ratio,
               "fallback_alone": self.fallback_alone, "weak": self.weak, "weak_lead": self.weak_lead,
               "settings": dict(self.settings)}
        return write_json(Path(directory) / LINK_MODEL_FILE, obj)

    @classmethod
    def load(cls, directory: str | Path) -> LinkModel:
        path = Path(directory) / LINK_MODEL_FILE
        obj = read_json(path, missing=f"{directory}: no link model ({LINK_MODEL_FILE})")
        model = LinearModel.from_json(obj, str(path), allowed=("no", "yes"))
        return cls(model, float(obj.get("threshold", 0.5)), float(obj.get("floor", 0.2)), obj.get("settings", {}),
                   float(obj.get("ratio", 0.0)), bool(obj.get("fallback_alone", False)), float(obj.get("weak", 0.0)),
                   bool(obj.get("weak_lead", False)))


def train_links(docs: Iterable[Document], c: float = 1.0, threshold: float = 0.5, floor: float = 0.2, seed: int = 0,
                features: Sequence[str] = ()) -> LinkModel:
    X, y = link_training_rows(docs, features)
    settings: dict[str, Any] = {"c": c, "seed": seed, "pairs": len(y)}
    if features:
        settings["features"] = list(features)
    return LinkModel(fit_linear(X, y, c=c, seed=seed), threshold, floor, settings)


def crossval_links(docs: Sequence[Document], c: float, settings: Sequence[tuple], folds: int = 5, seed: int = 0,
                   features: Sequence[str] = ()) -> dict[str, dict[str, float]]:
    """Link P/R/F1 per decoding setting ``(threshold, floor[, ratio[, fallback_alone[, weak[, weak_lead]]]])`` by
    document K-fold cross-validation (gold spans and roles); keys are the settings joined by ``/``."""

    linked = [d for d in docs if d.links]
    totals = {tuple(s): PRF() for s in settings}
    for held, rest in shuffled_folds(linked, folds, seed):
        base = train_links(rest, c=c, seed=seed, features=features)
        for doc in held:
            plain = doc.with_spans(doc.spans)
            pairs = list(_pairs(plain, features))  # features once; each setting only decodes
            for setting in totals:
                model = LinkModel(base.model, *setting[:2], {}, *setting[2:])
                links = [Link(i.key, m.key) for i, rows in pairs for m in model.choose(rows)]
                totals[setting] = totals[setting] + link_score(doc, plain.with_spans(plain.spans, links))
    return {"/".join(str(x) for x in s): {"precision": p.precision, "recall": p.recall, "f1": p.f1} for s, p in totals.items()}


@lru_cache(maxsize=4)
def _load_link_model(directory: str) -> LinkModel:
    return LinkModel.load(directory)


def load_link_model(directory: str | Path | None = None) -> LinkModel | None:
    """The link model in ``directory`` (default ``models/links``); None (the rule) when absent."""
    if directory is None:
        if not (DEFAULT_LINK_MODEL / LINK_MODEL_FILE).is_file():
            return None
        directory = DEFAULT_LINK_MODEL
    return _load_link_model(str(Path(directory).resolve()))


def add_responsibility(doc: Document, role_model=None, link_model: LinkModel | None = None) -> Document:
    """Roles on every AGENCY, then links from every target to its responsible bodies (the learned
    linker of ``models/links`` when present, else the rule): the step every tagging system's
    spans go through before records are built."""
    with_roles = assign_roles(doc, role_model)
    model = link_model or load_link_model()
    return model.link(with_roles) if model is not None else link_targets(with_roles)


# ---------------------------------------------------------------------------------------------
# Agency mentions as a table

AGENCY_COLUMNS = ["doc_id", "agency", "role", "start", "end", "heading", "score"]


def agency_rows(doc: Document) -> list[dict[str, object]]:
    """One row per AGENCY mention: the body as written, its role, offsets and the heading it sits
    under (the nearest numbered or lettered heading line above it)."""
    return [
        {
            "doc_id": doc.id,
            "agency": " ".join(doc.span_text(s).split()),
            "role": s.role or "",
            "start": s.start,
            "end": s.end,
            "heading": heading_above(doc.text, s.start),
            "score": None if s.score is None else round(s.score, 4),
        }
        for s in doc.spans
        if s.label == AGENCY
    ]


# The keys of a ``system: links`` config and of its ``grid``, as train_from_config reads them;
# check_config refuses any other before anything is fitted.
CONFIG_KEYS = ("train", "seed", "folds", "grid", "features", "output", "selection_metric")
GRID_KEYS = ("c", "threshold", "floor", "ratio", "fallback_alone", "weak", "weak_lead")


def check_config(config: Mapping[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: links`` config, or of its ``grid``, that no reader knows."""
    check_keys(config, CONFIG_KEYS, config_path)
    check_keys(config.get("grid") or {}, GRID_KEYS, config_path, "grid")


def train_from_config(config: Mapping[str, Any], config_path: Path) -> Path:
    """Choose C and the decoding settings (threshold, floor, ratio, fallback_alone, weak, weak_lead) by document cross-validation (link F1 with gold spans and
    roles), fit on all the config's link-annotated documents, write ``links.json`` and the run
    record."""

    check_config(config, config_path)
    root = Path(config_path).resolve().parent.parent
    paths = [root / p for p in config.get("train", [])]
    docs = [d for p in paths for d in read_documents(p) if d.links]
    seed, folds = int(config.get("seed", 0)), int(config.get("folds", 5))
    grid = config.get("grid") or {}
    settings = [
        (float(t), float(f), float(r), bool(a), float(w), bool(lead))
        for t in grid.get("threshold", [0.5])
        for f in grid.get("floor", [0.2])
        for r in grid.get("ratio", [0.0])
        for a in grid.get("fallback_alone", [False])
        for w in grid.get("weak", [0.0])
        for lead in grid.get("weak_lead", [False])
    ]
    features = tuple(config.get("features") or ())  # extra feature groups (LINK_FEATURES); none by default
    results = {str(c): crossval_links(docs, float(c), settings, folds, seed, features) for c in grid.get("c", [1.0])}
    best_c, best_key = max(((c, k) for c, r in results.items() for k in r), key=lambda ck: results[ck[0]][ck[1]]["f1"])
    threshold, floor, ratio, alone, weak, weak_lead = next(s for s in settings if "/".join(str(x) for x in s) == best_key)
    rule = crossval_rule_links(docs)
    base = train_links(docs, c=float(best_c), threshold=threshold, floor=floor, seed=seed, features=features)
    model = LinkModel(base.model, threshold, floor, base.settings, ratio, alone, weak, weak_lead)
    out = root / config.get("output", "models/links")
    model.save(out)
    RunRecord(
        system="links",
        settings={"c": float(best_c), "threshold": threshold, "floor": floor, "ratio": ratio, "fallback_alone": alone, "weak": weak, "weak_lead": weak_lead, "seed": seed,
                  "features": list(features)},
        labels=("yes", "no"),
        files={"model": LINK_MODEL_FILE},
        code_revision=code_revision(),
        data=data_checksums(**{f"train{i}": p for i, p in enumerate(paths)}),
        config={**dict(config), "selection_metric": config.get("selection_metric", "cv_link_f1")},
        metrics={"cv": results, "chosen": {"c": float(best_c), "threshold": threshold, "floor": floor, "ratio": ratio, "fallback_alone": alone, "weak": weak, "weak_lead": weak_lead},
                 "rule_linker_on_the_same_documents": rule, "documents": len(docs)},
    ).write(out)
    return out


def crossval_rule_links(docs: Sequence[Document], min_overlap: float = 0.5) -> dict[str, float]:
    """The rule linker's link P/R/F1 on the same documents (gold spans and roles; it learns nothing)."""

    total = PRF()
    for doc in docs:
        total = total + link_score(doc, link_targets(doc.with_spans(doc.spans), min_overlap))
    return {"precision": total.precision, "recall": total.recall, "f1": total.f1}
