"""Segmentation and underthesea POS tags of a text, cached on disk (``runs/cache/analysis``, keyed by
the text's checksum): they cost most of a CRF run and depend on nothing but the text, so
cross-validation folds, configs and reruns share them. ``PLANNLP_CACHE`` moves the cache."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from plannlp.data import text_checksum
from plannlp.io import cache_root
from plannlp.segment import Sentence, Token, segment
from plannlp.tag.baselines.postag import pos_tagger


def pos_tags(words: Sequence[str]) -> list[str]:
    """underthesea's POS tags for our own words (its CRF tagger run on a given word list, so the
    tags line up with our tokens; ``underthesea.pos_tag`` would re-tokenise the text). The
    features are built by :mod:`plannlp.tag.baselines.postag` (the same strings, fast)."""

    return pos_tagger().tags(words)


CACHE_DIR = Path(os.environ.get("PLANNLP_CACHE", cache_root() / "analysis"))


def analysed(text: str, pos: bool = True) -> tuple[tuple[Sentence, ...], list[list[str]] | None]:
    """The text's sentences and (with ``pos``) POS tags, from the disk cache when there."""
    path = CACHE_DIR / (text_checksum(text).split(":")[1][:32] + ".json")
    if path.is_file():
        obj = json.loads(path.read_text(encoding="utf-8"))
        sentences = tuple(
            Sentence(s[0][0], s[-1][1], tuple(Token(a, b, text[a:b]) for a, b in s)) for s in obj["sentences"]
        )
        if obj.get("pos") is not None or not pos:
            return sentences, obj.get("pos") if pos else None
    else:
        sentences = segment(text)
    tags = [pos_tags([t.text for t in s.tokens]) for s in sentences] if pos else None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sentences": [s.offsets for s in sentences], "pos": tags}), encoding="utf-8")
    tmp.replace(path)
    return sentences, tags
