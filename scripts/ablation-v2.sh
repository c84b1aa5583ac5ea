#!/usr/bin/env bash
# The recipe-v2 ablation of docs/gmn.md at a short budget (5 epochs, 245 steps each, one thread):
# the shipped recipe, the paper's rendering / contrastive / both without the category loss, each
# with and without probe features, separate feature encoders and the edges-only readout. Each run
# trains into data/ablation/<name> (resumable: run the script again) and is evaluated on the zoo
# (no baseline row); the summary goes to data/ablation/summary.md.
#   [ABLATION_OUT=data/ablation] [ABLATION_ONLY="con v2-edges"] bash scripts/ablation-v2.sh [ZOO] [EPOCHS]
set -u
ZOO=${1:-data/zoo}
EPOCHS=${2:-5}
OUT=${ABLATION_OUT:-data/ablation}
mkdir -p "$OUT"
runs=(
  "v2|"
  "con|--loss con --category-weight 0"
  "rec|--loss rec --category-weight 0"
  "rec+con|--loss rec+con --category-weight 0"
  "v2-separate|--feature-encoders separate"
  "con-noprobes|--loss con --category-weight 0 --probes 0"
  "rec-noprobes|--loss rec --category-weight 0 --probes 0"
  "rec+con-noprobes|--loss rec+con --category-weight 0 --probes 0"
  "v2-noprobes|--probes 0"
  "v2-edges|--readout edges"
)
for entry in "${runs[@]}"; do
  name=${entry%%|*}
  flags=${entry#*|}
  # ABLATION_ONLY="a b": only these runs, in the table's order.
  if [ -n "${ABLATION_ONLY:-}" ] && [[ " $ABLATION_ONLY " != *" $name "* ]]; then continue; fi
  dir="$OUT/$name"
  if [ ! -f "$dir/encoder.onnx" ]; then
    echo "== train $name: $flags"
    # shellcheck disable=SC2086
    npx tsx src/main/cli/train.ts --zoo "$ZOO" --out "$dir" --epochs "$EPOCHS" --threads 1 $flags > "$dir.train.log" 2>&1 || { echo "train $name failed (see $dir.train.log)"; continue; }
  fi
  if [ ! -f "$dir/eval/metrics.json" ]; then
    echo "== eval $name"
    npx tsx src/main/cli/eval.ts --model "$dir/encoder.onnx" --zoo "$ZOO" --out "$dir/eval" --no-baseline > "$dir.eval.log" 2>&1 || { echo "eval $name failed (see $dir.eval.log)"; continue; }
  fi
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1] + "/eval/metrics.json", "utf8"));
    const p = (x) => (x === undefined || x === null ? "-" : (100 * x).toFixed(1));
    const a = m.classification.perArchitecture ?? {};
    console.log(`| ${process.argv[2]} | ${process.argv[3] || "(shipped recipe)"} | ${p(m.classification.training)} (${["mlp-train","triplane-train","hash-train"].map((k) => p(a[k])).join(" / ")}) | ${p(m.classification.unseen)} | ${p(m.retrieval.r1)} / ${p(m.retrieval.r10)} |`);
  ' "$dir" "$name" "$flags" >> "$OUT/summary.rows"
done
{
  echo "| run | options (besides --epochs $EPOCHS) | classification, training archs (mlp / triplane / hash) | unseen | R@1 / R@10 |"
  echo "|---|---|---|---|---|"
  sort -u "$OUT/summary.rows"
} > "$OUT/summary.md"
cat "$OUT/summary.md"
