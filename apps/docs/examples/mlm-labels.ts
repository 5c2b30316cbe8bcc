import { mlmCollate } from '@selfsup/dataset';
import { trainWordPiece } from '@selfsup/tokenizer';

// A WordPiece vocabulary from a little text (a real run trains it on the corpus, or loads BERT's).
const corpus = 'the cat sat on the mat because it was tired. the dog sat on the step because it was cold.';
const tokenizer = trainWordPiece(corpus, { vocabSize: 60 });

const ids = tokenizer.encode('the cat sat on the mat because it was tired', { addSpecialTokens: true });
const { inputs, labels, selectedCount } = mlmCollate(ids, {
  maskTokenId: tokenizer.maskTokenId,
  vocabSize: tokenizer.vocabSize,
  specialTokenIds: Object.values(tokenizer.specialTokens), // [PAD] [UNK] [CLS] [SEP] [MASK]: never chosen
  mlmProbability: 0.15, // choose 15% of the tokens …
  maskReplaceProb: 0.8, // … 80% of them become [MASK],
  randomReplaceProb: 0.1, // 10% a random token, the other 10% stay as they are
  seed: 3,
});

const name = (id: number) => tokenizer.idToToken(id);
console.log('original', [...ids].map(name).join(' '));
console.log('inputs  ', [...inputs].map(name).join(' '));
console.log('labels  ', labels.join(' ')); // the original id where chosen, -100 everywhere else
console.log(`${selectedCount} of ${ids.length - 2} tokens chosen`);
