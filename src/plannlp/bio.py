"""The one converter between spans and tag sequences, shared by training, prediction and scoring.

Each tagging scheme is a row of a table (like seqeval's ``scheme.py``) saying which tag
prefixes open, continue, close or are a whole chunk, and whether a chunk may end without an
explicit closing tag. Decoding is strict by default: a tag that the scheme does not allow at
its position does not start or extend a span (an ``I-X`` after ``O`` is no span, a BIOES
chunk without its ``E-X`` is no span). ``repair=True`` gives the lenient CoNLL reading,
where such a tag begins a new span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plannlp.data import Span
from plannlp.labels import LABELS

OUTSIDE = "O"


@dataclass(frozen=True)
class Scheme:
    name: str
    open: str  # first tag of a multi-token chunk
    inside: str  # middle tags
    close: str | None  # last tag of a multi-token chunk (None: chunks end implicitly)
    single: str | None  # a one-token chunk (None: a one-token chunk is just ``open``)

    @property
    def implicit_end(self) -> bool:
        return self.close is None


SCHEMES: dict[str, Scheme] = {
    "BIO": Scheme("BIO", open="B", inside="I", close=None, single=None),
    "BIOES": Scheme("BIOES", open="B", inside="I", close="E", single="S"),
}


def get_scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name.upper()]
    except KeyError:
        raise ValueError(f"unknown tagging scheme {name!r}; expected one of {', '.join(SCHEMES)}") from None


def tag_names(labels: Sequence[str] = LABELS, scheme: str = "BIO") -> list[str]:
    """The tag inventory, ``O`` first, then each label's tags in scheme order."""
    sch = get_scheme(scheme)
    prefixes = [p for p in (sch.open, sch.inside, sch.close, sch.single) if p]
    return [OUTSIDE] + [f"{p}-{label}" for label in labels for p in prefixes]


def _split(tag: str) -> tuple[str, str | None]:
    if tag == OUTSIDE:
        return OUTSIDE, None
    prefix, sep, label = tag.partition("-")
    if not sep or not label:
        raise ValueError(f"malformed tag {tag!r}")
    return prefix, label


def chunk_prefixes(n: int, scheme: Scheme) -> list[str]:
    """Tag prefixes for one chunk of ``n`` tokens, e.g. BIOES: 1 -> S, 3 -> B I E."""
    if n < 1:
        raise ValueError("a chunk has at least one token")
    if n == 1:
        return [scheme.single or scheme.open]
    if scheme.close is None:
        return [scheme.open] + [scheme.inside] * (n - 1)
    return [scheme.open] + [scheme.inside] * (n - 2) + [scheme.close]


def allowed_transition(prev: str | None, cur: str | None, scheme: str = "BIO") -> bool:
    """Whether tag ``cur`` may follow tag ``prev`` (``None`` = sequence start or end).

    Used for constrained (Viterbi) decoding, so that the decoder only emits sequences
    that :func:`tags_to_chunks` reads without loss.
    """
    sch = get_scheme(scheme)
    open_label = None  # label of a chunk left open by prev
    if prev is not None:
        p, lab = _split(prev)
        if p in (sch.open, sch.inside):
            open_label = lab
    if cur is None:  # end of sequence
        return open_label is None or sch.implicit_end
    c, clab = _split(cur)
    continues = c == sch.inside or (sch.close is not None and c == sch.close)
    if open_label is not None:
        if continues and clab == open_label:
            return True
        if not sch.implicit_end:
            return False
    return not continues


def tags_to_chunks(tags: Sequence[str], scheme: str = "BIO", repair: bool = False) -> list[tuple[int, int, str]]:
    """Token chunks ``(first, last_exclusive, label)`` read from a tag sequence."""
    sch = get_scheme(scheme)
    chunks: list[tuple[int, int, str]] = []
    start: int | None = None
    label: str | None = None

    def finish(end: int, complete: bool) -> None:
        nonlocal start, label
        if start is not None and (complete or sch.implicit_end):
            chunks.append((start, end, label))  # type: ignore[arg-type]
        start, label = None, None

    for i, tag in enumerate(tags):
        p, lab = _split(tag)
        if p == OUTSIDE:
            finish(i, False)
        elif p == sch.open:
            finish(i, False)
            start, label = i, lab
        elif sch.single is not None and p == sch.single:
            finish(i, False)
            chunks.append((i, i + 1, lab))  # type: ignore[arg-type]
        elif p == sch.inside or (sch.close is not None and p == sch.close):
            if start is not None and lab == label:
                if p == sch.close:
                    finish(i + 1, True)
            else:
                finish(i, False)
                if repair:
                    if p == sch.close:
                        chunks.append((i, i + 1, lab))  # type: ignore[arg-type]
                    else:
                        start, label = i, lab
        else:
            raise ValueError(f"tag {tag!r} is not in scheme {sch.name}")
    finish(len(tags), False)
    return chunks


def spans_to_tags(
    spans: Sequence[Span], tokens: Sequence[tuple[int, int]], scheme: str = "BIO"
) -> tuple[list[str], list[Span]]:
    """Tags for ``tokens`` (character ranges, in order) from character spans.

    A span covers the tokens that lie inside it; it must start at a token's start and end at
    a token's end. Spans that do not line up with token boundaries (or cover no token) are
    returned in the second list rather than silently bent, so callers can count them.
    """
    sch = get_scheme(scheme)
    tags = [OUTSIDE] * len(tokens)
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    misaligned: list[Span] = []
    for span in spans:
        first, last = starts.get(span.start), ends.get(span.end)
        if first is None or last is None or last < first:
            misaligned.append(span)
            continue
        for offset, prefix in enumerate(chunk_prefixes(last - first + 1, sch)):
            tags[first + offset] = f"{prefix}-{span.label}"
    return tags, misaligned


def tags_to_spans(
    tags: Sequence[str],
    tokens: Sequence[tuple[int, int]],
    scheme: str = "BIO",
    repair: bool = False,
    scores: Sequence[float] | None = None,
) -> list[Span]:
    """Character spans from tags over ``tokens``; a span's score is the mean of its tokens'."""
    if len(tags) != len(tokens):
        raise ValueError(f"{len(tags)} tags for {len(tokens)} tokens")
    spans = []
    for first, last, label in tags_to_chunks(tags, scheme, repair):
        score = None
        if scores is not None:
            score = float(sum(scores[first:last]) / (last - first))
        spans.append(Span(tokens[first][0], tokens[last - 1][1], label, score))
    return spans
