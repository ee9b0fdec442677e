"""The CRF baseline: features, learning a tiny fixture, save/load, training from a config."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from pathlib import Path

import pytest
import yaml

from plannlp.data import DataError, Document, Span
from plannlp.evaluate import evaluate
from plannlp.io import read_documents
from plannlp.runrecord import RunRecord
from plannlp.segment import segment
from plannlp.tag.baselines import crf as crf_module
from plannlp.tag.baselines.crf import CrfSettings, CrfTagger, featurise, gazetteer_tags, sentence_features
from plannlp.tag.baselines.features import lower_key, nfc_view, text_key, token_features, word_shape
from plannlp.tag.baselines.poslexicon import pos_lexicon
from plannlp.tag.systems import load_tagger, train

DATA = Path(__file__).parent / "data" / "baselines"
FAST = CrfSettings(c1=0.0, c2=0.01, max_iterations=80)


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return list(read_documents(DATA / "tiny.jsonl"))


@pytest.fixture(scope="module")
def trained(docs: list[Document]) -> CrfTagger:
    data = featurise(docs, FAST)
    return CrfTagger.fit(data.X, data.y, FAST)


def test_word_shape_and_keys() -> None:
    assert word_shape("95%") == "d%"
    assert word_shape("Sở") == "Xx"
    assert word_shape("2,1") == "d,d"
    assert text_key("Uỷ ban hoà nhập quý") == "Ủy ban hòa nhập quý"
    assert len(text_key("Uỷ ban")) == len("Uỷ ban")


def test_nfc_view_maps_offsets_back() -> None:
    text = unicodedata.normalize("NFD", "Sở Y tế chủ trì")
    view = nfc_view(text)
    start = view.text.index("Y tế")
    assert text[view.start(start) : view.end(start + len("Y tế"))] == unicodedata.normalize("NFD", "Y tế")


def test_features_see_neighbours_and_gazetteer() -> None:
    text = "Sở Y tế chủ trì, phối hợp với 95% đơn vị."
    sentences = segment(text)
    gaz = gazetteer_tags(text, sentences)[0]
    words = [t.text for t in sentences[0].tokens]
    assert gaz[: words.index("chủ trì")] == ["B"] + ["I"] * (words.index("chủ trì") - 1)
    rows = token_features(words, None, gaz, window=2)
    i = words.index("95")
    assert rows[i]["num"] and rows[i]["1:lw"] == "%" and rows[i]["-1:lw"] == "với"
    assert "pos" not in rows[i]


def test_segmentation_keeps_offsets_for_nfd_text() -> None:
    nfc = "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế."
    nfd = unicodedata.normalize("NFD", nfc)
    tokens = [t for s in segment(nfd) for t in s.tokens]
    assert [unicodedata.normalize("NFC", nfd[t.start : t.end]) for t in tokens] == [
        t.text for s in segment(nfc) for t in s.tokens
    ]


def test_crf_learns_the_tiny_fixture(docs: list[Document], trained: CrfTagger) -> None:
    predicted = trained.predict(docs)
    f1 = evaluate(docs, predicted, bootstrap=0).to_json()["strict"]["micro"]["f1"]
    assert f1 >= 0.95
    scores = [s.score for d in predicted for s in d.spans]
    assert scores and all(0.0 <= s <= 1.0 for s in scores)


def test_training_respects_regions(docs: list[Document]) -> None:
    doc = docs[0]
    outside = Document("r", doc.text + "\nSở Y tế chủ trì.", doc.spans, regions=((0, len(doc.text)),))
    data = featurise([outside], FAST)
    assert data.counts.sentences_outside_regions == 1
    assert data.counts.sentences_used == 1


def test_misaligned_spans_are_counted_not_bent() -> None:
    text = "Phấn đấu trên 95% dân số."
    start = text.index("95")
    doc = Document("m", text, (Span(start, start + 1, "VALUE"),))  # "9": inside a word
    data = featurise([doc], FAST)
    assert data.counts.misaligned_spans == 1 and data.counts.sentences_used == 0


def test_save_load_round_trip(tmp_path: Path, docs: list[Document], trained: CrfTagger) -> None:
    trained.save(tmp_path / "crf")
    manifest = json.loads((tmp_path / "crf" / "plannlp.json").read_text(encoding="utf-8"))
    assert manifest["system"] == "crf" and manifest["settings"]["labels"][0] == "INDICATOR"
    assert manifest["files"] == {"model": "crf.crfsuite"}
    loaded = load_tagger(tmp_path / "crf")
    assert isinstance(loaded, CrfTagger) and loaded.settings == trained.settings
    assert loaded.predict(docs[:5]) == trained.predict(docs[:5])
    sentences = [segment(d.text) for d in docs[:5]]
    assert loaded.predict(docs[:5], sentences) == trained.predict(docs[:5])


def test_load_needs_the_model_file(tmp_path: Path) -> None:
    from plannlp.runrecord import RunRecord

    RunRecord("crf", settings={}, files={"model": "crf.crfsuite"}).write(tmp_path)
    with pytest.raises(DataError, match="missing"):
        CrfTagger.load(tmp_path)


def test_train_selects_on_dev(tmp_path: Path) -> None:
    scores = iter([0.2, 0.9, 0.5])  # a stand-in dev scorer: the second grid point wins

    config = {
        "system": "crf",
        "train_file": str(DATA / "tiny.jsonl"),
        "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "crf"),
        "seed": 3,
        "c1": [0.0, 0.1, 0.5],
        "c2": 0.01,
        "max_iterations": 20,
        "pos": False,
    }
    out = crf_module.train_from_config(config, tmp_path / "crf.yaml", scorer=lambda gold, pred: next(scores))
    record = RunRecord.read(out)
    resolved = record.config
    assert record.metrics["selected"] == {"c1": 0.1, "c2": 0.01}
    assert record.metrics["dev_strict_micro_f1"] == 0.9 and resolved["seed"] == 3
    assert resolved["labels"] == ["INDICATOR", "VALUE", "COMPARATOR", "YEAR", "AGENCY"]
    assert load_tagger(out).settings.c1 == 0.1


def test_systems_train_on_a_tiny_config(tmp_path: Path) -> None:
    config = {
        "system": "crf",
        "train_file": str(DATA / "tiny.jsonl"),
        "dev_file": str(DATA / "tiny.jsonl"),
        "output_dir": str(tmp_path / "crf"),
        "c1": 0.0,
        "c2": 0.01,
        "max_iterations": 80,
    }
    path = tmp_path / "crf.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = train(path)
    metrics = RunRecord.read(out).metrics
    assert metrics["dev_strict_micro_f1"] >= 0.95  # dev is the training file here
    assert (out / "crf.crfsuite").is_file() and not (out / "crf.pkl").exists()


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown keys"):
        crf_module.train_from_config({"system": "crf", "epochs": 2}, tmp_path / "x.yaml")
    with pytest.raises(DataError, match="labels"):
        crf_module.train_from_config({"system": "crf", "labels": ["B-FOO bar"]}, tmp_path / "x.yaml")
    with pytest.raises(DataError, match="distinct"):
        crf_module.train_from_config({"system": "crf", "labels": ["FOO", "FOO"]}, tmp_path / "x.yaml")


def test_segmentation_survives_words_underthesea_rewrites() -> None:
    text = "Ðơn vị chủ trì: Sở Y tế\nnghành y tế phấn đấu đạt 95%."  # Ð (U+00D0); a misspelling it corrects
    sentences = segment(text)
    tokens = [t for s in sentences for t in s.tokens]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert "Ðơn vị" in [t.text for t in tokens] and "nghành" in [t.text for t in tokens]


def test_a_label_subset_trains_on_those_labels_only(docs: list[Document]) -> None:
    data = featurise(docs[:4], CrfSettings(labels=("VALUE",), pos=False))
    assert {tag for tags in data.y for tag in tags} <= {"O", "B-VALUE", "I-VALUE"}
    assert any("B-VALUE" in tags for tags in data.y)


def test_rule_tags_can_be_features(docs: list[Document]) -> None:
    data = featurise(docs[:1], CrfSettings(pos=False, rule_features=True))
    rules = [row["rule"] for row in data.X[0]]
    words = [t.text for t in data.sentences[0][0].tokens]
    assert rules[words.index("95")] == "B-VALUE" and rules[words.index("%")] == "I-VALUE"
    assert "rule" not in featurise(docs[:1], FAST).X[0][0]


def test_clause_features_only_behind_their_flag(docs: list[Document]) -> None:
    with_targets = featurise(docs[:1], CrfSettings(pos=False, targets=True)).X[0]
    without = featurise(docs[:1], CrfSettings(pos=False)).X[0]
    assert all("X.lr" in row for row in with_targets)
    assert not any(name.startswith("X.") for row in without for name in row)
    # the flag adds features and changes none of the others
    assert [{k: v for k, v in row.items() if not k.startswith("X.")} for row in with_targets] == without


@pytest.mark.parametrize(
    "flag, step", [("record_years", "date_records"), ("cell_years", "cell_years"), ("cell_agencies", "cell_agencies")]
)
def test_year_steps_run_after_the_crf_only_behind_their_flag(
    docs: list[Document], trained: CrfTagger, monkeypatch: pytest.MonkeyPatch, flag: str, step: str
) -> None:
    # the steps themselves are tested in test_tag_baselines_years; here: the CRF calls each when asked
    seen: list[str] = []
    monkeypatch.setattr(crf_module, step, lambda doc, spans: seen.append(doc.id) or list(spans))
    plain = trained.predict(docs[:1])
    assert seen == []
    on = CrfTagger(trained.model_bytes, dataclasses.replace(trained.settings, **{flag: True}), trained.clusters)
    assert on.predict(docs[:1])[0].spans == plain[0].spans
    assert seen == [docs[0].id]


def test_pos_from_the_lexicon_is_saved_with_the_model(tmp_path: Path, docs: list[Document]) -> None:
    settings = CrfSettings(c1=0.0, c2=0.01, max_iterations=30, pos="lexicon")
    data = featurise(docs, settings)
    words = [t.text for t in data.sentences[0][0].tokens]
    assert [row["pos"] for row in data.X[0]] == pos_lexicon().tags(words)
    tagger = CrfTagger.fit(data.X, data.y, settings)
    tagger.save(tmp_path / "crf")
    record = json.loads((tmp_path / "crf" / "plannlp.json").read_text(encoding="utf-8"))
    assert record["files"]["pos_lexicon"] == "pos_lexicon.tsv" and record["settings"]["pos"] == "lexicon"
    # the model reads its own copy: a changed package lexicon does not change its features
    (tmp_path / "crf" / "pos_lexicon.tsv").write_text("#shape\td\tZZ\n", encoding="utf-8")
    loaded = load_tagger(tmp_path / "crf")
    assert loaded.lexicon.tags(["7", "và"]) == ["ZZ", "X"]
    fresh = CrfTagger.fit(data.X, data.y, settings)
    assert fresh.predict(docs[:3]) == tagger.predict(docs[:3])


def test_pos_setting_values() -> None:
    assert crf_module.pos_setting(True) is True and crf_module.pos_setting(False) is False
    assert crf_module.pos_setting("lexicon") == "lexicon"
    with pytest.raises(DataError, match="pos must be"):
        crf_module.pos_setting("yes")


def test_lower_key_is_the_lower_case_text_key_from_the_word_cache() -> None:
    # the stacked CRF reads word keys through lower_key (cached per word): it must be text_key's
    words = ["Uỷ ban", "HOÀ BÌNH", "Sở Y tế", "2030", "", "Hoà", unicodedata.normalize("NFD", "Thừa Thiên Huế")]
    assert [lower_key(w) for w in words] == [text_key(w).lower() for w in words]


def test_indicators_flag_conjoins_place_and_side_and_trims_indicators() -> None:
    text = "II. MỤC TIÊU\n2. Mục tiêu cụ thể\n- Phấn đấu 100% trạm y tế xã có bác sĩ.\nNăm qua đã có 90% xã có bác sĩ."
    sentences = segment(text)
    on = CrfSettings(pos=False, structure=True, targets=True, indicators=True)
    rows = [r for sent in sentence_features(text, sentences, on) for r in sent]
    words = [t.text for sent in sentences for t in sent.tokens]
    assert rows[words.index("trạm")]["I.ctx|side"] == "item|postV"  # a target-list item, after its opening level
    assert rows[len(words) - 2]["I.ctx|side"] == "past|post"  # "bác sĩ" of the past figure
    off = sentence_features(text, sentences, CrfSettings(pos=False, structure=True, targets=True))
    assert not any(k.startswith("I.") for sent in off for r in sent for k in r)  # old models see no change


def test_posterior_decoding_behind_o_penalty(docs: list[Document], trained: CrfTagger) -> None:
    # baselines.decoding is tested on its own; here: the CRF decodes by it when o_penalty is set,
    # a large penalty finds more spans than Viterbi, and the config key reaches the settings
    plain = trained.predict(docs)
    mea = CrfTagger(trained.model_bytes, dataclasses.replace(trained.settings, o_penalty=0.0), trained.clusters).predict(docs)
    eager = CrfTagger(trained.model_bytes, dataclasses.replace(trained.settings, o_penalty=20.0), trained.clusters).predict(docs)
    f1 = evaluate(docs, mea, bootstrap=0).to_json()["strict"]["micro"]["f1"]
    assert f1 >= 0.95  # the fixture is learnt, so the marginals agree with the gold
    assert sum(len(d.spans) for d in eager) > sum(len(d.spans) for d in plain)
    assert crf_module.settings_from_config({"o_penalty": 1.5}, ("VALUE",)).o_penalty == 1.5
    assert crf_module.settings_from_config({}, ("VALUE",)).o_penalty is None
