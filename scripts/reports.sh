#!/usr/bin/env bash
# `npm run reports [-- STEP...]`: regenerates every folder under reports/ that the README and docs cite, from the
# shipped model (models/default, or $RECIST_MODEL) and a fixed seed list. Real data comes from ../shared/data (or
# $RECIST_SHARED_DATA); nothing from it is copied into the repository. Synthetic folders go to tmp/ (git-ignored).
# Steps (all by default, in this order; name some to run only those):
#   dev-default        recist eval on the real dev lesions: model read-outs vs box-cross vs classical   (~15 min on 2 cores)
#   predict            the same boxes through recist predict --boxes: reports/dev-default/predict-seed0.csv
#   box-protocols      recist eval under square boxes and boxes with sides 2-2.5x: reports/dev-box-protocols
#   synthetic-readers  recist eval on 80 synthetic lesions with 2 simulated readers
#   ablation           the paper's Table 1 ablations on the synthetic lesions (trains 4 tiny models, ~15 min)
#   orientation        where the long-axis error comes from: reports/dev-orientation/{dev,synthetic}-tables.md
#   al-sim             four recist al-sim runs of the shipped learners: reports/al-sim/<name>   (~10 min)
#   ceilings           in-sample learner ceilings and what a fine-tune learns: reports/al-sim/*-tables.md
#   followup           boxes carried to the follow-up slice and the change in long axis, DLS pairs: reports/dev-followup
# The accuracy table of the README is `npm run accuracy` (scripts/accuracy.sh, reports/accuracy).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${RECIST_SHARED_DATA:-../shared/data}
MODEL=${RECIST_MODEL:-models/default}
DEV="$DATA/deeplesion-dev"
RECIST=(node --import tsx src/cli/main.ts)
TSX=(node --import tsx)

# The fixed seeds: rough boxes of the evaluations, the synthetic sets, the al-sim patient split.
EVAL_SEEDS=0,1,2
SYNTH_EVAL_SEED=123      # tmp/synth-eval: 80 lesions, 2 readers
SITE_SHORTER_SEED=3      # tmp/site-shorter: 120 lesions, a site reader measuring 10 % shorter
SITE_RIM_SEED=11         # tmp/site-rim: 120 rim lesions
AL_SPLIT_SEED=1

ALL=(dev-default predict box-protocols synthetic-readers ablation orientation al-sim ceilings followup)
STEPS=("${@:-${ALL[@]}}")
for s in "${STEPS[@]}"; do
  [[ " ${ALL[*]} " == *" $s "* ]] || { echo "npm run reports: unknown step '$s' (steps: ${ALL[*]})" >&2; exit 2; }
done
[ -d "$DEV" ] || { echo "npm run reports: no dev lesions at $DEV (set RECIST_SHARED_DATA)" >&2; exit 2; }
[ -f "$MODEL/card.json" ] || { echo "npm run reports: no model card at $MODEL/card.json (set RECIST_MODEL)" >&2; exit 2; }
mkdir -p tmp
step() { echo "== $1: ${*:2}" >&2; }
synth_eval() { [ -f tmp/synth-eval/DL_info.csv ] || "${RECIST[@]}" synth --n 80 --out tmp/synth-eval --seed "$SYNTH_EVAL_SEED" --readers 2; }

for s in "${STEPS[@]}"; do
  case $s in
    dev-default)
      step "$s" "real dev lesions, paper rough boxes, seeds $EVAL_SEEDS"
      "${RECIST[@]}" eval --data "$DEV" --model "$MODEL" --readouts mask+classical,mask,heatmaps --baselines --seeds "$EVAL_SEEDS" --out reports/dev-default ;;
    predict)
      step "$s" "boxes of seed 0 through recist predict --boxes"
      "${RECIST[@]}" boxes --data "$DEV" --seed 0 --out tmp/dev-boxes.csv
      "${RECIST[@]}" predict --model "$MODEL" --boxes tmp/dev-boxes.csv --out reports/dev-default/predict-seed0.csv ;;
    box-protocols)
      step "$s" "square boxes, and boxes whose sides are 2-2.5x the extent"
      "${RECIST[@]}" eval --data "$DEV" --model "$MODEL" --readouts mask+classical,mask --baselines --seeds "$EVAL_SEEDS" --box-shape square --out reports/dev-box-protocols/square
      "${RECIST[@]}" eval --data "$DEV" --model "$MODEL" --readouts mask+classical,mask --baselines --seeds "$EVAL_SEEDS" --box-area 4,6.25 --out reports/dev-box-protocols/sides-2-2.5x
      "${TSX[@]}" scripts/box-protocol-table.ts paper=reports/dev-default square=reports/dev-box-protocols/square "sides 2-2.5x=reports/dev-box-protocols/sides-2-2.5x" > reports/dev-box-protocols/table.md ;;
    synthetic-readers)
      step "$s" "80 synthetic lesions (seed $SYNTH_EVAL_SEED), 2 simulated readers"
      synth_eval
      "${RECIST[@]}" eval --data tmp/synth-eval --model "$MODEL" --baselines --seeds 0 --out reports/synthetic-readers ;;
    ablation)
      step "$s" "Table 1 ablations, same preset, seed and budget for all four"
      synth_eval
      "${RECIST[@]}" eval --data tmp/synth-eval --ablation tmp/ablation --ablation-preset tiny --ablation-minutes 3 --seeds 0 --out reports/ablation-synthetic ;;
    orientation)
      step "$s" "error components, dev and synthetic lesions"
      synth_eval
      "${TSX[@]}" scripts/orientation-analysis.ts --data "$DEV" --model "$MODEL" --shn-scan > reports/dev-orientation/dev-tables.md
      "${TSX[@]}" scripts/orientation-analysis.ts --data tmp/synth-eval --model "$MODEL" --shn-scan > reports/dev-orientation/synthetic-tables.md ;;
    al-sim)
      step "$s" "patient split seed $AL_SPLIT_SEED"
      [ -f tmp/site-shorter/DL_info.csv ] || "${RECIST[@]}" synth --n 120 --out tmp/site-shorter --seed "$SITE_SHORTER_SEED" --site-reader long=0.9,short=0.9
      AL=(--model "$MODEL" --strategies entropy,entropy-px,random --seed "$AL_SPLIT_SEED")
      "${RECIST[@]}" al-sim "${AL[@]}" --data "$DEV" --name dev-calibration --k 2 --rounds 4 --steps 0 --calibrate
      "${RECIST[@]}" al-sim "${AL[@]}" --data "$DEV" --name dev-finetune-gate --k 2 --rounds 4 --steps 40 --lr 1e-4 --replay-fraction 0.25 --gate
      "${RECIST[@]}" al-sim "${AL[@]}" --data "$DEV" --name dev-readout-fit --k 2 --rounds 8 --steps 0 --fit-readout
      "${RECIST[@]}" al-sim "${AL[@]}" --data tmp/site-shorter --reader site --name site-shorter-calibration --k 8 --rounds 4 --steps 0 --calibrate ;;
    ceilings)
      step "$s" "learners fitted and scored on the same lesions; a fine-tune on a whole pool"
      [ -f tmp/site-shorter/DL_info.csv ] || "${RECIST[@]}" synth --n 120 --out tmp/site-shorter --seed "$SITE_SHORTER_SEED" --site-reader long=0.9,short=0.9
      [ -f tmp/site-rim/DL_info.csv ] || "${RECIST[@]}" synth --n 120 --seed "$SITE_RIM_SEED" --readers 0 --kind rim --out tmp/site-rim
      { "${TSX[@]}" scripts/learner-ceiling.ts --data "$DEV" --model "$MODEL"
        "${TSX[@]}" scripts/learner-ceiling.ts --data tmp/site-rim --model "$MODEL"
        "${TSX[@]}" scripts/learner-ceiling.ts --data tmp/site-shorter --reader site --model "$MODEL"; } > reports/al-sim/learner-ceilings-tables.md
      for split in 1 2 3; do "${TSX[@]}" scripts/finetune-fit.ts --data "$DEV" --model "$MODEL" --split "$split"; done > reports/al-sim/finetune-fit-dev-tables.md ;;
    followup)
      step "$s" "DLS lesion-tracking pairs on dev, seeds $EVAL_SEEDS"
      "${TSX[@]}" scripts/followup-pairs.ts --model "$MODEL" --seeds "$EVAL_SEEDS" --out reports/dev-followup ;;
  esac
done
echo "== done: ${STEPS[*]}" >&2
