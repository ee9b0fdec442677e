"""Move plannlp's modules into folders in the order data flows, and rewrite every name of them.

    python scripts/relayout.py            # move what is still at its old place, rewrite, report
    python scripts/relayout.py --check    # change nothing; list what is left to move or rewrite (exit 1)
    python scripts/relayout.py --root DIR # another checkout (the tests build a tiny one)

Run it again on a tree that has gained modules since (another branch merged first): it moves
what it finds at an old place (a new ``plannlp/baselines/x.py`` goes where ``baselines`` goes),
rewrites the dotted names and paths that still name an old place, and on a tree it already
laid out changes nothing.

What it does, in order:

1. relative imports under ``src/plannlp`` (``from .x import y``) become absolute, so that step 3
   sees every import as a dotted name;
2. ``git mv`` for each file at an old place (``MOVES``: files, or whole folders whose files all
   follow), and for tests named after a moved module (``TEST_MOVES``, and the rule of
   :func:`test_moves`);
3. in every tracked text file: dotted module names (imports, ``"pkg.mod:fn"`` strings, the
   targets of ``mock.patch``, import-linter layers, notebooks' JSON), ``from A import b`` where
   ``A.b`` is a module that moved elsewhere, and paths (``src/plannlp/corpus/clean.py``,
   ``tests/test_corpus_gold.py``);
4. writes the files that belong to the new layout: the new packages' ``__init__.py`` (only when
   missing) and the import-linter contracts in ``pyproject.toml`` (from ``LAYERS``).

Knowledge of where a module goes is in the tables below and nowhere else.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

PKG = "src/plannlp"

# Old place -> new place, relative to src/plannlp. A trailing "/" names a folder: every file under
# it, now or later, goes to the same relative path under the new folder, unless a longer entry
# names it. "x.py" -> "x/__init__.py" keeps the dotted name (the module becomes a package).
MOVES: dict[str, str] = {
    # acquire: find and fetch pages, then decide which to keep
    "corpus/scrape.py": "acquire/scrape.py",
    "corpus/discover.py": "acquire/discover.py",
    "corpus/attachments.py": "acquire/attachments.py",
    "classify.py": "acquire/classify.py",
    "watch.py": "acquire/watch.py",
    # clean: bytes to the plan's text
    "corpus/clean.py": "clean/__init__.py",
    "corpus/encoding.py": "clean/encoding.py",
    "corpus/extract.py": "clean/extract.py",
    # tag: the systems, their contract and registry, responsibility (roles, links), batch tagging
    "tagging.py": "tag/batch.py",
    "contract.py": "tag/contract.py",
    "systems.py": "tag/systems.py",
    "training_data.py": "tag/training_data.py",
    "roles.py": "tag/roles.py",
    "links.py": "tag/links.py",
    "modelcard.py": "tag/modelcard.py",
    "hf.py": "tag/neural/hf.py",
    "baselines/": "tag/baselines/",
    "engines/": "tag/engines/",  # other engines for batch tagging (Ray), when a branch brings them
    "model/pretrain/": "pretrain/",
    "model/": "tag/neural/",
    # records: spans to target records
    "records.py": "records/__init__.py",
    # report: tagged plans (and a diff against gold) as a page
    "htmlreport.py": "report/html.py",
    # annotate: the corpus, its formats, quotes, validation, gold and agreement
    "corpus/": "annotate/",
    # the command line: one module per command
    "cli/model.py": "cli/train.py",
    "cli/scoring.py": "cli/evaluate.py",
}

# Where the modules that stay live: the core data model, and stages already in place. Anything
# else found at the top of the package is reported by --check as not placed.
STAYS = (
    "__init__.py", "__main__.py", "_version.py", "_stage.py", "data.py", "labels.py", "text.py", "io.py", "numbers.py",
    "bio.py", "linear.py", "runrecord.py", "yamlconfig.py", "resources/", "segment/", "evaluate/", "cli/",
)  # fmt: skip

# tests/<old> -> tests/<new>: every rename of the first run, so that a path or an import of a test that a
# merged branch writes with an old name is rewritten after the move too (test_moves() derives the same
# for tests added later).
TEST_MOVES: dict[str, str] = {
    "test_align.py": "test_tag_neural_align.py",
    "test_bilstm.py": "test_tag_neural_bilstm.py",
    "test_clean_cli.py": "test_cli_clean.py",
    "test_combine.py": "test_tag_baselines_combine.py",
    "test_corpus_clean.py": "test_clean.py",
    "test_corpus_cli.py": "test_cli_corpus.py",
    "test_corpus_dataset.py": "test_annotate_dataset.py",
    "test_corpus_formats.py": "test_annotate_formats.py",
    "test_corpus_gold.py": "test_annotate_gold.py",
    "test_corpus_manifest.py": "test_annotate_manifest.py",
    "test_corpus_quotes.py": "test_annotate_quotes.py",
    "test_corpus_validate.py": "test_annotate_validate.py",
    "test_crf.py": "test_tag_baselines_crf.py",
    "test_crossval.py": "test_evaluate_crossval.py",
    "test_encoding.py": "test_clean_encoding.py",
    "test_evaluate_cli.py": "test_cli_evaluate.py",
    "test_evaluate_crosscheck.py": "test_evaluate_metrics_crosscheck.py",
    "test_hf.py": "test_tag_neural_hf.py",
    "test_htmlreport.py": "test_report_html.py",
    "test_ids.py": "test_annotate_ids.py",
    "test_links.py": "test_tag_links.py",
    "test_modelcard.py": "test_tag_modelcard.py",
    "test_report_browser.py": "test_report_html_browser.py",
    "test_roles.py": "test_tag_roles.py",
    "test_rules.py": "test_tag_baselines_rules.py",
    "test_scrape.py": "test_acquire_scrape.py",
    "test_structure.py": "test_tag_baselines_structure.py",
    "test_systems.py": "test_tag_systems.py",
    "test_tagger.py": "test_tag_neural_tagger.py",
    "test_tagging.py": "test_tag_batch.py",
    "test_train.py": "test_tag_neural_train.py",
    "test_vectors.py": "test_tag_baselines_vectors.py",
    "test_vocab.py": "test_tag_neural_vocab.py",
    "test_watch.py": "test_acquire_watch.py",
    "test_windows.py": "test_tag_neural_windows.py",
}

# The new packages' __init__.py, written only where none exists.
NEW_INITS: dict[str, str] = {
    "acquire/__init__.py": '"""Acquire: discover and fetch plan pages politely, read their attachments, pick the plans\n'
    '(document type), and watch portals for new ones."""\n',
    "tag/__init__.py": '"""Tag: the systems (rules, CRF, neural), the one contract they meet, the registry that loads\n'
    "and trains them, agency roles and target links, and batch tagging of files.\n\n"
    "``plannlp.tag(text)`` tags one text with the default model (see :func:`plannlp.tag.batch.tag`).\n"
    '"""\n\nfrom plannlp.tag.batch import tag, tag_files\n\n__all__ = ["tag", "tag_files"]\n',
    "tag/neural/__init__.py": '"""Neural taggers: the transformer (PhoBERT token classification) and the BiLSTM-CRF."""\n',
    "report/__init__.py": '"""Report: tagged plans, and a diff against gold, as one self-contained HTML page."""\n',
}

# The import-linter contracts written into pyproject.toml: a module may import only from layers
# below its own; siblings joined by " | " not from each other.
LAYERS = (
    "plannlp.cli",
    "plannlp.acquire | plannlp.pretrain | plannlp.report",
    "plannlp.annotate",
    "plannlp.tag",
    "plannlp.evaluate",
    "plannlp.records | plannlp.clean | plannlp.segment",
    "plannlp.runrecord | plannlp.yamlconfig | plannlp.bio | plannlp.linear",
    "plannlp.numbers",
    "plannlp.io",
    "plannlp.data",
    "plannlp.labels | plannlp.text",
)
# Imports the contracts allow though they go upwards, each with why.
IGNORED_IMPORTS: dict[str, str] = {}

# The order the README's tree lists the folders in: the pipeline, then what stands beside it.
TREE_ORDER = ("acquire", "clean", "segment", "tag", "records", "evaluate", "annotate", "pretrain", "report", "cli", "resources")
# What each folder is for, in the README's tree.
TREE_NOTES = {
    "acquire": "discover and fetch pages, attachments, document type, the watch loop",
    "clean": "bytes to the plan's text (decoding, main text, furniture)",
    "segment": "sentences and words with character offsets",
    "tag": "the systems, their contract and registry, roles, links, batch tagging",
    "tag/baselines": "rule tagger, CRF and their features",
    "tag/neural": "transformer and BiLSTM-CRF taggers, the training driver",
    "tag/engines": "batch tagging run elsewhere (Ray)",
    "records": "spans to target records",
    "evaluate": "SemEval scores, records, intervals, comparison, cross-validation",
    "annotate": "the gold corpus: quote files, formats, validation, agreement",
    "pretrain": "masked-LM pretraining of an encoder",
    "report": "tagged plans as one HTML page",
    "cli": "one module per command",
    "resources": "phrase lists, patterns, gazetteer (data, not code)",
}
README_MARKERS = ("<!-- layout: written by scripts/relayout.py from the tree -->", "<!-- /layout -->")

# Function-level imports of plannlp modules move to the top of their module (step 5), except where
# the imported module loads one of these at import time (the lazy import keeps it off the import of
# plannlp), in the CLI (a command imports the library it runs when it runs; tests replace library
# functions there), or where the imported module leads back to the importer (a cycle: see
# IGNORED_IMPORTS).
HEAVY = {
    "torch", "transformers", "datasets", "underthesea", "trafilatura", "sklearn", "sklearn_crfsuite", "pycrfsuite",
    "pandas", "pyarrow", "gensim", "pypdf", "docx", "playwright", "lxml", "requests", "scipy", "seqeval",
    "nervaluate", "matplotlib",
}  # fmt: skip
LAZY_IN = ("plannlp.cli",)
# (importer, imported): stays in its function, with why
LAZY_IMPORTS = {
    ("plannlp.tag.batch", "plannlp.tag.systems"): "tests replace systems.load_tagger; the tagger is looked up per run",
}

TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".json", ".ipynb", ".sh", ".txt", ".cfg", ".ini", ".tsv", ""}
SKIP_PREFIXES = (".grimp_cache/", "corpus/raw/", "corpus/clean/", "corpus/gold/", "corpus/annotations/", "tests/data/clean", "shared/")
SELF = {"scripts/relayout.py", "tests/test_relayout.py"}  # they name the old places on purpose


# ------------------------------------------------------------------------------------------------
# the tables as dotted names and paths


def dotted(rel: str) -> str:
    """``corpus/clean.py`` -> ``plannlp.corpus.clean``; ``corpus/`` and ``corpus/__init__.py`` -> ``plannlp.corpus``."""
    rel = rel.rstrip("/")
    if rel.endswith(".py"):
        rel = rel[:-3]
    if rel.endswith("/__init__") or rel == "__init__":
        rel = rel[: -len("__init__")].rstrip("/")
    return ".".join(["plannlp", *[p for p in rel.split("/") if p]])


def module_map() -> dict[str, str]:
    """Old dotted name -> new dotted name (a folder's entry covers everything below it)."""
    out = {}
    for old, new in MOVES.items():
        a, b = dotted(old), dotted(new)
        if a != b:
            out[a] = b
    return out


def _longest(name: str, table: dict[str, str], sep: str) -> str | None:
    best = None
    for key in table:
        if (name == key or name.startswith(key + sep)) and (best is None or len(key) > len(best)):
            best = key
    return best


def new_module(name: str, table: dict[str, str] | None = None) -> str:
    """The new dotted name of ``name`` (a module or an attribute path below one); itself if it did not move."""
    table = module_map() if table is None else table
    key = _longest(name, table, ".")
    return name if key is None else table[key] + name[len(key) :]


def new_file(rel: str) -> str:
    """The new path (relative to src/plannlp) of the file at ``rel``; itself if it does not move."""
    best = None
    for old in MOVES:
        hit = rel == old or (old.endswith("/") and rel.startswith(old))
        if hit and (best is None or len(old) > len(best)):
            best = old
    if best is None:
        return rel
    return MOVES[best] + rel[len(best) :] if best.endswith("/") else MOVES[best]


def moved_modules(root: Path) -> list[tuple[str, str]]:
    """(old, new) dotted names of the modules of the tree at ``root`` that the tables move, found
    at their old place or at their new one (so the answer is the same before and after the move)."""
    out = []
    for rel in tracked(root):
        if not (rel.startswith(PKG + "/") and rel.endswith(".py")):
            continue
        inner = rel[len(PKG) + 1 :]
        old = old_file(inner) or inner
        a, b = dotted(old), dotted(new_file(old))
        if a != b:
            out.append((a, b))
    return sorted(set(out))


def old_file(rel: str) -> str | None:
    """The old path of a file now at the new place ``rel``; None if no table entry moves a file there."""
    best = None
    for old, new in MOVES.items():
        hit = rel == new or (new.endswith("/") and old.endswith("/") and rel.startswith(new))
        if hit and (best is None or len(new) > len(MOVES[best])):
            best = old
    if best is None:
        return None
    return best + rel[len(MOVES[best]) :] if best.endswith("/") and MOVES[best].endswith("/") else best


def test_moves(root: Path) -> dict[str, str]:
    """tests/<name> -> tests/<new name> for the tests of ``root``: the table first, then the rule:
    ``test_<old>[_x].py`` for a moved module ``plannlp.<old>`` (dots as ``_``, or its last part
    when that names one moved module only) becomes ``test_<new>[_x].py``."""
    flat: dict[str, str] = {}  # old flattened name -> new flattened name
    last: dict[str, set[str]] = {}
    for old, new in moved_modules(root):
        o, n = old[len("plannlp.") :].replace(".", "_"), new[len("plannlp.") :].replace(".", "_")
        flat[o] = n
        last.setdefault(old.rsplit(".", 1)[-1], set()).add(n)
    for short, news in last.items():
        if len(news) == 1 and short not in flat:
            flat[short] = next(iter(news))
    out = {}
    names = [rel[len("tests/") :] for rel in tracked(root) if rel.startswith("tests/test_") and rel.count("/") == 1]
    for name in names:
        if name in TEST_MOVES:
            if TEST_MOVES[name] != name:
                out[name] = TEST_MOVES[name]
            continue
        if not name.endswith(".py"):
            continue
        stem = name[len("test_") : -len(".py")]
        key = _longest(stem, flat, "_")
        if key is not None and flat[key] != key:
            out[name] = "test_" + flat[key] + stem[len(key) :] + ".py"
    return out


# ------------------------------------------------------------------------------------------------
# the rewriting of text

_DOTTED = re.compile(r"(?<![\w.])plannlp(?:\.\w+)+")
_FROM_IMPORT = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+(?P<mod>plannlp(?:\.\w+)*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#]*?)(?P<tail>[ \t]*(#[^\n]*)?)$", re.M)
_PATH = re.compile(r"(?<![\w/])(?P<pre>(?:src/)?plannlp/)(?P<rel>[\w/]+(?:\.py)?/?)")
_TEST_IMPORT = re.compile(r"^([ \t]*(?:from|import)[ \t]+)(test_\w+)\b", re.M)
_TEST_PATH = re.compile(r"(?<![\w/])tests/(test_\w+\.py)")


def _split_names(names: str) -> list[tuple[str, str | None]]:
    body = names.strip()
    if body.startswith("("):
        body = body[1:-1]
    out = []
    for part in body.replace("\n", " ").split(","):
        part = re.sub(r"#[^,]*$", "", part).strip()
        if not part:
            continue
        bits = part.split()
        out.append((bits[0], bits[2] if len(bits) == 3 and bits[1] == "as" else None))
    return out


def _rewrite_from_imports(text: str, table: dict[str, str]) -> str:
    """``from A import b`` where ``A.b`` is a module that moved elsewhere than below new(A)."""
    def fix(m: re.Match) -> str:
        mod = m.group("mod")
        names = _split_names(m.group("names"))
        if all(new_module(f"{mod}.{n}", table) == f"{new_module(mod, table)}.{n}" for n, _ in names):
            return m.group(0)  # the dotted rewrite of A is enough
        groups: dict[str, list[str]] = {}
        for n, alias in names:
            full = new_module(f"{mod}.{n}", table)
            parent, leaf = full.rsplit(".", 1)
            bound = alias or n
            groups.setdefault(parent, []).append(leaf if leaf == bound else f"{leaf} as {bound}")
        indent = m.group("indent")
        lines = [f"{indent}from {parent} import {', '.join(items)}" for parent, items in groups.items()]
        lines[0] += m.group("tail") or ""
        return "\n".join(lines)

    return _FROM_IMPORT.sub(fix, text)


def rewrite_text(text: str, table: dict[str, str], tests: dict[str, str]) -> str:
    text = _rewrite_from_imports(text, table)
    text = _DOTTED.sub(lambda m: new_module(m.group(0), table), text)

    def path(m: re.Match) -> str:
        rel = m.group("rel")
        new = new_file(rel)
        if new == rel and rel.rstrip("/").endswith(".py") is False:  # a folder without its slash
            folder = new_file(rel.rstrip("/") + "/")
            if folder != rel.rstrip("/") + "/":
                new = folder.rstrip("/") + ("/" if rel.endswith("/") else "")
        return m.group("pre") + new

    text = _PATH.sub(path, text)
    text = _TEST_PATH.sub(lambda m: "tests/" + tests.get(m.group(1), m.group(1)), text)
    stems = {old[:-3]: new[:-3] for old, new in tests.items()}
    text = _TEST_IMPORT.sub(lambda m: m.group(1) + stems.get(m.group(2), m.group(2)), text)  # a test imported as a module
    return text


_RELATIVE = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+(?P<dots>\.+)(?P<mod>[\w.]*)[ \t]+import\b", re.M)


def absolute_imports(text: str, module: str, is_package: bool) -> str:
    """``from .x import y`` in ``module`` -> ``from plannlp.<...>.x import y``."""
    parts = module.split(".") if is_package else module.split(".")[:-1]

    def fix(m: re.Match) -> str:
        up = len(m.group("dots")) - 1
        base = parts[: len(parts) - up] if up else parts
        target = ".".join([*base, *([m.group("mod")] if m.group("mod") else [])])
        return f"{m.group('indent')}from {target} import"

    return _RELATIVE.sub(fix, text)


# ------------------------------------------------------------------------------------------------
# the tree


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def tracked(root: Path) -> list[str]:
    out = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({p for p in out.split("\0") if p and (root / p).is_file()})


def text_files(root: Path) -> list[str]:
    files = []
    for rel in tracked(root):
        if rel in SELF or rel.startswith(SKIP_PREFIXES):
            continue
        p = root / rel
        if p.suffix not in TEXT_SUFFIXES or p.stat().st_size > 4_000_000:
            continue
        files.append(rel)
    return files


def test_names(root: Path) -> dict[str, str]:
    """Old test file name -> new one, for the rewriting of paths: the renames still to do, and the
    table's (so a path a merged branch wrote with an old name is fixed after the move too)."""
    return {**{k: v for k, v in TEST_MOVES.items() if k != v}, **test_moves(root)}


def planned_moves(root: Path) -> list[tuple[str, str]]:
    """(old, new) repository paths of the files still at an old place."""
    moves = []
    for rel in tracked(root):
        if rel.startswith(PKG + "/") and rel.endswith(".py"):
            inner = rel[len(PKG) + 1 :]
            new = new_file(inner)
            if new != inner:
                moves.append((rel, f"{PKG}/{new}"))
    for old, new in test_moves(root).items():
        moves.append((f"tests/{old}", f"tests/{new}"))
    return moves


def leftovers(root: Path) -> list[str]:
    """What --check reports: files at an old place, text naming one, relative imports, modules no table places."""
    table, tests = module_map(), test_names(root)
    found = [f"to move: {a} -> {b}" for a, b in planned_moves(root)]
    for rel in text_files(root):
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
        if rewrite_text(text, table, tests) != text:
            found.append(f"to rewrite: {rel}")
        if rel.startswith(PKG + "/") and rel.endswith(".py") and _RELATIVE.search(text):
            found.append(f"relative import: {rel}")
    if (root / PKG).is_dir():
        found += hoist_imports(root, dry=True)
        found += [f"imports to sort: {rel}" for rel in text_files(root) if rel.endswith(".py") and sort_first_party(t := (root / rel).read_text(encoding="utf-8")) != t]
    pkg = root / PKG
    placed = {v.split("/")[0] + ("/" if "/" in v else "") for v in MOVES.values()} | set(STAYS)
    for child in sorted(pkg.iterdir()) if pkg.is_dir() else []:
        if child.name == "__pycache__" or child.name.endswith(".egg-info"):
            continue
        name = child.name + ("/" if child.is_dir() else "")
        if name not in placed and (child.is_dir() or child.suffix == ".py"):
            found.append(f"not placed by the tables: {PKG}/{name}")
    return found


def write_contracts(text: str) -> str:
    """pyproject.toml with its import-linter section made from LAYERS."""
    layers = "\n".join(f'    "{layer}",' for layer in LAYERS)
    ignored = "\n".join(f'    "{imp}",  # {why}' for imp, why in IGNORED_IMPORTS.items())
    # with nothing ignored the contracts carry no ignore list at all
    ignore_list = f"ignore_imports = [\n{ignored}\n]\n" if IGNORED_IMPORTS else ""
    section = (
        "# Layer rules, checked by `lint-imports` (tests/test_layers.py runs it); written by\n"
        "# scripts/relayout.py from its LAYERS: a module may import only from layers below its own,\n"
        "# and siblings joined by `|` not from each other.\n"
        "[tool.importlinter]\n"
        'root_package = "plannlp"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "Pipeline layers: lower layers never import higher ones"\n'
        'type = "layers"\n'
        f"layers = [\n{layers}\n]\n"
        f"{ignore_list}\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "No import cycles between the modules of a package"\n'
        'type = "acyclic_siblings"\n'
        'ancestors = ["plannlp"]\n'
        f"{ignore_list}"
    )
    start = text.find("[tool.importlinter]")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    # the section's own comment lines just above it go too
    head = text[:start].rstrip("\n").split("\n")
    while head and head[-1].startswith("#"):
        head.pop()
    after = re.search(r"^\[(?!\[?tool\.importlinter)", text[start:], re.M)
    rest = text[start + after.start() :] if after else ""
    return "\n".join(head).rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else "")


_FILE_PARENTS = re.compile(r"(Path\(__file__\)\.resolve\(\)\.parents\[)(\d+)(\])")


def _follow_depth(path: Path, delta: int) -> None:
    """Paths a moved module builds from its own place (``Path(__file__).resolve().parents[2] /
    "models"``) keep pointing where they did: ``parents[N]`` becomes ``parents[N + delta]``."""
    text = path.read_text(encoding="utf-8")
    fixed = _FILE_PARENTS.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + delta}{m.group(3)}", text) if delta else text
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# step 5: function-level imports to the top


def _package_modules(root: Path) -> dict[str, tuple[Path, ast.Module]]:
    out = {}
    for path in sorted((root / PKG).rglob("*.py")):
        parts = path.relative_to(root / "src").with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return out


def _module_of(name: str, modules: dict) -> str | None:
    """The module a dotted import names (``plannlp.x.attr`` -> ``plannlp.x``); None outside plannlp."""
    while name and name.split(".")[0] == "plannlp":
        if name in modules:
            return name
        name = name.rsplit(".", 1)[0] if "." in name else ""
    return None


def _imports_of(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return []


def _top_level_statements(tree: ast.Module) -> list[ast.stmt]:
    out = []
    for node in tree.body:
        out += [n for n in ast.walk(node) if isinstance(n, ast.stmt)] if isinstance(node, (ast.If, ast.Try)) else [node]
    return out


def _function_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A function's statements, into if/for/while/with blocks (not try: an import there may be
    guarded, nor nested functions: they are walked on their own); a block's only statement is left."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None) if isinstance(stmt, (ast.If, ast.For, ast.While, ast.With)) else None
            if block and len(block) > 1:
                yield from _function_statements(block)
            elif block:
                yield from (s for s in _function_statements(block) if s is not block[0])


def hoist_imports(root: Path, dry: bool = False) -> list[str]:
    """Move each function-level ``from plannlp.x import y`` that may move (see HEAVY, LAZY_IN,
    LAZY_IMPORTS) to the top of its module; returns the modules changed (``dry``: would change)."""
    modules = _package_modules(root)
    top: dict[str, set[str]] = {}  # module -> modules it imports at import time (with its packages)
    edges: dict[str, set[str]] = {}  # module -> every plannlp module it imports anywhere
    external: dict[str, set[str]] = {}
    for name, (_, tree) in modules.items():
        top[name], edges[name], external[name] = set(), set(), set()
        for node in _top_level_statements(tree):
            for imp in _imports_of(node):
                target = _module_of(imp, modules)
                if target:
                    top[name].add(target)
                elif imp.split(".")[0] != "plannlp":
                    external[name].add(imp.split(".")[0])
        for node in ast.walk(tree):
            edges[name] |= {t for t in map(lambda i: _module_of(i, modules), _imports_of(node)) if t}

    def loads(name: str, seen: set[str]) -> set[str]:
        """Third-party packages importing ``name`` loads (its parent packages' too, but for plannlp's own)."""
        if name in seen:
            return set()
        seen.add(name)
        out = set(external[name])
        parents = [".".join(name.split(".")[:i]) for i in range(2, name.count(".") + 1)]
        for dep in [*top[name], *parents]:
            if dep != "plannlp":
                out |= loads(dep, seen)
        return out

    def reaches(start: str, goal: str) -> bool:
        todo, seen = [start], set()
        while todo:
            m = todo.pop()
            if m == goal:
                return True
            if m not in seen:
                seen.add(m)
                todo += sorted(edges.get(m, ()))
        return False

    changed = []
    for name, (path, tree) in modules.items():
        if name.startswith(LAZY_IN):
            continue
        bound_at_top: dict[str, str | None] = {}
        for node in _top_level_statements(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                bound_at_top.update({a.asname or a.name: f"{node.module}:{a.name}" for a in node.names})
            elif isinstance(node, ast.Import):
                bound_at_top.update({(a.asname or a.name.split(".")[0]): None for a in node.names})
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound_at_top[node.name] = None
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    bound_at_top.update({n.id: None for n in ast.walk(t) if isinstance(n, ast.Name)})
        moves: list[ast.ImportFrom] = []
        hoisted: dict[str, str] = {}
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for stmt in _function_statements(func.body):
                if not (isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module and stmt.module.split(".")[0] == "plannlp"):
                    continue
                targets = {t for t in map(lambda i: _module_of(i, modules), _imports_of(stmt)) if t}
                if any(a.name == "*" for a in stmt.names) or not targets:
                    continue
                if any((name, t) in LAZY_IMPORTS or (name, stmt.module) in LAZY_IMPORTS for t in targets):
                    continue
                if any(loads(t, set()) & HEAVY or t == name or reaches(t, name) for t in targets):
                    continue
                sources = {a.asname or a.name: f"{stmt.module}:{a.name}" for a in stmt.names}
                if any(bound_at_top.get(b, src) != src or hoisted.get(b, src) != src for b, src in sources.items()):
                    continue  # the name means something else at the top of the module
                moves.append(stmt)
                hoisted.update(sources)
        if not moves:
            continue
        if dry:
            changed.append(f"imports to move to the top: {path.relative_to(root)} ({len(moves)})")
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        for stmt in sorted(moves, key=lambda n: n.lineno, reverse=True):
            start, end = stmt.lineno - 1, stmt.end_lineno
            del lines[start:end]
            if start < len(lines) and not lines[start].strip() and (not lines[start - 1].strip() or lines[start - 1].rstrip().endswith(":")):
                del lines[start]
        wanted: dict[str, set[str]] = {}
        for b, src in hoisted.items():
            if bound_at_top.get(b) == src:
                continue  # imported at the top already
            module, attr = src.split(":")
            wanted.setdefault(module, set()).add(attr if attr == b else f"{attr} as {b}")
        if wanted:
            text = "\n".join(lines)
            tree2 = ast.parse(text)
            imports = [n for n in tree2.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            after = imports[-1].end_lineno if imports else (tree2.body[0].end_lineno if tree2.body and isinstance(tree2.body[0], ast.Expr) else 0)
            new_lines = []
            for module in sorted(wanted):
                merged = False
                for node in imports:
                    i = node.lineno - 1
                    if isinstance(node, ast.ImportFrom) and node.module == module and node.lineno == node.end_lineno and "#" not in lines[i] and "(" not in lines[i]:
                        names = sorted({*(a.name if not a.asname else f"{a.name} as {a.asname}" for a in node.names), *wanted[module]})
                        candidate = f"from {module} import {', '.join(names)}"
                        if len(candidate) <= 110:
                            lines[i] = candidate
                            merged = True
                            break
                if not merged:
                    new_lines.append(f"from {module} import {', '.join(sorted(wanted[module]))}")
            lines[after:after] = new_lines
        path.write_text("\n".join(lines), encoding="utf-8")
        changed.append(f"imports moved to the top: {path.relative_to(root)} ({len(moves)})")
    return changed


_FIRST_PARTY = re.compile(r"^(?:from (plannlp[\w.]*) import [^()#\n]+|import (plannlp[\w.]*))$")


def sort_first_party(text: str) -> str:
    """Each run of one-line top-level plannlp imports in module order (the moves renamed them)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not _FIRST_PARTY.match(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _FIRST_PARTY.match(lines[j]):
            j += 1

        def key(line: str) -> tuple[int, str, str]:
            m = _FIRST_PARTY.match(line)
            return (0, m.group(2), line) if m.group(2) else (1, m.group(1), line)

        lines[i:j] = sorted(lines[i:j], key=key)
        i = j
    return "\n".join(lines)


def layout_tree(root: Path) -> str:
    """The package's folders and modules, one line a folder, in pipeline order (the README prints it)."""
    pkg = root / PKG

    def names(folder: Path) -> str:
        files = sorted(f.name for f in folder.iterdir() if f.is_file() and not f.name.endswith((".pyc", ".md")))
        py = [f[:-3] for f in files if f.endswith(".py") and f != "__init__.py"]
        if (folder / "__init__.py").is_file():
            py.insert(0, "__init__")
        return " ".join(py) if folder.name != "resources" else f"{len(files)} files"

    def folders(folder: Path, rel: str) -> list[tuple[str, Path]]:
        out = [(rel, folder)]
        for sub in sorted(d for d in folder.iterdir() if d.is_dir() and d.name != "__pycache__"):
            out += folders(sub, f"{rel}/{sub.name}")
        return out

    top = sorted(d.name for d in pkg.iterdir() if d.is_dir() and d.name != "__pycache__")
    order = [n for n in TREE_ORDER if n in top] + [n for n in top if n not in TREE_ORDER]
    rows = [(f"{rel}/", names(folder), TREE_NOTES.get(rel, "")) for n in order for rel, folder in folders(pkg / n, n)]
    core = " ".join(sorted(f.stem for f in pkg.glob("*.py")))
    rows.append(("*.py", core, "the data model and what every stage shares"))
    width = max(len(r[0]) for r in rows) + 2
    lines = ["src/plannlp/"]
    for rel, mods, note in rows:
        lines.append(f"  {rel:<{width}}{mods}" + (f"\n  {'':<{width}}# {note}" if note else ""))
    return "\n".join(lines)


def write_readme_tree(text: str, tree: str) -> str:
    start, end = README_MARKERS
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n```\n{tree}\n```\n{end}{tail}"


def relayout(root: Path) -> list[str]:
    """Apply the layout to the checkout at ``root``; returns what it did, one line a change."""
    done: list[str] = []
    table = module_map()
    # 1. relative imports, read at the files' present places
    for rel in tracked(root):
        if rel.startswith(PKG + "/") and rel.endswith(".py"):
            p = root / rel
            text = p.read_text(encoding="utf-8")
            inner = rel[len(PKG) + 1 :]
            fixed = absolute_imports(text, dotted(inner), inner.endswith("__init__.py"))
            if fixed != text:
                p.write_text(fixed, encoding="utf-8")
                done.append(f"absolute imports: {rel}")
    # 2. moves
    tests = test_names(root)
    for old, new in planned_moves(root):
        if (root / new).exists():
            raise SystemExit(f"relayout: {new} exists already; {old} cannot move there")
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        git(root, "mv", old, new)
        done.append(f"moved: {old} -> {new}")
        if new.endswith(".py"):
            _follow_depth(root / new, new.count("/") - old.count("/"))
    for old in MOVES:  # folders left holding nothing but caches
        d = root / PKG / old
        if old.endswith("/") and d.is_dir() and not any(f.suffix != ".pyc" for f in d.rglob("*") if f.is_file()):
            subprocess.run(["rm", "-rf", str(d)], check=True)
    # 3. names and paths in text
    for rel in text_files(root):
        p = root / rel
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
        new = rewrite_text(text, table, tests)
        if new != text:
            p.write_text(new, encoding="utf-8", errors="surrogateescape")
            done.append(f"rewritten: {rel}")
    # 4. the layout's own files
    for rel, content in NEW_INITS.items():
        p = root / PKG / rel
        if p.parent.is_dir() and not p.exists():
            p.write_text(content, encoding="utf-8")
            git(root, "add", str(p.relative_to(root)))
            done.append(f"written: {PKG}/{rel}")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        new = write_contracts(text)
        if new != text:
            pyproject.write_text(new, encoding="utf-8")
            done.append("rewritten: pyproject.toml (import-linter contracts)")
    # 5. function-level imports to the top of their modules, and plannlp's imports in order
    if (root / PKG).is_dir():
        done += hoist_imports(root)
    for rel in text_files(root):
        if rel.endswith(".py"):
            p = root / rel
            text = p.read_text(encoding="utf-8")
            new = sort_first_party(text)
            if new != text:
                p.write_text(new, encoding="utf-8")
                done.append(f"imports sorted: {rel}")
    readme = root / "README.md"
    if readme.is_file() and (root / PKG).is_dir():
        text = readme.read_text(encoding="utf-8")
        new = write_readme_tree(text, layout_tree(root))
        if new != text:
            readme.write_text(new, encoding="utf-8")
            done.append("rewritten: README.md (the layout tree)")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--check", action="store_true", help="change nothing; list what is left (exit 1 if anything)")
    parser.add_argument("--tree", action="store_true", help="print the package's tree as the README shows it")
    args = parser.parse_args(argv)
    if args.tree:
        print(layout_tree(args.root))
        return 0
    if args.check:
        left = leftovers(args.root)
        print("\n".join(left) if left else "relayout: nothing left to do")
        return 1 if left else 0
    done = relayout(args.root)
    print("\n".join(done) if done else "relayout: nothing to do")
    left = leftovers(args.root)
    if left:
        print("left for a person:\n  " + "\n  ".join(left))
    return 0


if __name__ == "__main__":
    sys.exit(main())
