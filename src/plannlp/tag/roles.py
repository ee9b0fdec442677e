"""Agency roles: what the plan makes a body do at each AGENCY mention (spec, 2026-12-01).

The role belongs to the mention, and the verb that governs the mention decides it: ``Sở Y tế
chủ trì`` is ``lead``, ``phối hợp với Sở Tài chính`` is ``partner``, ``báo cáo UBND tỉnh`` is
``oversight``, ``UBND tỉnh ban hành Kế hoạch`` is ``issuer``. A :class:`RoleClassifier` reads
the words around a mention, the cue phrases of ``resources/role_cues.jsonl``, the column header
of a table cell and the heading above, and scores the four roles with a linear model learned
from gold roles (scikit-learn's logistic regression). The model is stored as JSON (feature
weights), so a model folder holds data only.

Every tagging system gets its roles from here: :func:`assign_roles` runs after the span tagger.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from plannlp.data import DataError, Document, Span
from plannlp.evaluate.metrics import PRF, role_scores
from plannlp.io import MODELS_ROOT, iter_jsonl, read_documents, read_json, write_json
from plannlp.labels import AGENCY, LEAD, ROLES
from plannlp.linear import LinearModel, fit_linear, shuffled_folds
from plannlp.runrecord import RunRecord, code_revision, data_checksums
from plannlp.text import fold, line_offsets
from plannlp.yamlconfig import check_keys

ROLE_MODEL_FILE = "roles.json"
DEFAULT_ROLE_MODEL = MODELS_ROOT / "roles"

_WORD = re.compile(r"\w+|[:;,()]", re.UNICODE)
_HEADING = re.compile(r"^\s*(?:#+\s*|\*\*)?(?:[IVXLC]+\.|\d+(?:\.\d+)*\.?|[a-zđ]\))\s+\S", re.I)
_WINDOW = 6


@dataclass(frozen=True, slots=True)
class Cue:
    cue: str
    side: str  # "before" or "after" the mention
    role: str


@lru_cache(maxsize=1)
def role_cues() -> tuple[Cue, ...]:
    """The cue phrases of ``resources/role_cues.jsonl`` (one JSON object a line)."""
    text = resources.files("plannlp").joinpath("resources", "role_cues.jsonl").read_text(encoding="utf-8")
    cues = []
    for lineno, obj in iter_jsonl(text.splitlines(), "role_cues.jsonl"):
        if obj.get("side") not in ("before", "after") or obj.get("role") not in ROLES:
            raise DataError(f"role_cues.jsonl:{lineno}: a cue needs side before|after and a role of {ROLES}")
        cues.append(Cue(_fold(obj["cue"]), obj["side"], obj["role"]))
    return tuple(cues)


_fold = fold


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


class _Layout:
    """Line offsets, headings and table headers of one text, computed once per document."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[tuple[int, int]] = list(line_offsets(text))
        self._starts = [a for a, _ in self.lines]

    def line_of(self, offset: int) -> int:
        from bisect import bisect_right

        return bisect_right(self._starts, offset) - 1

    def line(self, i: int) -> str:
        a, b = self.lines[i]
        return self.text[a:b]

    def heading_above(self, i: int, limit: int = 80) -> str:
        for j in range(i - 1, max(-1, i - limit), -1):
            line = self.line(j).strip()
            if line and _HEADING.match(line) and len(line) < 160:
                return line
        return ""

    def column_header(self, i: int, offset: int) -> str:
        """The header cell above the cell holding ``offset``, for a row of a pipe table."""
        line = self.line(i)
        if "|" not in line:
            return ""
        col = line[: offset - self.lines[i][0]].count("|")
        j = i
        while j > 0 and "|" in self.line(j - 1):
            j -= 1
        header = self.line(j)
        if j == i:
            return ""
        cells = header.split("|")
        return cells[col].strip() if col < len(cells) else ""


_AGENCY_TAIL = re.compile(r"(sở|ban|bộ|ủy ban|ubnd|trung tâm|cục|chi cục|hội|các|ngành|đơn vị|cơ quan)\b[^,]*,?\s*(?:và\s*)?$")


def _last_cue(clause: str) -> Cue | None:
    """The cue phrase (side ``before``) that ends last in ``clause`` (the longest on a tie)."""
    best: tuple[int, int, Cue] | None = None
    for cue in role_cues():
        if cue.side != "before":
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(cue.cue)}(?!\w)", clause):
            key = (m.end(), len(cue.cue))
            if best is None or key > best[:2]:
                best = (*key, cue)
    return best[2] if best else None


def mention_features(layout: _Layout, span: Span) -> dict[str, float]:
    """Sparse features of one AGENCY mention (names -> values)."""
    text = layout.text
    i = layout.line_of(span.start)
    line_start, line_end = layout.lines[i]
    before_text = text[line_start : span.start]
    after_text = text[span.end : line_end]
    before, after = _words(before_text)[-_WINDOW:], _words(after_text)[:_WINDOW]
    feats: dict[str, float] = {"bias": 1.0}
    for k, w in enumerate(reversed(before), start=1):
        feats[f"L{k}={w}"] = 1.0
        feats[f"Lbag={w}"] = 1.0
    for k, w in enumerate(after, start=1):
        feats[f"R{k}={w}"] = 1.0
        feats[f"Rbag={w}"] = 1.0
    if len(before) >= 2:
        feats[f"L21={before[-2]}_{before[-1]}"] = 1.0
    if len(after) >= 2:
        feats[f"R12={after[0]}_{after[1]}"] = 1.0
    near_before = " ".join(_words(before_text)[-10:])
    near_after = " ".join(_words(after_text)[:10])
    for cue in role_cues():
        where = near_before if cue.side == "before" else near_after
        if re.search(rf"(?<!\w){re.escape(cue.cue)}(?!\w)", where):
            feats[f"cue:{cue.side}:{cue.cue}"] = 1.0
            feats[f"cuerole:{cue.role}"] = feats.get(f"cuerole:{cue.role}", 0.0) + 1.0
    # the verb that governs a mention in a list is often far to its left: "phối hợp với Sở A,
    # Sở B, Sở C" — the last cue of the clause before the mention, however far back in it
    clause_before = _fold(re.split(r"[.;!?](?:\s|$)|\n", text[max(0, span.start - 300) : span.start])[-1])
    last = _last_cue(clause_before)
    if last is not None:
        feats[f"lastcue={last.cue}"] = 1.0
        feats[f"lastcuerole={last.role}"] = 1.0
    if re.search(r"(?:,|\bvà)\s*$", before_text) and _AGENCY_TAIL.search(clause_before):
        feats["in_list"] = 1.0  # "…, Sở B" / "… và Sở B": a list member takes the list's role
        if last is not None:
            feats[f"in_list_cue={last.role}"] = 1.0
    # the rest of the sentence after the mention: "X và Y chủ trì" gives Y's verb to X too
    sentence_after = re.split(r"[.;]\s", after_text, maxsplit=1)[0]
    for verb in ("chủ trì", "phối hợp", "tham mưu", "báo cáo", "ban hành"):
        if verb in _fold(sentence_after):
            feats[f"later:{verb}"] = 1.0
    if not before_text.strip(" -–•*+\t|"):
        feats["line_start"] = 1.0
    header = layout.column_header(i, span.start)
    for w in _words(header)[:6]:
        feats[f"col={w}"] = 1.0
    for w in set(_words(layout.heading_above(i))):
        feats[f"head={w}"] = 1.0
    feats["early"] = 1.0 if span.start < max(400, len(text) // 20) else 0.0
    return feats


@dataclass(frozen=True)
class RoleClassifier:
    """A :class:`~plannlp.linear.LinearModel` over :func:`mention_features`, one class per role."""

    model: LinearModel
    settings: Mapping[str, Any]

    @property
    def classes(self) -> tuple[str, ...]:
        return self.model.classes

    def predict_spans(self, doc: Document) -> list[Span]:
        """``doc``'s spans with a role on every AGENCY (other spans unchanged)."""
        layout = _Layout(doc.text)
        return [
            span.with_role(self.model.best(mention_features(layout, span))) if span.label == AGENCY else span
            for span in doc.spans
        ]

    # --- files: JSON only ---------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        return write_json(Path(directory) / ROLE_MODEL_FILE, {**self.model.to_json(), "settings": dict(self.settings)})

    @classmethod
    def load(cls, directory: str | Path) -> RoleClassifier:
        path = Path(directory) / ROLE_MODEL_FILE
        obj = read_json(path, missing=f"{directory}: no role model ({ROLE_MODEL_FILE})")
        try:
            model = LinearModel.from_json(obj, str(path), allowed=ROLES)
        except DataError as exc:
            raise DataError(f"{exc} (classes must be roles)") from None
        return cls(model, obj.get("settings", {}))


class CueRoles:
    """The rule baseline: the first cue phrase found (after the mention, then before it) decides;
    ``lead`` when none is found (a body given a task alone is its lead)."""

    def predict_spans(self, doc: Document) -> list[Span]:
        layout = _Layout(doc.text)
        out = []
        for span in doc.spans:
            if span.label == AGENCY:
                feats = mention_features(layout, span)
                role = LEAD
                for side in ("after", "before"):
                    found = [c for c in role_cues() if c.side == side and f"cue:{side}:{c.cue}" in feats]
                    if found:
                        role = found[0].role
                        break
                span = span.with_role(role)
            out.append(span)
        return out


def training_rows(docs: Iterable[Document]) -> tuple[list[dict[str, float]], list[str]]:
    """Features and gold roles of every AGENCY mention with a role."""
    X, y = [], []
    for doc in docs:
        layout = _Layout(doc.text)
        for span in doc.spans:
            if span.label == AGENCY and span.role is not None:
                X.append(mention_features(layout, span))
                y.append(span.role)
    return X, y


def train_roles(docs: Iterable[Document], c: float = 1.0, seed: int = 0) -> RoleClassifier:
    """A :class:`RoleClassifier` fitted on the gold roles of ``docs``."""
    X, y = training_rows(docs)
    if len(set(y)) < 2:
        raise DataError("training roles needs AGENCY spans of at least two roles")
    return RoleClassifier(fit_linear(X, y, c=c, seed=seed), {"c": c, "seed": seed, "mentions": len(y)})


@lru_cache(maxsize=4)
def _load_cached(directory: str) -> RoleClassifier:
    return RoleClassifier.load(directory)


def load_role_model(directory: str | Path | None = None) -> RoleClassifier | CueRoles:
    """The role model in ``directory`` (default: ``models/roles``); the cue rules when the default
    folder holds none."""
    if directory is None:
        if not (DEFAULT_ROLE_MODEL / ROLE_MODEL_FILE).is_file():
            return CueRoles()
        directory = DEFAULT_ROLE_MODEL
    return _load_cached(str(Path(directory).resolve()))


def assign_roles(doc: Document, model: RoleClassifier | CueRoles | None = None) -> Document:
    """``doc`` with a predicted role on every AGENCY span (roles it had are replaced)."""
    model = model or load_role_model()
    return doc.with_spans(model.predict_spans(doc))


def heading_above(text: str, offset: int) -> str:
    """The heading line above ``offset`` (``2. Mục tiêu cụ thể``, ``b) Đến năm 2030``), or ""."""
    layout = _Layout(text)
    return layout.heading_above(layout.line_of(offset))


# --- choosing and training the role model from a committed config ------------------------------


def role_prf(gold: Iterable[Document], predicted: Iterable[Document]) -> dict[str, Any]:
    """Accuracy and per-role P/R/F1 of predicted roles on the same AGENCY spans (gold spans given)."""

    totals = {r: PRF() for r in ROLES}
    for g, p in zip(gold, predicted):
        for role, prf in role_scores(g.spans, p.spans, ROLES).items():
            totals[role] = totals[role] + prf
    found = sum(t.tp + t.fn for t in totals.values())
    present = [r for r in ROLES if totals[r].tp + totals[r].fp + totals[r].fn]
    return {
        "accuracy": sum(t.tp for t in totals.values()) / found if found else 0.0,
        "macro_f1": sum(totals[r].f1 for r in present) / len(present) if present else 0.0,
        "per_role": {r: {"precision": totals[r].precision, "recall": totals[r].recall, "f1": totals[r].f1,
                         "support": totals[r].tp + totals[r].fn} for r in ROLES},
        "agencies": found,
    }


def crossval_roles(docs: Sequence[Document], c: float, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Document-level K-fold cross-validation of :func:`train_roles` (round-robin over a seeded
    shuffle); predictions of all folds are pooled before scoring."""
    gold, predicted = [], []
    for held, rest in shuffled_folds(docs, folds, seed):
        model = train_roles(rest, c=c, seed=seed)
        gold.extend(held)
        predicted.extend(d.with_spans(model.predict_spans(d)) for d in held)
    return role_prf(gold, predicted)


# The keys of a ``system: roles`` config and of its ``grid``, as train_from_config reads them;
# check_config refuses any other before anything is fitted.
CONFIG_KEYS = ("train", "seed", "folds", "grid", "output", "selection_metric")
GRID_KEYS = ("c",)


def check_config(config: Mapping[str, Any], config_path: Path | None) -> None:
    """Refuse the keys of a ``system: roles`` config, or of its ``grid``, that no reader knows."""
    check_keys(config, CONFIG_KEYS, config_path)
    check_keys(config.get("grid") or {}, GRID_KEYS, config_path, "grid")


def train_from_config(config: Mapping[str, Any], config_path: Path) -> Path:
    """Choose C by cross-validation, fit on all the config's training files, write the model
    folder (``roles.json`` and the run record ``plannlp.json`` with the config, seed, labels,
    selection metric, data checksums and the CV figures)."""
    import hashlib

    check_config(config, config_path)
    root = Path(config_path).resolve().parent.parent
    paths = [root / p for p in config.get("train", [])]
    docs = [d for p in paths for d in read_documents(p)]
    seed, folds = int(config.get("seed", 0)), int(config.get("folds", 5))
    grid = [float(c) for c in (config.get("grid") or {}).get("c", [1.0])]
    results = {str(c): crossval_roles(docs, c, folds, seed) for c in grid}
    cue = role_prf(docs, [d.with_spans(CueRoles().predict_spans(d)) for d in docs])
    best = max(grid, key=lambda c: results[str(c)]["macro_f1"])
    model = train_roles(docs, c=best, seed=seed)
    out = root / config.get("output", "models/roles")
    model.save(out)
    RunRecord(
        system="roles",
        settings={"c": best, "features": "mention_features (window 6, cues, column header, heading)", "seed": seed},
        labels=tuple(ROLES),
        files={"model": ROLE_MODEL_FILE},
        code_revision=code_revision(),
        data=data_checksums(**{f"train{i}": p for i, p in enumerate(paths)}),
        config={**dict(config), "selection_metric": config.get("selection_metric", "cv_role_macro_f1")},
        metrics={"cv": results, "chosen_c": best, "cue_rules_on_training_data": cue, "mentions": len(training_rows(docs)[1])},
    ).write(out)
    return out
