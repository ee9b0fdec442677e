import pytest

from plannlp.tag.baselines.decoding import posterior_path

TAGS = ["O", "B-VALUE", "I-VALUE", "B-YEAR"]


def test_clear_marginals_give_their_argmax_path():
    marg = [[0.9, 0.05, 0.0, 0.05], [0.1, 0.8, 0.05, 0.05], [0.1, 0.0, 0.85, 0.05]]
    assert posterior_path(marg, TAGS) == ["O", "B-VALUE", "I-VALUE"]


def test_no_inside_tag_without_its_beginning():
    # I-VALUE is the per-word argmax of word 1, but it may not follow O: the best valid path wins
    marg = [[0.9, 0.1, 0.0, 0.0], [0.3, 0.3, 0.4, 0.0]]
    path = posterior_path(marg, TAGS)
    assert path != ["O", "I-VALUE"] and path[1] in ("O", "B-VALUE")


@pytest.mark.parametrize("penalty, expected", [(0.0, ["O"]), (1.0, ["B-VALUE"])])
def test_the_o_penalty_trades_precision_for_recall(penalty, expected):
    # log 0.6 - log 0.4 = 0.405: a penalty above it turns the word into a VALUE
    assert posterior_path([[0.6, 0.4, 0.0, 0.0]], TAGS, penalty) == expected


def test_empty_sentence_and_zero_marginals():
    assert posterior_path([], TAGS) == []
    assert posterior_path([[0.0, 0.0, 0.0, 1.0]], TAGS) == ["B-YEAR"]  # log(0) stays finite
