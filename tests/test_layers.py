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


# tests that are not about one module: the public API, these contracts, the notebook, the relayout script
NOT_ONE_MODULE = {"test_api.py", "test_layers.py", "test_notebook.py", "test_relayout.py"}


def _modules() -> set[str]:
    """Every module of the package as a test names it: ``plannlp.tag.baselines.crf`` -> ``tag_baselines_crf``."""
    out = set()
    for path in (ROOT / "src" / "plannlp").rglob("*.py"):
        parts = path.relative_to(ROOT / "src" / "plannlp").with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if parts:
            out.add("_".join(parts))
    return out


def test_every_test_file_is_named_after_the_module_it_tests():
    """``tests/test_<module>[_<aspect>].py``, the module's dotted path below plannlp with ``_``."""
    modules = _modules()
    assert "tag_baselines_crf" in modules and "clean" in modules and "evaluate_result" in modules
    unnamed = []
    for test in sorted((ROOT / "tests").glob("test_*.py")):
        if test.name in NOT_ONE_MODULE:
            continue
        stem = test.stem[len("test_") :]
        if not any(stem == m or stem.startswith(m + "_") for m in modules):
            unnamed.append(test.name)
    assert unnamed == []


def _function_level_imports() -> list[tuple[str, str, int]]:
    """(importer, imported, line) for each import of a plannlp module inside a function."""
    import ast

    found = []
    for path in sorted((ROOT / "src" / "plannlp").rglob("*.py")):
        parts = path.relative_to(ROOT / "src").with_suffix("").parts
        importer = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "plannlp":
                    found.append((importer, node.module, node.lineno))
                elif isinstance(node, ast.Import):
                    found += [(importer, a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "plannlp"]
    return found


# no function-level import stands for an import cycle (data no longer reads the value grammar upwards)
CYCLE_DODGES: set[tuple[str, str]] = set()


def test_no_function_level_import_dodges_an_import_cycle():
    """A module that imports a plannlp module inside a function could import it at the top: the
    imported module never leads back to the importer (but for the listed, known exception)."""
    import grimp

    graph = grimp.build_graph("plannlp", cache_dir=None)
    imports = _function_level_imports()
    assert imports, "the scan finds function-level imports"
    dodges = set()
    for importer, imported, _ in imports:
        target = imported
        while target not in graph.modules:  # `from plannlp.x import name` where x is a module
            target = target.rsplit(".", 1)[0]
        if target != importer and graph.find_shortest_chain(importer=target, imported=importer):
            dodges.add((importer, target))
    assert dodges == CYCLE_DODGES


def test_every_function_level_import_that_could_be_at_the_top_is():
    """What stays in a function loads a heavy package, is a CLI command's, closes the one known cycle
    or is listed with its reason in scripts/relayout.py (LAZY_IMPORTS); the rest moved to the top."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("relayout", ROOT / "scripts" / "relayout.py")
    relayout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(relayout)
    assert relayout.hoist_imports(ROOT, dry=True) == []
    remaining = {(a, b) for a, b, _ in _function_level_imports() if not a.startswith("plannlp.cli")}
    assert ("plannlp.data", "plannlp.records") not in remaining and len(remaining) < 15
