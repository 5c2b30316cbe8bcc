/** Generating text from a trained causal LM: the sample at the end of training, and `selfsup sample`. */
import { generate, type LanguageModel } from '@selfsup/model';
import { loadTokenizer } from '@selfsup/tokenizer';

export interface SampleOptions {
  /** Text to continue; default a newline (nanoGPT's `sample.py` start), or the end-of-text token. */
  prompt?: string;
  maxNewTokens: number;
  /** Default 0.8 and 200, as nanoGPT's `sample.py`. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Called with the text of each new token as it is produced. */
  onText?: (text: string) => void;
}

interface SampleTokenizer {
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  readonly endOfTextId?: number;
}

/** Continues `prompt` with the model and returns the prompt plus the new text. */
export async function sampleText(
  model: LanguageModel,
  source: { tokenizerPath: string } | SampleTokenizer,
  options: SampleOptions,
): Promise<string> {
  const tokenizer = ('tokenizerPath' in source ? loadTokenizer(source.tokenizerPath) : source) as SampleTokenizer;
  const prompt = promptIds(tokenizer, options.prompt);
  const newIds: number[] = [];
  let shown = '';
  const result = await generate(model, prompt.ids, {
    maxNewTokens: options.maxNewTokens,
    temperature: options.temperature ?? 0.8,
    topK: options.topK ?? 200,
    ...(options.topP !== undefined ? { topP: options.topP } : {}),
    seed: options.seed ?? 0,
    onToken: options.onText
      ? (token: number) => {
          newIds.push(token);
          const text = tokenizer.decode(newIds);
          // Emit only complete characters (a byte-level token can end inside a UTF-8 sequence).
          if (!text.endsWith('\uFFFD') && text.length > shown.length) {
            options.onText!(text.slice(shown.length));
            shown = text;
          }
        }
      : undefined,
  });
  const text = tokenizer.decode(result.newTokens);
  if (options.onText && text.length > shown.length) options.onText(text.slice(shown.length));
  return prompt.text + text;
}

function promptIds(tokenizer: SampleTokenizer, prompt: string | undefined): { ids: Int32Array; text: string } {
  if (prompt !== undefined && prompt !== '') return { ids: tokenizer.encode(prompt), text: prompt };
  try {
    const nl = tokenizer.encode('\n');
    if (nl.length > 0) return { ids: nl, text: '\n' };
  } catch {}
  if (tokenizer.endOfTextId !== undefined) return { ids: Int32Array.of(tokenizer.endOfTextId), text: '' };
  return { ids: Int32Array.of(0), text: tokenizer.decode([0]) };
}
