from transformers import pipeline

# A masked LM exported from `selfsup train --objective mlm` is a BertForMaskedLM
fill = pipeline("fill-mask", model="hf/bert")
for guess in fill("the baker bakes [MASK] in the morning."):
    print(f"{guess['token_str']:>10}  {guess['score']:.3f}")
