"""Who answers for which target: links from each INDICATOR to the AGENCY mentions responsible.

The spec's rule (*Agency roles and responsibility*): the bodies responsible for a target are the
``lead`` and ``partner`` mentions of the task the plan gives for that target (the task names the
target's indicator or its subject); where the plan gives no such task, the plan's overall lead
(the body that ``chủ trì`` the implementation of the whole plan); where it names none, the issuer.

:func:`link_targets` makes that rule concrete over a document whose AGENCY spans carry roles:

* A *task* is a line (a paragraph, a list item or a table row) holding a ``lead`` or ``partner``
  mention; a short line ending in ``:`` (``1. Sở Y tế:``) takes the lines under it, up to the next
  line that opens with an agency, as its task text.
* A task *names* a target when it shares enough of the indicator's content words: the share of
  the indicator's syllable bigrams (and, for short indicators, syllables) found in the task text,
  at least ``min_overlap``. The best-sharing task wins; ties go to the first.
* The overall lead is the first ``lead`` mention whose sentence speaks of carrying out the plan
  itself (``chủ trì`` with ``tổ chức thực hiện`` / ``triển khai`` / ``kế hoạch``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Link, Span
from plannlp.labels import AGENCY, INDICATOR, ISSUER, LEAD, PARTNER
from plannlp.io import read_json, write_json
from plannlp.linear import LinearModel, fit_linear, shuffled_folds
from plannlp.roles import assign_roles, heading_above
from plannlp.text import line_offsets, nfc

_SYLLABLE = re.compile(r"\w+", re.UNICODE)
# words that say little about what a target measures
_STOP = frozenset(
    "các của và có được cho trong trên dưới theo với về tại từ đến đạt là một những này đó tỷ lệ số "
    "người mỗi đều hơn ít nhất tối thiểu toàn bộ năm giai đoạn".split()
)
_PLAN_LEAD = re.compile(r"tổ chức thực hiện|triển khai thực hiện|triển khai kế hoạch|thực hiện kế hoạch|kế hoạch này|theo dõi, đôn đốc|đầu mối")


def _fold(text: str) -> str:
    return nfc(text).lower()


def content_syllables(text: str) -> list[str]:
    return [w for w in _SYLLABLE.findall(_fold(text)) if w not in _STOP and not w.isdigit()]


def _bigrams(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


@dataclass(frozen=True)
class _Task:
    start: int
    end: int
    agencies: tuple[Span, ...]  # its lead and partner mentions
    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]


def _tasks(doc: Document) -> list[_Task]:
    lines = list(line_offsets(doc.text))
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
    tasks = []
    for i, mentions in sorted(by_line.items()):
        responsible = tuple(m for m in mentions if m.role in (LEAD, PARTNER))
        if not responsible:
            continue
        a, b = lines[i]
        end = b
        line = doc.text[a:b].rstrip()
        if line.endswith(":") and len(line.split()) <= 12:
            # "1. Sở Y tế:" — the body's tasks follow on the lines below it
            for n in range(i + 1, min(len(lines), i + 40)):
                na, nb = lines[n]
                opens_with_agency = any(m.start - na <= 6 for m in by_line.get(n, ()))
                if opens_with_agency:
                    break
                end = nb
        words = content_syllables(doc.text[a:end])
        tasks.append(_Task(a, end, responsible, frozenset(words), frozenset(_bigrams(words))))
    return tasks


def _overlap(indicator_words: Sequence[str], task: _Task) -> float:
    pairs = _bigrams(indicator_words)
    if len(pairs) >= 2:
        return len(pairs & task.pairs) / len(pairs)
    if not indicator_words:
        return 0.0
    return sum(w in task.words for w in indicator_words) / len(indicator_words)


def overall_lead(doc: Document) -> tuple[Span, ...]:
    """The lead mention(s) of the sentence that gives the plan's implementation to a body."""
    for span in doc.spans:
        if span.label != AGENCY or span.role != LEAD:
            continue
        a = doc.text.rfind("\n", 0, span.start) + 1
        b = doc.text.find("\n", span.end)
        sentence = _fold(doc.text[a : b if b >= 0 else len(doc.text)])
        if "chủ trì" in sentence and _PLAN_LEAD.search(sentence):
            return (span,)
    return ()


def link_targets(doc: Document, min_overlap: float = 0.5) -> Document:
    """``doc`` with links from every INDICATOR to the AGENCY mentions the spec makes responsible.

    AGENCY spans need roles (:func:`plannlp.roles.assign_roles`); existing links are replaced."""
    indicators = [s for s in doc.spans if s.label == INDICATOR]
    if not indicators:
        return doc.with_spans(doc.spans)
    tasks = _tasks(doc)
    fallback = overall_lead(doc) or tuple(
        s for s in doc.spans if s.label == AGENCY and s.role == ISSUER
    )[:1]
    links = []
    for indicator in indicators:
        words = content_syllables(doc.span_text(indicator))
        best, best_score = None, 0.0
        for task in tasks:
            if task.start <= indicator.start < task.end and not words:
                continue
            score = _overlap(words, task)
            if score > best_score:
                best, best_score = task, score
        chosen = best.agencies if best is not None and best_score >= min_overlap else fallback
        links.extend(Link(indicator.key, a.key) for a in chosen)
    return doc.with_spans(doc.spans, links)



# --- a learned linker: which bodies of the document answer for each target --------------------

LINK_MODEL_FILE = "links.json"
DEFAULT_LINK_MODEL = Path(__file__).resolve().parents[2] / "models" / "links"


@dataclass
class _Body:
    key: str
    mentions: list[Span]


def _doc_context(doc: Document) -> dict:
    """What every candidate pair of a document shares: tasks, bodies, the overall lead, lines."""
    from plannlp.records import body_key

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
    # each body's tasks, once per document (not once per target: a long plan has hundreds of each)
    task_of_mention: dict[tuple[int, int], list[_Task]] = {}
    for task in tasks:
        for a in task.agencies:
            task_of_mention.setdefault(a.key, []).append(task)
    body_tasks = {
        b.key: list({id(t): t for m in b.mentions for t in task_of_mention.get(m.key, ())}.values())
        for b in bodies.values()
    }
    return {
        "tasks": tasks,
        "body_tasks": body_tasks,
        "bodies": list(bodies.values()),
        "lead_rank": lead_rank,
        "overall": overall,
        "issuer": issuers[0] if issuers else None,
        "n_agencies": sum(len(b.mentions) for b in bodies.values()),
        "lines": list(line_offsets(doc.text)),
    }


def _bucket(n: float) -> str:
    return str(min(6, int(math.log2(n + 1))))


def pair_features(doc: Document, ctx: dict, indicator: Span) -> list[tuple[_Body, dict[str, float], Span]]:
    """For each body of the document, features of the pair (``indicator``, body) and the mention a
    link would point to (the body's mention in its best-matching task, else its first lead mention)."""
    words = content_syllables(doc.span_text(indicator))
    task_score: dict[int, float] = {id(t): _overlap(words, t) for t in ctx["tasks"]}
    best_any = max(task_score.values(), default=0.0)
    rows = []
    scored = []
    for body in ctx["bodies"]:
        tasks = ctx["body_tasks"][body.key]
        ov = max((task_score[id(t)] for t in tasks), default=0.0)
        scored.append((ov, body, tasks))
    order = sorted(scored, key=lambda x: -x[0])
    rank = {id(b): i for i, (_, b, _) in enumerate(order)}
    for ov, body, tasks in scored:
        roles = [m.role or "none" for m in body.mentions]
        f: dict[str, float] = {}
        f["ov"] = ov
        f["ov_pos"] = 1.0 if ov > 0 else 0.0
        f["ov_ge_half"] = 1.0 if ov >= 0.5 else 0.0
        r = rank[id(body)]
        f[f"ov_rank={min(r, 3)}"] = 1.0 if ov > 0 else 0.0
        f["ov_is_best"] = 1.0 if ov > 0 and ov >= best_any else 0.0
        f["ov_gap"] = best_any - ov
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
            f["overall_lead_no_task"] = 1.0 if best_any < 0.3 else 0.0
        if body.key == ctx["issuer"]:
            f["issuer"] = 1.0
            f["issuer_no_task"] = 1.0 if best_any < 0.3 else 0.0
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
        best_task = max(tasks, key=lambda t: task_score[id(t)], default=None)
        if best_task is not None and task_score[id(best_task)] > 0:
            mention = next(m for m in body.mentions if any(m.key == a.key for a in best_task.agencies))
        else:
            mention = next((m for m in body.mentions if m.role == LEAD), body.mentions[0])
        rows.append((body, f, mention))
    return rows


def _pairs(doc: Document):
    from plannlp.records import body_key

    ctx = _doc_context(doc)
    indicators = [s for s in doc.spans if s.label == INDICATOR]
    ctx["n_targets"] = len(indicators)
    # the spec's rule, made concrete by link_targets, is one more piece of evidence for the model
    ruled = {(link.indicator, body_key(doc.text[link.agency[0] : link.agency[1]])) for link in link_targets(doc, 0.4).links}
    for indicator in indicators:
        rows = pair_features(doc, ctx, indicator)
        for body, feats, _ in rows:
            if (indicator.key, body.key) in ruled:
                feats["rule"] = 1.0
                feats["rule_ov"] = feats["ov"]
        yield indicator, rows


def link_training_rows(docs: Iterable[Document]) -> tuple[list[dict[str, float]], list[str]]:
    """Features of every (target, body) pair of link-annotated documents; ``yes`` where the gold
    links the target to a mention of that body."""
    from plannlp.records import body_key

    X, y = [], []
    for doc in docs:
        if not doc.links:
            continue
        gold: dict[tuple[int, int], set[str]] = {}
        for link in doc.links:
            gold.setdefault(link.indicator, set()).add(body_key(doc.text[link.agency[0] : link.agency[1]]))
        for indicator, rows in _pairs(doc):
            if indicator.key not in gold:
                continue  # a target the annotator could not link: no negative evidence either
            for body, feats, _ in rows:
                X.append(feats)
                y.append("yes" if body.key in gold[indicator.key] else "no")
    return X, y


@dataclass(frozen=True)
class LinkModel:
    """A linear model over :func:`pair_features`: a target is linked to each body whose
    probability reaches ``threshold``, and to its most probable body when none does but that one
    reaches ``floor``."""

    model: LinearModel
    threshold: float = 0.5
    floor: float = 0.2
    settings: Mapping[str, Any] = field(default_factory=dict)

    def link(self, doc: Document) -> Document:
        links = []
        for indicator, rows in _pairs(doc):
            scored = [(self.model.probability(f, "yes"), body, mention) for body, f, mention in rows]
            chosen = [(p, m) for p, _, m in scored if p >= self.threshold]
            if not chosen and scored:
                p, _, m = max(scored, key=lambda x: x[0])
                if p >= self.floor:
                    chosen = [(p, m)]
            links.extend(Link(indicator.key, m.key) for _, m in chosen)
        return doc.with_spans(doc.spans, links)

    def save(self, directory: str | Path) -> Path:
        obj = {**self.model.to_json(), "threshold": self.threshold, "floor": self.floor, "settings": dict(self.settings)}
        return write_json(Path(directory) / LINK_MODEL_FILE, obj)

    @classmethod
    def load(cls, directory: str | Path) -> LinkModel:
        path = Path(directory) / LINK_MODEL_FILE
        obj = read_json(path, missing=f"{directory}: no link model ({LINK_MODEL_FILE})")
        model = LinearModel.from_json(obj, str(path), allowed=("no", "yes"))
        return cls(model, float(obj.get("threshold", 0.5)), float(obj.get("floor", 0.2)), obj.get("settings", {}))


def train_links(docs: Iterable[Document], c: float = 1.0, threshold: float = 0.5, floor: float = 0.2, seed: int = 0) -> LinkModel:
    X, y = link_training_rows(docs)
    return LinkModel(fit_linear(X, y, c=c, seed=seed), threshold, floor, {"c": c, "seed": seed, "pairs": len(y)})


def crossval_links(docs: Sequence[Document], c: float, settings: Sequence[tuple[float, float]], folds: int = 5, seed: int = 0) -> dict[str, dict[str, float]]:
    """Link P/R/F1 per (threshold, floor) by document K-fold cross-validation (gold spans and roles)."""
    from plannlp.evaluate.metrics import PRF, link_score

    linked = [d for d in docs if d.links]
    totals = {s: PRF() for s in settings}
    for held, rest in shuffled_folds(linked, folds, seed):
        base = train_links(rest, c=c, seed=seed)
        for threshold, floor in settings:
            model = LinkModel(base.model, threshold, floor)
            for doc in held:
                totals[(threshold, floor)] = totals[(threshold, floor)] + link_score(doc, model.link(doc.with_spans(doc.spans)))
    return {f"{t}/{f}": {"precision": p.precision, "recall": p.recall, "f1": p.f1} for (t, f), p in totals.items()}


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


def train_from_config(config: Mapping[str, Any], config_path: Path) -> Path:
    """Choose C, threshold and floor by document cross-validation (link F1 with gold spans and
    roles), fit on all the config's link-annotated documents, write ``links.json`` and the run
    record."""
    from plannlp.io import read_documents
    from plannlp.runrecord import RunRecord, code_revision, data_checksums

    root = Path(config_path).resolve().parent.parent
    paths = [root / p for p in config.get("train", [])]
    docs = [d for p in paths for d in read_documents(p) if d.links]
    seed, folds = int(config.get("seed", 0)), int(config.get("folds", 5))
    grid = config.get("grid") or {}
    settings = [(float(t), float(f)) for t in grid.get("threshold", [0.5]) for f in grid.get("floor", [0.2])]
    results = {str(c): crossval_links(docs, float(c), settings, folds, seed) for c in grid.get("c", [1.0])}
    best_c, best_key = max(((c, k) for c, r in results.items() for k in r), key=lambda ck: results[ck[0]][ck[1]]["f1"])
    threshold, floor = (float(x) for x in best_key.split("/"))
    rule = crossval_rule_links(docs)
    model = train_links(docs, c=float(best_c), threshold=threshold, floor=floor, seed=seed)
    out = root / config.get("output", "models/links")
    model.save(out)
    RunRecord(
        system="links",
        settings={"c": float(best_c), "threshold": threshold, "floor": floor, "seed": seed},
        labels=("yes", "no"),
        files={"model": LINK_MODEL_FILE},
        code_revision=code_revision(),
        data=data_checksums(**{f"train{i}": p for i, p in enumerate(paths)}),
        config={**dict(config), "selection_metric": config.get("selection_metric", "cv_link_f1")},
        metrics={"cv": results, "chosen": {"c": float(best_c), "threshold": threshold, "floor": floor},
                 "rule_linker_on_the_same_documents": rule, "documents": len(docs)},
    ).write(out)
    return out


def crossval_rule_links(docs: Sequence[Document], min_overlap: float = 0.4) -> dict[str, float]:
    """The rule linker's link P/R/F1 on the same documents (gold spans and roles; it learns nothing)."""
    from plannlp.evaluate.metrics import PRF, link_score

    total = PRF()
    for doc in docs:
        total = total + link_score(doc, link_targets(doc.with_spans(doc.spans), min_overlap))
    return {"precision": total.precision, "recall": total.recall, "f1": total.f1}
