"""Write features_before.json: fingerprints of the CRF's features (layout features included),
POS tags and the default model's predictions (spans with their roles, and target-agency links)
on fixture texts, made by the code as it stood before the hot-path rewrite, so that the rewrite
can be shown to change nothing (tests/test_tag_baselines_crf_speed.py compares).

    PYTHONPATH=src python tests/data/baselines/make_features_before.py

Rerun it only when the features are meant to change (and retrain the models then).
"""

from __future__ import annotations

import hashlib
import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MODEL = ROOT / "models" / "default"


def fixture_texts() -> list[tuple[str, str]]:
    """(name, text): the tiny gold texts, two cleaned sample plans, and an NFD copy of one."""
    from plannlp.clean import clean
    from plannlp.io import read_documents

    out = [(d.id, d.text) for d in read_documents(HERE / "tiny.jsonl")]
    for name in ("gov-689f49d25e51cbaa.md", "news-dantri-news_health_007.txt"):
        path = ROOT / "corpus" / "samples" / name
        kind = "markdown" if name.endswith(".md") else "text"
        out.append((name, clean(path.read_bytes(), kind=kind)[:12_000]))
    out.append(("nfd-tiny-00", unicodedata.normalize("NFD", out[0][1])))
    return out


def fingerprint(obj) -> str:
    """sha256 of the JSON of ``obj`` with dict items in their order (feature order included)."""

    def ordered(x):
        if isinstance(x, dict):
            return [[k, ordered(v)] for k, v in x.items()]
        if isinstance(x, (list, tuple)):
            return [ordered(v) for v in x]
        return x

    return hashlib.sha256(json.dumps(ordered(obj), ensure_ascii=False).encode()).hexdigest()


def feature_settings():
    """The previous default's settings (POS, rule stacking, layout), the default's (plus clause geometry), and a lighter set."""
    from plannlp.tag.baselines.crf import CrfSettings

    return [
        CrfSettings(window=2, pos=True, rule_features=True, structure=True),
        CrfSettings(window=2, pos=True, rule_features=True, structure=True, targets=True),
        CrfSettings(window=1, pos=False),
    ]


def predicted_json(doc) -> dict:
    """What a prediction holds: spans (score, role) and links, in order."""
    return {
        "spans": [[s.start, s.end, s.label, s.score, s.role] for s in doc.spans],
        "links": [[list(link.indicator), list(link.agency)] for link in doc.links],
    }


def measure(model_dir: Path = MODEL) -> dict:
    from plannlp.tag.baselines.crf import CrfTagger, sentence_features
    from plannlp.tag.baselines.wordcache import pos_tags
    from plannlp.data import Document
    from plannlp.segment import segment

    tagger = CrfTagger.load(model_dir)
    docs = {}
    for name, text in fixture_texts():
        sents = segment(text)
        predicted = tagger.predict([Document(name, text)])[0]
        docs[name] = {
            "words": sum(len(s.tokens) for s in sents),
            "segments": fingerprint([s.offsets for s in sents]),
            "pos": fingerprint([pos_tags([t.text for t in s.tokens]) for s in sents]),
            "features": [fingerprint(sentence_features(text, sents, s)) for s in feature_settings()],
            "predicted": predicted_json(predicted),
        }
    model = (model_dir / "crf.crfsuite").read_bytes()
    return {"model": str(model_dir.relative_to(ROOT)), "model_sha256": hashlib.sha256(model).hexdigest(), "docs": docs}


if __name__ == "__main__":
    result = measure()
    (HERE / "features_before.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.exit(0)
