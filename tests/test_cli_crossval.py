import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plannlp.cli import _register, main
from plannlp.cli.app import app

TINY = Path(__file__).parent / "data" / "baselines" / "tiny.jsonl"
_register()


def test_option_errors_are_reported_before_the_config_is_read_or_a_fold_trained(tmp_path, monkeypatch):
    # a word in --fractions gave Python's "could not convert string to float" without the option,
    # and an --out or --predictions folder failed only after every fold had trained
    import plannlp.evaluate.crossval as cv

    monkeypatch.setattr(cv, "crossval", lambda *a, **k: (_ for _ in ()).throw(AssertionError("the run started")))
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump({"system": "rules", "train_file": str(TINY)}), encoding="utf-8")
    cases = (
        (["--fractions", "half,1"], "--fractions half,1: expected numbers"),
        (["--out", str(tmp_path)], f"--out {tmp_path}: is a folder"),
        (["--predictions", str(tmp_path)], f"--predictions {tmp_path}: is a folder"),
    )
    for extra, message in cases:
        result = CliRunner().invoke(app, ["crossval", str(config), "--folds", "2", *extra])
        assert isinstance(result.exception, ValueError) and str(result.exception).startswith(message), result.exception


# A key no reader knows (a typo) is refused by every fold system, naming the file and the key,
# before the gold is read or a fold trains; once, `c_1: 0.05` cross-validated the default c1.
TYPOS = {
    "crf": ({"system": "crf", "c_1": 0.05, "pos": False}, "unknown keys c_1"),
    "crf-stacked": ({"system": "crf-stacked", "c1": 0.05, "inner_fold": 3}, "unknown keys inner_fold"),
    "crf-stacked stack": ({"system": "crf-stacked", "stack": {"documnet": False}}, "stack: unknown keys documnet"),
    "rules": ({"system": "rules", "lexicon_min_cout": 2}, "unknown keys lexicon_min_cout"),
    "rules settings": ({"system": "rules", "settings": {"weak_cue": "none"}}, "settings: unknown keys weak_cue"),
    "combined": (
        {"system": "combined", "add_label": ["YEAR"], "primary": {"system": "rules"}, "secondary": {"system": "rules"}},
        "unknown keys add_label",
    ),
    "combined part": (
        {"system": "combined", "primary": {"system": "crf", "c_1": 0.05}, "secondary": {"system": "rules"}},
        "unknown keys c_1 (in primary)",
    ),
    "combined nested part": (
        {"system": "combined", "primary": {"system": "rules"},
         "secondary": {"system": "combined", "primary": {"system": "rules"}, "secondary": {"system": "heldout", "file": "p.jsonl", "flie": 1}}},
        "unknown keys flie (in secondary.secondary)",
    ),  # fmt: skip
    "heldout": ({"system": "heldout", "file": str(TINY), "fold": 2}, "unknown keys fold"),
    "bilstm": ({"system": "bilstm", "hiden": 16}, "unknown keys hiden"),
}


@pytest.mark.parametrize("case", list(TYPOS))
def test_crossval_refuses_unknown_config_keys_before_any_fold_trains(case, tmp_path, monkeypatch, capsys):
    import plannlp.evaluate.crossval as cv

    monkeypatch.setattr(cv, "crossval", lambda *a, **k: (_ for _ in ()).throw(AssertionError("the run started")))
    config, message = TYPOS[case]
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump({**config, "train_file": str(TINY)}), encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["plannlp", "crossval", str(path), "--folds", "2"])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.strip() == f"plannlp: error: {path}: {message}", err
