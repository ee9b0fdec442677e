"""The raw-text Hugging Face pipeline over a saved (tiny, local) transformer tagger."""

import pytest

TEXT = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\nSở Y tế chủ trì thực hiện."


@pytest.fixture(scope="module")
def saved_tagger(tmp_path_factory, phobert_tokenizer_dir):
    import torch

    from plannlp.tag.neural.tagger import TransformerTagger
    from conftest import TINY_ARCHITECTURE as TINY

    torch.manual_seed(0)
    tagger = TransformerTagger.from_scratch(phobert_tokenizer_dir, TINY, device="cpu")
    folder = tmp_path_factory.mktemp("hf") / "tiny"
    tagger.save(folder)
    return folder


def test_the_pipeline_takes_raw_text_and_gives_character_offsets(saved_tagger):
    from plannlp.data import Document
    from plannlp.tag.neural.hf import pipeline
    from plannlp.tag.systems import load_tagger

    nlp = pipeline(saved_tagger, device="cpu")
    spans = nlp(TEXT)
    expected = load_tagger(saved_tagger).predict([Document("t", TEXT)])[0].spans
    assert [(e["start"], e["end"], e["entity_group"], e.get("role")) for e in spans] == [
        (s.start, s.end, s.label, s.role) for s in expected
    ]  # the same spans, agency roles included, as plannlp tag gives
    assert spans, "a random tiny model still tags something on this text"
    for entity in spans:
        assert entity["word"] == TEXT[entity["start"] : entity["end"]] and 0.0 <= entity["score"] <= 1.0
    assert nlp([TEXT, TEXT[:20]])[0] == spans  # lists are tagged item by item


@pytest.mark.parametrize("strategy", ["first", "average", "max", "simple", None])
def test_every_aggregation_strategy_gives_spans_on_word_boundaries(saved_tagger, strategy):
    from plannlp.tag.neural.hf import pipeline
    from plannlp.segment import segment

    nlp = pipeline(saved_tagger, device="cpu")
    words = {(t.start, t.end) for s in segment(TEXT) for t in s.tokens}
    starts, ends = {a for a, _ in words}, {b for _, b in words}
    for entity in nlp(TEXT, aggregation_strategy=strategy):
        assert entity["start"] in starts and entity["end"] in ends


def test_unknown_strategy_is_refused(saved_tagger):
    from plannlp.tag.neural.hf import pipeline

    with pytest.raises(ValueError, match="aggregation_strategy"):
        pipeline(saved_tagger, device="cpu")(TEXT, aggregation_strategy="mean")


def test_transformers_pipeline_finds_the_registered_task(saved_tagger):
    import transformers

    from plannlp.tag.neural.hf import TASK, PlanTaggingPipeline

    nlp = transformers.pipeline(TASK, model=str(saved_tagger), device="cpu")
    assert isinstance(nlp, PlanTaggingPipeline)


def test_pooling_average_and_max_follow_their_definitions():
    import numpy as np

    from plannlp.tag.neural.align import Alignment
    from plannlp.tag.neural.tagger import pool_words

    probs = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])  # <s> w0 w0 w1 </s>
    alignment = Alignment(input_ids=(0, 1, 2, 3, 0), word_index=(-1, 0, 0, 1, -1), first=(1, 3), dropped_words=0, dropped_pieces=0)
    lp = np.log(probs)
    assert np.allclose(np.exp(pool_words(lp, alignment, "first")), probs[[1, 3]])
    assert np.allclose(np.exp(pool_words(lp, alignment, "average")), [[0.55, 0.45], [0.6, 0.4]])
    assert np.allclose(np.exp(pool_words(lp, alignment, "max")), [[0.9, 0.1], [0.6, 0.4]])
