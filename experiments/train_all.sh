#!/usr/bin/env bash
# Train every system on corpus/gold/train.jsonl (selection on dev) from its committed config.
set -euo pipefail
cd "$(dirname "$0")/.."
for config in rules crf transformer-tiny transformer-cpu-small; do
  echo "== plannlp train experiments/$config.yaml"
  /usr/bin/time -f "   wall %e s, peak RSS %M KB" plannlp train "experiments/$config.yaml"
done
