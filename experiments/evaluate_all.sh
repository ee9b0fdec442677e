#!/usr/bin/env bash
# Score every trained system on dev and test, compare systems on dev, and regenerate RESULTS.md.
# Selection (the default model, hyper-parameters) uses dev only; test is reported, never tuned on.
set -euo pipefail
cd "$(dirname "$0")/.."
systems=(rules crf transformer-tiny transformer-cpu-small)
mkdir -p experiments/results experiments/predictions
for system in "${systems[@]}"; do
  for split in dev test; do
    echo "== $system on $split"
    plannlp evaluate "corpus/gold/$split.jsonl" --model "models/$system" \
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
