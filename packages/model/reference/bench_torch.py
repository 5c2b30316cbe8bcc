#!/usr/bin/python3
"""PyTorch reference timing for the nanogpt-cpu recipe: one training step (forward + backward + AdamW) of a GPT-2
with 4 layers, 4 heads, 128 wide, block 64, vocab 65, batch 12 (nanoGPT's CPU settings), on 2 threads.

Prints one JSON object: the median milliseconds per step (and for forward+backward alone) over --steps steps after
--warmup steps, so `selfsup bench` can show it next to our figures. Run with Debian's python3-torch:

  /usr/bin/python3 packages/model/reference/bench_torch.py [--steps 20] [--warmup 3] [--threads 2]
"""
import argparse
import os
import sys

# Thread counts must be fixed before torch is imported.
_threads = "2"
for i, arg in enumerate(sys.argv):
    if arg == "--threads" and i + 1 < len(sys.argv):
        _threads = sys.argv[i + 1]
os.environ["OMP_NUM_THREADS"] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = _threads

import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Block(nn.Module):
    """nanoGPT's block: pre-LN, causal self-attention with a fused qkv projection, GELU (tanh) MLP 4x."""

    def __init__(self, c, n_head, block):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(c)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)
        self.register_buffer("mask", torch.tril(torch.ones(block, block, dtype=torch.bool)))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab=65, block=64, n_layer=4, n_head=4, c=128):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(block, c)
        self.blocks = nn.ModuleList(Block(c, n_head, block) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(c)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.T  # LM head tied to wte
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)
    batch, block, vocab = 12, 64, 65
    model = GPT(vocab=vocab, block=block)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.99)
    )
    data = torch.randint(0, vocab, (batch, block + 1))
    x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()
    step_ms, fwd_bwd_ms = [], []
    for i in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t1 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        t2 = time.perf_counter()
        if i >= args.warmup:
            fwd_bwd_ms.append((t1 - t0) * 1000)
            step_ms.append((t2 - t0) * 1000)
    n_params = sum(p.numel() for p in model.parameters()) - model.wpe.weight.numel()
    median_step = statistics.median(step_ms)
    print(
        json.dumps(
            {
                "framework": "pytorch",
                "version": torch.__version__,
                "preset": "nanogpt-cpu",
                "threads": args.threads,
                "batch": batch,
                "block": block,
                "params": n_params,
                "steps": args.steps,
                "msPerStep": round(median_step, 3),
                "fwdBwdMs": round(statistics.median(fwd_bwd_ms), 3),
                "tokensPerSec": round(batch * block / (median_step / 1000), 1),
                "finalLoss": round(loss.item(), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
