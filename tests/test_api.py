import inspect
import subprocess
import sys

import pytest

import plannlp
from plannlp import clean, evaluate, segment, tag
from plannlp.tag.baselines.rules import RuleTagger


def test_each_stage_is_a_function_and_they_chain(tmp_path):
    RuleTagger().save(tmp_path / "rules")
    text = clean("**Phấn đấu** đến năm 2030 trên 95% dân số\ntham gia bảo hiểm y tế.".encode("utf-8"), kind="markdown")
    assert text == "Phấn đấu đến năm 2030 trên 95% dân số tham gia bảo hiểm y tế."
    assert [t.text for s in segment(text) for t in s.tokens][:2] == ["Phấn đấu", "đến"]
    doc = tag(text, model=tmp_path / "rules")
    result = evaluate([doc], [doc], bootstrap=0).to_json()
    assert result["strict"]["micro"]["f1"] == 1.0


def test_the_stage_names_are_the_packages_and_call_the_stage_functions():
    """Both sides of plannlp/_stage.py: nothing shadows a package, and the package calls its function."""
    import plannlp.evaluate.result
    import plannlp.tag.batch

    for name in ("clean", "segment", "tag", "evaluate"):
        package = sys.modules[f"plannlp.{name}"]
        assert getattr(plannlp, name) is package  # the attribute is the package, not a function over it
        assert hasattr(package, "__path__")
        assert inspect.signature(package) == inspect.signature(getattr(package, name))
    assert plannlp.evaluate.result.EvaluationResult is plannlp.evaluate.EvaluationResult
    assert plannlp.tag.batch.tag is plannlp.tag.tag
    text = "Sở  Y tế chủ trì thực hiện kế hoạch phòng, chống dịch bệnh năm 2025."
    assert plannlp.clean(text, kind="text") == plannlp.clean.clean(text, kind="text") == text.replace("  ", " ")


def test_a_stage_call_finds_the_function_at_call_time(monkeypatch):
    monkeypatch.setattr(plannlp.segment, "segment", lambda text: ("patched", text))
    assert plannlp.segment("x") == ("patched", "x")
    from plannlp import segment as seg

    assert seg("y") == ("patched", "y")


def test_make_callable_refuses_a_name_that_is_no_function():
    from plannlp._stage import make_callable

    with pytest.raises(TypeError, match="plannlp.records.nothing is not a function"):
        make_callable(sys.modules["plannlp.records"], "nothing")


def test_importing_the_package_loads_no_heavy_dependency():
    code = "import sys, plannlp; print(sorted(m for m in ('torch', 'transformers', 'underthesea', 'trafilatura') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
