"""Train the word vectors and clusters of experiments/vectors.yaml (see plannlp.tag.baselines.vectors).

    PYTHONPATH=src python experiments/train_vectors.py experiments/vectors.yaml [SHARDS_GLOB]

SHARDS_GLOB overrides the config's ``shards`` where ``../shared`` is elsewhere (a git worktree).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import yaml

from plannlp.tag.baselines.vectors import train_vectors

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = yaml.safe_load(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "experiments/vectors.yaml").read_text())
    if len(sys.argv) > 2:
        config["shards"] = sys.argv[2]
    record = train_vectors(config, ROOT)
    print(json.dumps({k: v for k, v in record.items() if k != "config"}, indent=2))
