"""The POS lexicon (plannlp.tag.baselines.poslexicon): file format, lookups and the shape fallback."""

from __future__ import annotations

import pytest

from plannlp.tag.baselines.poslexicon import FALLBACK, PosLexicon, pos_lexicon

TEXT = "bảo hiểm\tN\t12\nđạt\tV\t40\nhòa bình\tN\t3\n#shape\td%\tM\n#shape\tXx\tNp\n"


def test_words_by_lower_case_key_then_shape_then_fallback() -> None:
    lexicon = PosLexicon.parse(TEXT)
    # a word is looked up by its key in lower case (one tone placement: "hoà" is "hòa")
    assert lexicon.tags(["Bảo hiểm", "đạt", "hoà bình"]) == ["N", "V", "N"]
    # unknown words: the most frequent tag of their shape, else the fallback
    assert lexicon.tags(["95%", "Quảng", "xyz"]) == ["M", "Np", FALLBACK]
    assert lexicon.tags([]) == []


def test_text_round_trip_and_bad_lines() -> None:
    assert PosLexicon.parse(TEXT).to_text() == TEXT  # a model folder gets the very same file
    made = PosLexicon({"đạt": "V"}, {"d": "M"})
    assert PosLexicon.parse(made.to_text()).tags(["đạt", "7"]) == ["V", "M"]
    with pytest.raises(ValueError, match=":2: expected three"):
        PosLexicon.parse("đạt\tV\t1\nbroken line\n")


def test_the_shipped_lexicon_knows_common_words() -> None:
    lexicon = pos_lexicon()
    assert len(lexicon.words) > 1000 and lexicon.shapes
    assert lexicon.tag("và") == "C" and lexicon.tag("95") == "M"


def test_the_shipped_lexicon_is_parsed_once_and_saving_always_writes(tmp_path):
    # the cache decorator once slid from pos_lexicon onto save_lexicon: the shipped lexicon was
    # parsed again for every document, and a second save of a lexicon into a folder wrote nothing
    from plannlp.tag.baselines.poslexicon import LEXICON_FILE, save_lexicon

    assert pos_lexicon() is pos_lexicon()
    lexicon = pos_lexicon()
    save_lexicon(tmp_path, lexicon)
    (tmp_path / LEXICON_FILE).unlink()
    save_lexicon(tmp_path, lexicon)
    assert (tmp_path / LEXICON_FILE).read_text(encoding="utf-8") == lexicon.to_text()
