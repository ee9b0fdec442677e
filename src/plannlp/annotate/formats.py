"""Documents to and from the formats of annotation tools and of Vietnamese NER corpora.

- Label Studio: a JSON list of tasks ``{"data": {"text", "doc_id", "meta"}, "predictions"|"annotations":
  [{"result": [{"value": {"start", "end", "text", "labels": [L]}, ...}]}]}``. Export writes spans as
  ``predictions`` (pre-annotation an annotator corrects) or ``annotations``; import reads the
  completed annotations of an export (the latest one that is not cancelled), else the predictions.
- Doccano sequence labelling JSONL: ``{"text", "label": [[start, end, L]], "doc_id", "meta"}``.
- CoNLL/BIO in the PhoNER_COVID19 style: one word per line (syllables joined by ``_``), a space and its
  BIO tag, a blank line between sentences; ``# doc_id = ...`` opens each document. Words come from
  :func:`plannlp.segment.segment`; spans that do not start and end on word boundaries are reported,
  not bent. Reading a CoNLL file rebuilds the text from its words (joined by single spaces), so a
  round trip keeps every aligned span's words and label, not the original offsets or line layout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plannlp.bio import spans_to_tags, tags_to_spans
from plannlp.data import DataError, Document, Link, Span
from plannlp.io import atomic_writer, iter_jsonl, utf8_lines
from plannlp.segment import segment

FORMATS: tuple[str, ...] = ("labelstudio", "doccano", "conll")

# Label Studio's labelling config names: <Labels name="label" toName="text"> over <Text name="text">
LS_FROM_NAME = "label"
LS_TO_NAME = "text"
LS_ROLE_NAME = "role"  # per-region choices: an AGENCY's role
LS_RELATION = "responsible"  # relation INDICATOR -> AGENCY: the body answers for the target

LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="INDICATOR"/><Label value="VALUE"/><Label value="COMPARATOR"/>
    <Label value="YEAR"/><Label value="AGENCY"/>
  </Labels>
  <Choices name="role" toName="text" perRegion="true" visibleWhen="region-selected" whenLabelValue="AGENCY">
    <Choice value="issuer"/><Choice value="lead"/><Choice value="partner"/><Choice value="oversight"/>
  </Choices>
  <Relations><Relation value="responsible"/></Relations>
  <Text name="text" value="$text"/>
</View>
"""


# --- Label Studio ---------------------------------------------------------------------------


def _ls_id(doc: Document, s: Span) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{doc.id}/{s.start}/{s.end}/{s.label}").hex[:10]


def _ls_result(doc: Document) -> list[dict[str, Any]]:
    """Regions (labels), each AGENCY's role as a per-region choice with the region's id, and the
    links as ``responsible`` relations."""
    out: list[dict[str, Any]] = []
    for s in doc.spans:
        value = {"start": s.start, "end": s.end, "text": doc.span_text(s)}
        region = {"id": _ls_id(doc, s), "from_name": LS_FROM_NAME, "to_name": LS_TO_NAME}
        out.append({**region, "type": "labels", "value": {**value, "labels": [s.label]},
                    **({"score": s.score} if s.score is not None else {})})
        if s.role is not None:
            out.append({**region, "from_name": LS_ROLE_NAME, "type": "choices", "value": {**value, "choices": [s.role]}})
    by_key = {s.key: s for s in doc.spans}
    for link in doc.links:
        out.append({
            "type": "relation", "direction": "right", "labels": [LS_RELATION],
            "from_id": _ls_id(doc, by_key[link.indicator]), "to_id": _ls_id(doc, by_key[link.agency]),
        })
    return out


def to_labelstudio(docs: Iterable[Document], as_predictions: bool = True, model_version: str = "plannlp") -> list[dict[str, Any]]:
    """Label Studio tasks; spans go in ``predictions`` (pre-annotation) or ``annotations``."""
    tasks = []
    for doc in docs:
        task: dict[str, Any] = {"data": {"text": doc.text, "doc_id": doc.id, "meta": dict(doc.meta)}}
        if as_predictions:
            task["predictions"] = [{"model_version": model_version, "result": _ls_result(doc)}]
        else:
            task["annotations"] = [{"result": _ls_result(doc)}]
        tasks.append(task)
    return tasks


def _ls_spans(text: str, results: Sequence[Mapping[str, Any]], where: str) -> tuple[list[Span], list[Link]]:
    """Spans (with roles from per-region choices) and links (``responsible`` relations)."""
    spans = []
    ids: dict[Any, int] = {}
    roles: dict[Any, str] = {}
    relations = []
    for result in results:
        kind = result.get("type", "labels")
        if kind == "choices" and result.get("from_name") == LS_ROLE_NAME:
            choices = (result.get("value") or {}).get("choices") or []
            if len(choices) != 1:
                raise DataError(f"{where}: a role needs exactly one choice, got {choices!r}")
            roles[result.get("id")] = choices[0]
            continue
        if kind == "relation":
            relations.append(result)
            continue
        if kind != "labels":
            continue  # text areas, other controls: not spans
        value = result.get("value") or {}
        labels = value.get("labels") or []
        if len(labels) != 1:
            raise DataError(f"{where}: a region needs exactly one label, got {labels!r}")
        try:
            span = Span(int(value["start"]), int(value["end"]), labels[0], result.get("score"))
        except KeyError as exc:
            raise DataError(f"{where}: a region lacks {exc.args[0]!r}") from None
        quoted = value.get("text")
        if quoted is not None and quoted != text[span.start : span.end]:
            raise DataError(
                f"{where}: region [{span.start}, {span.end}) says {quoted!r} but the text there is "
                f"{text[span.start:span.end]!r}"
            )
        ids[result.get("id")] = len(spans)
        spans.append(span)
    for region_id, role in roles.items():
        if region_id not in ids:
            raise DataError(f"{where}: a role names region {region_id!r}, which is not in the task")
        try:
            spans[ids[region_id]] = spans[ids[region_id]].with_role(role)
        except DataError as exc:
            raise DataError(f"{where}: {exc}") from None
    links = []
    for rel in relations:
        if rel.get("from_id") not in ids or rel.get("to_id") not in ids:
            raise DataError(f"{where}: relation {rel.get('from_id')} -> {rel.get('to_id')} names a region not in the task")
        links.append(Link(spans[ids[rel["from_id"]]].key, spans[ids[rel["to_id"]]].key))
    return spans, links


def from_labelstudio(tasks: Sequence[Mapping[str, Any]], source: str = "<labelstudio>") -> list[Document]:
    """Documents from Label Studio tasks (an export of completed annotations, or pre-annotations)."""
    if not isinstance(tasks, list):
        raise DataError(f"{source}: a Label Studio export is a JSON list of tasks")
    docs = []
    for i, task in enumerate(tasks):
        where = f"{source}: task {task.get('id', i)}"
        data = task.get("data") or {}
        text = data.get(LS_TO_NAME)
        if not isinstance(text, str):
            raise DataError(f"{where}: data.{LS_TO_NAME} is missing")
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if done:
            # the latest completed annotation wins (Label Studio lists them in creation order)
            chosen, origin = done[-1], "annotations"
        elif task.get("predictions"):
            chosen, origin = task["predictions"][-1], "predictions"
        else:
            chosen, origin = {"result": []}, "none"
        spans, links = _ls_spans(text, chosen.get("result") or [], where)
        meta = dict(data.get("meta") or {})
        if origin == "annotations" and chosen.get("completed_by") is not None:
            meta["labelled_by"] = f"labelstudio:{chosen['completed_by']}"
        doc_id = str(data.get("doc_id") or task.get("id") or f"task-{i}")
        try:
            doc = Document(doc_id, text, tuple(spans), meta, links=tuple(links))
        except DataError as exc:
            raise DataError(f"{where}: {exc}") from None
        if meta.get("checksum") and meta["checksum"] != doc.checksum:
            raise DataError(f"{where}: the text of {doc_id} differs from the one exported (checksum)")
        docs.append(doc)
    return docs


# --- Doccano --------------------------------------------------------------------------------


def to_doccano(docs: Iterable[Document]) -> Iterator[dict[str, Any]]:
    for doc in docs:
        yield {
            "doc_id": doc.id,
            "text": doc.text,
            "label": [[s.start, s.end, role_label(s)] for s in doc.spans],
            # Doccano's relation form: entity ids are span indices in `label`
            "relations": _doccano_relations(doc),
            "meta": dict(doc.meta),
        }


def role_label(span: Span) -> str:
    """``AGENCY:lead`` for an AGENCY with a role, else the label: how tools that know only
    labels carry the role."""
    return f"{span.label}:{span.role}" if span.role else span.label


def span_from_role_label(start: int, end: int, name: str, score: float | None = None) -> Span:
    label, _, role = str(name).partition(":")
    return Span(start, end, label, score, role or None)


def _doccano_relations(doc: Document) -> list[dict[str, Any]]:
    index = {s.key: i for i, s in enumerate(doc.spans)}
    return [
        {"from_id": index[link.indicator], "to_id": index[link.agency], "type": "responsible"}
        for link in doc.links
    ]


def from_doccano(lines: Iterable[str], source: str = "<doccano>") -> list[Document]:
    """Documents from Doccano sequence-labelling JSONL (``label`` or, in newer exports, ``entities``)."""
    docs = []
    for lineno, obj in iter_jsonl(lines, source):
        where = f"{source}:{lineno}"
        text = obj.get("text")
        if not isinstance(text, str):
            raise DataError(f"{where}: 'text' is missing")
        raw = obj.get("label", obj.get("entities", []))
        spans = []
        ids: dict[Any, Span] = {}
        for i, item in enumerate(raw):
            entity_id = i
            if isinstance(item, Mapping):  # doccano >= 1.6 entities
                entity_id = item.get("id", i)
                item = [item.get("start_offset"), item.get("end_offset"), item.get("label")]
            if not (isinstance(item, (list, tuple)) and len(item) == 3):
                raise DataError(f"{where}: a label is [start, end, LABEL], got {item!r}")
            try:
                span = span_from_role_label(item[0], item[1], item[2])
            except DataError as exc:
                raise DataError(f"{where}: {exc}") from None
            spans.append(span)
            ids[entity_id] = span
        links = []
        for rel in obj.get("relations") or []:
            if not isinstance(rel, Mapping) or rel.get("from_id") not in ids or rel.get("to_id") not in ids:
                raise DataError(f"{where}: relation {rel!r} names an entity that is not in the document")
            links.append(Link(ids[rel["from_id"]].key, ids[rel["to_id"]].key))
        doc_id = str(obj.get("doc_id") or obj.get("id") or f"line-{lineno}")
        try:
            docs.append(Document(doc_id, text, tuple(spans), obj.get("meta") or {}, links=tuple(links)))
        except DataError as exc:
            raise DataError(f"{where}: {exc}") from None
    return docs


# --- CoNLL / BIO ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConllExport:
    text: str  # the CoNLL file's content
    misaligned: tuple[tuple[str, Span, str], ...]  # (doc id, span, surface) not on word boundaries


def to_conll(docs: Iterable[Document], scheme: str = "BIO") -> ConllExport:
    """Word-level CoNLL of ``docs``: words from :func:`plannlp.segment.segment`, tags from
    :func:`plannlp.bio.spans_to_tags`. Misaligned spans are left out and returned."""

    out: list[str] = []
    misaligned: list[tuple[str, Span, str]] = []
    for doc in docs:
        out.append(f"# doc_id = {doc.id}")
        sentences = segment(doc.text)
        tokens = [(t.start, t.end) for s in sentences for t in s.tokens]
        tags, bad = spans_to_tags(doc.spans, tokens, scheme)
        misaligned.extend((doc.id, s, doc.span_text(s)) for s in bad)
        i = 0
        for sentence in sentences:
            for token in sentence.tokens:
                out.append(f"{token.form} {tags[i]}")
                i += 1
            out.append("")
    return ConllExport("\n".join(out) + "\n", tuple(misaligned))


def from_conll(lines: Iterable[str], scheme: str = "BIO", source: str = "<conll>") -> list[Document]:
    """Documents from word-level CoNLL; each sentence becomes a line of text, words joined by spaces
    (``_`` inside a word becomes a space again)."""

    docs: list[Document] = []
    doc_id: str | None = None
    sentences: list[list[tuple[str, str]]] = [[]]

    def finish() -> None:
        words = [s for s in sentences if s]
        if doc_id is None and not words:
            return
        text_lines, tokens, tags = [], [], []
        offset = 0
        for sentence in words:
            parts = []
            for word, tag in sentence:
                surface = word.replace("_", " ")
                tokens.append((offset, offset + len(surface)))
                tags.append(tag)
                parts.append(surface)
                offset += len(surface) + 1
            text_lines.append(" ".join(parts))
        text = "\n".join(text_lines)
        try:
            spans = tags_to_spans(tags, tokens, scheme)
        except ValueError as exc:
            raise DataError(f"{source}: document {doc_id}: {exc}") from None
        docs.append(Document(doc_id or f"conll-{len(docs)}", text, tuple(spans)))

    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if line.startswith("# doc_id = ") or line.startswith("-DOCSTART-"):
            finish()
            doc_id = line[len("# doc_id = ") :].strip() if line.startswith("#") else None
            sentences = [[]]
        elif not line.strip():
            if sentences[-1]:
                sentences.append([])
        elif line.startswith("#"):
            continue
        else:
            parts = line.split()
            if len(parts) < 2:
                raise DataError(f"{source}:{lineno}: expected 'word TAG', got {line!r}")
            sentences[-1].append((parts[0], parts[-1]))
    finish()
    return docs


# --- files ----------------------------------------------------------------------------------


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def export_documents(docs: Sequence[Document], fmt: str, out: str | Path, as_predictions: bool = True) -> list[tuple[str, Span, str]]:
    """Write ``docs`` in ``fmt`` to ``out``; returns the spans that could not be written (CoNLL)."""

    _check_format(fmt)
    with atomic_writer(out) as fh:
        if fmt == "labelstudio":
            json.dump(to_labelstudio(docs, as_predictions), fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            return []
        if fmt == "doccano":
            for obj in to_doccano(docs):
                fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            return []
        export = to_conll(docs)
        fh.write(export.text)
        return list(export.misaligned)


def import_documents(path: str | Path, fmt: str) -> list[Document]:
    path = Path(path)
    _check_format(fmt)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    fh = utf8_lines(path)
    if fmt == "labelstudio":
        try:
            tasks = json.load(fh)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON: {exc.msg} (line {exc.lineno})") from None
        return from_labelstudio(tasks, source=str(path))
    if fmt == "doccano":
        return from_doccano(fh, source=str(path))
    return from_conll(fh, source=str(path))
