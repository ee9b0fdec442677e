"""The CRF's hot path gives what it gave before it was made fast: the same segmentation,
features (in the same order, layout features included), POS tags and default-model predictions
(spans, scores, roles, links) on fixture texts as the fingerprints in
``tests/data/baselines/features_before.json`` (made by the old code), and the same POS feature
strings as underthesea's own featuriser."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from pathlib import Path

import pytest

from plannlp.data import Document
from plannlp.segment import Sentence, Token, segment
from plannlp.tag.baselines.crf import CrfTagger, _range_tags, _range_tags_slow, sentence_features
from plannlp.tag.baselines.postag import pos_tagger
from plannlp.tag.baselines.wordcache import pos_tags

DATA = Path(__file__).parent / "data" / "baselines"
ROOT = Path(__file__).resolve().parents[1]


def _maker():
    spec = importlib.util.spec_from_file_location("make_features_before", DATA / "make_features_before.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()
BEFORE = json.loads((DATA / "features_before.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixtures() -> list[tuple[str, str, tuple[Sentence, ...]]]:
    return [(name, text, segment(text)) for name, text in MAKER.fixture_texts()]


def test_segmentation_features_and_pos_tags_match_the_old_code(fixtures) -> None:
    assert {name for name, _, _ in fixtures} == set(BEFORE["docs"])
    for name, text, sents in fixtures:
        before = BEFORE["docs"][name]
        assert sum(len(s.tokens) for s in sents) == before["words"], name
        assert MAKER.fingerprint([s.offsets for s in sents]) == before["segments"], name
        assert MAKER.fingerprint([pos_tags([t.text for t in s.tokens]) for s in sents]) == before["pos"], name
        for settings, expected in zip(MAKER.feature_settings(), before["features"]):
            assert MAKER.fingerprint(sentence_features(text, sents, settings)) == expected, (name, settings)


def test_default_model_predictions_match_the_old_code(fixtures) -> None:
    model_file = ROOT / BEFORE["model"] / "crf.crfsuite"
    if hashlib.sha256(model_file.read_bytes()).hexdigest() != BEFORE["model_sha256"]:
        pytest.skip(f"{BEFORE['model']} is no longer the model the fingerprints were made with")
    tagger = CrfTagger.load(ROOT / BEFORE["model"])
    docs = [Document(name, text) for name, text, _ in fixtures]
    for _ in range(2):  # the second round is answered from the per-sentence and per-word caches
        for doc in tagger.predict(docs):
            assert MAKER.predicted_json(doc) == BEFORE["docs"][doc.id]["predicted"], doc.id


def test_pos_features_equal_underthesea_featuriser(fixtures) -> None:
    from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

    theirs = CRFPOSTagPredictor.Instance().transformer
    sentences = [[t.text for t in s.tokens] for _, _, sents in fixtures[-4:] for s in sents]
    sentences += [["A  b", "", "2030", "Y Tế"], ["một"], ["a", "b"], []]
    for words in sentences:
        assert [list(f) for f in pos_tagger().features(words)] == theirs.transform([[(w, "X") for w in words]])[0][0], words


def test_range_tags_sweep_equals_the_plain_loop() -> None:
    rng = random.Random(7)
    for _ in range(300):
        cursor, tokens = 0, []
        for _ in range(rng.randint(0, 30)):
            start = cursor + rng.randint(0, 2)
            cursor = start + rng.randint(1, 4)
            tokens.append(Token(start, cursor, "x" * (cursor - start)))
        cut = rng.randint(0, len(tokens))
        sents = [Sentence(0, 0, tuple(tokens[:cut])), Sentence(0, 0, tuple(tokens[cut:]))]
        ranges = []
        for _ in range(rng.randint(0, 8)):
            a = rng.randint(0, cursor + 2)
            ranges.append((a, a + rng.randint(0, 12), rng.choice(["", "-X", "-Y"])))
        assert _range_tags(ranges, sents) == _range_tags_slow(ranges, sents), (ranges, tokens)
