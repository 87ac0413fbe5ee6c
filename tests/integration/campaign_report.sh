#!/bin/bash
# campaign_report.sh: invar-report on constructed result files (campaign_fake_results.py, the
# variables of the measure contract and invar-probe's outputs) at the outputs of a real plan:
# tables in the paper's layout with the paper's rows, bold best, significance bullets, sources
# in captions, the Q1-Q4 answers computed from the numbers (and flipped when the numbers are),
# and a missing table, a NaN and a model missing from one table reported while the rest renders.
source "$(dirname "$0")/../lib.sh"

cat >"$T/c.ini" <<INI
[campaign]
name = fake
run_dir = $T/run
[data]
preset = tiny
[model default]
label = Default
width = 0.125
epochs = 3
keep_epochs = 0,1
train_args = --save-initial
[model spatial]
label = Spatial
policy = spatial
width = 0.125
epochs = 3
keep_epochs = 1
[model appearance]
label = Appearance
policy = appearance
width = 0.125
epochs = 3
keep_epochs = 0
[baseline random]
label = Random
width = 0.125
[fusion spa_app]
label = Spa+App
members = spatial,appearance
[grid ep]
model = default
epochs = 1; 2
[sweeps]
realworld_sets = viewpoint,illumination,blur
compare_models = default,spatial,appearance
INI
ok "plan" "$BIN/invar-report" plan "$T/c.ini" --write
plan=$T/run/plan.tsv
ok "fake results" "$PYTHON" "$(dirname "$0")/campaign_fake_results.py" "$plan" \
    --nan default/shape --drop krr:appearance/krr --drop synthetic:appearance/series_shape \
    --nan linear:random/pose --corrupt linear:random/colour
ok "report renders" "$BIN/invar-report" "$T/run" --out "$T/res"
R=$T/res/README.md
ok "README written" test -s "$R"
for t in table2_distance table2_similarity table3_similarity table4_krr table5_downstream \
    tableC1_alignment tableC1_uniformity tableC1_acr; do
    ok "$t.csv" test -s "$T/res/$t.csv"
done
ok "paper rows beside ours" grep -q '^"Spatial",paper' "$T/res/table2_similarity.csv"
ok "our rows" grep -q '^"Spatial",ours' "$T/res/table2_similarity.csv"
# Spatial's resized_crop similarity is 0.80 and the best of ours: bold, with the bullet.
ok "bold best + bullet" grep -q '^| Spatial | \*\*0.80\*\* •' "$R"
ok "caption names its file" grep -q "\`$T/run/measure/spatial/synthetic_shape.nc\`" "$R"
ok "NaN reported" grep -q 'Default: scale is NaN in `.*default/synthetic_shape.nc`' "$R"
ok "NaN rendered" grep -q '| Default | .* NaN ' "$R"
ok "missing model named" grep -q 'Appearance: `.*appearance/krr.nc` missing: stage krr' "$R"
ok "the rest of Table 4" grep -q '^| Spatial | ' <(sed -n '/^### Table 4/,/^### Table 5/p' "$R")
ok "mean +- std" grep -q '0.85 ± 0.010' "$R"
# A NaN probe score: rendered and listed, no average for that row; a corrupt file: named, and
# the rest of its row and table rendered.
ok "NaN score listed" grep -q 'Random: pose is NaN in `.*random/pose.nc`' "$R"
ok "NaN score rendered, no avg" grep -Eq '^\| Random \| .*\| NaN \| - \|$' <(sed -n '/^### Table 5/,/^### Table C.1/p' "$R")
ok "corrupt file named" grep -q "Random: .*$T/run/probe/random/colour.nc" <(sed -n '/^### Table 5/,/^### Table C.1/p' "$R")
ok "the rest of that row" grep -Eq "^\\| Random \\| 0.30 ± 0.010 \\| - \\| 0.10 ± 0.010 \\| NaN \\| - \\|" <(sed -n "/^### Table 5/,/^### Table C.1/p" "$R")
ok "Q1 supports" grep -q '3 of 3 sets agree .* \*\*supports the paper\*\*' "$R"
ok "Q2 supports" grep -A3 '^## Q2' "$R" -q
ok "Q2 numbers" grep -q 'Spatial model 0.802 (spatial) / 0.407 (appearance); Appearance model 0.302 (spatial) / 0.907 (appearance).*\*\*supports the paper\*\*' "$R"
ok "Q3 supports" grep -q '4 of 4 tasks agree: this run \*\*supports the paper\*\*' "$R"
ok "Q4 supports" grep -q 'best fusion Spa+App 0.750.*\*\*supports the paper\*\*' "$R"
ok "recommendation" grep -q '| keypoints | Spa+App | 0.720 ± 0.010 | several families' "$R"
ok "grid table" grep -q '^### Grid ep' "$R"
if command -v gnuplot >/dev/null; then
    ok "figure 1" test -s "$T/res/figures/figure1_invariance.png"
    ok "figure 1 downstream" test -s "$T/res/figures/figure1_downstream.png"
    ok "figure E.1" test -s "$T/res/figures/figureE1.png"
    ok "figure E.2" test -s "$T/res/figures/figureE2.png"
    ok "png" grep -q PNG <(head -c 8 "$T/res/figures/figure1_invariance.png")
    # Figure C.1: a line per series model, x = epoch (init 0, checkpoint_EEEE E + 1, final =
    # epochs); the missing series is said, not fatal.
    ok "figure C.1" test -s "$T/res/figures/figureC1.png"
    ok "C.1: Default's epochs 0 1 2 3" test "$(sed -n '/^# Default:/,/^$/p' "$T/res/figures/figureC1.dat" | grep -v '^#' | grep . | cut -d' ' -f1 | paste -sd' ')" = "0 1 2 3"
    ok "C.1: Spatial's epochs 2 3 (no --save-initial)" test "$(sed -n '/^# Spatial:/,/^$/p' "$T/res/figures/figureC1.dat" | grep -v '^#' | grep . | cut -d' ' -f1 | paste -sd' ')" = "2 3"
    ok "C.1 caption names the files" grep -q "^Figure C.1: .*\`$T/run/measure/default/synthetic_series_shape.nc\` (Default), \`$T/run/measure/spatial/synthetic_series_shape.nc\` (Spatial)" "$R"
    ok "C.1: the missing series said" grep -q "Figure C.1: \`$T/run/measure/appearance/synthetic_series_shape.nc\` missing (stage synthetic job appearance/series_shape never ran)" "$R"
    ok "C.1 in the figure list" grep -q '^!\[figureC1\](figures/figureC1.png)' "$R"
    # Figure F.1: parallel coordinates over models, baselines and fusions.
    ok "figure F.1" test -s "$T/res/figures/figureF1.png"
    ok "F.1 in the figure list" grep -q '^!\[figureF1\](figures/figureF1.png)' "$R"
    ok "F.1 axes: families then tasks" grep -q '^# axes: 1=spatial_similarity.* 2=appearance_similarity.* 3=shape.* 6=pose' "$T/res/figures/figureF1.dat"
    ok "F.1: Spatial's spatial family mean" grep -A1 '^# Spatial$' "$T/res/figures/figureF1.dat" -q
    ok "F.1: Spatial 0.802 spatial" bash -c "sed -n '/^# Spatial\$/,/^\$/p' '$T/res/figures/figureF1.dat' | grep -q '^1 0.801944 '"
    ok "F.1: the fusion without invariance axes" bash -c "sed -n '/^# Spa+App\$/,/^\$/p' '$T/res/figures/figureF1.dat' | grep -q '^1 ? ?'"
    ok "F.1: the fusion's keypoints score" bash -c "sed -n '/^# Spa+App\$/,/^\$/p' '$T/res/figures/figureF1.dat' | grep -q '^5 0.72 '"
    ok "F.1: Random baseline drawn" grep -q '^# Random$' "$T/res/figures/figureF1.dat"
fi

# Flipped numbers flip the answers; a missing table (no real-world files) is said.
rm -rf "$T/run/measure" "$T/run/probe"
mkdir -p "$T/run/measure/compare" "$T/run/probe"
for m in default spatial appearance random default_ep00 default_ep01 spa_app; do
    mkdir -p "$T/run/measure/$m" "$T/run/probe/$m"
done
ok "swapped results" "$PYTHON" "$(dirname "$0")/campaign_fake_results.py" "$plan" --swap \
    --drop realworld:default/viewpoint --drop realworld:spatial/viewpoint \
    --drop realworld:appearance/viewpoint --drop realworld:spatial/illumination \
    --drop realworld:spatial/blur
ok "report again" "$BIN/invar-report" "$T/run" --out "$T/res2"
R=$T/res2/README.md
ok "Q2 flips" grep -q 'Spatial model 0.302 .*\*\*does not support the paper\*\*' "$R"
ok "Q1 undecided without the table" grep -q 'Cannot be decided from this run:\*\* Table 3' "$R"
ok "Table 3 still rendered" grep -q '^### Table 3 (similarity)' "$R"
ok "missing table file named" grep -q 'Spatial: `.*spatial/realworld_viewpoint.nc` missing: stage realworld' "$R"

expect_fail "not a run folder" "no plan.tsv" "$BIN/invar-report" "$T" --out "$T/x"
expect_fail "needs --out" "--out" "$BIN/invar-report" "$T/run"
summary
