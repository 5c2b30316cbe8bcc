import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SelfsupError } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { brownDocument, detokenizeBrownSentence } from './brown.js';
import { documentSentences, readCorpus } from './corpus.js';

function tree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'selfsup-corpus-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    expect((err as SelfsupError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('readCorpus', () => {
  it('reads a text file as one document, unchanged', () => {
    const root = tree({ 'a.txt': 'First Citizen:\nBefore we proceed any further, hear me speak.\n' });
    const corpus = readCorpus(join(root, 'a.txt'));
    expect(corpus.kind).toBe('file');
    expect(corpus.documents).toEqual([
      { name: join(root, 'a.txt'), text: 'First Citizen:\nBefore we proceed any further, hear me speak.\n' },
    ]);
    expect(corpus.characters).toBe(corpus.documents[0].text.length);
  });

  it('reads every .txt and .md file of a folder, recursively, in sorted order, skipping other and hidden files', () => {
    const root = tree({
      'b.txt': 'bee',
      'a.md': 'ay',
      'sub/c.txt': 'see',
      'sub/deeper/d.TXT': 'dee',
      'notes.json': '{}',
      '.hidden/e.txt': 'hidden',
      '.f.txt': 'hidden too',
      'empty.txt': '',
    });
    const corpus = readCorpus(root);
    expect(corpus.kind).toBe('folder');
    expect(corpus.documents.map((d) => d.text)).toEqual(['ay', 'bee', 'see', 'dee']);
    expect(corpus.documents[2].name).toBe(join(root, 'sub', 'c.txt'));
  });

  it('reads a glob, and .jsonl files with one document per line', () => {
    const root = tree({
      'x/1.txt': 'one',
      'x/2.txt': 'two',
      'x/3.md': 'three',
      'y/4.txt': 'four',
      'docs.jsonl': '{"text": "hello"}\n\n{"text": "world", "id": 2}\r\n',
    });
    expect(readCorpus(join(root, 'x', '*.txt')).documents.map((d) => d.text)).toEqual(['one', 'two']);
    expect(readCorpus(join(root, '**', '*.txt')).documents.map((d) => d.text)).toEqual(['one', 'two', 'four']);
    const jsonl = readCorpus(join(root, 'docs.jsonl'));
    expect(jsonl.kind).toBe('jsonl');
    expect(jsonl.documents).toEqual([
      { name: `${join(root, 'docs.jsonl')}:1`, text: 'hello' },
      { name: `${join(root, 'docs.jsonl')}:3`, text: 'world' },
    ]);
    expect(readCorpus(join(root, '*.jsonl')).documents.map((d) => d.text)).toEqual(['hello', 'world']);
  });

  it('says what is wrong with bad input: missing path, empty corpus, bad UTF-8, bad JSON lines', () => {
    const root = tree({
      'empty.txt': '',
      'emptydir/readme.json': '{}',
      'bad.txt': Uint8Array.from([0x68, 0x69, 0x0a, 0xc3, 0x28]),
      'bad.jsonl': '{"text": "ok"}\n{"text": \n',
      'notext.jsonl': '{"text": "ok"}\n{"body": "x"}\n',
      'nonstring.jsonl': '{"text": 5}\n',
      'sub/bad.md': Uint8Array.from([0x61, 0xff]),
    });
    expect(message(() => readCorpus(join(root, 'nope.txt')))).toMatch(
      /nope.txt: not found \(expected a text file, a folder, a glob, a .jsonl file or "brown"\)/,
    );
    expect(message(() => readCorpus(join(root, 'empty.txt')))).toMatch(/empty.txt: the corpus is empty/);
    expect(message(() => readCorpus(join(root, 'emptydir')))).toMatch(/emptydir: the folder has no .txt or .md files/);
    expect(message(() => readCorpus(join(root, 'none', '*.txt')))).toMatch(/the glob matches no files/);
    expect(message(() => readCorpus(join(root, 'bad.txt')))).toBe(
      `${join(root, 'bad.txt')}: not valid UTF-8 (first invalid byte at offset 3)`,
    );
    expect(message(() => readCorpus(join(root, 'sub')))).toBe(
      `${join(root, 'sub', 'bad.md')}: not valid UTF-8 (first invalid byte at offset 1)`,
    );
    expect(message(() => readCorpus(join(root, 'bad.jsonl')))).toMatch(/bad.jsonl line 2: not valid JSON/);
    expect(message(() => readCorpus(join(root, 'notext.jsonl')))).toMatch(
      /notext.jsonl line 2: expected a JSON object with a string "text" field/,
    );
    expect(message(() => readCorpus(join(root, 'nonstring.jsonl')))).toMatch(/line 1: expected a JSON object/);
    expect(message(() => readCorpus(''))).toMatch(/data source is empty/);
  });

  it('lists the sentences of a document: its lines, or the sentences a corpus marks', () => {
    expect(documentSentences({ name: 'a', text: 'one line\n\n  two  \nthree' })).toEqual(['one line', 'two', 'three']);
    expect(documentSentences({ name: 'b', text: 'Hi there. Bye now.\n', sentenceEnds: [9, 18] })).toEqual([
      'Hi there.',
      'Bye now.',
    ]);
  });
});

describe('the Brown corpus', () => {
  it('rebuilds readable sentences from word/TAG text', () => {
    expect(
      detokenizeBrownSentence(
        "\t``/`` Only/rb a/at relative/jj handful/nn of/in such/jj reports/nns was/bedz received/vbn ''/'' ,/, the/at jury/nn said/vbd ,/, ``/`` considering/in the/at size/nn of/in this/dt city/nn ''/'' ./.",
      ),
    ).toBe(
      '"Only a relative handful of such reports was received," the jury said, "considering the size of this city."',
    );
    expect(detokenizeBrownSentence('won/vbn by/in Ivan/np Allen/np Jr./np ./.')).toBe('won by Ivan Allen Jr.');
    expect(detokenizeBrownSentence('had/hvd deceived/vbn me/ppo ?/. ?/.')).toBe('had deceived me?');
    expect(detokenizeBrownSentence("``/`` Where/wrb did/dod you/ppo pick/vb him/ppo up/rp ''/'' ?/. ?/.")).toBe(
      '"Where did you pick him up?"',
    );
    expect(
      detokenizeBrownSentence('the/at ratio/nn (/( see/vb below/rb )/) is/bez 1/cd :/in 256/cd ;/. it/pps is/bez'),
    ).toBe('the ratio (see below) is 1:256; it is');
    expect(detokenizeBrownSentence("the/at '/' Met/np '/' is/bez back/rb --/-- at/in last/ap")).toBe(
      "the 'Met' is back--at last",
    );
    expect(
      detokenizeBrownSentence("Atlanta's/np$ counts/nns //in minute/nn don't/do* ,/, she/pps said/vbd :/: yes/rb !/."),
    ).toBe("Atlanta's counts/minute don't, she said: yes!");
  });

  it('keeps paragraphs, headlines and sentence ends of a file', () => {
    const raw =
      '\n\n\tThe/at jury/nn (/( it/pps met/vbd ./.\n)/) It/pps rained/vbd ./.\n\n\nMerger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, it/pps held/vbd ./.\n';
    const doc = brownDocument('ca99', raw);
    expect(doc.text).toBe('The jury (it met.) It rained.\n\nMerger proposed\n\nHowever, it held.\n');
    expect(documentSentences(doc)).toEqual([
      'The jury (it met.',
      ') It rained.',
      'Merger proposed',
      'However, it held.',
    ]);
  });

  it('reads all 500 documents offline from the installed package', () => {
    const corpus = readCorpus('brown');
    expect(corpus.kind).toBe('brown');
    expect(corpus.documents.length).toBe(500);
    expect(corpus.documents[0].name).toBe('ca01');
    expect(corpus.documents[499].name).toBe('cr09');
    expect(corpus.documents[0].text.startsWith('The Fulton County Grand Jury said Friday an investigation of')).toBe(
      true,
    );
    expect(corpus.characters).toBeGreaterThan(5_500_000);
    const text = corpus.documents.map((d) => d.text).join('');
    const count = (re: RegExp) => text.match(re)?.length ?? 0;
    expect(count(/\w\/(nn|vbd?|at|in|jj)( |$)/gm)).toBe(0); // no tags left
    expect(count(/ [,.;:?!)]/g)).toBeLessThan(5); // no space before closing punctuation (but `in :35.3` is real)
    expect(count(/(^|\s)(``|'')/gm)).toBe(0); // quotes are plain "…" (a word like 10'' for inches stays)
    const sentences = corpus.documents.reduce((s, d) => s + (d.sentenceEnds?.length ?? 0), 0);
    expect(sentences).toBeGreaterThan(55_000); // Brown has 57,340 sentences
  });
});
