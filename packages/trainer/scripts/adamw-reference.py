"""Writes src/fixtures/adamw-torch.json: PyTorch's AdamW on two small parameters for four steps.

Run with the system Python that has torch: /usr/bin/python3 scripts/adamw-reference.py
Group 0 (a 2-D weight) gets weight decay, group 1 (a bias) does not, as in nanoGPT's configure_optimizers. The
learning rate changes every step (as a schedule does) and step 3's gradient is large, so clipping-size values are
covered too.
"""
import json
import torch

torch.manual_seed(0)
w = torch.nn.Parameter(torch.randn(3, 4))
b = torch.nn.Parameter(torch.randn(4))
init = {"w": w.detach().tolist(), "b": b.detach().tolist()}
opt = torch.optim.AdamW(
    [{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
    lr=1e-3, betas=(0.9, 0.99), eps=1e-8, foreach=False,
)
lrs = [1e-3, 5e-4, 2e-3, 1e-4]
steps = []
for i, lr in enumerate(lrs):
    for g in opt.param_groups:
        g["lr"] = lr
    gw = torch.randn(3, 4) * (10.0 if i == 2 else 1.0)
    gb = torch.randn(4) * 0.01
    w.grad = gw.clone()
    b.grad = gb.clone()
    opt.step()
    steps.append({
        "lr": lr,
        "grads": {"w": gw.tolist(), "b": gb.tolist()},
        "params": {"w": w.detach().tolist(), "b": b.detach().tolist()},
        "exp_avg": {"w": opt.state[w]["exp_avg"].tolist(), "b": opt.state[b]["exp_avg"].tolist()},
        "exp_avg_sq": {"w": opt.state[w]["exp_avg_sq"].tolist(), "b": opt.state[b]["exp_avg_sq"].tolist()},
    })
out = {"torch": torch.__version__, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weightDecay": 0.1, "init": init, "steps": steps}
with open("src/fixtures/adamw-torch.json", "w") as f:
    json.dump(out, f)
