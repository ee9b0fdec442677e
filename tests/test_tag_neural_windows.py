import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plannlp.tag.neural.windows import assign_windows, context, merge_windows, plan_windows


def test_windows_of_single_subword_words_overlap_by_stride():
    assert plan_windows([1] * 10, budget=4, stride=2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert plan_windows([1] * 10, budget=4, stride=0) == [(0, 4), (4, 8), (8, 10)]
    assert plan_windows([1] * 3, budget=4, stride=2) == [(0, 3)]
    assert plan_windows([], budget=4, stride=2) == []


def test_windows_count_subwords_not_words():
    # words of 3, 1, 2, 2, 1 subwords, 4 per window, overlap up to 2 subwords
    assert plan_windows([3, 1, 2, 2, 1], budget=4, stride=2) == [(0, 2), (1, 3), (2, 4), (3, 5)]


def test_a_word_longer_than_the_budget_is_its_own_window():
    assert plan_windows([1, 9, 1], budget=4, stride=1) == [(0, 1), (1, 2), (2, 3)]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        plan_windows([1, 1], budget=4, stride=4)
    with pytest.raises(ValueError):
        plan_windows([1, 0], budget=4, stride=1)
    with pytest.raises(ValueError):
        plan_windows([1], budget=0, stride=0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 6), max_size=60), st.integers(1, 20), st.data())
def test_plan_invariants(lengths, budget, data):
    stride = data.draw(st.integers(0, budget - 1))
    windows = plan_windows(lengths, budget, stride)
    if not lengths:
        assert windows == []
        return
    assert windows[0][0] == 0 and windows[-1][1] == len(lengths)
    for start, end in windows:
        assert start < end
        assert end - start == 1 or sum(lengths[start:end]) <= budget
    for (s1, e1), (s2, e2) in zip(windows, windows[1:]):
        assert s1 < s2 <= e1  # progress, no gap
        assert e1 < e2
        assert s2 == e1 or sum(lengths[s2:e1]) <= stride
    chosen = assign_windows(windows, len(lengths))
    assert chosen == sorted(chosen)  # a later word never takes an earlier window
    assert all(windows[k][0] <= w < windows[k][1] for w, k in enumerate(chosen))


def test_context_treats_sequence_ends_as_complete():
    assert context(0, (0, 4), 10) == 3  # the left edge is the sentence start, not a cut
    assert context(1, (0, 4), 10) == 2
    assert context(5, (4, 10), 10) == 1
    assert context(3, (0, 10), 10) == math.inf


def test_each_word_takes_the_window_where_it_is_farthest_from_a_cut():
    windows = [(0, 4), (2, 6), (4, 8), (6, 10)]
    # word 2: window 0 -> 1 word to the cut on the right, window 1 -> 0 to its left cut: window 0
    # word 3: window 0 -> 0, window 1 -> 1: window 1; word 8, 9 only in the last window
    assert assign_windows(windows, 10) == [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_ties_go_to_the_earlier_window():
    windows = [(0, 5), (2, 8)]
    # word 3: window 0 -> 1 to its right cut; window 1 -> 1 to its left cut
    assert assign_windows(windows, 8)[3] == 0


def test_merge_takes_rows_from_the_chosen_windows():
    windows = [(0, 4), (2, 6)]
    scores = [[f"a{w}" for w in range(0, 4)], [f"b{w}" for w in range(2, 6)]]
    assert merge_windows(windows, scores, 6) == ["a0", "a1", "a2", "b3", "b4", "b5"]
    with pytest.raises(ValueError):
        merge_windows(windows, scores[:1], 6)
    with pytest.raises(ValueError):
        merge_windows(windows, [scores[0], scores[1][:2]], 6)
    with pytest.raises(ValueError):
        assign_windows([(0, 2)], 3)
