import unicodedata
from collections import Counter

import pytest

from plannlp.tag.neural.vocab import build_phobert_vocab


def test_files_are_in_fastbpe_and_fairseq_format(phobert_tokenizer_dir):
    codes = (phobert_tokenizer_dir / "bpe.codes").read_text(encoding="utf-8").splitlines()
    assert codes
    for line in codes:
        left, right, count = line.split(" ")
        assert int(count) >= 0
        assert "</w>" not in left  # only a word's last symbol carries the end marker
        assert "</w>" not in right[:-4]
    assert any(line.split(" ")[1].endswith("</w>") for line in codes)
    vocab = (phobert_tokenizer_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    tokens = [line.rsplit(" ", 1)[0] for line in vocab]
    counts = [int(line.rsplit(" ", 1)[1]) for line in vocab]
    assert counts == sorted(counts, reverse=True)
    assert len(set(tokens)) == len(tokens)
    assert not {"<s>", "<pad>", "</s>", "<unk>", "<mask>"} & set(tokens)
    assert any(t.endswith("@@") for t in tokens) and "," in tokens


def test_phobert_tokenizer_round_trips_the_corpus_words(phobert_tokenizer_dir, corpus_words):
    from transformers import PhobertTokenizer

    tok = PhobertTokenizer(
        vocab_file=str(phobert_tokenizer_dir / "vocab.txt"), merges_file=str(phobert_tokenizer_dir / "bpe.codes")
    )
    words = sorted({w for s in corpus_words for w in s})
    in_vocab = 0
    for word in words:
        pieces = tok.tokenize(word)
        assert "".join(p.removesuffix("@@") for p in pieces) == word
        in_vocab += tok.unk_token_id not in tok.convert_tokens_to_ids(pieces)
    assert in_vocab / len(words) >= 0.99
    # the most frequent words are single tokens (the merges were learnt from their counts)
    frequent = Counter(w for s in corpus_words for w in s).most_common(30)
    assert all(tok.tokenize(w) == [w] for w, _ in frequent)
    assert tok.tokenize("bảo_hiểm_y_tế") == ["bảo_hiểm_y_tế"]


def test_saved_directory_loads_with_auto_tokenizer(phobert_tokenizer_dir, phobert_tokenizer):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(phobert_tokenizer_dir))
    assert type(tok).__name__ == "PhobertTokenizer"
    assert len(tok) == 1500
    assert [tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id] == [0, 1, 2, 3]
    assert tok.mask_token_id == len(tok) - 1
    ids = tok("Phấn_đấu trên 95 % dân_số")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2 and 3 not in ids
    assert tok.decode(ids, skip_special_tokens=True) == "Phấn_đấu trên 95 % dân_số"


def test_nfd_input_gives_an_nfc_vocabulary(tmp_path):
    sentences = [["Phấn_đấu", "đạt", "tỷ_lệ"]] * 3 + [["tỷ_lệ", "bảo_hiểm_y_tế"]] * 2
    nfd = [[unicodedata.normalize("NFD", w) for w in s] for s in sentences]
    out = build_phobert_vocab(nfd, tmp_path / "nfd", vocab_size=200, min_frequency=2)
    text = (out / "vocab.txt").read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", text)
    assert "tỷ_lệ 5" in text.splitlines()


def test_refuses_empty_input_and_tiny_sizes(tmp_path):
    with pytest.raises(ValueError):
        build_phobert_vocab([[], [""]], tmp_path / "empty", vocab_size=100)
    with pytest.raises(ValueError):
        build_phobert_vocab([["a", "b"]], tmp_path / "tiny", vocab_size=5)


def test_words_that_look_like_pieces_do_not_break_the_ids(tmp_path):
    from transformers import PhobertTokenizer

    # "x@@" as a whole word and "x" as a non-final piece are both written "x@@"
    sentences = [["x@@", "xy", "<s>", "y"]] * 3
    out = build_phobert_vocab(sentences, tmp_path / "v", vocab_size=50, min_frequency=1)
    tokens = [line.rsplit(" ", 1)[0] for line in (out / "vocab.txt").read_text(encoding="utf-8").splitlines()]
    assert len(tokens) == len(set(tokens)) and "<s>" not in tokens
    tok = PhobertTokenizer.from_pretrained(str(out))
    ids = list(tok.get_vocab().values())
    assert len(ids) == len(set(ids))  # every token its own id


def test_building_twice_gives_the_same_files(tmp_path, corpus_words):
    a = build_phobert_vocab(corpus_words[:100], tmp_path / "a", vocab_size=400)
    b = build_phobert_vocab(corpus_words[:100], tmp_path / "b", vocab_size=400)
    for name in ("bpe.codes", "vocab.txt"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
