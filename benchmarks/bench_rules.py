"""Rule tagger throughput: prints characters/s on the gold texts (moved here from a timed test).

    python benchmarks/bench_rules.py [--gold corpus/gold/dev.jsonl] [--repeat 1] [--model DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default=str(ROOT / "corpus" / "gold" / "dev.jsonl"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--model", default=None, help="a rules model folder (default: the built-in rules)")
    args = parser.parse_args()

    from plannlp.tag.baselines.rules import builtin_rules, tuned_rules
    from plannlp.io import read_documents

    tagger = tuned_rules(args.model) if args.model else builtin_rules()
    texts = [d.text for d in read_documents(args.gold)] * args.repeat
    started = time.perf_counter()
    spans = sum(len(tagger.tag_text(t)) for t in texts)
    seconds = time.perf_counter() - started
    chars = sum(map(len, texts))
    print(f"{len(texts)} texts, {chars:,} characters, {spans:,} spans in {seconds:.1f} s ({chars / seconds:,.0f} characters/s)")


if __name__ == "__main__":
    main()
