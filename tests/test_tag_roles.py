import json
import unicodedata

import pytest

from plannlp.data import DataError, Document, Span
from plannlp.tag.roles import CueRoles, RoleClassifier, assign_roles, mention_features, role_cues, train_roles, _Layout

TEXT = (
    "UBND tỉnh ban hành Kế hoạch phát triển bảo hiểm y tế.\n"
    "1. Sở Y tế chủ trì, phối hợp với Sở Tài chính triển khai thực hiện.\n"
    "2. Bảo hiểm xã hội tỉnh: phát triển người tham gia bảo hiểm y tế; định kỳ báo cáo UBND tỉnh.\n"
)


def agencies(text, *quotes_roles):
    spans, cursor = [], 0
    for quote, role in quotes_roles:
        i = text.index(quote, cursor)
        spans.append(Span(i, i + len(quote), "AGENCY", role=role))
        cursor = i + len(quote)
    return Document("r", text, tuple(spans))


GOLD = agencies(
    TEXT,
    ("UBND tỉnh", "issuer"),
    ("Sở Y tế", "lead"),
    ("Sở Tài chính", "partner"),
    ("Bảo hiểm xã hội tỉnh", "lead"),
    ("UBND tỉnh", "oversight"),
)


def test_cue_rules_read_the_governing_verb():
    predicted = CueRoles().predict_spans(GOLD.with_spans(s.with_role(None) for s in GOLD.spans))
    assert [s.role for s in predicted] == ["issuer", "lead", "partner", "lead", "oversight"]


def test_the_same_body_gets_the_role_of_each_mention():
    # spec: the role belongs to the mention, not to the body (UBND tỉnh issues, then is reported to)
    predicted = assign_roles(GOLD.with_spans(s.with_role(None) for s in GOLD.spans), CueRoles())
    ubnd = [s.role for s in predicted.spans if predicted.span_text(s) == "UBND tỉnh"]
    assert ubnd == ["issuer", "oversight"]


def test_table_column_header_is_a_feature():
    text = "| Nội dung | Đơn vị chủ trì | Đơn vị phối hợp |\n|---|---|---|\n| Tiêm chủng | Sở Y tế | Sở Tài chính |"
    doc = agencies(text, ("Sở Y tế", "lead"), ("Sở Tài chính", "partner"))
    layout = _Layout(doc.text)
    lead, partner = (mention_features(layout, s) for s in doc.spans)
    assert "col=chủ" in lead and "col=phối" in partner


def test_learned_model_fits_its_training_roles_and_round_trips_as_json(tmp_path):
    model = train_roles([GOLD] * 3, c=10.0)
    bare = GOLD.with_spans(s.with_role(None) for s in GOLD.spans)
    assert [s.role for s in model.predict_spans(bare)] == [s.role for s in GOLD.spans]
    path = model.save(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["classes"] == sorted({s.role for s in GOLD.spans})
    loaded = RoleClassifier.load(tmp_path)
    assert [s.role for s in loaded.predict_spans(bare)] == [s.role for s in GOLD.spans]


def test_nfd_text_gets_the_same_features_as_nfc():
    nfd = unicodedata.normalize("NFD", TEXT)
    doc = agencies(nfd, (unicodedata.normalize("NFD", "UBND tỉnh"), "issuer"))
    feats = mention_features(_Layout(doc.text), doc.spans[0])
    nfc_doc = agencies(TEXT, ("UBND tỉnh", "issuer"))
    assert feats == mention_features(_Layout(nfc_doc.text), nfc_doc.spans[0])


def test_a_bad_role_model_is_refused(tmp_path):
    (tmp_path / "roles.json").write_text(json.dumps({"classes": ["boss"], "weights": {}}), encoding="utf-8")
    with pytest.raises(DataError, match="classes must be roles"):
        RoleClassifier.load(tmp_path)


def test_cue_file_is_data():
    cues = role_cues()
    assert any(c.cue == "chủ trì" and c.role == "lead" for c in cues)
    assert all(c.side in ("before", "after") for c in cues)


@pytest.mark.parametrize(
    "extra, message",
    [({"c": [1.0]}, "unknown keys c"), ({"grid": {"C": [1.0]}}, "grid: unknown keys C"), ({"fold": 3}, "unknown keys fold")],
)
def test_training_refuses_unknown_config_keys_before_fitting(tmp_path, monkeypatch, extra, message):
    # a typo once trained with the default (C 1.0, 5 folds) and recorded the typo in the run record
    from plannlp.tag import roles

    for name in ("crossval_roles", "train_roles"):
        monkeypatch.setattr(roles, name, lambda *a, **k: (_ for _ in ()).throw(AssertionError("a model was fitted")))
    path = tmp_path / "experiments" / "roles.yaml"
    with pytest.raises(DataError) as raised:
        roles.train_from_config({"system": "roles", "train": [], "output": str(tmp_path / "out"), **extra}, path)
    assert str(raised.value) == f"{path}: {message}"
    assert not (tmp_path / "out").exists()
