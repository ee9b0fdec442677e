import itertools
import json
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plannlp.bio import allowed_transition, tag_names
from plannlp.data import DataError, Document
from plannlp.segment import segment
from plannlp.tag.neural.tagger import Constraints, TransformerTagger, constrained_viterbi
from plannlp.tag.neural.windows import assign_windows, plan_windows
from plannlp.tag.systems import load_tagger, read_manifest

TEXT = "Phấn đấu đến năm 2030 có trên 95% dân số tham gia bảo hiểm y tế. Sở Y tế chủ trì thực hiện."
# one long sentence (no sentence break) of ~90 words
LONG = "Ủy ban nhân dân " + ", ".join(["các xã phường thị trấn tổ chức khám sức khỏe cho người dân"] * 8) + "."


def valid(tags, scheme):
    seq = [None, *tags, None]
    return all(allowed_transition(a, b, scheme) for a, b in zip(seq, seq[1:]))


# -- constrained Viterbi ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
def test_viterbi_matches_brute_force_over_allowed_sequences(scheme):
    tags = tag_names(scheme=scheme)
    constraints = Constraints.for_tags(tags, scheme)
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        lp = np.log(rng.dirichlet(np.ones(len(tags)), size=n)).astype(np.float32)
        best = max(
            (seq for seq in itertools.product(range(len(tags)), repeat=n) if valid([tags[i] for i in seq], scheme)),
            key=lambda seq: sum(lp[i, t] for i, t in enumerate(seq)),
        )
        assert constrained_viterbi(lp, constraints) == list(best)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 25), st.integers(0, 10_000), st.sampled_from(["BIO", "BIOES"]))
def test_viterbi_output_is_always_well_formed(n, seed, scheme):
    tags = tag_names(scheme=scheme)
    lp = np.log(np.random.default_rng(seed).dirichlet(np.full(len(tags), 0.3), size=n))
    out = constrained_viterbi(lp, Constraints.for_tags(tags, scheme))
    assert len(out) == n and valid([tags[i] for i in out], scheme)


def test_viterbi_repairs_an_inside_tag_with_no_opening():
    tags = tag_names()
    lp = np.full((2, len(tags)), np.log(0.01))
    lp[0, tags.index("I-YEAR")] = np.log(0.6)  # the argmax would be I-YEAR I-YEAR: no span at all
    lp[0, tags.index("B-YEAR")] = np.log(0.3)
    lp[1, tags.index("I-YEAR")] = np.log(0.9)
    out = [tags[i] for i in constrained_viterbi(lp, Constraints.for_tags(tags, "BIO"))]
    assert out == ["B-YEAR", "I-YEAR"]


# -- prediction -------------------------------------------------------------------------------


def test_predict_gives_scored_spans_on_word_boundaries(tiny_tagger_factory):
    tagger = tiny_tagger_factory()
    doc = Document("d1", TEXT, spans=())
    sentences = segment(TEXT)
    (out,) = tagger.predict([doc], [sentences])
    assert out.id == doc.id and out.text == doc.text
    starts = {t.start for s in sentences for t in s.tokens}
    ends = {t.end for s in sentences for t in s.tokens}
    assert out.spans  # an untrained model tags something
    for span in out.spans:
        assert span.start in starts and span.end in ends
        assert 0.0 <= span.score <= 1.0
    assert tagger.predict([doc]) == [out]  # segments by itself the same way
    with pytest.raises(ValueError):
        tagger.predict([doc], [])


def test_nfd_words_score_like_nfc_words(tiny_tagger_factory):
    tagger = tiny_tagger_factory()
    words = [t.form for s in segment(TEXT) for t in s.tokens]
    nfd = [unicodedata.normalize("NFD", w) for w in words]
    (a,), (b,) = tagger.word_log_probs([words]), tagger.word_log_probs([nfd])
    np.testing.assert_allclose(a, b)


def test_an_nfd_document_gets_the_spans_of_its_nfc_form_at_its_own_offsets(tiny_tagger_factory):
    tagger = tiny_tagger_factory()
    nfd_text = unicodedata.normalize("NFD", TEXT)
    (nfc,), (nfd,) = tagger.predict([Document("c", TEXT)]), tagger.predict([Document("d", nfd_text)])
    assert nfc.spans and len(nfd.spans) == len(nfc.spans)
    for a, b in zip(nfc.spans, nfd.spans):
        assert a.label == b.label and a.score == pytest.approx(b.score, abs=1e-5)
        assert unicodedata.normalize("NFC", nfd_text[b.start : b.end]) == TEXT[a.start : a.end]


def test_long_sentence_is_windowed_and_merged_by_max_context(tiny_tagger_factory):
    small = tiny_tagger_factory(max_length=16, stride=4, batch_size=3)
    whole = TransformerTagger(small.model, small.tokenizer, max_length=256, device="cpu")
    (sentence,) = segment(LONG)
    words = [t.form for t in sentence.tokens]
    windows, alignments, _ = small.encode_words(words)
    assert len(windows) > 4 and all(len(a.input_ids) <= 16 for a in alignments)
    assert windows == plan_windows([len(small._encode_word(w)) for w in words], 14, 4)

    (merged,) = small.word_log_probs([words])
    assert merged.shape == (len(words), len(small.tags))
    per_window = whole.word_log_probs([words[s:e] for s, e in windows])  # each window on its own
    for w, k in enumerate(assign_windows(windows, len(words))):
        np.testing.assert_allclose(merged[w], per_window[k][w - windows[k][0]], atol=1e-5)
    # a word in the middle of a cut window differs from the same word seen whole: the merge matters
    assert not np.allclose(merged, whole.word_log_probs([words])[0], atol=1e-5)

    (doc,) = small.predict([Document("long", LONG)])
    assert all(sentence.start <= s.start < s.end <= sentence.end for s in doc.spans)


def test_save_and_load_round_trip(tiny_tagger_factory, tmp_path):
    tagger = tiny_tagger_factory(stride=32, batch_size=4)
    tagger.save(tmp_path / "m")
    record = read_manifest(tmp_path / "m")
    assert record.system == "transformer" and list(record.tags) == tag_names()
    settings = record.settings
    assert (settings["stride"], settings["batch_size"], settings["max_length"]) == (32, 4, 256)
    assert (tmp_path / "m" / "model.safetensors").is_file() and not (tmp_path / "m" / "pytorch_model.bin").exists()
    assert {"tokenizer:bpe.codes", "tokenizer:vocab.txt"} <= set(record.files)

    loaded = load_tagger(tmp_path / "m")
    assert isinstance(loaded, TransformerTagger) and loaded.stride == 32
    docs = [Document("a", TEXT), Document("b", LONG)]
    assert loaded.predict(docs) == tagger.predict(docs)


def test_model_labels_must_match_the_scheme(tiny_tagger_factory):
    tagger = tiny_tagger_factory()
    with pytest.raises(DataError):
        TransformerTagger(tagger.model, tagger.tokenizer, scheme="BIOES", device="cpu")


@pytest.mark.gpu
def test_bf16_on_gpu_agrees_with_cpu(tiny_tagger_factory):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu = tiny_tagger_factory()
    gpu = TransformerTagger(cpu.model, cpu.tokenizer, device="cuda", bf16=True)
    words = [[t.form for t in s.tokens] for s in segment(TEXT + " " + LONG)]
    a = gpu.word_log_probs(words)
    cpu_model = TransformerTagger(gpu.model.to("cpu"), cpu.tokenizer, device="cpu")
    b = cpu_model.word_log_probs(words)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.exp(x), np.exp(y), atol=0.05)


def test_from_encoder_puts_a_fresh_head_on_a_saved_encoder(phobert_tokenizer, tmp_path):
    import torch
    from transformers import RobertaConfig, RobertaForMaskedLM

    from conftest import TINY_ARCHITECTURE

    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=len(phobert_tokenizer), max_position_embeddings=66, pad_token_id=1, **TINY_ARCHITECTURE
    )
    mlm = RobertaForMaskedLM(config)
    mlm.save_pretrained(tmp_path / "encoder")
    phobert_tokenizer.save_pretrained(tmp_path / "encoder")

    tagger = TransformerTagger.from_encoder(tmp_path / "encoder", device="cpu")
    assert tagger.max_length == 64  # 66 position embeddings less RoBERTa's padding offset
    assert tagger.model.config.num_labels == len(tag_names())
    encoder_weights = mlm.roberta.embeddings.word_embeddings.weight
    assert torch.equal(tagger.model.roberta.embeddings.word_embeddings.weight, encoder_weights)
    (doc,) = tagger.predict([Document("a", TEXT)])
    assert doc.text == TEXT
