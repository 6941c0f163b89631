"""PyTorch eager baseline for `npm run bench -- train` and `train-node`: VideoMAE training steps on the CPU
or, with `--device cuda`, on an NVIDIA GPU.

The model is written with plain torch modules in Hugging Face's structure and state_dict names (no
`transformers` install is needed: Debian ships only torch). `--check <fixture dir>` first proves the module
computes what HF computes, by loading a fixture's model.safetensors and comparing logits with its
expected.json. Then it times full training steps (forward, cross-entropy, backward, Adam) on random clips and
prints JSON.

    /usr/bin/python3 bench/train_reference.py --hidden 384 --layers 12 --heads 6 --intermediate 1536 \
        --frames 8 --image 112 --batch 4 --labels 10 --steps 5 [--threads 2] [--device cpu|cuda] \
        [--check <fixture dir>]
"""

import argparse
import json
import math
import struct
import time

import numpy as np
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, hidden, heads, qkv_bias):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden, bias=False)
        self.key = nn.Linear(hidden, hidden, bias=False)
        self.value = nn.Linear(hidden, hidden, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(hidden))
            self.v_bias = nn.Parameter(torch.zeros(hidden))
        else:
            self.q_bias = None
            self.v_bias = None

    def forward(self, x):
        b, n, h = x.shape
        if self.q_bias is not None:
            # HF: one F.linear with the concatenated bias (q_bias, zeros, v_bias).
            bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))
            weight = torch.cat((self.query.weight, self.key.weight, self.value.weight))
            qkv = nn.functional.linear(x, weight, bias)
        else:
            qkv = torch.cat((self.query(x), self.key(x), self.value(x)), dim=-1)
        q, k, v = qkv.reshape(b, n, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads)
        context = scores.softmax(-1) @ v
        return context.transpose(1, 2).reshape(b, n, h)


class Layer(nn.Module):
    def __init__(self, hidden, heads, intermediate, eps, qkv_bias):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(hidden, eps=eps)
        self.attention = nn.Module()
        self.attention.attention = Attention(hidden, heads, qkv_bias)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(hidden, hidden)
        self.layernorm_after = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden, intermediate)
        self.output = nn.Module()
        self.output.dense = nn.Linear(intermediate, hidden)

    def forward(self, x):
        x = x + self.attention.output.dense(self.attention.attention(self.layernorm_before(x)))
        return x + self.output.dense(nn.functional.gelu(self.intermediate.dense(self.layernorm_after(x))))


def sinusoid_table(positions, hidden):
    angles = np.array([[p / np.power(10000, 2 * (j // 2) / hidden) for j in range(hidden)] for p in range(positions)])
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.tensor(angles, dtype=torch.float32).unsqueeze(0)


class VideoMAEForVideoClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        hidden = c["hidden_size"]
        self.videomae = nn.Module()
        self.videomae.embeddings = nn.Module()
        self.videomae.embeddings.patch_embeddings = nn.Module()
        self.videomae.embeddings.patch_embeddings.projection = nn.Conv3d(
            c["num_channels"],
            hidden,
            kernel_size=(c["tubelet_size"], c["patch_size"], c["patch_size"]),
            stride=(c["tubelet_size"], c["patch_size"], c["patch_size"]),
        )
        side = c["image_size"] // c["patch_size"]
        seq = (c["num_frames"] // c["tubelet_size"]) * side * side
        self.register_buffer("position_embeddings", sinusoid_table(seq, hidden), persistent=False)
        self.videomae.encoder = nn.Module()
        self.videomae.encoder.layer = nn.ModuleList(
            Layer(hidden, c["num_attention_heads"], c["intermediate_size"], c["layer_norm_eps"], c["qkv_bias"])
            for _ in range(c["num_hidden_layers"])
        )
        if c["use_mean_pooling"]:
            self.fc_norm = nn.LayerNorm(hidden)
        else:
            self.videomae.layernorm = nn.LayerNorm(hidden, eps=c["layer_norm_eps"])
        self.classifier = nn.Linear(hidden, c["num_labels"])

    def forward(self, pixel_values):
        x = self.videomae.embeddings.patch_embeddings.projection(pixel_values.permute(0, 2, 1, 3, 4))
        x = x.flatten(2).transpose(1, 2) + self.position_embeddings
        for layer in self.videomae.encoder.layer:
            x = layer(x)
        if self.c["use_mean_pooling"]:
            pooled = self.fc_norm(x.mean(1))
        else:
            pooled = self.videomae.layernorm(x)[:, 0]
        return self.classifier(pooled)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: only F32 is read here, got {info['dtype']}")
        begin, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype="<f4").copy().reshape(info["shape"]))
    return tensors


def loaded_blas():
    """Which BLAS library the process mapped: Debian's reference BLAS is ~5x slower than OpenBLAS."""
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()}
    return sorted(libs)


def check_against_fixture(directory):
    with open(f"{directory}/config.json") as f:
        config = json.load(f)
    config["num_labels"] = len(config["id2label"])
    with open(f"{directory}/meta.json") as f:
        meta = json.load(f)
    with open(f"{directory}/expected.json") as f:
        expected = json.load(f)
    model = VideoMAEForVideoClassification(config).eval()
    missing, unexpected = model.load_state_dict(read_safetensors(f"{directory}/model.safetensors"), strict=False)
    if missing or unexpected:
        raise SystemExit(f"state_dict mismatch: missing={missing} unexpected={unexpected}")
    pixels = torch.from_numpy(np.fromfile(f"{directory}/input.bin", dtype="<f4").reshape(meta["input_shape"]))
    with torch.no_grad():
        logits = model(pixels)
    diff = (logits - torch.tensor(expected["logits"])).abs().max().item()
    if diff > 1e-4:
        raise SystemExit(f"reference model disagrees with HF fixture: max |logit diff| {diff}")
    return diff


def describe(device):
    if device.type == "cuda":
        return f"CUDA {torch.version.cuda} on {torch.cuda.get_device_name(device)}, fp32"
    return "CPU"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=384)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--intermediate", type=int, default=1536)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--image", type=int, default=112)
    parser.add_argument("--patch", type=int, default=16)
    parser.add_argument("--tubelet", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--check", default=None)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch.cuda.is_available() is False")
    device = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    fixture_diff = check_against_fixture(args.check) if args.check else None

    config = {
        "hidden_size": args.hidden,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "intermediate_size": args.intermediate,
        "num_frames": args.frames,
        "image_size": args.image,
        "patch_size": args.patch,
        "tubelet_size": args.tubelet,
        "num_channels": 3,
        "num_labels": args.labels,
        "layer_norm_eps": 1e-12,
        "qkv_bias": True,
        "use_mean_pooling": True,
    }
    torch.manual_seed(0)
    model = VideoMAEForVideoClassification(config).train().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=4e-4)
    pixels = torch.randn(args.batch, args.frames, 3, args.image, args.image).to(device)
    labels = torch.randint(0, args.labels, (args.batch,)).to(device)

    def synchronize():
        # CUDA runs asynchronously: without this a step's time would be its launch time alone.
        if device.type == "cuda":
            torch.cuda.synchronize()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(pixels), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        synchronize()
        start = time.perf_counter()
        step()
        synchronize()
        times.append(time.perf_counter() - start)
    median = sorted(times)[len(times) // 2]
    print(
        json.dumps(
            {
                "framework": f"pytorch {torch.__version__} eager, {describe(device)}",
                "device": args.device,
                "threads": torch.get_num_threads(),
                "blas": loaded_blas(),
                "config": config,
                "batch": args.batch,
                "step_ms_median": median * 1000,
                "step_ms_all": [t * 1000 for t in times],
                "clips_per_s": args.batch / median,
                "fixture_max_logit_diff": fixture_diff,
            }
        )
    )


if __name__ == "__main__":
    main()
