import pytest

from plannlp.data import DataError
from plannlp.systems import load_config, load_tagger, read_manifest, train, write_manifest


def test_missing_or_unknown_model_directories_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="not a plannlp model directory"):
        load_tagger(tmp_path)
    write_manifest(tmp_path, "hmm")
    with pytest.raises(DataError, match="unknown system 'hmm'"):
        load_tagger(tmp_path)
    (tmp_path / "plannlp.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="invalid JSON"):
        read_manifest(tmp_path)


def test_rules_round_trip_through_the_manifest(tmp_path):
    from plannlp.baselines.rules import RuleTagger

    RuleTagger().save(tmp_path / "rules")
    assert read_manifest(tmp_path / "rules")["system"] == "rules"
    assert load_tagger(tmp_path / "rules").system == "rules"


@pytest.mark.parametrize(
    "text, message",
    [("system: [unclosed", "invalid YAML"), ("- a\n- b\n", "mapping with a 'system' key"), ("epochs: 3\n", "'system' key")],
)
def test_bad_training_configs(tmp_path, text, message):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_config(path)
    with pytest.raises(DataError, match="no such config"):
        train(tmp_path / "missing.yaml")
