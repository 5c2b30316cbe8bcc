#!/usr/bin/env python3
"""train_ddp.py: continue a selfsup run in PyTorch, on one process or many (DistributedDataParallel).

`selfsup export --run RUN --out DIR --for pytorch` writes this script next to everything it reads:

  model.safetensors, config.json   the model, Hugging Face GPT-2 (clm) or BERT (mlm) names and layouts
  tokenizer.json                   the tokenizer (copied to the output; not used for training)
  train.bin, val.bin, meta.json    the prepared token files (1024-byte header, then uint16/uint32 ids)
  optimizer.safetensors            AdamW's moments at the hand-over
  metrics.jsonl                    the run's loss history so far
  train_config.json                the run's options and where its data stream stands (this script's settings)

and the script continues training exactly where selfsup stopped: the same windows in the same order (selfsup's
seeded generator, ported below), the same pseudo-labels (shift-by-one, or 15% masked 80/10/10 with -100 elsewhere),
the same AdamW moments, learning-rate schedule, clipping and gradient accumulation.

  python3 train_ddp.py --max-iters 5000                               # one process (CPU, or the first GPU)
  torchrun --nproc_per_node 8 train_ddp.py --max-iters 5000           # 8 processes: gloo on CPU, nccl on GPUs
  torchrun --nproc_per_node 8 train_ddp.py --max-iters 5000 --resume  # continue from out/ckpt.pt

How the work is split: an optimizer step consumes G = batch_size x grad_accum random windows w0 ... w(G-1) of the
stream (micro-batch m is w(mB) ... w(mB+B-1)). Rank r of N takes w(r), w(r+N), w(r+2N), ... (DistributedSampler's
interleaving) and runs them in micro-batches of at most batch_size rows. Every token's loss keeps the weight it has in
the single-process step, 1 / (predicted tokens of its micro-batch x grad_accum), so the averaged gradient is the same
for any N. Raise --grad-accum to give every process more rows per step.

The output folder (--out-dir, default ./out) is a Hugging Face folder again (model.safetensors, config.json,
tokenizer.json) plus optimizer.safetensors, train_state.json, metrics.jsonl and this script's own checkpoint
ckpt.pt. `selfsup import --from out --out RUN` turns it back into a selfsup run.

PyTorch and numpy only (Debian's python3-torch 1.13 works; torch 2's fused attention is used when present).
"""
import argparse
import contextlib
import json
import math
import os
import re
import struct
import sys
import time
import traceback

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

IGNORE_INDEX = -100
CONFIG_FORMAT = "selfsup.train_ddp/1"
STATE_FORMAT = "selfsup.train_ddp_state/1"
OPTIMIZER_FORMAT = "selfsup.adamw/1"


class InputError(Exception):
    """Bad input (a missing file, a wrong flag): reported in one line, exit code 2."""


class TrainingError(Exception):
    """Training cannot go on (a non-finite loss): reported in one line, exit code 1."""


# ------------------------------------------------------------------------------------------------------------------
# selfsup's random numbers: xoshiro128** seeded through splitmix32 (packages/core/src/rng.ts), bit for bit

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


def hash_string(text):
    """FNV-1a over UTF-16 code units (JavaScript's charCodeAt)."""
    h = 0x811C9DC5
    units = text.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h = _imul(h ^ (units[i] | (units[i + 1] << 8)), 0x01000193)
    return h


class Rng:
    def __init__(self, seed=0, state=None):
        if state is not None:
            if len(state) != 4 or not all(isinstance(v, int) and 0 <= v <= M32 for v in state) or not any(state):
                raise InputError("an RNG state is four unsigned 32-bit integers, not all zero")
            self.s = [int(v) for v in state]
            return
        base = hash_string(seed) if isinstance(seed, str) else int(seed)
        lo, hi = base & M32, (abs(base) >> 32) & M32
        x = (lo ^ _imul(hi, 0x9E3779B1)) & M32
        self.s = []
        for _ in range(4):  # splitmix32
            x = (x + 0x9E3779B9) & M32
            z = _imul(x ^ (x >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            self.s.append(z ^ (z >> 16))
        if not any(self.s):
            self.s[0] = 1

    @property
    def state(self):
        return list(self.s)

    def derive(self, label):
        a, b, c, d = self.s
        return Rng((a ^ _imul(b, 31) ^ _imul(c, 131) ^ _imul(d, 1031) ^ hash_string(label)) & M32)

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s = [s0, s1, s2, _rotl(s3, 11)]
        return result

    def next(self):
        """Uniform in [0, 1)."""
        return self.next_uint32() / 4294967296.0

    def int(self, n):
        """Uniform integer in [0, n), without modulo bias."""
        limit = 4294967296 - (4294967296 % n)
        while True:
            x = self.next_uint32()
            if x < limit:
                return x % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def eval_seed(seed, split, step):
    """The seed of the evaluation batches at `step` (selfsup's trainer.ts evalSeed)."""
    return Rng(f"{seed}:eval:{split}:{step}").next_uint32()


# ------------------------------------------------------------------------------------------------------------------
# token files: a 1024-byte header of int32s (magic 20240520, version 1, count, bytes per token, vocab size), then ids

TOKEN_MAGIC = 20240520


def read_token_file(path):
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            header = f.read(1024)
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}")
    if len(header) < 1024:
        raise InputError(f"{path}: not a token file (shorter than the 1024-byte header)")
    magic, version, count, width, _vocab = struct.unpack("<5i", header[:20])
    if magic != TOKEN_MAGIC:
        raise InputError(f"{path}: not a token file (magic number {magic}, expected {TOKEN_MAGIC})")
    if version != 1:
        raise InputError(f"{path}: token file version {version} is not supported")
    if width not in (0, 2, 4):
        raise InputError(f"{path}: bytes per token is {width}, expected 2 or 4")
    width = width or 2
    if size != 1024 + count * width:
        raise InputError(f"{path}: the header says {count} tokens of {width} bytes, the file has {size} bytes")
    return np.memmap(path, dtype="<u2" if width == 2 else "<u4", mode="r", offset=1024, shape=(count,))


# ------------------------------------------------------------------------------------------------------------------
# pseudo-labels, as packages/dataset makes them (clm-batches.ts, mlm-blocks.ts, mlm-collate.ts, mlm-batches.ts)

class ClmStream:
    """Random shift-by-one windows (nanoGPT's get_batch): inputs = tokens[i : i+T], targets = tokens[i+1 : i+T+1]."""

    def __init__(self, tokens, block_size, batch_size, seed=0, state=None):
        self.tokens, self.T, self.B = tokens, block_size, batch_size
        if len(tokens) < block_size + 1:
            raise InputError(f"block size {block_size} needs at least {block_size + 1} tokens, the data has {len(tokens)}")
        self.rng = Rng(state=state["rng"]) if state else Rng(seed)
        self.batches = state["batches"] if state else 0

    def next(self):
        """One micro-batch: (inputs [B, T], labels [B, T], attention mask or None, predicted tokens)."""
        T = self.T
        offsets = [self.rng.int(len(self.tokens) - T) for _ in range(self.B)]
        self.batches += 1
        rows = np.stack([np.asarray(self.tokens[i : i + T + 1], dtype=np.int64) for i in offsets])
        return rows[:, :-1], rows[:, 1:].copy(), None, self.B * T

    def state(self):
        return {"version": 1, "kind": "clm", "mode": "random", "rng": self.rng.state, "batches": self.batches,
                "position": 0, "tokens": len(self.tokens), "blockSize": self.T, "batchSize": self.B}


def clm_eval_windows(tokens, block_size):
    """Non-overlapping windows 0, T, 2T, ... once (selfsup eval): every token but the first is a target once."""
    last, T = len(tokens) - 1, block_size
    for start in range(0, last, T):
        n = min(T, last - start)
        inputs = np.zeros(T, dtype=np.int64)
        labels = np.full(T, IGNORE_INDEX, dtype=np.int64)
        inputs[:n] = tokens[start : start + n]
        labels[:n] = tokens[start + 1 : start + n + 1]
        yield inputs, labels, None


def mlm_blocks(tokens, block_size, cls, sep, pad, document_separators=()):
    """[CLS] sentence sentence ... [SEP] [PAD] ... rows of whole sentences of one document (RoBERTa's DOC-SENTENCES).

    In the stream [CLS] starts a document and [SEP] ends a sentence; a document separator also ends a document.
    Returns (ids [count, T], lengths [count])."""
    capacity = block_size - 2
    tokens = np.asarray(tokens)
    rows, lengths, spans = [], [], []
    fill = 0

    def flush():
        nonlocal fill
        if fill > 0:
            row = np.full(block_size, pad, dtype=np.int64)
            row[0] = cls
            at = 1
            for a, b in spans:
                row[at : at + b - a] = tokens[a:b]
                at += b - a
            row[at] = sep
            rows.append(row)
            lengths.append(fill + 2)
        spans.clear()
        fill = 0

    def add_sentence(a, b):
        nonlocal fill
        n = b - a
        if n <= 0:
            return
        if fill + n > capacity:
            flush()
        while n > capacity:
            spans.append((a, a + capacity))
            fill = capacity
            flush()
            a, n = a + capacity, n - capacity
        spans.append((a, b))
        fill += n

    ends_document = np.isin(tokens, [cls, *document_separators]) & (tokens != sep)
    start = 0
    for i in np.nonzero(ends_document | (tokens == sep))[0].tolist():
        add_sentence(start, i)
        if ends_document[i]:
            flush()
        start = i + 1
    add_sentence(start, len(tokens))
    flush()
    if not rows:
        return np.zeros((0, block_size), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.stack(rows), np.asarray(lengths, dtype=np.int64)


class MlmCollator:
    """Hugging Face's DataCollatorForLanguageModeling: each non-special token is chosen with probability p; a chosen
    token becomes [MASK] (80%), a random non-special token (10%) or stays (10%); labels are -100 where not chosen."""

    def __init__(self, vocab_size, mask_id, special_ids, p, mask_p=0.8, random_p=0.1):
        self.mask_id, self.p, self.mask_p, self.random_p = mask_id, p, mask_p, random_p
        self.special = np.zeros(vocab_size, dtype=bool)
        self.special[list(special_ids)] = True
        self.special[mask_id] = True
        self.pool = np.nonzero(~self.special)[0].tolist()

    def collate(self, ids, rng):
        inputs = ids.copy()
        labels = np.full(ids.shape, IGNORE_INDEX, dtype=np.int64)
        flat_in, flat_labels = inputs.reshape(-1), labels.reshape(-1)
        both = self.mask_p + self.random_p
        for i in np.nonzero(~self.special[flat_in])[0].tolist():
            if not rng.next() < self.p:
                continue
            flat_labels[i] = flat_in[i]
            u = rng.next()
            if u < self.mask_p:
                flat_in[i] = self.mask_id
            elif u < both:
                flat_in[i] = self.pool[rng.int(len(self.pool))]
        return inputs, labels


class MlmStream:
    """Masked blocks: random mode visits the blocks in a fresh seeded order each epoch; sequential mode once in order."""

    def __init__(self, blocks, lengths, batch_size, collator, seed=0, state=None, mode="random"):
        self.blocks, self.lengths, self.B, self.collator, self.mode = blocks, lengths, batch_size, collator, mode
        if len(blocks) == 0:
            raise InputError("there are no MLM blocks to make batches from (the data is empty)")
        if state:
            self.mask_rng, self.shuffle_rng = Rng(state=state["rng"]), Rng(state=state["shuffle"])
            self.batches, self.epoch, self.position = state["batches"], state["epoch"], state["position"]
        else:
            self.mask_rng, self.shuffle_rng = Rng(seed).derive("mlm-mask"), Rng(seed).derive("mlm-order")
            self.batches, self.epoch, self.position = 0, 0, 0
        self._new_order()

    def _new_order(self):
        self.shuffle_start = self.shuffle_rng.state
        self.order = list(range(len(self.blocks)))
        if self.mode == "random":
            self.shuffle_rng.shuffle(self.order)

    def next(self):
        """One micro-batch (inputs, labels, attention mask, predicted tokens), or None when a sequential pass is over."""
        rows = self.B
        if self.mode == "sequential":
            if self.position >= len(self.blocks):
                return None
            rows = min(rows, len(self.blocks) - self.position)
        picked = []
        for _ in range(rows):
            if self.position == len(self.blocks):
                self.epoch, self.position = self.epoch + 1, 0
                self._new_order()
            picked.append(self.order[self.position])
            self.position += 1
        ids = self.blocks[picked]
        mask = (np.arange(ids.shape[1])[None, :] < self.lengths[picked][:, None]).astype(np.int64)
        inputs, labels = self.collator.collate(ids, self.mask_rng)
        self.batches += 1
        return inputs, labels, mask, int((labels != IGNORE_INDEX).sum())

    def state(self):
        return {"version": 1, "kind": "mlm", "mode": self.mode, "rng": self.mask_rng.state, "batches": self.batches,
                "epoch": self.epoch, "position": self.position, "shuffle": self.shuffle_start,
                "blocks": len(self.blocks), "blockSize": int(self.blocks.shape[1]), "batchSize": self.B}


# ------------------------------------------------------------------------------------------------------------------
# safetensors, read and written with numpy (no library)

ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def read_safetensors(path):
    """{name: float32/int array} and the metadata."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}")
    if len(data) < 8:
        raise InputError(f"{path}: not a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path}: not a safetensors file (bad header)")
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin : 8 + n + end]
        if info["dtype"] == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] in ST_DTYPES:
            array = np.frombuffer(raw, dtype=ST_DTYPES[info["dtype"]])
        else:
            raise InputError(f"{path}: tensor {name} has dtype {info['dtype']}, which is not supported")
        if array.size != math.prod(info["shape"]):
            raise InputError(f"{path}: tensor {name} has {array.size} values for shape {info['shape']}")
        tensors[name] = array.reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)
    write_atomic(path, [struct.pack("<Q", len(text)), text.encode("utf-8"), *blobs])


def write_atomic(path, chunks):
    """Writes to a temporary name, flushes, renames: a crash leaves the old file or the new one."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        for chunk in chunks if isinstance(chunks, list) else [chunks]:
            f.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------------------------
# the models, named and laid out as Hugging Face's GPT2LMHeadModel and BertForMaskedLM


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (nanoGPT's bias=False)."""

    def __init__(self, n, bias, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


class Conv1D(nn.Module):
    """GPT-2's linear layer: the weight is stored [in, out], so y = x @ W + b."""

    def __init__(self, n_in, n_out, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias


def attend(q, k, v, causal, keep, dropout, training):
    """Softmax attention over (B, nh, T, hs) heads; `keep` (B, 1, 1, T) marks keys that are not padding."""
    p = dropout if training else 0.0
    if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2: fused kernels
        return F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=p, is_causal=causal)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))  # (B, nh, T, T)
    if causal:
        t = q.size(-2)
        att = att.masked_fill(~torch.ones(t, t, dtype=torch.bool, device=q.device).tril(), float("-inf"))
    if keep is not None:
        att = att.masked_fill(~keep, float("-inf"))
    return F.dropout(att.softmax(-1), p) @ v  # (B, nh, T, hs)


def split_heads(x, n_head):
    b, t, c = x.shape
    return x.view(b, t, n_head, c // n_head).transpose(1, 2)  # (B, nh, T, hs)


def merge_heads(y):
    b, h, t, d = y.shape
    return y.transpose(1, 2).contiguous().view(b, t, h * d)  # (B, T, C)


class GptAttention(nn.Module):
    def __init__(self, c, n_head, bias, dropout):
        super().__init__()
        self.n_head, self.dropout = n_head, dropout
        self.c_attn = Conv1D(c, 3 * c, bias)
        self.c_proj = Conv1D(c, c, bias)

    def forward(self, x):
        q, k, v = (split_heads(z, self.n_head) for z in self.c_attn(x).split(x.size(-1), dim=2))
        y = attend(q, k, v, True, None, self.dropout, self.training)
        return F.dropout(self.c_proj(merge_heads(y)), self.dropout, self.training)


class GptMlp(nn.Module):
    def __init__(self, c, inner, bias, dropout, act):
        super().__init__()
        self.c_fc = Conv1D(c, inner, bias)
        self.c_proj = Conv1D(inner, c, bias)
        self.act, self.dropout = act, dropout

    def forward(self, x):
        return F.dropout(self.c_proj(self.act(self.c_fc(x))), self.dropout, self.training)


class GptBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, bias, eps = cfg.n_embd, cfg.bias, cfg.eps
        self.ln_1 = LayerNorm(c, bias, eps)
        self.attn = GptAttention(c, cfg.n_head, bias, cfg.dropout)
        self.ln_2 = LayerNorm(c, bias, eps)
        self.mlp = GptMlp(c, cfg.inner, bias, cfg.dropout, cfg.act)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2(nn.Module):
    """GPT2LMHeadModel: token + position embeddings, pre-LayerNorm blocks, LM head tied to wte."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg.vocab_size, cfg.n_embd),
            wpe=nn.Embedding(cfg.block_size, cfg.n_embd),
            h=nn.ModuleList([GptBlock(cfg) for _ in range(cfg.n_layer)]),
            ln_f=LayerNorm(cfg.n_embd, cfg.bias, cfg.eps),
        ))

    def forward(self, inputs, labels, attention_mask=None):
        """Cross-entropy at every position [B·T] (0 where the label is -100)."""
        tr = self.transformer
        x = tr.wte(inputs) + tr.wpe.weight[: inputs.size(1)]  # (B, T, C)
        x = F.dropout(x, self.cfg.dropout, self.training)
        for block in tr.h:
            x = block(x)
        logits = tr.ln_f(x) @ tr.wte.weight.t()  # (B, T, V)
        return F.cross_entropy(logits.view(-1, logits.size(-1)).float(), labels.view(-1),
                               ignore_index=IGNORE_INDEX, reduction="none")


class BertSelfAttention(nn.Module):
    def __init__(self, c, bias):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(c, c, bias), nn.Linear(c, c, bias), nn.Linear(c, c, bias)


class BertAddNorm(nn.Module):
    """dense → dropout → LayerNorm(x + ·): BertSelfOutput and BertOutput."""

    def __init__(self, n_in, c, bias, eps, dropout):
        super().__init__()
        self.dense = nn.Linear(n_in, c, bias)
        self.LayerNorm = LayerNorm(c, bias, eps)
        self.dropout = dropout

    def forward(self, h, x):
        return self.LayerNorm(x + F.dropout(self.dense(h), self.dropout, self.training))


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head, self.dropout = cfg.n_head, cfg.dropout
        self.self = BertSelfAttention(cfg.n_embd, cfg.bias)
        self.output = BertAddNorm(cfg.n_embd, cfg.n_embd, cfg.bias, cfg.eps, cfg.dropout)

    def forward(self, x, keep):
        s = self.self
        q, k, v = (split_heads(layer(x), self.n_head) for layer in (s.query, s.key, s.value))
        y = merge_heads(attend(q, k, v, False, keep, self.dropout, self.training))
        return self.output(y, x)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(cfg.n_embd, cfg.inner, cfg.bias)
        self.output = BertAddNorm(cfg.inner, cfg.n_embd, cfg.bias, cfg.eps, cfg.dropout)
        self.act = cfg.act

    def forward(self, x, keep):
        x = self.attention(x, keep)
        return self.output(self.act(self.intermediate.dense(x)), x)


class BertForMaskedLM(nn.Module):
    """BertForMaskedLM: word + position + token-type embeddings, post-LayerNorm layers, MLM head tied to the words."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        c, bias, eps = cfg.n_embd, cfg.bias, cfg.eps
        self.bert = nn.Module()
        e = self.bert.embeddings = nn.Module()
        e.word_embeddings = nn.Embedding(cfg.vocab_size, c, padding_idx=cfg.pad_token_id)
        e.position_embeddings = nn.Embedding(cfg.block_size, c)
        e.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, c)
        e.LayerNorm = LayerNorm(c, bias, eps)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.n_layer)])
        self.cls = nn.Module()
        p = self.cls.predictions = nn.Module()
        p.bias = nn.Parameter(torch.zeros(cfg.vocab_size))
        p.transform = nn.Module()
        p.transform.dense = nn.Linear(c, c, bias)
        p.transform.LayerNorm = LayerNorm(c, bias, eps)

    def forward(self, inputs, labels, attention_mask):
        """Cross-entropy at every position [B·T] (0 where the label is -100); only masked positions reach the head."""
        e = self.bert.embeddings
        x = e.word_embeddings(inputs) + e.token_type_embeddings.weight[0] + e.position_embeddings.weight[: inputs.size(1)]
        x = F.dropout(e.LayerNorm(x), self.cfg.dropout, self.training)  # (B, T, C)
        keep = attention_mask[:, None, None, :].bool()  # (B, 1, 1, T)
        for layer in self.bert.encoder.layer:
            x = layer(x, keep)
        flat = labels.view(-1)
        rows = torch.nonzero(flat != IGNORE_INDEX).squeeze(1)
        t = self.cls.predictions.transform
        h = t.LayerNorm(self.cfg.act(t.dense(x.reshape(-1, x.size(-1))[rows])))  # (N, C)
        logits = h @ e.word_embeddings.weight.t() + self.cls.predictions.bias  # (N, V)
        ce = F.cross_entropy(logits.float(), flat[rows], reduction="none")
        return torch.zeros(flat.numel(), dtype=ce.dtype, device=ce.device).index_put((rows,), ce)


class ModelConfig:
    """The fields of a Hugging Face GPT-2 or BERT config.json this script uses."""

    def __init__(self, hf, path):
        def need(key, default=None):
            value = hf.get(key, default)
            if value is None:
                raise InputError(f'{path}: "{key}" is missing')
            return value

        self.model_type = hf.get("model_type")
        self.bias = hf.get("bias", True)
        if self.model_type == "gpt2":
            self.vocab_size, self.block_size = need("vocab_size"), need("n_positions")
            self.n_layer, self.n_head, self.n_embd = need("n_layer"), need("n_head"), need("n_embd")
            self.inner = hf.get("n_inner") or 4 * self.n_embd
            self.eps, self.dropout = need("layer_norm_epsilon", 1e-5), hf.get("resid_pdrop", 0.0)
            act = hf.get("activation_function", "gelu_new")
        elif self.model_type == "bert":
            self.vocab_size, self.block_size = need("vocab_size"), need("max_position_embeddings")
            self.n_layer, self.n_head = need("num_hidden_layers"), need("num_attention_heads")
            self.n_embd, self.inner = need("hidden_size"), need("intermediate_size")
            self.eps, self.dropout = need("layer_norm_eps", 1e-12), hf.get("hidden_dropout_prob", 0.0)
            self.type_vocab_size, self.pad_token_id = hf.get("type_vocab_size", 2), hf.get("pad_token_id", 0)
            act = hf.get("hidden_act", "gelu")
        else:
            raise InputError(f'{path}: "model_type" must be "gpt2" or "bert", got {json.dumps(self.model_type)}')
        if act in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
            self.act = lambda x: F.gelu(x, approximate="tanh")
        elif act == "gelu":
            self.act = F.gelu
        else:
            raise InputError(f"{path}: activation {json.dumps(act)} is not supported (gelu_new or gelu)")


def build_model(cfg):
    return GPT2(cfg) if cfg.model_type == "gpt2" else BertForMaskedLM(cfg)


# Checkpoint names a model here has no use for: buffers, heads of other tasks, outputs tied to the embeddings.
UNUSED = ("attn.bias", "attn.masked_bias", "lm_head.weight", "bert.embeddings.position_ids", "bert.pooler.",
          "cls.seq_relationship.", "cls.predictions.decoder.")


def canonical_name(model_type, name):
    if model_type == "gpt2":
        return name if name.startswith(("transformer.", "lm_head.")) else f"transformer.{name}"
    name = name.replace(".gamma", ".weight").replace(".beta", ".bias")
    return name if name.startswith(("bert.", "cls.")) else f"bert.{name}"


def zero_biases(model):
    """Bias names (and sizes) the Hugging Face layout has but a bias=False model does not: saved as zeros."""
    params = dict(model.named_parameters())
    out = {}
    if model.cfg.bias:
        return out
    for name, p in params.items():
        if not name.endswith(".weight") or re.search(r"(wte|wpe|_embeddings)\.weight$", name):
            continue
        bias = name[: -len("weight")] + "bias"
        conv1d = any(f".{k}.weight" in name for k in ("c_attn", "c_proj", "c_fc"))
        if bias not in params:
            out[bias] = p.shape[-1] if p.dim() == 1 or conv1d else p.shape[0]
    return out


def load_weights(model, path):
    tensors, _ = read_safetensors(path)
    found = {canonical_name(model.cfg.model_type, k): v for k, v in tensors.items()}
    if "cls.predictions.bias" not in found and "cls.predictions.decoder.bias" in found:
        found["cls.predictions.bias"] = found["cls.predictions.decoder.bias"]
    zeros = zero_biases(model)
    params = dict(model.named_parameters())
    for name, p in params.items():
        if name not in found:
            raise InputError(f'{path}: missing tensor "{name}" (shape {list(p.shape)})')
        if tuple(found[name].shape) != tuple(p.shape):
            raise InputError(f'{path}: tensor "{name}" has shape {list(found[name].shape)}, expected {list(p.shape)}')
    for name, array in found.items():
        if name in params or any(u in name for u in UNUSED):
            continue
        if name in zeros and not np.any(array):
            continue
        raise InputError(f'{path}: unexpected tensor "{name}" for this {model.cfg.model_type} model')
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(np.array(found[name], dtype=np.float32)))


def model_tensors(model):
    out = {}
    zeros = zero_biases(model)
    for name, p in model.named_parameters():
        out[name] = p.detach().float().cpu().numpy()
        bias = name[: -len("weight")] + "bias"
        if bias in zeros:
            out[bias] = np.zeros(zeros[bias], dtype=np.float32)
    return out


# ------------------------------------------------------------------------------------------------------------------
# options: train_config.json, overridden by flags

# The options a flag may change (the model's shape, the tokenizer and the seed belong to the run).
OVERRIDABLE = {
    "max_iters": int, "lr": float, "min_lr": float, "warmup_iters": int, "lr_decay_iters": int, "lr_schedule": str,
    "weight_decay": float, "beta1": float, "beta2": float, "eps": float, "grad_clip": float, "dropout": float,
    "batch_size": int, "grad_accum": int, "eval_interval": int, "eval_iters": int, "log_interval": int,
    "mlm_probability": float,
}


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Continue a selfsup run in PyTorch (DistributedDataParallel).")
    ap.add_argument("--config", default=os.path.join(here, "train_config.json"), help="the export's train_config.json")
    ap.add_argument("--out-dir", default=None, help="where to write the result (default: out/ next to the config)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT_DIR/ckpt.pt")
    ap.add_argument("--device", default="auto", help="auto (each process its own GPU when there are GPUs), cpu, cuda")
    ap.add_argument("--dist-backend", default="auto", choices=["auto", "gloo", "nccl"], help="default: nccl on GPUs")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                    help="autocast precision on GPUs (default float32, which matches selfsup)")
    ap.add_argument("--no-final-eval", action="store_true", help="skip the loss over the whole val split at the end")
    for name, kind in OVERRIDABLE.items():
        flag = "--" + name.replace("_", "-")
        ap.add_argument(flag, type=kind, default=None, help=f"override train_config.json's {name}")
    ap.add_argument("--skip-nonfinite", action="store_const", const=True, default=None,
                    help="skip updates with a non-finite loss instead of stopping")
    return ap.parse_args(argv)


def check_options(o):
    for key, low in (("batch_size", 1), ("grad_accum", 1), ("eval_interval", 1), ("eval_iters", 1),
                     ("log_interval", 1), ("max_iters", 0), ("warmup_iters", 0), ("lr_decay_iters", 0)):
        if not isinstance(o[key], int) or o[key] < low:
            raise InputError(f"--{key.replace('_', '-')}: expected an integer >= {low}, got {o[key]}")
    if o["lr_schedule"] not in ("cosine", "linear", "constant"):
        raise InputError(f"--lr-schedule: expected cosine, linear or constant, got {o['lr_schedule']}")
    if not 0 <= o["dropout"] < 1:
        raise InputError(f"--dropout: expected a value in [0, 1), got {o['dropout']}")


def lr_at(step, o):
    """selfsup's schedule (nanoGPT's get_lr): linear warmup, then cosine/linear decay to min_lr, or constant."""
    if step < o["warmup_iters"]:
        return o["lr"] * (step + 1) / (o["warmup_iters"] + 1)
    if o["lr_schedule"] == "constant":
        return o["lr"]
    if step > o["lr_decay_iters"]:
        return o["min_lr"]
    span = o["lr_decay_iters"] - o["warmup_iters"]
    ratio = (step - o["warmup_iters"]) / span if span > 0 else 1
    coeff = 0.5 * (1 + math.cos(math.pi * ratio)) if o["lr_schedule"] == "cosine" else 1 - ratio
    return o["min_lr"] + coeff * (o["lr"] - o["min_lr"])


# ------------------------------------------------------------------------------------------------------------------
# training


class Data:
    """The token files and the batch streams the objective needs."""

    def __init__(self, folder, spec, o):
        self.objective = o["objective"]
        self.o = o
        self.tokens = {s: read_token_file(os.path.join(folder, spec[s])) for s in ("train", "val")}
        self.mlm = spec.get("mlm")
        if self.objective == "mlm":
            m = self.mlm
            if not m:
                raise InputError("train_config.json: an mlm run needs data.mlm (the [CLS]/[SEP]/[PAD]/[MASK] ids)")
            self.blocks = {s: mlm_blocks(t, o["block_size"], m["cls_token_id"], m["sep_token_id"], m["pad_token_id"],
                                         m.get("document_separator_ids") or []) for s, t in self.tokens.items()}
            self.collator = MlmCollator(spec["vocab_size"], m["mask_token_id"], m["special_token_ids"],
                                        o["mlm_probability"])

    def stream(self, split, seed=0, state=None, mode="random"):
        if self.objective == "clm":
            return ClmStream(self.tokens[split], self.o["block_size"], self.o["batch_size"], seed, state)
        ids, lengths = self.blocks[split]
        return MlmStream(ids, lengths, self.o["batch_size"], self.collator, seed, state, mode)

    def eval_rows(self, split):
        """Every row of a split once, in order, as selfsup eval reads it: (inputs, labels, attention mask or None)."""
        if self.objective == "clm":
            yield from clm_eval_windows(self.tokens[split], self.o["block_size"])
            return
        stream = self.stream(split, seed=0, mode="sequential")
        for batch in iter(stream.next, None):
            for b in range(batch[0].shape[0]):
                yield batch[0][b], batch[1][b], batch[2][b]


class Trainer:
    def __init__(self, args, cfg_path, conf):
        self.rank = int(os.environ.get("RANK", 0))
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        if args.device == "auto":
            self.device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
        else:
            self.device = torch.device(args.device)
            if self.device.type == "cuda" and self.device.index is None:
                self.device = torch.device(f"cuda:{local_rank}")
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        if self.world > 1:
            backend = args.dist_backend if args.dist_backend != "auto" else (
                "nccl" if self.device.type == "cuda" else "gloo")
            dist.init_process_group(backend=backend)
            self.backend = backend
        else:
            self.backend = "none"
        self.folder = os.path.dirname(os.path.abspath(cfg_path))
        self.conf = conf
        self.out_dir = os.path.abspath(args.out_dir or os.path.join(self.folder, "out"))
        self.autocast = args.dtype if self.device.type == "cuda" else "float32"
        self.final_eval = not args.no_final_eval

        o = dict(conf["options"])
        for name in OVERRIDABLE:
            value = getattr(args, name)
            if value is not None:
                o[name] = value
        if args.skip_nonfinite is not None:
            o["skip_nonfinite"] = True
        check_options(o)
        self.o = o
        G = o["batch_size"] * o["grad_accum"]
        if G < self.world:
            raise InputError(f"a step has {G} windows (batch_size {o['batch_size']} x grad_accum {o['grad_accum']}), "
                             f"fewer than the {self.world} processes; raise --grad-accum to at least {self.world}")

        files = conf["files"]
        config_path = os.path.join(self.folder, files["config"])
        try:
            with open(config_path, encoding="utf-8") as f:
                self.hf_config = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{config_path}: {getattr(e, 'strerror', None) or e}")
        self.model_cfg = ModelConfig(self.hf_config, config_path)
        self.model_cfg.dropout = o["dropout"]
        if self.model_cfg.model_type != ("gpt2" if o["objective"] == "clm" else "bert"):
            raise InputError(f"{config_path}: model_type {self.model_cfg.model_type} does not fit objective {o['objective']}")
        self.data = Data(self.folder, conf["data"], o)

        torch.manual_seed(o["seed"] + self.rank)  # dropout only: the data stream is selfsup's
        self.model = build_model(self.model_cfg)
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": o["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
            lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])

        ckpt_path = os.path.join(self.out_dir, "ckpt.pt")
        if args.resume:
            if not os.path.exists(ckpt_path):
                raise InputError(f"--resume: {ckpt_path} not found (train without --resume to start)")
            ckpt = torch.load(ckpt_path, map_location="cpu")
            self.model.load_state_dict(ckpt["model"])
            self.model.to(self.device)
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.state = ckpt["state"]
            for key in ("batch_size", "grad_accum", "block_size", "objective"):
                if ckpt["options"][key] != o[key]:
                    raise InputError(f"--resume: {key} {o[key]} differs from the checkpoint's {ckpt['options'][key]}")
        else:
            if os.path.exists(ckpt_path):
                raise InputError(f"{self.out_dir} already holds a checkpoint (ckpt.pt): pass --resume to continue it, "
                                 "or choose another --out-dir")
            load_weights(self.model, os.path.join(self.folder, files["model"]))
            self.model.to(self.device)
            start = conf["start"]
            self.state = {key: start.get(key) for key in ("step", "tokens_seen", "skipped_steps", "best_val_loss",
                                                          "best_val_step", "last_eval", "elapsed_seconds")}
            self.state["data_state"] = start.get("data_state")
            self.state["adam_step"] = 0
            if files.get("optimizer"):
                self.state["adam_step"] = self.load_moments(os.path.join(self.folder, files["optimizer"]))
        for key, default in (("step", 0), ("tokens_seen", 0), ("skipped_steps", 0), ("elapsed_seconds", 0.0)):
            self.state[key] = self.state.get(key) or default
        data_state = self.state.get("data_state")
        if data_state and data_state.get("kind") != o["objective"]:
            raise InputError(f"train_config.json: the saved data position is for {data_state.get('kind')}, not {o['objective']}")
        self.stream = self.data.stream("train", o["seed"], data_state or None)
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp = DistributedDataParallel(self.model, device_ids=ids)
        else:
            self.ddp = None

    def load_moments(self, path):
        """AdamW's exp_avg / exp_avg_sq from selfsup (optimizer.safetensors); returns its step count."""
        tensors, meta = read_safetensors(path)
        if meta.get("format") != OPTIMIZER_FORMAT:
            raise InputError(f'{path}: not a selfsup AdamW state (metadata format is not "{OPTIMIZER_FORMAT}")')
        step = int(meta.get("step", "0"))
        for name, p in self.model.named_parameters():
            m, v = tensors.get(f"{name}.exp_avg"), tensors.get(f"{name}.exp_avg_sq")
            if m is None or v is None or tuple(m.shape) != tuple(p.shape):
                raise InputError(f"{path}: no moments of shape {list(p.shape)} for {name}")
            self.optimizer.state[p] = {
                "step": torch.tensor(float(step)),
                "exp_avg": torch.tensor(np.array(m, dtype=np.float32), device=self.device),
                "exp_avg_sq": torch.tensor(np.array(v, dtype=np.float32), device=self.device),
            }
        return step

    # ---- one step ----------------------------------------------------------------------------------------------

    def global_batch(self):
        """The G windows of one step with their per-token loss weights (1 / (tokens of the micro-batch x accum))."""
        rows = []
        accum = self.o["grad_accum"]
        for _ in range(accum):
            inputs, labels, mask, count = self.stream.next()
            w = 1.0 / (max(count, 1) * accum)
            for b in range(inputs.shape[0]):
                rows.append((inputs[b], labels[b], None if mask is None else mask[b], w))
        return rows

    def tensors(self, rows):
        inputs = torch.from_numpy(np.stack([r[0] for r in rows])).to(self.device)
        labels = torch.from_numpy(np.stack([r[1] for r in rows])).to(self.device)
        mask = None if rows[0][2] is None else torch.from_numpy(np.stack([r[2] for r in rows])).to(self.device)
        return inputs, labels, mask

    def amp(self):
        if self.autocast == "float32":
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=getattr(torch, self.autocast))

    def train_step(self):
        o = self.o
        lr = lr_at(self.state["step"], o)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        mine = self.global_batch()[self.rank :: self.world]  # DistributedSampler's interleaving
        chunks = [mine[i : i + o["batch_size"]] for i in range(0, len(mine), o["batch_size"])]
        net = self.ddp or self.model
        self.model.train()
        local = torch.zeros((), dtype=torch.float64, device=self.device)
        for i, chunk in enumerate(chunks):
            inputs, labels, mask = self.tensors(chunk)
            weights = torch.tensor([r[3] for r in chunk], device=self.device)[:, None].expand(labels.shape).reshape(-1)
            sync = self.ddp is None or i == len(chunks) - 1
            with (contextlib.nullcontext() if sync else self.ddp.no_sync()), self.amp():
                ce = net(inputs, labels, mask)
                loss = (ce * weights).sum()
                # DDP averages gradients over the processes; the global loss is their sum.
                (loss * self.world).backward()
            local += loss.detach().double()
        if self.world > 1:
            dist.all_reduce(local)
        loss = local.item()
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), o["grad_clip"] if o["grad_clip"] > 0 else float("inf"))
        norm = norm.item()
        finite = math.isfinite(loss) and math.isfinite(norm)
        if not finite and not o["skip_nonfinite"]:
            raise TrainingError(f"non-finite loss {loss} or gradient norm {norm} at step {self.state['step'] + 1}: "
                               "lower --lr or pass --skip-nonfinite")
        if finite:
            self.optimizer.step()
            self.state["adam_step"] += 1
        else:
            self.state["skipped_steps"] += 1
        self.optimizer.zero_grad(set_to_none=True)
        self.state["step"] += 1
        self.state["tokens_seen"] += o["batch_size"] * o["block_size"] * o["grad_accum"]
        return loss, lr, norm, not finite

    # ---- evaluation ---------------------------------------------------------------------------------------------

    @torch.no_grad()
    def mean_loss(self, split):
        """selfsup's estimate_loss: the mean of eval_iters batch losses from a stream seeded by the step."""
        self.model.eval()
        stream = self.data.stream(split, eval_seed(self.o["seed"], split, self.state["step"]))
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        for i in range(self.o["eval_iters"]):
            inputs, labels, mask, count = stream.next()
            if i % self.world != self.rank:
                continue
            rows = [(inputs[b], labels[b], None if mask is None else mask[b], 0) for b in range(inputs.shape[0])]
            with self.amp():
                ce = self.model(*self.tensors(rows))
            total += ce.double().sum() / max(count, 1)
        if self.world > 1:
            dist.all_reduce(total)
        return total.item() / self.o["eval_iters"]

    @torch.no_grad()
    def split_loss(self, split):
        """Per-token loss over every row of a split once, as `selfsup eval` computes it; rows are dealt to ranks."""
        self.model.eval()
        sums = torch.zeros(2, dtype=torch.float64, device=self.device)  # loss sum, predicted tokens
        batch = []

        def flush():
            if batch:
                inputs, labels, mask = self.tensors(batch)
                with self.amp():
                    ce = self.model(inputs, labels, mask)
                sums[0] += ce.double().sum()
                sums[1] += (labels != IGNORE_INDEX).sum()
                batch.clear()

        for i, row in enumerate(self.data.eval_rows(split)):
            if i % self.world == self.rank:
                batch.append(row)
                if len(batch) == self.o["batch_size"]:
                    flush()
        flush()
        if self.world > 1:
            dist.all_reduce(sums)
        return sums[0].item() / max(sums[1].item(), 1), int(sums[1].item())

    # ---- files --------------------------------------------------------------------------------------------------

    def log(self, record):
        if self.rank == 0:
            with open(os.path.join(self.out_dir, "metrics.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def start_files(self, resumed):
        """Rank 0: the output folder, with the run's history (or, on --resume, the history up to the checkpoint)."""
        if self.rank != 0:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        source = os.path.join(self.out_dir if resumed else self.folder, "metrics.jsonl")
        kept = []
        if os.path.exists(source):
            with open(source, encoding="utf-8") as f:
                for line in f:
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(record, dict) and record.get("step", 0) <= self.state["step"]:
                        kept.append(json.dumps(record) + "\n")
        write_atomic(os.path.join(self.out_dir, "metrics.jsonl"), "".join(kept))

    def save(self, final_eval=None):
        """Rank 0: ckpt.pt (this script's resume point), then the Hugging Face folder and selfsup's files."""
        if self.rank != 0:
            return
        self.state["data_state"] = self.stream.state()
        ckpt = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), "state": self.state,
                "options": self.o}
        tmp = os.path.join(self.out_dir, f"ckpt.pt.tmp-{os.getpid()}")
        torch.save(ckpt, tmp)
        os.replace(tmp, os.path.join(self.out_dir, "ckpt.pt"))

        write_safetensors(os.path.join(self.out_dir, "model.safetensors"), model_tensors(self.model), {"format": "pt"})
        hf = dict(self.hf_config)
        keys = ("resid_pdrop", "embd_pdrop", "attn_pdrop") if self.model_cfg.model_type == "gpt2" else (
            "hidden_dropout_prob", "attention_probs_dropout_prob")
        hf.update({k: self.o["dropout"] for k in keys}, torch_dtype="float32")
        write_atomic(os.path.join(self.out_dir, "config.json"), json.dumps(hf, indent=2) + "\n")
        for name in ("tokenizer.json", "tokenizer_config.json"):
            path = os.path.join(self.folder, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    write_atomic(os.path.join(self.out_dir, name), f.read())
        moments = {}
        for name, p in self.model.named_parameters():
            st = self.optimizer.state.get(p, {})
            for key in ("exp_avg", "exp_avg_sq"):
                value = st.get(key)
                moments[f"{name}.{key}"] = np.zeros(tuple(p.shape), np.float32) if value is None else value.float().cpu().numpy()
        write_safetensors(os.path.join(self.out_dir, "optimizer.safetensors"), moments,
                          {"format": OPTIMIZER_FORMAT, "step": str(self.state["adam_step"])})
        train_state = {
            "format": STATE_FORMAT,
            "step": self.state["step"],
            "tokens_seen": self.state["tokens_seen"],
            "skipped_steps": self.state["skipped_steps"],
            "best_val_loss": self.state["best_val_loss"],
            "best_val_step": self.state["best_val_step"],
            "last_eval": self.state["last_eval"],
            "elapsed_seconds": self.state["elapsed_seconds"],
            "data_state": self.state["data_state"],
            "options": self.o,
            "data_dir": self.folder,
            "selfsup": self.conf.get("selfsup", {}),
            "final_eval": final_eval,
            "world_size": self.world,
            "device": self.device.type,
            "torch": torch.__version__,
        }
        write_atomic(os.path.join(self.out_dir, "train_state.json"), json.dumps(train_state, indent=2) + "\n")

    # ---- the loop -----------------------------------------------------------------------------------------------

    def run(self, resumed):
        o, st = self.o, self.state
        self.start_files(resumed)
        if self.world > 1:
            dist.barrier()
        if self.rank == 0:
            n = sum(p.numel() for p in self.model.parameters())
            print(f"train_ddp: {o['objective']} model, {n:,} parameters, step {st['step']} -> {o['max_iters']}, "
                  f"{self.world} process(es) on {self.device.type} ({self.backend}), "
                  f"{o['batch_size'] * o['grad_accum']} windows of {o['block_size']} tokens per step", flush=True)
        began = time.time()
        base_elapsed = st["elapsed_seconds"]
        first = st["step"] + 1
        while st["step"] < o["max_iters"]:
            t0 = time.time()
            loss, lr, norm, skipped = self.train_step()
            ms = (time.time() - t0) * 1000
            st["elapsed_seconds"] = base_elapsed + time.time() - began
            step = st["step"]
            if step % o["log_interval"] == 0 or step == first or skipped:
                tokens = o["batch_size"] * o["block_size"] * o["grad_accum"]
                record = {"type": "train", "step": step, "loss": loss, "lr": lr, "gradNorm": norm, "msPerStep": ms,
                          "tokensPerSec": tokens * 1000 / ms, "elapsed": st["elapsed_seconds"]}
                if skipped:
                    record["skipped"] = True
                self.log(record)
                if self.rank == 0:
                    print(f"step {step}: loss {loss:.4f}, lr {lr:.3e}, grad norm {norm:.3f}, {ms:.0f} ms", flush=True)
            if step % o["eval_interval"] == 0 or step == o["max_iters"]:
                train_loss, val_loss = self.mean_loss("train"), self.mean_loss("val")
                if st["best_val_loss"] is None or val_loss < st["best_val_loss"]:
                    st["best_val_loss"], st["best_val_step"] = val_loss, step
                st["last_eval"] = {"step": step, "trainLoss": train_loss, "valLoss": val_loss}
                self.log({"type": "eval", "step": step, "trainLoss": train_loss, "valLoss": val_loss,
                          "elapsed": st["elapsed_seconds"]})
                if self.rank == 0:
                    print(f"step {step}: train loss {train_loss:.4f}, val loss {val_loss:.4f}", flush=True)
                self.save()
        final = None
        if self.final_eval:
            loss, tokens = self.split_loss("val")
            final = {"step": st["step"], "split": "val", "loss": loss, "tokens": tokens}
            self.log(dict(final, type="final_eval"))
            if self.rank == 0:
                print(f"final (step {st['step']}): val loss {loss:.6f} over {tokens:,} tokens "
                      f"(every val token once, as `selfsup eval`)", flush=True)
        self.save(final)
        if self.world > 1:
            dist.barrier()  # leave together: a gloo process group torn down while a peer still writes can hang
        if self.rank == 0:
            print(f"wrote {self.out_dir} (selfsup import --from {self.out_dir} --out RUN)", flush=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        try:
            with open(args.config, encoding="utf-8") as f:
                conf = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"--config {args.config}: {getattr(e, 'strerror', None) or e}")
        if conf.get("format") != CONFIG_FORMAT:
            raise InputError(f'--config {args.config}: not a selfsup export (format is not "{CONFIG_FORMAT}")')
        trainer = Trainer(args, args.config, conf)
        trainer.run(args.resume)
    except InputError as e:
        print(f"train_ddp: {e}", file=sys.stderr)
        return 2
    except TrainingError as e:
        print(f"train_ddp: {e}", file=sys.stderr)
        return 1
    finally:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    if int(os.environ.get("WORLD_SIZE", 1)) == 1:
        sys.exit(main())
    # Every file is written and flushed by now. torch 1.13 with gloo sometimes hangs in interpreter shutdown after the
    # process group is gone (a native thread keeps running), so a distributed worker leaves at once.
    try:
        code = main()
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
