"""scripts/relayout.py on a tiny fake checkout: moves, rewrites, idempotence, --check."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def relayout():
    spec = importlib.util.spec_from_file_location("relayout", ROOT / "scripts" / "relayout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def _tree(root: Path) -> Path:
    files = {
        "src/plannlp/__init__.py": "",
        "src/plannlp/data.py": "class Document: ...\n",
        "src/plannlp/baselines/__init__.py": "from plannlp.data import Document\n",
        "src/plannlp/baselines/crf.py": "from .features import f\nfrom . import rules\nimport plannlp.baselines.rules\n",
        "src/plannlp/baselines/features.py": "def f(): ...\n",
        "src/plannlp/baselines/wordcache.py": 'CACHE = Path(__file__).resolve().parents[3] / "runs"\n',
        "src/plannlp/model/pretrain/card.py": 'ROOT = Path(__file__).resolve().parents[4]\n',
        "src/plannlp/baselines/rules.py": "def r(): ...\n",
        # a file the table does not name: it goes where its folder goes
        "src/plannlp/baselines/brand_new.py": "from plannlp.baselines.crf import f\n",
        "src/plannlp/corpus/__init__.py": "",
        "src/plannlp/corpus/clean.py": "def clean(x): return x\n",
        # function-level imports: one may move to the top, one name means something else there
        "src/plannlp/records.py": "from plannlp.data import Document\n\n\ndef a():\n    from plannlp.corpus.clean import clean\n\n"
        "    return clean\n\n\ndef b():\n    if True:\n        from plannlp.data import Span as Document\n        return Document\n",
        "src/plannlp/corpus/gold.py": "from plannlp.corpus import clean\nfrom plannlp.corpus.clean import clean as c\n",
        "src/plannlp/tagging.py": "from plannlp.corpus import clean, gold  # both\n",
        "src/plannlp/model/__init__.py": "",
        "src/plannlp/model/pretrain/__init__.py": "from plannlp.model import tagger\n",
        "src/plannlp/model/tagger.py": "",
        "src/plannlp/cli/__init__.py": "",
        "src/plannlp/cli/model.py": "from plannlp import tagging\nfrom plannlp.tagging import (\n    x,\n    y,\n)\n",
        "src/plannlp/mystery.py": "",
        "tests/test_crf.py": 'from unittest import mock\nP = mock.patch("plannlp.baselines.crf.f")\n',
        "tests/test_corpus_gold.py": "import plannlp.corpus.gold\n",
        "tests/test_data.py": "import plannlp.data\n",
        "README.md": "See `src/plannlp/corpus/clean.py`, `plannlp/baselines/` and tests/test_crf.py;"
        " the run record is plannlp.json; `plannlp.tagging.tag_files`.\n",
        "pyproject.toml": '[project]\nname = "x"\n\n# old rules\n[tool.importlinter]\nroot_package = "plannlp"\n'
        '\n[[tool.importlinter.contracts]]\nname = "old"\ntype = "layers"\nlayers = ["plannlp.baselines"]\n'
        '\n[tool.pytest.ini_options]\naddopts = ""\n',
        "notebooks/n.ipynb": json.dumps({"cells": [{"source": ["from plannlp.corpus.gold import g\n"]}]}),
        "experiments/x.yaml": "system: crf\nmodule: plannlp.model.tagger:TransformerTagger\n",
        "scripts/demo.py": "from test_crf import helper\nimport test_data\n",
    }
    for rel, text in files.items():
        _write(root, rel, text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_moves_rewrites_and_is_idempotent(tmp_path, relayout):
    root = _tree(tmp_path)
    relayout.relayout(root)
    once = _snapshot(root)
    pkg = "src/plannlp/"
    # moves: named files, a whole folder (with the file no table names), a module that becomes a package
    for old in ("baselines/crf.py", "baselines/brand_new.py", "corpus/clean.py", "tagging.py", "model/tagger.py", "cli/model.py"):
        assert pkg + old not in once
    for new in ("tag/baselines/crf.py", "tag/baselines/brand_new.py", "clean/__init__.py", "tag/batch.py",
                "tag/neural/tagger.py", "pretrain/__init__.py", "annotate/gold.py", "cli/train.py"):  # fmt: skip
        assert pkg + new in once, new
    assert not (root / pkg / "baselines").exists() and not (root / pkg / "corpus").exists()
    assert pkg + "mystery.py" in once  # not in the tables: left, and reported
    # tests named after the module they test follow it
    assert "tests/test_tag_baselines_crf.py" in once and "tests/test_annotate_gold.py" in once
    assert "tests/test_data.py" in once
    # paths a module builds from its own place still point at the same folder
    assert "parents[4] / \"runs\"" in once[pkg + "tag/baselines/wordcache.py"]
    assert "parents[3]" in once[pkg + "pretrain/card.py"]
    # function-level imports go to the top of the module, in order, unless the name is taken there
    assert once[pkg + "records/__init__.py"] == (
        "from plannlp.clean import clean\nfrom plannlp.data import Document\n\n\ndef a():\n    return clean\n\n\n"
        "def b():\n    if True:\n        from plannlp.data import Span as Document\n        return Document\n"
    )
    # rewrites
    crf = once[pkg + "tag/baselines/crf.py"]
    assert "from plannlp.tag.baselines.features import f" in crf
    assert "from plannlp.tag.baselines import rules" in crf and "import plannlp.tag.baselines.rules" in crf
    assert once[pkg + "tag/baselines/brand_new.py"] == "from plannlp.tag.baselines.crf import f\n"
    gold = once[pkg + "annotate/gold.py"]
    assert "from plannlp import clean\n" in gold and "from plannlp.clean import clean as c" in gold
    assert once[pkg + "tag/batch.py"] == "from plannlp import clean  # both\nfrom plannlp.annotate import gold\n"
    assert once[pkg + "pretrain/__init__.py"] == "from plannlp.tag.neural import tagger\n"
    cli = once[pkg + "cli/train.py"]
    assert "from plannlp.tag import batch as tagging" in cli and "from plannlp.tag.batch import (" in cli
    assert 'mock.patch("plannlp.tag.baselines.crf.f")' in once["tests/test_tag_baselines_crf.py"]
    readme = once["README.md"]
    assert "src/plannlp/clean/__init__.py" in readme and "plannlp/tag/baselines/" in readme
    assert "tests/test_tag_baselines_crf.py" in readme and "plannlp.json" in readme
    assert "plannlp.tag.batch.tag_files" in readme
    assert "plannlp.annotate.gold" in once["notebooks/n.ipynb"]
    assert "plannlp.tag.neural.tagger:TransformerTagger" in once["experiments/x.yaml"]
    assert once["scripts/demo.py"] == "from test_tag_baselines_crf import helper\nimport test_data\n"  # a test as a module
    pyproject = once["pyproject.toml"]
    assert '"plannlp.tag",' in pyproject and "plannlp.baselines" not in pyproject and "# old rules" not in pyproject
    assert pyproject.count("[tool.importlinter]") == 1 and "[tool.pytest.ini_options]" in pyproject
    assert '[project]\nname = "x"' in pyproject
    # the new packages get an __init__.py where they have none
    assert pkg + "acquire/__init__.py" not in once  # no file went to acquire/ in this tree
    assert "from plannlp.tag.batch import tag" in once[pkg + "tag/__init__.py"]
    # idempotent: a second run changes nothing
    assert relayout.relayout(root) == []
    assert _snapshot(root) == once
    # --check: only what no table places is left
    assert relayout.leftovers(root) == ["not placed by the tables: src/plannlp/mystery.py"]


def test_check_reports_what_is_left_and_changes_nothing(tmp_path, relayout):
    root = _tree(tmp_path)
    before = _snapshot(root)
    left = relayout.leftovers(root)
    assert relayout.main(["--root", str(root), "--check"]) == 1
    assert _snapshot(root) == before
    assert "to move: src/plannlp/baselines/crf.py -> src/plannlp/tag/baselines/crf.py" in left
    assert "relative import: src/plannlp/baselines/crf.py" in left and "to rewrite: README.md" in left


def test_a_module_merged_in_later_is_moved_by_a_second_run(tmp_path, relayout):
    root = _tree(tmp_path)
    relayout.relayout(root)
    _write(root, "src/plannlp/baselines/late.py", "from plannlp.corpus.gold import g\n")
    _write(root, "tests/test_late.py", "import plannlp.baselines.late\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    relayout.relayout(root)
    assert (root / "src/plannlp/tag/baselines/late.py").read_text() == "from plannlp.annotate.gold import g\n"
    assert (root / "tests/test_tag_baselines_late.py").read_text() == "import plannlp.tag.baselines.late\n"


def test_the_tables_send_no_module_to_an_old_place(relayout):
    """Idempotence rests on this: no new name starts with an old one."""
    table = relayout.module_map()
    for new in table.values():
        assert relayout.new_module(new, table) == new
    for new in relayout.MOVES.values():
        assert relayout.new_file(new) == new


def test_the_readme_shows_the_package_tree_as_it_is(relayout):
    """The README's layout block is the real tree (rerun scripts/relayout.py to rewrite it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = relayout.layout_tree(ROOT)
    assert relayout.write_readme_tree(readme, tree) == readme
    assert f"```\n{tree}\n```" in readme and "tag/baselines/" in tree and "crf" in tree


def test_the_tree_lists_every_folder_in_pipeline_order(tmp_path, relayout):
    root = _tree(tmp_path)
    relayout.relayout(root)
    lines = [line.split()[0] for line in relayout.layout_tree(root).splitlines()[1:] if not line.strip().startswith("#")]
    assert lines == ["clean/", "tag/", "tag/baselines/", "tag/neural/", "records/", "annotate/", "pretrain/", "cli/", "*.py"]
