"""The one data model every stage passes on.

A :class:`Document` is cleaned text plus metadata; its :class:`Span` s are character ranges
``[start, end)`` into that text. Both are frozen: a stage that changes spans returns a new
document (:meth:`Document.with_spans`). Gold and predicted annotations of the same text are
kept apart in an :class:`Example`, as spaCy does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from plannlp.labels import AGENCY, INDICATOR, ROLES, is_label_name


class DataError(ValueError):
    """Malformed data: the message names what is wrong (and, from readers, the file and line)."""


CHECKSUM_PREFIX = "sha256:"  # the one checksum format: sha256:<hex> (texts, raw bytes, files)


def bytes_checksum(raw: bytes) -> str:
    return CHECKSUM_PREFIX + hashlib.sha256(raw).hexdigest()


def text_checksum(text: str) -> str:
    return bytes_checksum(text.encode("utf-8"))


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A labelled character range ``[start, end)``; ``score`` is a model's confidence in [0, 1].

    ``role`` is what the plan makes an AGENCY do at this mention (one of :data:`plannlp.labels.ROLES`);
    other labels carry none. Role and score do not take part in comparisons: two spans are the
    same span when offsets and label agree (strict matching), and roles are scored apart."""

    start: int
    end: int
    label: str
    score: float | None = field(default=None, compare=False)
    role: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # bool is an int in Python: "end": true would silently be offset 1
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or isinstance(
            self.start, bool
        ) or isinstance(self.end, bool):
            raise DataError(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if not 0 <= self.start < self.end:
            raise DataError(f"span [{self.start}, {self.end}) is empty or negative")
        if not is_label_name(self.label):
            raise DataError(f"label {self.label!r} is not a label name (a letter, then letters, digits, _ . -)")
        if self.role is not None:
            if self.label != AGENCY:
                raise DataError(f"span [{self.start}, {self.end}) {self.label}: only AGENCY spans carry a role")
            if self.role not in ROLES:
                raise DataError(f"unknown agency role {self.role!r}; expected one of {', '.join(ROLES)}")
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise DataError(f"span score {self.score!r} is outside [0, 1]")

    def text(self, doc_text: str) -> str:
        return doc_text[self.start : self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def key(self) -> tuple[int, int]:
        """The offsets, which is how links name a span."""
        return (self.start, self.end)

    def with_role(self, role: str | None) -> Span:
        return replace(self, role=role)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        if self.role is not None:
            out["role"] = self.role
        if self.score is not None:
            out["score"] = round(self.score, 6)
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Span:
        if not isinstance(obj, Mapping):
            raise DataError(f"a span must be an object, got {type(obj).__name__}")
        missing = [k for k in ("start", "end", "label") if k not in obj]
        if missing:
            raise DataError(f"span {dict(obj)!r} lacks {', '.join(missing)}")
        return cls(obj["start"], obj["end"], obj["label"], obj.get("score"), obj.get("role"))


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """A target's responsible body: an INDICATOR span linked to an AGENCY span, each by offsets."""

    indicator: tuple[int, int]
    agency: tuple[int, int]

    def __post_init__(self) -> None:
        for name in ("indicator", "agency"):
            value = getattr(self, name)
            if (
                not isinstance(value, (tuple, list))
                or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            ):
                raise DataError(f"link {name} must be a [start, end] pair of integers, got {value!r}")
            object.__setattr__(self, name, (value[0], value[1]))

    def to_json(self) -> dict[str, Any]:
        return {"indicator": list(self.indicator), "agency": list(self.agency)}

    @classmethod
    def from_json(cls, obj: Any) -> Link:
        if not isinstance(obj, Mapping) or "indicator" not in obj or "agency" not in obj:
            raise DataError(f"a link must be an object with 'indicator' and 'agency', got {obj!r}")
        ind, ag = obj["indicator"], obj["agency"]
        return cls(tuple(ind) if isinstance(ind, list) else ind, tuple(ag) if isinstance(ag, list) else ag)


class FrozenMeta(dict):
    """Read-only metadata: a dict (so it pickles and serialises as JSON) that refuses changes."""

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("document metadata is read-only; use Document.with_meta")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]
    __ior__ = _read_only  # type: ignore[assignment]

    def __reduce__(self):
        return (FrozenMeta, (dict(self),))


@dataclass(frozen=True, slots=True)
class Document:
    """Cleaned text with its spans, optional labelled ``regions`` and metadata.

    ``regions`` (gold only) lists the character ranges that were labelled in full; ``None``
    means the whole document was. Training and scoring ignore text outside them.
    ``links`` name, for each target (INDICATOR span), the AGENCY spans responsible for it; both
    ends must be spans of the document.
    Metadata keys in use: source, url, title, date, licence, checksum, stage, labelled_by.
    """

    id: str
    text: str
    spans: tuple[Span, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    regions: tuple[tuple[int, int], ...] | None = None
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise DataError(f"document id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.text, str):
            raise DataError(f"document {self.id}: text must be a string")
        spans = tuple(sorted(self.spans))
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "meta", FrozenMeta(self.meta or {}))
        n = len(self.text)
        for span in spans:
            if span.end > n:
                raise DataError(
                    f"document {self.id}: span [{span.start}, {span.end}) {span.label} "
                    f"ends past the text ({n} characters)"
                )
        for a, b in zip(spans, spans[1:]):
            if a.overlaps(b):
                raise DataError(
                    f"document {self.id}: spans overlap: [{a.start}, {a.end}) {a.label} "
                    f"{self.text[a.start:a.end]!r} and [{b.start}, {b.end}) {b.label} "
                    f"{self.text[b.start:b.end]!r}"
                )
        if self.regions is not None:
            regions = tuple(sorted((int(s), int(e)) for s, e in self.regions))
            for s, e in regions:
                if not 0 <= s < e <= n:
                    raise DataError(f"document {self.id}: region [{s}, {e}) is outside the text")
            for (s1, e1), (s2, e2) in zip(regions, regions[1:]):
                if s2 < e1:
                    raise DataError(f"document {self.id}: regions [{s1}, {e1}) and [{s2}, {e2}) overlap")
            for span in spans:
                if not any(s <= span.start and span.end <= e for s, e in regions):
                    raise DataError(
                        f"document {self.id}: span [{span.start}, {span.end}) lies outside the "
                        "labelled regions"
                    )
            object.__setattr__(self, "regions", regions)
        links = tuple(sorted(set(self.links)))
        if links:
            by_key = {s.key: s for s in spans}
            for link in links:
                for end, label in ((link.indicator, INDICATOR), (link.agency, AGENCY)):
                    span = by_key.get(end)
                    if span is None or span.label != label:
                        raise DataError(
                            f"document {self.id}: link {link.indicator} -> {link.agency} names "
                            f"[{end[0]}, {end[1]}), which is not a {label} span of the document"
                        )
        object.__setattr__(self, "links", links)

    @property
    def checksum(self) -> str:
        return text_checksum(self.text)

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def with_spans(self, spans: Iterable[Span], links: Iterable[Link] = ()) -> Document:
        """The same document with other spans; links are replaced too (they name spans)."""
        return replace(self, spans=tuple(spans), links=tuple(links))

    def responsible_for(self, indicator: Span) -> tuple[Span, ...]:
        """The AGENCY spans linked to ``indicator``, in document order."""
        by_key = {s.key: s for s in self.spans}
        return tuple(by_key[link.agency] for link in self.links if link.indicator == indicator.key)

    def with_meta(self, **updates: Any) -> Document:
        return replace(self, meta={**self.meta, **updates})

    def in_regions(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies inside a labelled region (always true without regions):
        what was labelled, so what training and learning may use."""
        if self.regions is None:
            return True
        return any(s <= start and end <= e for s, e in self.regions)

    def touches_regions(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a labelled region (always true without regions): a
        prediction there is scored (one straddling a region's edge is a boundary error)."""
        if self.regions is None:
            return True
        return any(start < e and s < end for s, e in self.regions)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "spans": [s.to_json() for s in self.spans],
        }
        if self.regions is not None:
            out["regions"] = [list(r) for r in self.regions]
        if self.links:
            out["links"] = [link.to_json() for link in self.links]
        if self.meta:
            out["meta"] = dict(self.meta)
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Document:
        if not isinstance(obj, Mapping):
            raise DataError(f"a document must be a JSON object, got {type(obj).__name__}")
        for key in ("id", "text"):
            if key not in obj:
                raise DataError(f"document lacks {key!r}")
        raw_spans = obj.get("spans", [])
        if not isinstance(raw_spans, list):
            raise DataError("'spans' must be a list")
        regions = obj.get("regions")
        if regions is not None and (
            not isinstance(regions, list)
            or not all(
                isinstance(r, (list, tuple)) and len(r) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in r)
                for r in regions
            )
        ):
            raise DataError("'regions' must be a list of [start, end] pairs of integers")
        meta = obj.get("meta", {})
        if not isinstance(meta, Mapping):
            raise DataError("'meta' must be an object")
        raw_links = obj.get("links", [])
        if not isinstance(raw_links, list):
            raise DataError("'links' must be a list")
        doc = cls(
            id=str(obj["id"]),
            text=obj["text"],
            spans=tuple(Span.from_json(s) for s in raw_spans),
            meta=meta,
            regions=None if regions is None else tuple(tuple(r) for r in regions),
            links=tuple(Link.from_json(link) for link in raw_links),
        )
        expected = meta.get("checksum")
        if expected and expected != doc.checksum:
            raise DataError(
                f"document {doc.id}: text checksum {doc.checksum} differs from the recorded {expected}"
            )
        return doc


@dataclass(frozen=True, slots=True)
class Example:
    """A predicted and a reference (gold) annotation of the same text."""

    predicted: Document
    reference: Document

    def __post_init__(self) -> None:
        if self.predicted.id != self.reference.id:
            raise DataError(f"example pairs documents {self.predicted.id} and {self.reference.id}")
        if self.predicted.text != self.reference.text:
            raise DataError(f"document {self.reference.id}: predicted and gold texts differ")


@dataclass(frozen=True, slots=True)
class TargetRecord:
    """One target of a plan, as the spec defines it: an INDICATOR with the VALUE(s),
    COMPARATOR(s) and YEAR that govern it, the plan's issuer and the bodies responsible for the
    target (leads first, then partners); no other body of the document."""

    doc_id: str
    indicator: Span
    values: tuple[Span, ...] = ()
    comparators: tuple[Span, ...] = ()
    year: Span | None = None
    issuer: tuple[Span, ...] = ()
    responsible: tuple[Span, ...] = ()
    # the YEAR of each value, aligned with ``values`` (empty: every value has ``year``): a YEAR
    # standing between two values governs the later ones (``năm 2025 đạt trên 8% và năm 2026 đạt từ
    # 10%``; records.extract_records says how). Not part of the record's identity in the metric.
    value_years: tuple[Span | None, ...] = ()

    def __post_init__(self) -> None:
        if self.value_years and len(self.value_years) != len(self.values):
            raise DataError(
                f"record of {self.indicator!r} in {self.doc_id}: {len(self.value_years)} value years for {len(self.values)} values"
            )

    def year_of(self, k: int) -> Span | None:
        """The YEAR governing the ``k``-th value."""
        return self.value_years[k] if self.value_years else self.year
