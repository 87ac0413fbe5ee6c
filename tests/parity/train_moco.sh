#!/usr/bin/env bash
# train_moco.sh: invar-train's MoCo-v2 and supervised steps against an independent PyTorch
# implementation written from MOCO.md (tests/parity/train_moco.py, float64), from the same step-0
# state and the same views: resnet18, small stem, width 0.25, batch 8, K 32, 32 px, on a tiny
# world shard of 8 images (one step per epoch, so the epoch checkpoints are the states after
# steps 1, 2, 3 and the cosine lr changes every step: 0.03, 0.0225, 0.0075), BN groups 1 and 2
# (shuffle-BN on). Each step s is run by torch from invar's own state after s - 1 steps and
# compared with invar's state after s: loss, acc1/acc5 and lr (log.nc), every encoder_q
# parameter, SGD momentum buffer, encoder_k parameter and its momentum update, BN running stats
# and num_batches_tracked of both encoders, queue and queue_ptr, within 1e-4 of each tensor's
# scale (max |invar - torch| / max |torch|).
#
# Float32 training at this size is decided by rounding in some instances: about 1 in 3 steps has
# a ReLU input within float32 rounding of 0 whose branch moves the gradients of the layers below
# by up to a few percent (torch float32 itself is then that far from float64). So each step must
# pass on one of the seeds 0..5 (the search stops once all 3 have passed); a wrong step fails on
# all of them. Failing cases on the same instances: m 0.99, no shuffle, other BN groups, shifted
# labels must each fail. INVAR_PARITY_DDP=1 also checks the reference's BN-group simulation
# against the official functions under real DDP (gloo, 2 processes).
source "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1
SRC=${INVAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PY="$PYTHON $SRC/tests/parity/train_moco.py"
SEEDS=${TRAIN_PARITY_SEEDS:-"0 1 2 3 4 5"}
CKPTS=checkpoint_0000.safetensors,checkpoint_0001.safetensors,checkpoint_last.safetensors

ok "world shard" $BIN/invar-data world --preset tiny --n-pretrain 8 --sets pretrain --out "$T/w" -q
SHARD=$T/w/pretrain.nc
REF="--shard $SHARD --epochs 3 --width 0.25 --batch 8 --lr 0.03"

# search NAME OBJECTIVE GROUPS: for each seed, one invar-train run of 3 steps, then the step-by-
# step comparison; $T/NAME.stepS holds the first seed on which step S passed.
search() {
    local name=$1 obj=$2 groups=$3 seed s d todo="1 2 3" left
    local extra="--dim 128 --queue 32"
    [ "$obj" = supervised ] && extra=""
    for seed in $SEEDS; do
        d=$T/$name.$seed
        $BIN/invar-train --objective "$obj" --data "$SHARD" --arch resnet18 --stem small \
            --width 0.25 $extra --batch 8 --bn-groups "$groups" --size 32 --epochs 3 --lr 0.03 \
            --seed "$seed" --threads 1 --save-initial --save-views 3 --max-steps 3 \
            --keep-epochs 0,1,2 --out "$d" -q ||
            { echo "invar-train failed (seed $seed)"; return 1; }
        $PY steps "$d" --checkpoints $CKPTS --objective "$obj" --groups "$groups" $REF \
            >"$d.log" 2>&1
        grep -q '^STEP 3 ' "$d.log" || { cat "$d.log"; return 1; }
        left=""
        for s in $todo; do
            if grep -q "^STEP $s PASS" "$d.log"; then
                echo "$seed" >"$T/$name.step$s"
            else
                left="$left $s"
            fi
        done
        echo "seed $seed: $(grep '^STEP' "$d.log" | cut -d: -f1 | tr '\n' ' ')"
        todo=$left
        [ -z "$todo" ] && return 0
    done
    echo "steps$todo passed on none of the seeds $SEEDS:"
    cat "$T/$name".*.log
    return 1
}

# report NAME: each step's largest errors, from the seed it passed on.
report() {
    local s seed
    for s in 1 2 3; do
        [ -f "$T/$1.step$s" ] || continue
        seed=$(cat "$T/$1.step$s")
        echo "  $1 step $s (seed $seed): $(awk -v s="$s" '/^invar vs torch/ { n++ }
            n == s && /: max / { sub(/^ +/, ""); sub(/; bar [0-9.e-]+/, ""); printf "%s; ", $0 }' \
            "$T/$1.$seed.log")"
    done
}

ok "moco, 1 BN group: each step within 1e-4 of torch" search moco1 moco 1
report moco1
ok "moco, 2 BN groups + shuffle: each step within 1e-4 of torch" search moco2 moco 2
report moco2
ok "supervised, 1 BN group: each step within 1e-4 of torch" search sup1 supervised 1
report sup1
ok "supervised, 2 BN groups: each step within 1e-4 of torch" search sup2 supervised 2
report sup2

# Failing cases: the reference with one thing wrong, on an instance where the right one passed.
seed_of() { cat "$T/$1.step$2" 2>/dev/null || echo none; }
s2=$(seed_of moco2 2); s1=$(seed_of moco2 1)
expect_fail "momentum 0.99 instead of 0.999 fails" "STEP 2 FAIL: .*" $PY steps "$T/moco2.$s2" \
    --checkpoints $CKPTS --groups 2 --m 0.99 $REF
expect_fail "keys not shuffled fails" "STEP 1 FAIL" $PY steps "$T/moco2.$s1" --checkpoints $CKPTS \
    --groups 2 --no-shuffle $REF
s1=$(seed_of moco1 1)
expect_fail "2 BN groups against invar's 1 fails" "STEP 1 FAIL" $PY steps "$T/moco1.$s1" \
    --checkpoints $CKPTS --groups 2 $REF
s1=$(seed_of sup2 1)
expect_fail "supervised, labels shifted by a row fails" "STEP 1 FAIL" $PY steps "$T/sup2.$s1" \
    --checkpoints $CKPTS --objective supervised --groups 2 --roll-labels $REF

if [ -n "${INVAR_PARITY_DDP:-}" ]; then
    s1=$(seed_of moco2 1)
    ok "BN-group simulation = official functions under DDP (gloo, 2 processes)" $PY ddp-check \
        "$T/moco2.$s1" --groups 2 $REF
    grep -o 'ddp-check:.*' "$T/last.log" | sed 's/^/  /'
    expect_fail "DDP check fails against an unshuffled simulation" "FAIL: group simulation" \
        $PY ddp-check "$T/moco2.$s1" --groups 2 --no-shuffle $REF
fi
summary
