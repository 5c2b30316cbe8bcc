"""Part 1 of the nanoGPT replay (see nanogpt-replay.mjs): nanoGPT's seed-1337 CPU-recipe run *without training*.

Writes OUT/weights/<name>.bin (float32, Hugging Face GPT-2 names and Conv1D [in, out] layouts) with the initial weights
nanoGPT's train.py starts from, and OUT/replay.json with the offsets of every get_batch call in train.py's order: the
first training batch, then for each iteration the evaluation's 20 train + 20 val batches when iter % 250 == 0, then
the next training batch. With dropout 0 nothing else draws from torch's generator, so these are exactly the batches
nanoGPT trains and evaluates on. Needs PyTorch and a nanoGPT checkout (its model.py):

  /usr/bin/python3 nanogpt-replay.py NANOGPT_DIR OUT
"""
import json, os, sys
import numpy as np
import torch

nanogpt_dir, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, nanogpt_dir)
from model import GPT, GPTConfig  # noqa: E402  (nanoGPT's own model.py)

os.makedirs(os.path.join(out, 'weights'), exist_ok=True)
torch.manual_seed(1337)  # train.py: torch.manual_seed(1337 + seed_offset), then the model is built
model = GPT(GPTConfig(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False))
for name, p in model.named_parameters():  # named_parameters skips buffers and lists the tied lm_head once (as wte)
    t = p.detach().numpy().astype(np.float32)
    if name.endswith(('c_attn.weight', 'c_fc.weight', 'c_proj.weight')):
        t = t.T.copy()  # torch Linear [out, in] -> GPT-2 Conv1D [in, out]
    t.tofile(os.path.join(out, 'weights', name + '.bin'))

TRAIN, VAL, T, B = 1003854, 111540, 64, 12
def offsets(n):
    return torch.randint(n - T, (B,)).tolist()  # train.py's get_batch

train = [offsets(TRAIN)]  # fetched before the loop
evals = {}
for it in range(0, 2001):
    if it % 250 == 0:
        evals[it] = {'train': [offsets(TRAIN) for _ in range(20)], 'val': [offsets(VAL) for _ in range(20)]}
    train.append(offsets(TRAIN))  # the next batch, fetched during iteration `it`
with open(os.path.join(out, 'replay.json'), 'w') as f:
    json.dump({'train': train, 'evals': evals}, f)
print(f'wrote {out}/weights and {out}/replay.json')
