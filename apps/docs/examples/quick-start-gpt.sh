# 1. Tokenize a text file into train.bin / val.bin, with nanoGPT's character vocabulary
selfsup prepare --data input.txt --tokenizer char --out data/mytext

# 2. Train a small GPT with nanoGPT's CPU recipe (Ctrl-C saves a checkpoint; --resume continues)
selfsup train --data data/mytext --out runs/mytext --preset nanogpt-cpu --max-iters 2000

# 3. Write some text with it
selfsup sample --run runs/mytext --prompt "the " --max-new-tokens 200

# 4. Loss and perplexity on the validation split
selfsup eval --run runs/mytext --data data/mytext
