"""Rebuild ``src/plannlp/resources/pos_lexicon.tsv``: each word's most frequent underthesea POS tag.

    python scripts/build_pos_lexicon.py [--pretrain-docs 300] [--min-count 2]

Text: the government plans of ``corpus/raw/gov`` that are not gold documents (no gold text, of
any split, decides a tag), cleaned as ``plannlp tag`` cleans them, and the first
``--pretrain-docs`` documents of ``../shared/pretrain/shard-000.jsonl.gz``. Each is segmented
by :func:`plannlp.segment.segment` and tagged by underthesea's POS tagger on those words
(:func:`plannlp.tag.baselines.wordcache.pos_tags`, what ``pos: true`` reads). A word (lower-cased
key) seen ``--min-count`` times keeps its most frequent tag (ties: the tag first in sorted order);
every word shape keeps its most frequent tag, for words not in the list.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter, defaultdict
from pathlib import Path

from plannlp.clean import clean
from plannlp.data import DataError
from plannlp.segment import segment
from plannlp.tag.baselines.features import word_shape
from plannlp.tag.baselines.poslexicon import LEXICON_FILE
from plannlp.tag.baselines.wordcache import pos_tags
from plannlp.tag.batch import INPUT_SUFFIXES
from plannlp.text import text_key

ROOT = Path(__file__).resolve().parents[1]


def texts(pretrain_docs: int) -> list[str]:
    gold = {json.loads(line)["id"] for split in ("train", "dev", "test") for line in open(ROOT / "corpus" / "gold" / f"{split}.jsonl", encoding="utf-8")}
    out = []
    for path in sorted((ROOT / "corpus" / "raw" / "gov").iterdir()):
        if path.suffix in INPUT_SUFFIXES and f"gov-{path.stem}" not in gold:
            out.append(clean(path.read_bytes(), kind=INPUT_SUFFIXES[path.suffix]))
    shard = ROOT.parent / "shared" / "pretrain" / "shard-000.jsonl.gz"
    if not shard.is_file():
        shard = Path("/work/shared/pretrain/shard-000.jsonl.gz")
    with gzip.open(shard, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= pretrain_docs:
                break
            try:
                out.append(clean(json.loads(line)["text"].encode("utf-8"), kind="markdown"))
            except DataError:
                continue  # (empty or not Vietnamese: the cleaner refuses it)
    return out


def best(counts: Counter[str]) -> str:
    return min(counts, key=lambda tag: (-counts[tag], tag))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pretrain-docs", type=int, default=300)
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "src" / "plannlp" / "resources" / LEXICON_FILE))
    args = parser.parse_args()
    by_word: dict[str, Counter[str]] = defaultdict(Counter)
    by_shape: dict[str, Counter[str]] = defaultdict(Counter)
    docs = texts(args.pretrain_docs)
    for text in docs:
        for sentence in segment(text):
            words = [t.text for t in sentence.tokens]
            for word, tag in zip(words, pos_tags(words)):
                by_word[text_key(word).lower()][tag] += 1
                by_shape[word_shape(word)][tag] += 1
    words = [f"{w}\t{best(c)}\t{sum(c.values())}" for w, c in sorted(by_word.items()) if sum(c.values()) >= args.min_count and "\t" not in w]
    shapes = [f"#shape\t{s}\t{best(c)}" for s, c in sorted(by_shape.items()) if s and "\t" not in s]
    Path(args.out).write_text("\n".join(words + shapes) + "\n", encoding="utf-8")
    print(f"{len(docs)} documents, {len(by_word)} words ({len(words)} kept), {len(shapes)} shapes -> {args.out}")


if __name__ == "__main__":
    main()
