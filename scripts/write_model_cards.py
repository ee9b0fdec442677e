"""(Re)write the model card README.md of every model folder under models/ from its run record.

    python scripts/write_model_cards.py [ROOT ...]     (default: models)

Run it after training or replacing a model; prose written by hand in a README is kept.
"""

import sys
from pathlib import Path

from plannlp.data import DataError
from plannlp.tag.modelcard import model_folders, write_model_card


def main(roots: list[str]) -> int:
    skipped = 0
    for root in roots or [str(Path(__file__).resolve().parents[1] / "models")]:
        for folder in model_folders(root):
            try:
                print(f"wrote {write_model_card(folder)}")
            except DataError as exc:  # e.g. a folder from before the run record: convert it first
                print(f"skipped {folder}: {exc}", file=sys.stderr)
                skipped += 1
    return skipped


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1:]) else 0)
