import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plannlp.bio import (
    allowed_transition,
    tag_names,
    tags_to_chunks,
    tags_to_spans,
    spans_to_tags,
)
from plannlp.data import Span
from plannlp.labels import LABELS

TOKENS = [(0, 3), (4, 8), (9, 13), (14, 18), (19, 22)]


def test_tag_inventory():
    assert tag_names(scheme="BIO")[:3] == ["O", "B-INDICATOR", "I-INDICATOR"]
    assert len(tag_names(scheme="BIO")) == 1 + 2 * len(LABELS)
    assert len(tag_names(scheme="BIOES")) == 1 + 4 * len(LABELS)
    with pytest.raises(ValueError, match="unknown tagging scheme"):
        tag_names(scheme="IOX")


@pytest.mark.parametrize(
    "tags, strict, lenient",
    [
        (["B-VALUE", "I-VALUE", "O"], [(0, 2, "VALUE")], [(0, 2, "VALUE")]),
        (["O", "I-YEAR", "I-YEAR"], [], [(1, 3, "YEAR")]),
        (["B-VALUE", "I-YEAR", "O"], [(0, 1, "VALUE")], [(0, 1, "VALUE"), (1, 2, "YEAR")]),
        (["B-VALUE", "B-VALUE"], [(0, 1, "VALUE"), (1, 2, "VALUE")], [(0, 1, "VALUE"), (1, 2, "VALUE")]),
    ],
)
def test_bio_strict_and_repaired_decoding(tags, strict, lenient):
    assert tags_to_chunks(tags) == strict
    assert tags_to_chunks(tags, repair=True) == lenient


@pytest.mark.parametrize(
    "tags, strict",
    [
        (["B-YEAR", "E-YEAR"], [(0, 2, "YEAR")]),
        (["S-VALUE", "B-YEAR", "I-YEAR", "E-YEAR"], [(0, 1, "VALUE"), (1, 4, "YEAR")]),
        (["B-YEAR", "I-YEAR", "O"], []),  # never closed
        (["B-YEAR", "E-VALUE"], []),
        (["B-YEAR"], []),
    ],
)
def test_bioes_strict_decoding(tags, strict):
    assert tags_to_chunks(tags, "BIOES") == strict


def test_spans_to_tags_and_back():
    spans = [Span(0, 8, "COMPARATOR"), Span(14, 22, "VALUE")]
    tags, misaligned = spans_to_tags(spans, TOKENS)
    assert tags == ["B-COMPARATOR", "I-COMPARATOR", "O", "B-VALUE", "I-VALUE"]
    assert misaligned == []
    assert tags_to_spans(tags, TOKENS) == spans
    tags, _ = spans_to_tags(spans, TOKENS, "BIOES")
    assert tags == ["B-COMPARATOR", "E-COMPARATOR", "O", "B-VALUE", "E-VALUE"]


def test_misaligned_spans_are_returned_not_bent():
    spans = [Span(1, 8, "VALUE"), Span(9, 12, "YEAR")]
    tags, misaligned = spans_to_tags(spans, TOKENS)
    assert tags == ["O"] * 5 and misaligned == spans


def test_span_scores_are_token_means():
    (span,) = tags_to_spans(["O", "B-YEAR", "I-YEAR", "O", "O"], TOKENS, scores=[1, 0.5, 1.0, 1, 1])
    assert span == Span(4, 13, "YEAR") and span.score == pytest.approx(0.75)


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
def test_allowed_transitions_accept_exactly_the_sequences_strict_decoding_keeps(scheme):
    tags = tag_names(["VALUE", "YEAR"], scheme)
    for length in (1, 2, 3):
        for seq in itertools.product(tags, repeat=length):
            path = [None, *seq, None]
            allowed = all(allowed_transition(a, b, scheme) for a, b in zip(path, path[1:]))
            chunks = tags_to_chunks(list(seq), scheme)
            covered = sum(e - s for s, e, _ in chunks)
            non_o = sum(t != "O" for t in seq)
            assert allowed == (covered == non_o), (scheme, seq)


@st.composite
def spans_over_tokens(draw):
    n = draw(st.integers(1, 12))
    tokens, pos = [], 0
    for _ in range(n):
        length = draw(st.integers(1, 4))
        tokens.append((pos, pos + length))
        pos += length + 1
    spans, i = [], 0
    while i < n:
        if draw(st.booleans()):
            j = draw(st.integers(i, n - 1))
            spans.append(Span(tokens[i][0], tokens[j][1], draw(st.sampled_from(LABELS))))
            i = j + 1
        else:
            i += 1
    return tokens, spans


@given(spans_over_tokens(), st.sampled_from(["BIO", "BIOES"]))
def test_round_trip_is_lossless(data, scheme):
    tokens, spans = data
    tags, misaligned = spans_to_tags(spans, tokens, scheme)
    assert misaligned == []
    assert tags_to_spans(tags, tokens, scheme) == spans
