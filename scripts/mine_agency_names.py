"""Mine body names from the unlabelled plans and pretraining text into
src/plannlp/resources/agency_names_mined.txt (the CRF's ``agency_context`` feature, issue 10).

    PYTHONPATH=src python scripts/mine_agency_names.py [--min-count 5]

Reads /work/shared/plans/{government,news}/* and /work/shared/pretrain/shard-*.jsonl.gz (or
--plans/--pretrain). No gold annotation is read. To keep the gold documents' own text out of the
counts (their words would otherwise vote for the names of the held-out and test documents), a plan
file whose name is a gold id's suffix (corpus/gold/splits.tsv: ids only) is skipped, and so is a
pretraining record sharing 3 or more long lines (60+ characters) with a gold id's cleaned text
(corpus/clean/<id>.txt, unlabelled).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from plannlp.io import REPO_ROOT
from plannlp.tag.baselines.agencyctx import MINED_FILE, mine_names


def _gold_ids() -> list[str]:
    lines = (REPO_ROOT / "corpus" / "gold" / "splits.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[0] for line in lines if line.strip()]


def _long_lines(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.splitlines() if len(line.strip()) >= 60}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", default="/work/shared/plans")
    parser.add_argument("--pretrain", default="/work/shared/pretrain")
    parser.add_argument("--min-count", type=int, default=5)
    args = parser.parse_args()
    ids = _gold_ids()
    gold_lines: set[str] = set()
    for doc_id in ids:
        path = REPO_ROOT / "corpus" / "clean" / f"{doc_id}.txt"
        if path.exists():
            gold_lines |= _long_lines(path.read_text(encoding="utf-8"))
    skipped = [0, 0]

    def texts():
        for path in sorted(Path(args.plans).glob("*/*")):
            if path.suffix not in (".md", ".txt"):
                continue
            if any(doc_id.endswith(path.stem) for doc_id in ids):
                skipped[0] += 1
                continue
            yield path.read_text(encoding="utf-8", errors="replace")
        for shard in sorted(Path(args.pretrain).glob("shard-*.jsonl.gz")):
            with gzip.open(shard, "rt", encoding="utf-8") as f:
                for line in f:
                    text = json.loads(line)["text"]
                    if len(_long_lines(text) & gold_lines) >= 3:
                        skipped[1] += 1
                        continue
                    yield text

    kept = mine_names(texts(), min_count=args.min_count)
    out = REPO_ROOT / "src" / "plannlp" / "resources" / MINED_FILE
    with out.open("w", encoding="utf-8") as f:
        f.write("# Body names mined from unlabelled text by scripts/mine_agency_names.py (no gold read):\n")
        f.write(f"# a head noun of agency_context.json, a capitalised word, words up to a stop; seen >= {args.min_count} times.\n")
        f.write(f"# Skipped as gold documents' text: {skipped[0]} plan files, {skipped[1]} pretraining records.\n")
        f.write("# name<TAB>count, lower-cased with one tone placement\n")
        for name, n in sorted(kept.items(), key=lambda kv: (-kv[1], kv[0])):
            f.write(f"{name}\t{n}\n")
    print(f"{len(kept)} names -> {out} (skipped {skipped[0]} plan files, {skipped[1]} pretraining records)")


if __name__ == "__main__":
    main()
