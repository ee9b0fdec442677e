import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from plannlp.bio import spans_to_tags, tags_to_spans
from plannlp.data import Span
from plannlp.segment import segment, segment_many, to_words

TEXT = (
    "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế.\n"
    "Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh.  Liên hệ: abc@gmail.com. Xong.\n"
    "\n"
    "1. Mục tiêu: hoà bình, thuỷ lợi ≥95%  dân số 😀"
)


def test_tokens_point_into_the_text():
    sentences = segment(TEXT)
    for sentence in sentences:
        assert sentence.start == sentence.tokens[0].start and sentence.end == sentence.tokens[-1].end
        for token in sentence.tokens:
            assert TEXT[token.start : token.end] == token.text
            assert "\n" not in token.text
    forms = [t.form for t in to_words(sentences)]
    assert "bảo_hiểm_y_tế" in forms and "Bảo_hiểm_xã_hội" in forms


def test_sentences_do_not_break_urls_or_list_markers():
    texts = [TEXT[s.start : s.end] for s in segment(TEXT)]
    assert "Liên hệ: abc@gmail.com." in texts
    assert any(t.startswith("1. Mục tiêu") for t in texts)
    assert texts[0].endswith("bảo hiểm y tế.")


def test_tone_mark_placement_does_not_break_offsets():
    # underthesea rewrites "hoà" as "hòa"; the tokens still carry the text's own spelling
    words = [t.text for t in to_words(segment("Hoà bình và thuỷ lợi"))]
    assert "".join(words).replace(" ", "") == "Hoàbìnhvàthuỷlợi"


def test_nfd_input_is_segmented_at_its_own_offsets():
    nfd = unicodedata.normalize("NFD", "Sở Y tế chủ trì kế hoạch")
    for token in to_words(segment(nfd)):
        assert nfd[token.start : token.end] == token.text


def test_segment_many_keeps_order_and_matches_segment():
    texts = [TEXT, "Đến năm 2025 đạt 90%.", "", "Sở Tài chính."]
    assert list(segment_many(texts, n_jobs=2)) == [segment(t) for t in texts]


_SYLLABLES = ["Sở", "Y", "tế", "năm", "2030", "trên", "95%", "dân", "số", "bảo", "hiểm", ",", ".", "(", ")"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=25), st.data())
def test_char_word_round_trip(words, data):
    text = " ".join(words)
    tokens = [(t.start, t.end) for t in to_words(segment(text))]
    # any run of whole tokens converts to word tags and back to the same character span
    i = data.draw(st.integers(0, len(tokens) - 1))
    j = data.draw(st.integers(i, len(tokens) - 1))
    span = Span(tokens[i][0], tokens[j][1], "INDICATOR")
    tags, misaligned = spans_to_tags([span], tokens)
    assert misaligned == [] and tags_to_spans(tags, tokens) == [span]


def test_words_underthesea_rewrites_are_still_placed():
    # underthesea maps "Ð" to "Đ" and corrects "nghành" to "ngành"; tokens keep the text's own spelling
    text = "Ðây là nghành y tế tỉnh Ðắk Lắk, năm 2030 đạt 95%."
    tokens = to_words(segment(text))
    assert [t.text for t in tokens][:4] == ["Ðây", "là", "nghành", "y tế"]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))
