"""Run notebooks/error_analysis.ipynb on the small evaluation fixtures, so it cannot rot."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "evaluate"


def test_error_analysis_notebook_runs_on_fixtures(monkeypatch):
    monkeypatch.setenv("PLANNLP_GOLD", str(DATA / "gold.jsonl"))
    monkeypatch.setenv("PLANNLP_PREDICTIONS", f"A={DATA / 'pred_a.jsonl'};B={DATA / 'pred_b.jsonl'}")
    monkeypatch.setenv("PLANNLP_BOOTSTRAP", "50")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # figures as PNG outputs
    nb = nbformat.read(ROOT / "notebooks" / "error_analysis.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit it without outputs"
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "<mark" in html  # highlighted spans
    assert "năm 2022" in html  # system A's label error, in context
    assert "A vs B" in text and "p randomisation" in text  # the two systems compared
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3  # heatmap, error bars, per-label F1
    assert "A: 2 record errors" in text and "differs in value" in html  # system A's record d3, explained
    assert "errors A makes and B does not" in text and "only A" in html and "only B" in html
    assert "18 tuổi" in html  # A's false alarm that B does not raise


@pytest.mark.parametrize("name", ["error_analysis.ipynb"])
def test_notebook_uses_the_library(name):
    source = "".join(c.source for c in nbformat.read(ROOT / "notebooks" / name, as_version=4).cells)
    assert "plannlp.evaluate" in source and "def " not in source  # logic lives in plannlp.evaluate.analysis
