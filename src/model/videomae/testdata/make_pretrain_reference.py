#!/usr/bin/env python3
"""Reference outputs of Hugging Face's real VideoMAEForPreTraining for pretraining configs the shared fixture
does not cover (tubelet 1, norm_pix_loss off, qkv_bias off, another decoder size, mean pooling).

    python3 make_pretrain_reference.py OUT_DIR

writes OUT_DIR/<name>/ for each config, in the shared fixture's layout:
  config.json + model.safetensors  (save_pretrained; a fallback writer if that fails)
  input.bin   float32 LE [batch, frames, 3, H, W] (standard normal, seeded)
  mask.bin    uint8 [batch, seq_len], 1 = masked (bool_masked_pos)
  meta.json   shapes, seeds, mask kind
  expected.json  loss, logits summary (+ first16 and a strided sample), grad_l2 of EVERY parameter after
                 loss.backward(), versions.
Copy the subfolders to src/model/videomae/testdata/pretrain_configs/ for pretraining-configs.test.ts.
Needs torch, transformers (VideoMAE), safetensors, numpy. CPU float32, eval mode.
"""
import json
import math
import os
import sys

import numpy as np
import torch

import transformers
from transformers import VideoMAEConfig, VideoMAEForPreTraining

BATCH = 2
TINY = dict(
    image_size=32,
    patch_size=8,
    num_channels=3,
    num_frames=4,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    hidden_act="gelu",
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    layer_norm_eps=1e-12,
    decoder_hidden_size=16,
    decoder_num_hidden_layers=1,
    decoder_num_attention_heads=2,
    decoder_intermediate_size=32,
)

# name -> (config overrides, mask kind, mask ratio, seed)
CONFIGS = {
    "tubelet1_normpix": (dict(tubelet_size=1, norm_pix_loss=True, qkv_bias=True, use_mean_pooling=False), "tube", 0.75, 11),
    "tubelet2_rawpix": (dict(tubelet_size=2, norm_pix_loss=False, qkv_bias=True, use_mean_pooling=False), "random", 0.9, 12),
    "no_qkv_bias": (dict(tubelet_size=2, norm_pix_loss=True, qkv_bias=False, use_mean_pooling=False), "tube", 0.5, 13),
    "decoder24x2_meanpool": (
        dict(
            tubelet_size=2,
            norm_pix_loss=True,
            qkv_bias=True,
            use_mean_pooling=True,
            decoder_hidden_size=24,
            decoder_num_hidden_layers=2,
            decoder_num_attention_heads=3,
            decoder_intermediate_size=48,
        ),
        "random",
        0.75,
        14,
    ),
}


def make_mask(kind, ratio, slices, per_slice, seed):
    """VideoMAE's TubeMaskingGenerator / RandomMaskingGenerator counts; one row per clip."""
    rng = np.random.RandomState(seed)
    rows = []
    for _ in range(BATCH):
        if kind == "tube":
            k = int(ratio * per_slice)
            frame = np.hstack([np.zeros(per_slice - k), np.ones(k)])
            rng.shuffle(frame)
            rows.append(np.tile(frame, (slices, 1)).flatten())
        else:
            n = slices * per_slice
            k = int(ratio * n)
            row = np.hstack([np.zeros(n - k), np.ones(k)])
            rng.shuffle(row)
            rows.append(row)
    return np.stack(rows).astype(np.uint8)


def summary(t):
    a = t.detach().to(torch.float64).cpu().numpy()
    flat = a.reshape(-1)
    return {
        "shape": list(t.shape),
        "mean": float(flat.mean()),
        "std": float(flat.std()),
        "l2": float(np.sqrt((flat * flat).sum())),
        "min": float(flat.min()),
        "max": float(flat.max()),
        "first16": [float(v) for v in t.detach().reshape(-1)[:16].tolist()],
    }


def build_model(config):
    """The eager attention path where this transformers version lets us choose it (the math is the same)."""
    try:
        model = VideoMAEForPreTraining._from_config(config, attn_implementation="eager")
        return model, "eager"
    except Exception as error:  # older/newer API: fall back to the plain constructor
        print(f"  _from_config(attn_implementation='eager') failed ({error!r}); using the constructor", file=sys.stderr)
        return VideoMAEForPreTraining(config), str(getattr(config, "_attn_implementation", "default"))


def perturb(model, seed):
    """Moves every parameter off HF's init (zeros, ones) so that each one matters to the check."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.dim() >= 2 and p.numel() != p.shape[-1]:
                fan_in = p[0].numel()
                p.add_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
            else:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def save_weights(model, config, folder):
    try:
        model.save_pretrained(folder, safe_serialization=True)
        if os.path.exists(os.path.join(folder, "model.safetensors")):
            return "save_pretrained"
        print("  save_pretrained wrote no model.safetensors; writing it directly", file=sys.stderr)
    except Exception as error:
        print(f"  save_pretrained failed ({error!r}); writing the files directly", file=sys.stderr)
    from safetensors.torch import save_file

    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    config_dict = config.to_dict()
    config_dict["architectures"] = ["VideoMAEForPreTraining"]
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=2, sort_keys=True)
    return "safetensors.torch.save_file"


def run(name, overrides, kind, ratio, seed, out_root):
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    config = VideoMAEConfig(**{**TINY, **overrides})
    model, attn = build_model(config)
    perturb(model, seed + 1000)
    model.eval()
    writer = save_weights(model, config, folder)

    shape = [BATCH, config.num_frames, config.num_channels, config.image_size, config.image_size]
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 2000), dtype=torch.float32)
    slices = config.num_frames // config.tubelet_size
    per_slice = (config.image_size // config.patch_size) ** 2
    mask = make_mask(kind, ratio, slices, per_slice, seed + 3000)
    x.numpy().astype("<f4").tofile(os.path.join(folder, "input.bin"))
    mask.tofile(os.path.join(folder, "mask.bin"))

    model.zero_grad(set_to_none=True)
    out = model(pixel_values=x, bool_masked_pos=torch.from_numpy(mask).bool())
    out.loss.backward()
    grad_l2 = {}
    for pname, p in model.named_parameters():
        grad_l2[pname] = None if p.grad is None else float(p.grad.detach().to(torch.float64).norm().item())
    logits = out.logits.detach()
    flat = logits.reshape(-1)
    stride = 97
    expected = {
        "fixture": name,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "dtype": "float32",
        "eval_mode": True,
        "attn_implementation": attn,
        "weights_written_by": writer,
        "call": "VideoMAEForPreTraining(pixel_values, bool_masked_pos=mask); loss.backward()",
        "loss": float(out.loss.item()),
        "logits": summary(logits),
        "logits_strided": {"stride": stride, "values": [float(v) for v in flat[::stride].tolist()]},
        "grad_l2": grad_l2,
        "parameter_names": [n for n, _ in model.named_parameters()],
        "state_dict_keys": list(model.state_dict().keys()),
    }
    meta = {
        "fixture": name,
        "model_class": "VideoMAEForPreTraining",
        "input_file": "input.bin",
        "input_dtype": "float32",
        "input_shape": shape,
        "input_generation": f"torch.randn(shape, generator=torch.Generator().manual_seed({seed + 2000}))",
        "param_init": f"torch.manual_seed({seed}); HF init; then perturbed with torch.Generator().manual_seed({seed + 1000})",
        "mask_file": "mask.bin",
        "mask_dtype": "uint8 (1 = masked)",
        "mask_shape": [BATCH, slices * per_slice],
        "mask_kind": kind,
        "mask_ratio": ratio,
        "num_masked_per_sample": int(mask[0].sum()),
        "seq_len": slices * per_slice,
        "config_overrides": overrides,
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    missing = [n for n, v in grad_l2.items() if v is None]
    print(f"{name}: loss {expected['loss']:.6f}, logits {list(logits.shape)}, {len(grad_l2)} params"
          + (f", NO GRAD: {missing}" if missing else ""))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out_root = sys.argv[1]
    os.makedirs(out_root, exist_ok=True)
    torch.set_grad_enabled(True)
    failures = []
    for name, (overrides, kind, ratio, seed) in CONFIGS.items():
        try:
            run(name, overrides, kind, ratio, seed, out_root)
        except Exception as error:  # keep going: the other configs are still useful
            import traceback

            traceback.print_exc()
            failures.append(f"{name}: {error!r}")
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
