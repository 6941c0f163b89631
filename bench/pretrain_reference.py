"""PyTorch eager baseline for `npm run bench -- pretrain`: VideoMAE pretraining steps on the CPU.

A pure-torch VideoMAEForPreTraining with Hugging Face's structure and arithmetic (no `transformers` install:
Debian ships only torch), built from train_reference.py's layers: the encoder sees only the visible tokens,
`encoder_to_decoder`, `mask_token` plus the decoder's sinusoidal positions, the decoder blocks, `decoder.norm`
(eps 1e-5) and head on the masked tokens; the target is the masked cubes un-normalised with ImageNet's
mean/std and normalised per cube (norm_pix_loss, unbiased variance), MSE. AdamW with the paper's betas
(0.9, 0.95) and weight decay 0.05. A tube mask at --mask-ratio. In the same process it times the fine-tuning
step of the same encoder and batch (train_reference.py's), so the share pretraining / fine-tuning is measured
side by side. Prints JSON.
"""

import argparse
import json
import time

import torch
from torch import nn

from train_reference import Layer, VideoMAEForVideoClassification, loaded_blas, sinusoid_table

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 1, 3, 1, 1)


class VideoMAEForPreTraining(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        hidden, d = c["hidden_size"], c["decoder_hidden_size"]
        self.mask_token = nn.Parameter(torch.zeros(1, 1, d))
        encoder = VideoMAEForVideoClassification({**c, "use_mean_pooling": True, "num_labels": 1})
        self.videomae = encoder.videomae
        self.register_buffer("position_embeddings", encoder.position_embeddings, persistent=False)
        self.encoder_to_decoder = nn.Linear(hidden, d, bias=False)
        side = c["image_size"] // c["patch_size"]
        seq = (c["num_frames"] // c["tubelet_size"]) * side * side
        self.register_buffer("decoder_positions", sinusoid_table(seq, d), persistent=False)
        self.decoder = nn.Module()
        self.decoder.decoder_layers = nn.ModuleList(
            Layer(d, c["decoder_num_attention_heads"], c["decoder_intermediate_size"], c["layer_norm_eps"], True)
            for _ in range(c["decoder_num_hidden_layers"])
        )
        self.decoder.norm = nn.LayerNorm(d)
        cube = c["tubelet_size"] * c["patch_size"] ** 2 * 3
        self.decoder.head = nn.Linear(d, cube)

    def targets(self, pixel_values, mask):
        c = self.c
        b, t, ch, h, w = pixel_values.shape
        ts, p = c["tubelet_size"], c["patch_size"]
        with torch.no_grad():
            frames = pixel_values * IMAGENET_STD + IMAGENET_MEAN
            x = frames.view(b, t // ts, ts, ch, h // p, p, w // p, p).permute(0, 1, 4, 6, 2, 5, 7, 3)
            x = x.reshape(b, -1, ts * p * p, ch)
            x = (x - x.mean(dim=-2, keepdim=True)) / (x.var(dim=-2, unbiased=True, keepdim=True).sqrt() + 1e-6)
            x = x.reshape(b, -1, ts * p * p * ch)
            return x[mask].reshape(b, -1, ts * p * p * ch)

    def forward(self, pixel_values, mask):
        b = pixel_values.shape[0]
        x = self.videomae.embeddings.patch_embeddings.projection(pixel_values.permute(0, 2, 1, 3, 4))
        x = x.flatten(2).transpose(1, 2) + self.position_embeddings
        x = x[~mask].reshape(b, -1, x.shape[-1])
        for layer in self.videomae.encoder.layer:
            x = layer(x)
        x = self.encoder_to_decoder(x)
        d = x.shape[-1]
        positions = self.decoder_positions.expand(b, -1, -1)
        visible = positions[~mask].reshape(b, -1, d)
        hidden = positions[mask].reshape(b, -1, d)
        x = torch.cat([x + visible, self.mask_token + hidden], dim=1)
        for layer in self.decoder.decoder_layers:
            x = layer(x)
        logits = self.decoder.head(self.decoder.norm(x[:, -hidden.shape[1] :]))
        return nn.functional.mse_loss(logits, self.targets(pixel_values, mask))


def tube_mask(batch, slices, per_slice, ratio, generator):
    masked = int(ratio * per_slice)
    rows = []
    for _ in range(batch):
        one = torch.zeros(per_slice, dtype=torch.bool)
        one[torch.randperm(per_slice, generator=generator)[:masked]] = True
        rows.append(one.repeat(slices))
    return torch.stack(rows)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [
        ("hidden", 384), ("layers", 12), ("heads", 6), ("intermediate", 1536),
        ("decoder-hidden", 192), ("decoder-layers", 4), ("decoder-heads", 3), ("decoder-intermediate", 768),
        ("frames", 8), ("image", 112), ("patch", 16), ("tubelet", 2), ("batch", 4),
        ("steps", 3), ("warmup", 1), ("threads", 0),
    ]:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--mask-ratio", type=float, default=0.75)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    config = {
        "hidden_size": args.hidden,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "intermediate_size": args.intermediate,
        "decoder_hidden_size": args.decoder_hidden,
        "decoder_num_hidden_layers": args.decoder_layers,
        "decoder_num_attention_heads": args.decoder_heads,
        "decoder_intermediate_size": args.decoder_intermediate,
        "num_frames": args.frames,
        "image_size": args.image,
        "patch_size": args.patch,
        "tubelet_size": args.tubelet,
        "num_channels": 3,
        "layer_norm_eps": 1e-12,
        "qkv_bias": True,
        "use_mean_pooling": True,
        "num_labels": 10,
    }
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    pretrain = VideoMAEForPreTraining(config).train()
    pre_opt = torch.optim.AdamW(pretrain.parameters(), lr=1.5e-4 * args.batch / 256, betas=(0.9, 0.95), weight_decay=0.05)
    classifier = VideoMAEForVideoClassification(config).train()
    fine_opt = torch.optim.Adam(classifier.parameters(), lr=4e-4)
    pixels = torch.randn(args.batch, args.frames, 3, args.image, args.image)
    labels = torch.randint(0, 10, (args.batch,))
    side = args.image // args.patch
    slices = args.frames // args.tubelet

    def pretrain_step():
        mask = tube_mask(args.batch, slices, side * side, args.mask_ratio, generator)
        pre_opt.zero_grad(set_to_none=True)
        loss = pretrain(pixels, mask)
        loss.backward()
        pre_opt.step()
        return loss.item()

    def finetune_step():
        fine_opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(classifier(pixels), labels)
        loss.backward()
        fine_opt.step()
        return loss.item()

    def timed(step):
        for _ in range(args.warmup):
            step()
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
        return times

    pre = timed(pretrain_step)
    fine = timed(finetune_step)
    median = lambda xs: sorted(xs)[len(xs) // 2]
    print(
        json.dumps(
            {
                "framework": f"pytorch {torch.__version__} eager, CPU",
                "threads": torch.get_num_threads(),
                "blas": loaded_blas(),
                "config": config,
                "mask_ratio": args.mask_ratio,
                "pretrain_step_ms_all": pre,
                "finetune_step_ms_all": fine,
                "pretrain_step_ms_median": median(pre),
                "finetune_step_ms_median": median(fine),
            }
        )
    )


if __name__ == "__main__":
    main()
