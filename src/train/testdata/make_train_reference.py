#!/usr/bin/python3
"""Reference values for src/train: optimizers, gradient accumulation and clipping, losses.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):

    /usr/bin/python3 src/train/testdata/make_train_reference.py

It writes optimizer_reference.json and loss_reference.json beside itself (compact; .prettierignore skips them). The arithmetic is PyTorch's own:
torch.optim.Adam / AdamW (single-tensor path), torch.optim.lr_scheduler.LambdaLR with Hugging Face's schedule
formulas, torch.nn.utils.clip_grad_norm_, torch.nn.functional.cross_entropy (with label_smoothing and with
probability targets). The parameter groups follow VideoMAE's fine-tuning recipe (run_class_finetuning.py:
get_parameter_groups with LayerDecayValueAssigner and get_num_layer_for_vit), written here for HF
state_dict names. The mixed soft targets follow timm.data.mixup.mixup_target.
"""

import json
import math
import os

import torch

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
NUM_LAYERS = 2

# HF VideoMAE state_dict names (small shapes), covering every grouping rule: embeddings (layer 0), both
# encoder blocks, the head (layer L+1), biases, q_bias, LayerNorm weights, and a 3-D tensor (mask_token)
# that only a skip list exempts from weight decay.
PARAM_SHAPES = [
    ("videomae.embeddings.patch_embeddings.projection.weight", [4, 3, 1, 2, 2]),
    ("videomae.embeddings.patch_embeddings.projection.bias", [4]),
    ("videomae.encoder.layer.0.attention.attention.query.weight", [4, 4]),
    ("videomae.encoder.layer.0.attention.attention.q_bias", [4]),
    ("videomae.encoder.layer.0.layernorm_before.weight", [4]),
    ("videomae.encoder.layer.1.intermediate.dense.weight", [6, 4]),
    ("videomae.encoder.layer.1.intermediate.dense.bias", [6]),
    ("videomae.encoder.layer.1.layernorm_after.bias", [4]),
    ("fc_norm.weight", [4]),
    ("fc_norm.bias", [4]),
    ("classifier.weight", [3, 4]),
    ("classifier.bias", [3]),
    ("mask_token", [1, 1, 4]),
]


def layer_id_for(name, num_layers):
    """get_num_layer_for_vit with num_max_layer = L + 2, in HF names."""
    if name == "mask_token" or name.startswith("videomae.embeddings."):
        return 0
    if name.startswith("videomae.encoder.layer."):
        return int(name.split(".")[3]) + 1
    return num_layers + 1


def groups_for(params, weight_decay, layer_decay, skip_list):
    scales = [layer_decay ** (NUM_LAYERS + 1 - i) for i in range(NUM_LAYERS + 2)]
    groups, info = [], {}
    for name, p in params.items():
        no_decay = p.ndim <= 1 or name.endswith(".bias") or name in skip_list
        wd = 0.0 if no_decay else weight_decay
        layer_id = layer_id_for(name, NUM_LAYERS)
        info[name] = {"layer_id": layer_id, "lr_scale": scales[layer_id], "weight_decay": wd}
        groups.append({"params": [p], "weight_decay": wd, "lr_scale": scales[layer_id], "name": name})
    return groups, info


def schedule_lambda(kind, warmup, total):
    """transformers.optimization get_{linear,cosine,constant}_schedule_with_warmup."""

    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        if kind == "constant":
            return 1.0
        progress = float(step - warmup) / float(max(1, total - warmup))
        if kind == "linear":
            return max(0.0, float(total - step) / float(max(1, total - warmup)))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    return f


def values(t):
    """Float32 values, each written with 9 significant digits: enough to round-trip float32 exactly."""
    return [float("%.9g" % x) for x in t.detach().reshape(-1).tolist()]


def initial_params():
    gen = torch.Generator().manual_seed(6001)
    return {name: torch.randn(shape, generator=gen) * 0.5 for name, shape in PARAM_SHAPES}


def run_scenario(spec):
    params = {name: torch.nn.Parameter(t.clone()) for name, t in initial_params().items()}
    groups, info = groups_for(params, spec["weight_decay"], spec["layer_decay"], spec["no_weight_decay"])
    for g in groups:
        g["lr"] = spec["lr"] * g["lr_scale"]
    cls = torch.optim.AdamW if spec["kind"] == "adamw" else torch.optim.Adam
    opt = cls(groups, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"], foreach=False)
    sched = spec["schedule"]
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        opt, schedule_lambda(sched["kind"], sched["warmup_steps"], sched["total_steps"])
    )
    gen = torch.Generator().manual_seed(spec["grad_seed"])
    steps = []
    for step in range(spec["steps"]):
        scale = spec["grad_scales"][step]
        skipped = spec.get("skip_grads", {}).get(str(step), [])
        micro = []
        for _ in range(spec["accumulation"]):
            micro.append({n: torch.randn(p.shape, generator=gen) * scale for n, p in params.items() if n not in skipped})
        acc = {n: sum(m[n] for m in micro) for n in micro[0]}
        if spec["reduction"] == "mean":
            # HF Trainer divides each micro-batch loss by the accumulation count before backward.
            acc = {n: sum(m[n] / spec["accumulation"] for m in micro) for n in micro[0]}
        record = {
            "micro_grads": [{n: values(g) for n, g in m.items()} for m in micro],
            "accumulated": {n: values(g) for n, g in acc.items()},
            "lr": spec["lr"] * schedule_lambda(sched["kind"], sched["warmup_steps"], sched["total_steps"])(step),
        }
        for n, p in params.items():
            p.grad = acc[n].clone() if n in acc else None
        if spec["clip_norm"] is not None:
            with_grad = [p for p in params.values() if p.grad is not None]
            total = torch.nn.utils.clip_grad_norm_(with_grad, spec["clip_norm"])
            record["total_norm"] = float(total)
            record["clipped"] = {n: values(p.grad) for n, p in params.items() if p.grad is not None}
        record["group_lr"] = {g["name"]: g["lr"] for g in opt.param_groups}
        opt.step()
        scheduler.step()
        record["params_after"] = {n: values(p) for n, p in params.items()}
        steps.append(record)
    state = {}
    for n, p in params.items():
        s = opt.state.get(p)
        if s:
            state[n] = {"step": int(s["step"]), "exp_avg": values(s["exp_avg"]), "exp_avg_sq": values(s["exp_avg_sq"])}
    return {**spec, "groups": info, "steps_record": steps, "final_state": state}


SCENARIOS = [
    # The write-up's optimizer (Adam, no weight decay), constant lr; one step leaves classifier.bias without a
    # gradient (torch skips it and its own step count does not advance).
    dict(name="adam_plain", kind="adam", lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
         layer_decay=1.0, no_weight_decay=[], schedule=dict(kind="constant", warmup_steps=0, total_steps=4),
         steps=4, accumulation=1, reduction="mean", clip_norm=None, grad_seed=7001,
         grad_scales=[1.0, 0.5, 2.0, 1.0], skip_grads={"2": ["classifier.bias"]}),
    # Adam's coupled L2 weight decay, layer decay, linear schedule with warmup (step 0 has lr 0).
    dict(name="adam_l2_layer_decay_linear", kind="adam", lr=2e-2, beta1=0.9, beta2=0.999, eps=1e-8,
         weight_decay=0.01, layer_decay=0.75, no_weight_decay=[],
         schedule=dict(kind="linear", warmup_steps=2, total_steps=6), steps=5, accumulation=1, reduction="mean",
         clip_norm=None, grad_seed=7002, grad_scales=[1.0, 1.0, 0.1, 3.0, 1.0]),
    # The VideoMAE recipe: AdamW, decoupled weight decay on weights only, layer decay, cosine with warmup.
    dict(name="adamw_groups_cosine", kind="adamw", lr=5e-2, beta1=0.9, beta2=0.999, eps=1e-8,
         weight_decay=0.05, layer_decay=0.75, no_weight_decay=["mask_token"],
         schedule=dict(kind="cosine", warmup_steps=1, total_steps=6), steps=5, accumulation=1, reduction="mean",
         clip_norm=None, grad_seed=7003, grad_scales=[1.0, 1.0, 1.0, 1.0, 1.0]),
    # Accumulation (mean of 3 micro-batches) then clipping at 1.0: steps with small gradients are not clipped.
    dict(name="adamw_accumulate_clip", kind="adamw", lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6,
         weight_decay=0.1, layer_decay=0.65, no_weight_decay=[],
         schedule=dict(kind="linear", warmup_steps=0, total_steps=5), steps=4, accumulation=3, reduction="mean",
         clip_norm=1.0, grad_seed=7004, grad_scales=[0.01, 1.0, 0.02, 1.0]),
    # Summed accumulation with clipping at 5.0.
    dict(name="adam_sum_accumulate_clip", kind="adam", lr=3e-3, beta1=0.9, beta2=0.999, eps=1e-8,
         weight_decay=0.0, layer_decay=1.0, no_weight_decay=[],
         schedule=dict(kind="constant", warmup_steps=0, total_steps=3), steps=3, accumulation=2, reduction="sum",
         clip_norm=5.0, grad_seed=7005, grad_scales=[1.0, 0.05, 1.0]),
]


def clip_cases():
    """clip_grad_norm_ alone: above max (scaled), below max (unchanged), and a tiny max_norm where the + 1e-6
    in max_norm / (total + 1e-6) changes the result well above float32 noise."""
    gen = torch.Generator().manual_seed(7100)
    cases = []
    for max_norm, scale in [(1.0, 1.0), (100.0, 1.0), (1e-3, 1e-3)]:
        grads = [torch.randn(shape, generator=gen) * scale for _, shape in PARAM_SHAPES[:4]]
        before = [values(g) for g in grads]
        params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm)
        cases.append({"max_norm": max_norm, "shapes": [list(g.shape) for g in grads], "grads": before,
                      "total_norm": float(total), "clipped": [values(p.grad) for p in params]})
    return cases


def mixup_target(labels, num_classes, lam, smoothing):
    """timm.data.mixup.mixup_target: lam * smooth(y) + (1 - lam) * smooth(y.flip(0)), lam scalar or per row."""
    off = smoothing / num_classes
    on = 1.0 - smoothing + off

    def one_hot(y):
        return torch.full((y.numel(), num_classes), off).scatter_(1, y.long().view(-1, 1), on)

    y1, y2 = one_hot(labels), one_hot(labels.flip(0))
    lam = torch.as_tensor(lam, dtype=torch.float32).reshape(-1, 1) if not isinstance(lam, float) else lam
    return y1 * lam + y2 * (1.0 - lam)


def loss_reference():
    gen = torch.Generator().manual_seed(8001)
    logits = torch.randn(5, 6, generator=gen) * 3.0
    # A row far outside exp()'s float32 range: a naive softmax overflows, a stable log-softmax does not.
    logits[4] = torch.tensor([1000.0, -1000.0, 0.0, 500.0, 2.0, 999.0])
    labels = torch.tensor([2, 0, 5, 3, 5])
    cases = []

    def record(name, target_kind, target, **extra):
        x = logits.clone().requires_grad_(True)
        if target_kind == "int":
            loss = torch.nn.functional.cross_entropy(x, target, label_smoothing=extra.get("smoothing", 0.0))
        else:
            loss = torch.nn.functional.cross_entropy(x, target)
        loss.backward()
        cases.append({"name": name, "target_kind": target_kind,
                      "target": target.tolist(), "loss": float(loss), "grad_logits": values(x.grad), **extra})

    record("int_labels", "int", labels)
    record("int_labels_smoothing_0.1", "int", labels, smoothing=0.1)
    record("smoothed_one_hot_0.1", "soft", mixup_target(labels, 6, 1.0, 0.1), smoothing=0.1, lam=1.0)
    record("mixed_lam_0.7_smoothing_0.1", "soft", mixup_target(labels, 6, 0.7, 0.1), smoothing=0.1, lam=0.7)
    per_row = [0.9, 0.25, 0.5, 0.6, 1.0]
    record("mixed_per_row_smoothing_0.2", "soft", mixup_target(labels, 6, per_row, 0.2), smoothing=0.2, lam=per_row)
    return {"logits_shape": list(logits.shape), "logits": values(logits), "labels": labels.tolist(),
            "num_classes": 6, "cases": cases}


def main():
    torch.set_num_threads(1)
    meta = {"generator": "src/train/testdata/make_train_reference.py", "torch_version": torch.__version__}
    params = initial_params()
    optimizer = {
        **meta,
        "num_layers": NUM_LAYERS,
        "params": {n: {"shape": list(t.shape), "values": values(t)} for n, t in params.items()},
        "scenarios": [run_scenario(s) for s in SCENARIOS],
        "clip_cases": clip_cases(),
    }
    with open(os.path.join(OUT_DIR, "optimizer_reference.json"), "w") as f:
        json.dump(optimizer, f, separators=(",", ":"))
    with open(os.path.join(OUT_DIR, "loss_reference.json"), "w") as f:
        json.dump({**meta, **loss_reference()}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
