"""PyTorch CPU baseline for `npm run bench -- videomae`: the same VideoMAE classifier math (HF semantics)
written with torch.nn.functional, weights read from the safetensors file our exporter wrote, timed the same
way as the tfjs side. Prints one JSON object on stdout.

usage: python3 bench/videomae_torch.py <config.json> <model.safetensors> <input.bin> B,T,C,H,W <steps> <threads>
"""
import json
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        out[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return out


def sinusoid(tokens, hidden):
    j = np.arange(hidden)
    table = np.arange(tokens)[:, None] / np.power(10000, 2 * (j // 2) / hidden)[None, :]
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.tensor(table, dtype=torch.float32)[None]


def forward(p, c, x, pos):
    h = c["hidden_size"]
    heads = c["num_attention_heads"]
    eps = c["layer_norm_eps"]
    pe = "videomae.embeddings.patch_embeddings.projection"
    e = F.conv3d(x.permute(0, 2, 1, 3, 4), p[pe + ".weight"], p[pe + ".bias"],
                 stride=(c["tubelet_size"], c["patch_size"], c["patch_size"]))
    t = e.flatten(2).transpose(1, 2) + pos
    b, n, _ = t.shape
    for i in range(c["num_hidden_layers"]):
        lp = f"videomae.encoder.layer.{i}."
        a = lp + "attention.attention."
        y = F.layer_norm(t, (h,), p[lp + "layernorm_before.weight"], p[lp + "layernorm_before.bias"], eps)
        qb = p.get(a + "q_bias")
        kb = torch.zeros_like(qb) if qb is not None else None
        q = F.linear(y, p[a + "query.weight"], qb)
        k = F.linear(y, p[a + "key.weight"], kb)
        v = F.linear(y, p[a + "value.weight"], p.get(a + "v_bias"))
        split = lambda z: z.view(b, n, heads, h // heads).permute(0, 2, 1, 3)
        q, k, v = split(q), split(k), split(v)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h // heads), dim=-1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, n, h)
        t = t + F.linear(ctx, p[lp + "attention.output.dense.weight"], p[lp + "attention.output.dense.bias"])
        y = F.layer_norm(t, (h,), p[lp + "layernorm_after.weight"], p[lp + "layernorm_after.bias"], eps)
        y = F.gelu(F.linear(y, p[lp + "intermediate.dense.weight"], p[lp + "intermediate.dense.bias"]))
        t = t + F.linear(y, p[lp + "output.dense.weight"], p[lp + "output.dense.bias"])
    if c["use_mean_pooling"]:
        pooled = F.layer_norm(t.mean(1), (h,), p["fc_norm.weight"], p["fc_norm.bias"], 1e-5)
    else:
        pooled = F.layer_norm(t[:, 0], (h,), p["videomae.layernorm.weight"], p["videomae.layernorm.bias"], eps)
    return F.linear(pooled, p["classifier.weight"], p["classifier.bias"])


def main():
    config_path, weights_path, input_path, shape, steps, threads = sys.argv[1:7]
    torch.set_num_threads(int(threads))
    c = json.load(open(config_path))
    params = {k: v.requires_grad_(True) for k, v in read_safetensors(weights_path).items()}
    shape = [int(s) for s in shape.split(",")]
    x = torch.from_numpy(np.fromfile(input_path, dtype="<f4").reshape(shape))
    tokens = (shape[1] // c["tubelet_size"]) * (shape[3] // c["patch_size"]) ** 2
    pos = sinusoid(tokens, c["hidden_size"])
    labels = torch.arange(shape[0]) % len(c["id2label"])

    def timed(fn, n):
        fn()  # warm-up
        times = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def infer():
        with torch.no_grad():
            return forward(params, c, x, pos)

    def train_step():
        loss = F.cross_entropy(forward(params, c, x, pos), labels)
        grads = torch.autograd.grad(loss, list(params.values()))
        return grads

    logits = infer()
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "forwardMs": timed(infer, int(steps)),
        "trainStepMs": timed(train_step, int(steps)),
        "logits": logits.tolist(),
    }))


if __name__ == "__main__":
    main()
