from pathlib import Path

import yaml
from typer.testing import CliRunner

from plannlp.cli import _register
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
