from transformers import AutoModelForCausalLM, AutoTokenizer

# The folder `selfsup export` wrote loads like any model on the Hugging Face Hub
model = AutoModelForCausalLM.from_pretrained("hf/mytext")  # GPT2LMHeadModel
tokenizer = AutoTokenizer.from_pretrained("hf/mytext")

ids = tokenizer("the ", return_tensors="pt").input_ids
out = model.generate(ids, max_new_tokens=100, do_sample=True, top_k=20)
print(tokenizer.decode(out[0]))
