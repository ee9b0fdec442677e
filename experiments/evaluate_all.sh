#!/usr/bin/env bash
# Score every trained system on dev and test, compare systems on dev, and regenerate RESULTS.md.
# Selection (the default model, hyper-parameters) uses dev only; test is reported, never tuned on.
set -euo pipefail
cd "$(dirname "$0")/.."
# name of the result files -> model folder (the stacked CRF is the embedded default, models/default)
declare -A models=([rules]=models/rules [crf]=models/crf [crf-targets]=models/crf-targets [crf-stacked]=models/default
  [transformer-tiny]=models/transformer-tiny [transformer-cpu-small]=models/transformer-cpu-small)
systems=(rules crf crf-targets crf-stacked transformer-tiny transformer-cpu-small)
mkdir -p experiments/results experiments/predictions
for system in "${systems[@]}"; do
  if [ ! -d "${models[$system]}" ]; then  # the transformer runs are not committed (their results are)
    echo "== $system: ${models[$system]} is not in the repository; its committed results stay"; continue
  fi
  for split in dev test; do
    echo "== $system on $split"
    plannlp evaluate "corpus/gold/$split.jsonl" --model "${models[$system]}" \
      --save "experiments/results/$system.$split.json" \
      --save-predictions "experiments/predictions/$system.$split.jsonl" | grep -E "^ *(strict|partial|records)" || true
  done
done
{
  echo "# Paired comparisons on dev (strict micro F1; paired bootstrap and approximate randomisation over documents)"
  echo
  echo "Regenerate: \`bash experiments/evaluate_all.sh\`"
  for pair in "crf rules" "transformer-cpu-small crf" "transformer-cpu-small transformer-tiny" "crf transformer-cpu-small"; do
    set -- $pair
    echo
    echo "## $1 vs $2"
    echo
    echo '```'
    plannlp compare corpus/gold/dev.jsonl "experiments/predictions/$1.dev.jsonl" "experiments/predictions/$2.dev.jsonl"
    echo '```'
  done
} > experiments/COMPARISONS.md
python experiments/make_results.py
