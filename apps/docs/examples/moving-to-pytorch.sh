# A Hugging Face folder: model.safetensors, config.json (GPT-2 names), tokenizer.json, tokenizer_config.json
selfsup export --run runs/mytext --out hf/mytext

# The same, plus the token files, AdamW's moments and train_ddp.py, to keep training in PyTorch
selfsup export --run runs/mytext --out pt/mytext --for pytorch
python3 pt/mytext/train_ddp.py --max-iters 3000   # or: torchrun --nproc_per_node 4 pt/mytext/train_ddp.py …

# Back into a selfsup run folder, and on with it here
selfsup import --from pt/mytext/out --out runs/mytext-pytorch
selfsup sample --run runs/mytext-pytorch --prompt "the " --max-new-tokens 100
