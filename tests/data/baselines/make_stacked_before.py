"""Write stacked_before.json: the default stacked CRF's predictions (spans with scores and roles,
and links) on the fixture texts of make_features_before.py, made by the code as it stood before
the stacked CRF's speed-up (main at eb5b403), so that the speed-up can be shown to change nothing
(tests/test_tag_baselines_stacked.py compares, while models/default is that model).

Remade at a076e39 for the default retrained with ``cell_years`` (session 3): the retrained model gives
the same spans, roles and links on these texts as the one it replaced, and scores within 1e-9 of
them (the second pass's weights moved in their last digits), so the file now pins this model's
outputs for later changes of the code.

Remade at 3522684 (plus the stacked CRF's own POS lexicon copy) for the default retrained with ``pos: lexicon`` and
``cell_agencies`` (session 4), before the attribute filtering of branch speed7 was merged, so that the test shows
the filtering changes no output of this model.

Remade in session 5 for the default retrained on gold v5 (the same config, 48 more documents than v2), with the
linker retrained on v5 too, so that the file pins these models' outputs for later changes of the code.

Remade in session 6 for the default, the roles model and the linker retrained on gold v6 (14 more documents; the
linker with ``weak_lead``), for the same reason.

    PYTHONHASHSEED=0 PYTHONPATH=/path/to/old/src python tests/data/baselines/make_stacked_before.py
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MODEL = ROOT / "models" / "default"
FILES = ("first.crfsuite", "second.crfsuite")


def _maker():
    spec = importlib.util.spec_from_file_location("make_features_before", HERE / "make_features_before.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_sha256(model_dir: Path = MODEL) -> dict[str, str]:
    return {name: hashlib.sha256((model_dir / name).read_bytes()).hexdigest() for name in FILES}


def measure(model_dir: Path = MODEL) -> dict:
    from plannlp.data import Document
    from plannlp.tag.systems import load_tagger

    maker = _maker()
    tagger = load_tagger(model_dir)
    docs = {name: maker.predicted_json(tagger.predict([Document(name, text)])[0]) for name, text in maker.fixture_texts()}
    return {"model": str(model_dir.relative_to(ROOT)), "model_sha256": model_sha256(model_dir), "docs": docs}


if __name__ == "__main__":
    (HERE / "stacked_before.json").write_text(json.dumps(measure(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
