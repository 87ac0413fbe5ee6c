# campaign_fake_results.py: writes constructed result files (the variables of
# /work/team/measure_contract.md and of invar-probe's outputs) at the outputs of a campaign
# plan, for tests/integration/campaign_report.sh: Spatial is built more invariant on the spatial
# transforms and group sets, Appearance on the appearance ones, the fusion best on average.
# Usage: campaign_fake_results.py PLAN.tsv [--swap] [--nan MODEL/SET|linear:MODEL/TASK] [--drop STAGE:LABEL]
#        [--corrupt STAGE:LABEL]... (--corrupt: a file that is not NetCDF)
import os
import sys
import numpy as np
import netCDF4

TRANSFORMS = ["resized_crop", "hflip", "vflip", "scale", "shear", "rotation", "translation",
              "deform", "grayscale", "brightness", "contrast", "saturation", "hue", "blur",
              "sharpness", "equalize", "posterize", "invert"]
LATENTS = ["position_x", "position_y", "position_z", "rotation_alpha", "rotation_beta",
           "rotation_gamma", "spotlight_angle", "object_hue", "spotlight_hue", "background_hue"]
SPATIAL_SETS = {"viewpoint", "stereo"}

args = sys.argv[1:]
plan, swap = args[0], "--swap" in args
nan = [args[i + 1] for i, a in enumerate(args) if a == "--nan"]
drop = [args[i + 1] for i, a in enumerate(args) if a == "--drop"]
corrupt = [args[i + 1] for i, a in enumerate(args) if a == "--corrupt"]

# Invariance level per (model id, family): spatial model high on spatial, etc.
LEVEL = {"spatial": (0.8, 0.4), "appearance": (0.3, 0.9), "default": (0.6, 0.7), "random": (0.1, 0.2)}
if swap:
    LEVEL["spatial"], LEVEL["appearance"] = (0.3, 0.9), (0.8, 0.4)
# Probe score per model: shape/colour favour default/spatial, keypoints/pose appearance.
SCORE = {"default": {"shape": 0.9, "colour": 0.7, "keypoints": 0.4, "pose": 0.3},
         "spatial": {"shape": 0.85, "colour": 0.8, "keypoints": 0.3, "pose": 0.25},
         "appearance": {"shape": 0.6, "colour": 0.4, "keypoints": 0.7, "pose": 0.6},
         "random": {"shape": 0.3, "colour": 0.3, "keypoints": 0.1, "pose": 0.05},
         "spa_app": {"shape": 0.88, "colour": 0.78, "keypoints": 0.72, "pose": 0.62}}

def mid(label):
    return label.split("/")[0]

def strvar(ds, name, dim, values):
    v = ds.createVariable(name, str, (dim,))
    for i, s in enumerate(values):
        v[i] = s

jobs = [l.rstrip("\n").split("\t") for l in open(plan) if l.startswith("job\t")]
for _, stage, idx, label, ranks, outputs, cmd, *_ in jobs:
    if f"{stage}:{label}" in drop or outputs == "-":
        continue
    if f"{stage}:{label}" in corrupt:
        os.makedirs(os.path.dirname(outputs.split()[0]), exist_ok=True)
        with open(outputs.split()[0], "w") as f:
            f.write("not a NetCDF file\n")
        continue
    out = outputs.split()[0]
    if stage in ("data", "train", "features", "report"):
        continue
    os.makedirs(os.path.dirname(out), exist_ok=True)
    m = mid(label)
    lv = LEVEL.get(m, (0.5, 0.5))
    if stage == "synthetic" and "/series_" in label:
        # A checkpoint series as invar-measure writes it: model dimension, epoch(model) from the
        # checkpoint names (init: 0, checkpoint_EEEE: E + 1), similarity rising with the epoch.
        ckpts = cmd.split("--model ")[1].split()[0].split(",")
        epochs = [0 if "checkpoint_init" in c else int(c.rsplit("_", 1)[1].split(".")[0]) + 1
                  for c in ckpts]
        with netCDF4.Dataset(out, "w") as ds:
            ds.createDimension("model", len(ckpts))
            ds.createDimension("transform", 18)
            strvar(ds, "transform_name", "transform", TRANSFORMS)
            strvar(ds, "model_path", "model", ckpts)
            ds.createVariable("epoch", "i8", ("model",))[:] = epochs
            base = np.array([lv[0]] * 8 + [lv[1]] * 10)
            ds.createVariable("mean_similarity", "f8", ("model", "transform"))[:] = \
                np.outer(np.array(epochs) + 1, base) / (max(epochs) + 1)
        continue
    if stage == "synthetic":
        with netCDF4.Dataset(out, "w") as ds:
            ds.createDimension("transform", 18)
            strvar(ds, "transform_name", "transform", TRANSFORMS)
            sim = np.array([lv[0]] * 8 + [lv[1]] * 10) + 0.01 * np.arange(18) / 18
            if f"{m}/{label.split('/')[1]}" in nan:
                sim[3] = np.nan
            for name, val in (("mean_similarity", sim), ("mean_distance", 50 * (1 - sim)),
                              ("mean_alignment", 2 * (1 - sim))):
                ds.createVariable(name, "f8", ("transform",))[:] = val
            ds.model = m
    elif stage == "realworld":
        s = label.split("/")[1]
        val = lv[0] if s in SPATIAL_SETS else lv[1]
        with netCDF4.Dataset(out, "w") as ds:
            ds.createVariable("mean_similarity", "f8", ())[...] = val
            ds.createVariable("mean_distance", "f8", ())[...] = 40 * (1 - val)
            ds.createVariable("mean_alignment", "f8", ())[...] = 1 - val
    elif stage == "views":
        with netCDF4.Dataset(out, "w") as ds:
            ds.createVariable("uniformity", "f8", ())[...] = 3.5 + lv[0]
            ds.createVariable("acr", "f8", ())[...] = lv[1] / 2
    elif stage == "compare":
        members = [w.split("/measure/")[1].split("/")[0] for w in cmd.split() if "/measure/" in w and "/compare/" not in w]
        with netCDF4.Dataset(out, "w") as ds:
            if label.startswith("synthetic"):
                ds.createDimension("model", len(members))
                ds.createDimension("column", 18)
                strvar(ds, "column_name", "column", TRANSFORMS)
                mark = np.zeros((len(members), 18), dtype="i4")
                for k, mm in enumerate(members):
                    if mm == ("spatial" if not swap else "appearance"):
                        mark[k, :8] = 1
                    if mm == ("appearance" if not swap else "spatial"):
                        mark[k, 8:] = 1
                ds.createVariable("mark", "i4", ("model", "column"))[:] = mark
            else:
                ds.createDimension("model", len(members))
                s = label.split("_", 1)[1]
                best = "spatial" if s in SPATIAL_SETS else "appearance"
                ds.createVariable("mark", "i4", ("model",))[:] = [int(mm == best) for mm in members]
    elif stage == "krr":
        with netCDF4.Dataset(out, "w") as ds:
            ds.createDimension("target", 10)
            strvar(ds, "target_name", "target", LATENTS)
            ds.createVariable("r2", "f8", ("target",))[:] = np.linspace(0.2, 0.9, 10) * (lv[0] + lv[1])
    elif stage == "linear":
        task = label.split("/")[1]
        sc = SCORE.get(m, {}).get(task, 0.5)
        if f"linear:{label}" in nan:
            sc = np.nan
        with netCDF4.Dataset(out, "w") as ds:
            ds.createDimension("task", 1)
            strvar(ds, "task_name", "task", [task])
            ds.createVariable("best_mean", "f8", ("task",))[:] = [sc]
            ds.createVariable("best_std", "f8", ("task",))[:] = [0.01]
    elif stage == "correlate":
        names = [f"mean_similarity[{t}]" for t in TRANSFORMS[:4]] + ["1:mean_similarity", "2:mean_similarity"]
        n = len(names)
        rho = np.eye(n) * 0.5 + 0.5 * np.cos(np.arange(n)[:, None] - np.arange(n)[None, :])
        with netCDF4.Dataset(out, "w") as ds:
            ds.createDimension("column", n)
            ds.createDimension("column2", n)
            strvar(ds, "column_name", "column", names)
            ds.createVariable("rho", "f8", ("column", "column2"))[:] = rho
