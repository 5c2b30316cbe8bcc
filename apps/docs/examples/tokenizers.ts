import { gpt2Tokenizer, loadTokenizer, trainBpe, trainChar, trainWordPiece } from '@selfsup/tokenizer';

const text = 'the cat sat on the mat because it was tired. the dog sat on the step because it was cold.';

// GPT-2's own byte-level BPE: 50,257 tokens
const gpt2 = gpt2Tokenizer();
console.log('gpt2', gpt2.encode('Hello world').join(' '), '→', gpt2.decode([15496, 995]));

// Learned from your text: characters (nanoGPT), byte-level BPE (GPT-2 style), WordPiece (BERT style)
const char = trainChar(text);
const bpe = trainBpe(text, { vocabSize: 280 });
const bert = trainWordPiece(text, { vocabSize: 60 });
console.log('vocabulary sizes', char.vocabSize, bpe.vocabSize, bert.vocabSize);
const ids = bert.encode('The cat was cold.', { addSpecialTokens: true });
console.log('wordpiece', [...ids].map((id) => bert.idToToken(id)).join(' '));

// Every kind saves and loads Hugging Face's tokenizer.json
bpe.save('tokenizer.json');
const again = loadTokenizer('tokenizer.json');
console.log('same ids after loading:', again.encode(text).join(',') === bpe.encode(text).join(','));
