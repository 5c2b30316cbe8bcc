/** Fuzzing guarded JSON and UTF-8 reading: random text and bytes, deep and wide documents, escapes inside strings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidUtf8Offset, MAX_JSON_DEPTH, parseJson, quoteJson } from './json.js';
import { deepJson, fuzzParams, outcome } from './testing/fuzz.js';

describe('guarded JSON under fuzzing', () => {
  it('random text parses or fails with a one-line SelfsupError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 6 })), (text) => {
        const r = outcome('random text', () => parseJson(text, 'fuzz.json'));
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
      }),
      fuzzParams(3000),
    );
  });

  it('accepts nesting up to the limit and refuses one level more, wherever brackets hide in strings', () => {
    expect(parseJson(deepJson(MAX_JSON_DEPTH), 'ok.json')).toBeDefined();
    expect(() => parseJson(deepJson(MAX_JSON_DEPTH + 1), 'deep.json')).toThrow(
      /deep\.json: JSON is nested more than 128 levels deep/,
    );
    // brackets and escaped quotes inside strings do not count
    const tricky = `{"a":"[[[[\\"{{{{","b":${deepJson(MAX_JSON_DEPTH - 1)}}`;
    expect(parseJson(tricky, 'tricky.json')).toMatchObject({ a: '[[[["{{{{' });
    for (const depth of [MAX_JSON_DEPTH + 1, 10_000, 1_000_000]) {
      const r = outcome(`depth ${depth}`, () => parseJson(deepJson(depth, 'object'), 'deep.json'));
      expect(r.ok).toBe(false);
    }
  });

  it('refuses random deep documents of every shape before JSON.parse walks them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('[', '{"k":', '[1,', '{"a":[{"b":'), { minLength: 130, maxLength: 400 }),
        (opens) => {
          const closer: Record<string, string> = { '[': ']', '{"k":': '}', '[1,': ']', '{"a":[{"b":': '}]}' };
          const text = `${opens.join('')}0${opens
            .map((o) => closer[o])
            .reverse()
            .join('')}`;
          const r = outcome('deep', () => parseJson(text, 'deep.json'));
          expect(r.ok).toBe(false);
        },
      ),
      fuzzParams(300),
    );
  });

  it('quotes any value in one short line', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const q = quoteJson(v);
        expect(q.length).toBeLessThanOrEqual(61);
      }),
      fuzzParams(1000),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(quoteJson(cyclic)).toBe('{…}');
    expect(quoteJson(JSON.parse(deepJson(100_000)))).toBe('[…]');
    expect(quoteJson('a\nb')).toBe('"a\\nb"');
  });

  it('random bytes decode as UTF-8 exactly when TextDecoder accepts them, naming the first bad offset', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let valid = true;
        try {
          fatal.decode(bytes);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8Offset(bytes) === -1).toBe(valid);
        const r = outcome('utf8', () => decodeUtf8(bytes, 'x.txt'));
        expect(r.ok).toBe(valid);
      }),
      fuzzParams(3000),
    );
  });
});
