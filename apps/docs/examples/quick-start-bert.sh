# Train a tiny BERT on the same text (WordPiece is trained on it first), then fill in a blank
selfsup train --objective mlm --data input.txt --out runs/bert --preset bert-tiny --max-iters 2000
selfsup fill-mask --run runs/bert "the baker bakes [MASK] in the morning."
