#!/usr/bin/env bash
# The accuracy table the README cites: `npm run accuracy [-- MODEL... ]` evaluates each model (default models/default)
# next to box-cross and classical, on the same boxes (paper rough-box protocol, seeds 0,1,2), on the real DeepLesion dev
# lesions, the LIDC test part (data-splits/lidc-nodules.json) and 100 synthetic lesions (recist synth --seed 9001), the
# first model's paper read-out (heatmaps) on the two real sets, then
# writes reports/accuracy/README.md with `recist accuracy`. About 10 minutes per model on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${RECIST_SHARED_DATA:-../shared/data}"
OUT="${RECIST_ACCURACY_OUT:-reports/accuracy}"
MODELS=("$@"); [ ${#MODELS[@]} -gt 0 ] || MODELS=(models/default)
SEEDS=0,1,2
recist() { npx tsx src/cli/main.ts "$@"; }
mkdir -p "$OUT" runs
[ -f runs/synth-eval-9001/DL_info.csv ] || recist synth --n 100 --seed 9001 --readers 0 --out runs/synth-eval-9001
MODEL_FLAGS=(); for m in "${MODELS[@]}"; do MODEL_FLAGS+=(--model "$m"); done
# The three sets side by side (one process each; their tables print when all are done).
recist eval --data "$SHARED/deeplesion-dev" "${MODEL_FLAGS[@]}" --baselines --seeds $SEEDS --out "$OUT/dev" --quiet > "$OUT/dev.log" 2>&1 &
recist eval --data "$SHARED/lidc-nodules" --split data-splits/lidc-nodules.json:test "${MODEL_FLAGS[@]}" --baselines --seeds $SEEDS --out "$OUT/lidc-test" --quiet > "$OUT/lidc-test.log" 2>&1 &
recist eval --data runs/synth-eval-9001 "${MODEL_FLAGS[@]}" --baselines --seeds $SEEDS --out "$OUT/synthetic" --quiet > "$OUT/synthetic.log" 2>&1 &
# The paper's own read-out (STN θ → SHN heatmaps) of the first model, on the two real sets.
recist eval --data "$SHARED/deeplesion-dev" --model "${MODELS[0]}" --readouts heatmaps --baselines --seeds $SEEDS --out "$OUT/dev-heatmaps" --quiet > "$OUT/dev-heatmaps.log" 2>&1 &
recist eval --data "$SHARED/lidc-nodules" --split data-splits/lidc-nodules.json:test --model "${MODELS[0]}" --readouts heatmaps --baselines --seeds $SEEDS --out "$OUT/lidc-test-heatmaps" --quiet > "$OUT/lidc-test-heatmaps.log" 2>&1 &
for job in $(jobs -p); do wait "$job" || { echo "an evaluation failed: see $OUT/*.log" >&2; exit 1; }; done
rm -f "$OUT"/*.log
recist accuracy --title "Accuracy: ${MODELS[*]}" --report "DeepLesion dev=$OUT/dev" --report "LIDC test part=$OUT/lidc-test" --report "synthetic=$OUT/synthetic" \
  --report "DeepLesion dev, heatmap read-out=$OUT/dev-heatmaps" --report "LIDC test part, heatmap read-out=$OUT/lidc-test-heatmaps" --out "$OUT/README.md"
