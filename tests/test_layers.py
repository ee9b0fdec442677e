"""The import-linter contracts in pyproject.toml hold (layers, and no cycles within a package)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).is_file():
        pytest.fail("lint-imports is missing: install the dev extra (bash scripts/install.sh --dev)")
    return found


def test_the_import_contracts_are_kept():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


def test_the_linter_would_catch_a_lower_layer_importing_a_higher_one(tmp_path):
    """The contract is not vacuous: a copy of the package with data importing systems is rejected."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "plannlp", copy / "plannlp", ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "plannlp" / "labels.py", "a", encoding="utf-8") as fh:
        fh.write("\nimport plannlp.tag.systems  # noqa: E402,F401\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(copy)}
    run = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode != 0 and "plannlp.labels -> plannlp.tag.systems" in run.stdout
