import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plannlp.tag.neural.align import IGNORE, SPECIAL, align, word_encoder, word_pieces

UNK = 3


def fake_encoder(table):
    return lambda word: table[word]


# -- word_pieces with the PhoBERT-format tokenizer built from the test corpus -----------------


@pytest.fixture(scope="module")
def encode(phobert_tokenizer):
    return word_encoder(phobert_tokenizer)


def test_known_words_keep_their_ids_and_join_back(phobert_tokenizer, encode):
    words = ["phấn_đấu", "bảo_hiểm_y_tế", "95", "%", ","]
    pieces, cut = word_pieces(words, encode, phobert_tokenizer.unk_token_id)
    assert cut == 0
    for word, ids in zip(words, pieces):
        tokens = phobert_tokenizer.convert_ids_to_tokens(list(ids))
        assert phobert_tokenizer.unk_token not in tokens
        assert "".join(t.removesuffix("@@") for t in tokens) == word


def test_continuation_pieces_carry_at_at_except_the_last(phobert_tokenizer, encode):
    word = "bảo_hiểm_y_tế_học_đường"  # unseen compound of known letters: several pieces
    (ids,), _ = word_pieces([word], encode, phobert_tokenizer.unk_token_id)
    tokens = phobert_tokenizer.convert_ids_to_tokens(list(ids))
    assert len(tokens) > 1 and phobert_tokenizer.unk_token not in tokens
    assert "".join(t.removesuffix("@@") for t in tokens) == word
    assert all(t.endswith("@@") for t in tokens[:-1]) and not tokens[-1].endswith("@@")


def test_nfd_words_get_the_nfc_ids(phobert_tokenizer, encode):
    words = ["Phấn_đấu", "tiếp_cận", "dịch_vụ", "y_tế"]
    nfd = [unicodedata.normalize("NFD", w) for w in words]
    assert nfd != words
    unk = phobert_tokenizer.unk_token_id
    assert word_pieces(nfd, encode, unk) == word_pieces(words, encode, unk)
    assert unk not in {i for ids in word_pieces(words, encode, unk)[0] for i in ids}


def test_empty_words_and_emoji_become_one_unk(phobert_tokenizer, encode):
    unk = phobert_tokenizer.unk_token_id
    pieces, _ = word_pieces(["", "  ", "😀😀😀", "y_tế"], encode, unk)
    assert pieces[:3] == [(unk,), (unk,), (unk,)]
    assert pieces[3] != (unk,)


def test_long_number_is_cut_to_max_pieces_and_counted(phobert_tokenizer, encode):
    unk = phobert_tokenizer.unk_token_id
    number = "1.234.567.890.123.456.789"
    (full,), cut = word_pieces([number], encode, unk)
    assert cut == 0 and len(full) > 3
    (short,), cut = word_pieces([number], encode, unk, max_pieces=3)
    assert short == full[:3] and cut == len(full) - 3


def test_unk_runs_collapse_but_known_pieces_stay():
    table = {"a😀😀b": [7, UNK, UNK, UNK, 8], "x": [], "😀": [UNK, UNK]}
    pieces, cut = word_pieces(["a😀😀b", "x", "😀"], fake_encoder(table), UNK)
    assert pieces == [(7, UNK, 8), (UNK,), (UNK,)] and cut == 0
    with pytest.raises(ValueError):
        word_pieces(["x"], fake_encoder(table), UNK, max_pieces=0)


# -- align ------------------------------------------------------------------------------------


def test_align_maps_positions_to_words_and_labels_first_subwords():
    a = align([(10, 11), (12,), (13, 14, 15)], bos_id=0, eos_id=2)
    assert a.input_ids == (0, 10, 11, 12, 13, 14, 15, 2)
    assert a.word_index == (SPECIAL, 0, 0, 1, 2, 2, 2, SPECIAL)
    assert a.first == (1, 3, 4)
    assert (a.dropped_words, a.dropped_pieces) == (0, 0)
    assert a.labels([5, 6, 7]) == [IGNORE, 5, IGNORE, 6, 7, IGNORE, IGNORE, IGNORE]
    with pytest.raises(ValueError):
        a.labels([1, 2])


def test_truncation_keeps_a_cut_words_label_and_counts_what_it_drops():
    a = align([(10, 11), (12, 13, 14), (15,), (16, 17)], bos_id=0, eos_id=2, max_length=6)
    assert a.input_ids == (0, 10, 11, 12, 13, 2)  # budget 4: word 1 cut after 2 pieces
    assert a.first == (1, 3, -1, -1)
    assert a.dropped_words == 2 and a.dropped_pieces == 1 + 1 + 2
    assert a.labels([1, 2, 3, 4]) == [IGNORE, 1, IGNORE, 2, IGNORE, IGNORE]
    with pytest.raises(ValueError):
        align([(1,)], 0, 2, max_length=2)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(4, 99), min_size=1, max_size=6), max_size=30),
    st.one_of(st.none(), st.integers(3, 40)),
)
def test_align_invariants(pieces, max_length):
    a = align(pieces, 0, 2, max_length)
    total = sum(len(p) for p in pieces)
    if max_length is not None:
        assert len(a.input_ids) <= max_length
    assert len(a.input_ids) - 2 + a.dropped_pieces == total
    assert len(a.first) == len(pieces)
    kept = [p for p in a.first if p >= 0]
    assert kept == sorted(kept) and len(kept) + a.dropped_words == len(pieces)
    assert a.first[: len(kept)] == tuple(kept)  # only a tail of words is ever dropped
    for w, pos in enumerate(a.first):
        if pos >= 0:
            assert a.word_index[pos] == w and a.input_ids[pos] == pieces[w][0]
            assert a.word_index[pos - 1] != w
