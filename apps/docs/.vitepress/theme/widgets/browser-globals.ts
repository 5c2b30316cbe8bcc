/**
 * @selfsup/tokenizer builds GPT-2's vocabulary with `Buffer.from(text, 'base64')`, a Node global the browser does not
 * have. Until the package decodes base64 without it, the page supplies that one call (and nothing else of Buffer).
 */
const g = globalThis as { Buffer?: unknown };
if (typeof g.Buffer === 'undefined') {
  g.Buffer = {
    from(value: unknown, encoding?: string): Uint8Array {
      if (typeof value === 'string' && encoding === 'base64')
        return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
      throw new Error(`Buffer.from(${typeof value}, ${encoding}) is not available in the browser`);
    },
  };
}

export {};
