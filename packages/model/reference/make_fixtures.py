#!/usr/bin/python3
"""Reference fixtures for @selfsup/model, computed in PyTorch from first principles (no `transformers`).

Builds tiny GPT-2 and BERT models the way Hugging Face's GPT2LMHeadModel and BertForMaskedLM compute them, with
random (not just initial) weights, and writes for each into packages/model/fixtures/<name>/:

  model.safetensors   the weights, Hugging Face names and layouts (float32)
  config.json         the Hugging Face config
  expected.safetensors inputs, labels (and attention mask / token types), logits, loss, and the gradient of the loss
                      with respect to every parameter (`grad.<name>`)

The forward pass runs in float64 from the float32 weights, so the expected values are exact to float32 rounding.
Run with Debian's python3-torch:  /usr/bin/python3 packages/model/reference/make_fixtures.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
IGNORE = -100


# ---------------------------------------------------------------- safetensors, written by hand (no library)

DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32", np.dtype("int64"): "I64"}


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)  # data section 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for blob in blobs:
            f.write(blob)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- random weights in Hugging Face layouts

def random_weights(shapes, rng):
    """Matrices ~ N(0, 0.2²); LayerNorm weights ~ 1 + N(0, 0.1²); biases ~ N(0, 0.1²): all non-trivial."""
    weights = {}
    for name, shape in shapes:
        if name.endswith("LayerNorm.weight") or (".ln_" in name and name.endswith(".weight")):
            w = 1 + 0.1 * rng.standard_normal(shape)
        elif len(shape) == 1:
            w = 0.1 * rng.standard_normal(shape)
        else:
            w = 0.2 * rng.standard_normal(shape)
        weights[name] = w.astype(np.float32)
    return weights


def gpt_shapes(cfg, bias=True):
    c, v, p, f = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], 4 * cfg["n_embd"]
    shapes = [("transformer.wte.weight", (v, c)), ("transformer.wpe.weight", (p, c))]
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}"
        layer = [
            (f"{h}.ln_1.weight", (c,)), (f"{h}.ln_1.bias", (c,)),
            (f"{h}.attn.c_attn.weight", (c, 3 * c)), (f"{h}.attn.c_attn.bias", (3 * c,)),
            (f"{h}.attn.c_proj.weight", (c, c)), (f"{h}.attn.c_proj.bias", (c,)),
            (f"{h}.ln_2.weight", (c,)), (f"{h}.ln_2.bias", (c,)),
            (f"{h}.mlp.c_fc.weight", (c, f)), (f"{h}.mlp.c_fc.bias", (f,)),
            (f"{h}.mlp.c_proj.weight", (f, c)), (f"{h}.mlp.c_proj.bias", (c,)),
        ]
        shapes += layer
    shapes += [("transformer.ln_f.weight", (c,)), ("transformer.ln_f.bias", (c,))]
    if not bias:
        shapes = [(n, s) for n, s in shapes if not n.endswith(".bias")]
    return shapes


def bert_shapes(cfg):
    c, v, f = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    e = "bert.embeddings"
    shapes = [
        (f"{e}.word_embeddings.weight", (v, c)),
        (f"{e}.position_embeddings.weight", (cfg["max_position_embeddings"], c)),
        (f"{e}.token_type_embeddings.weight", (cfg["type_vocab_size"], c)),
        (f"{e}.LayerNorm.weight", (c,)), (f"{e}.LayerNorm.bias", (c,)),
    ]
    for i in range(cfg["num_hidden_layers"]):
        l = f"bert.encoder.layer.{i}"
        for part in ("query", "key", "value"):
            shapes += [(f"{l}.attention.self.{part}.weight", (c, c)), (f"{l}.attention.self.{part}.bias", (c,))]
        shapes += [
            (f"{l}.attention.output.dense.weight", (c, c)), (f"{l}.attention.output.dense.bias", (c,)),
            (f"{l}.attention.output.LayerNorm.weight", (c,)), (f"{l}.attention.output.LayerNorm.bias", (c,)),
            (f"{l}.intermediate.dense.weight", (f, c)), (f"{l}.intermediate.dense.bias", (f,)),
            (f"{l}.output.dense.weight", (c, f)), (f"{l}.output.dense.bias", (c,)),
            (f"{l}.output.LayerNorm.weight", (c,)), (f"{l}.output.LayerNorm.bias", (c,)),
        ]
    shapes += [
        ("cls.predictions.bias", (v,)),
        ("cls.predictions.transform.dense.weight", (c, c)), ("cls.predictions.transform.dense.bias", (c,)),
        ("cls.predictions.transform.LayerNorm.weight", (c,)), ("cls.predictions.transform.LayerNorm.bias", (c,)),
    ]
    return shapes


# ---------------------------------------------------------------- the models, as Hugging Face computes them

def heads(x, n_head):
    b, t, c = x.shape
    return x.view(b, t, n_head, c // n_head).transpose(1, 2)  # (B, nh, T, hs)


def merge(y):
    b, h, t, d = y.shape
    return y.transpose(1, 2).contiguous().view(b, t, h * d)  # (B, T, C)


def gpt_forward(W, cfg, ids, bias=True):
    """GPT2LMHeadModel: pre-LN blocks, Conv1D weights [in, out], gelu_new, LM head tied to wte."""
    B = lambda name: W[name] if bias else None  # noqa: E731
    b_, t = ids.shape
    c, nh, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    x = F.embedding(ids, W["transformer.wte.weight"]) + W["transformer.wpe.weight"][:t]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}"
        h = F.layer_norm(x, (c,), W[f"{p}.ln_1.weight"], B(f"{p}.ln_1.bias"), eps)
        qkv = h @ W[f"{p}.attn.c_attn.weight"]
        if bias:
            qkv = qkv + W[f"{p}.attn.c_attn.bias"]
        q, k, v = (heads(z, nh) for z in qkv.split(c, dim=2))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // nh)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = merge(att @ v) @ W[f"{p}.attn.c_proj.weight"]
        x = x + (y + W[f"{p}.attn.c_proj.bias"] if bias else y)
        h = F.layer_norm(x, (c,), W[f"{p}.ln_2.weight"], B(f"{p}.ln_2.bias"), eps)
        h = h @ W[f"{p}.mlp.c_fc.weight"] + (W[f"{p}.mlp.c_fc.bias"] if bias else 0)
        h = F.gelu(h, approximate="tanh") @ W[f"{p}.mlp.c_proj.weight"]
        x = x + (h + W[f"{p}.mlp.c_proj.bias"] if bias else h)
    x = F.layer_norm(x, (c,), W["transformer.ln_f.weight"], B("transformer.ln_f.bias"), eps)
    return x @ W["transformer.wte.weight"].T  # (B, T, V)


def bert_forward(W, cfg, ids, token_types, mask):
    """BertForMaskedLM: post-LN encoder, Linear weights [out, in], erf gelu, padding_idx, tied decoder + bias."""
    t = ids.shape[1]
    c, nh, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    lin = lambda x, name: x @ W[f"{name}.weight"].T + W[f"{name}.bias"]  # noqa: E731
    ln = lambda x, name: F.layer_norm(x, (c,), W[f"{name}.weight"], W[f"{name}.bias"], eps)  # noqa: E731
    e = "bert.embeddings"
    x = F.embedding(ids, W[f"{e}.word_embeddings.weight"], padding_idx=cfg["pad_token_id"])
    x = x + F.embedding(token_types, W[f"{e}.token_type_embeddings.weight"])
    x = x + W[f"{e}.position_embeddings.weight"][:t]
    x = ln(x, f"{e}.LayerNorm")
    keep = mask[:, None, None, :].bool()  # (B, 1, 1, T)
    for i in range(cfg["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}"
        q, k, v = (heads(lin(x, f"{p}.attention.self.{n}"), nh) for n in ("query", "key", "value"))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // nh)
        att = att.masked_fill(~keep, float("-inf")).softmax(-1)
        h = lin(merge(att @ v), f"{p}.attention.output.dense")
        x = ln(x + h, f"{p}.attention.output.LayerNorm")
        h = lin(F.gelu(lin(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
        x = ln(x + h, f"{p}.output.LayerNorm")
    h = ln(F.gelu(lin(x, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm")
    return h @ W[f"{e}.word_embeddings.weight"].T + W["cls.predictions.bias"]


# ---------------------------------------------------------------- fixtures

def run(name, cfg, weights, forward, inputs, labels, extra_inputs=None):
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in weights.items()}
    logits = forward(params)
    v = logits.shape[-1]
    loss = F.cross_entropy(logits.reshape(-1, v), torch.tensor(labels, dtype=torch.long).reshape(-1), ignore_index=IGNORE)
    loss.backward()
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})
    write_json(os.path.join(folder, "config.json"), cfg)
    expected = {"inputs": inputs.astype(np.int32), "labels": labels.astype(np.int32)}
    for k, arr in (extra_inputs or {}).items():
        expected[k] = arr.astype(np.int32)
    expected["logits"] = logits.detach().numpy().astype(np.float32)
    expected["loss"] = np.array([loss.item()], dtype=np.float32)
    for k, p in params.items():
        expected[f"grad.{k}"] = p.grad.numpy().astype(np.float32)
    write_safetensors(os.path.join(folder, "expected.safetensors"), expected, {"torch": torch.__version__})
    print(f"{name}: loss {loss.item():.6f}, {sum(w.size for w in weights.values())} parameters")


def gpt_config(vocab, block, n_layer, n_head, n_embd):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": vocab,
        "n_positions": block,
        "n_ctx": block,
        "n_embd": n_embd,
        "n_layer": n_layer,
        "n_head": n_head,
        "n_inner": None,
        "activation_function": "gelu_new",
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02,
        "bos_token_id": vocab - 1,
        "eos_token_id": vocab - 1,
        "tie_word_embeddings": True,
    }


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(20240520)

    # GPT-2, with and without biases (nanoGPT's bias=False).
    for name, bias in (("gpt2", True), ("gpt2-nobias", False)):
        cfg = gpt_config(vocab=37, block=12, n_layer=2, n_head=2, n_embd=16)
        if not bias:
            cfg["bias"] = False
        weights = random_weights(gpt_shapes(cfg, bias), rng)
        ids = rng.integers(0, 37, size=(2, 11))
        inputs, labels = ids[:, :-1].copy(), ids[:, 1:].copy()
        labels[0, 3] = IGNORE
        labels[1, 9] = IGNORE
        tid = torch.tensor(inputs, dtype=torch.long)
        run(name, cfg, weights, lambda W: gpt_forward(W, cfg, tid, bias), inputs, labels)

    # BERT with padding in the second sequence, token types, and labels at a few positions.
    cfg = {
        "architectures": ["BertForMaskedLM"],
        "model_type": "bert",
        "vocab_size": 41,
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 40,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": 12,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
    }
    weights = random_weights(bert_shapes(cfg), rng)
    inputs = rng.integers(1, 41, size=(2, 10))
    inputs[1, 7:] = 0  # padding
    inputs[0, 4] = 0  # a [PAD] id inside a real sequence: attended to, but its embedding row gets no lookup gradient
    mask = np.ones((2, 10), dtype=np.int64)
    mask[1, 7:] = 0
    token_types = np.zeros((2, 10), dtype=np.int64)
    token_types[0, 5:] = 1
    labels = np.full((2, 10), IGNORE)
    labels[0, [1, 4, 8]] = rng.integers(1, 41, size=3)
    labels[1, [0, 5]] = rng.integers(1, 41, size=2)
    t_ids, t_tt, t_mask = (torch.tensor(a, dtype=torch.long) for a in (inputs, token_types, mask))
    run(
        "bert",
        cfg,
        weights,
        lambda W: bert_forward(W, cfg, t_ids, t_tt, t_mask),
        inputs,
        labels,
        {"attention_mask": mask, "token_type_ids": token_types},
    )


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
