import subprocess
import sys

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
    # the package's names are the stage functions, shadowing their submodules (see plannlp/__init__)
    assert plannlp.segment is sys.modules["plannlp.segment"].segment
    assert plannlp.evaluate is sys.modules["plannlp.evaluate"].evaluate
    assert plannlp.clean is sys.modules["plannlp.clean"].clean


def test_importing_the_package_loads_no_heavy_dependency():
    code = "import sys, plannlp; print(sorted(m for m in ('torch', 'transformers', 'underthesea', 'trafilatura') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
