/** The site's pages, found from the Markdown sources: `guide/causal-lm.md` is served at `/guide/causal-lm.html`. */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = fileURLToPath(new URL('../src', import.meta.url));

export interface SitePage {
  /** Path relative to src/, with forward slashes: `zh/guide/causal-lm.md`. */
  source: string;
  /** URL path on the site: `/zh/guide/causal-lm.html`. */
  url: string;
  /** Built file relative to the dist folder: `zh/guide/causal-lm.html`. */
  html: string;
  locale: 'en' | 'zh';
  /** Short name for screenshots: `zh-guide-causal-lm`. */
  slug: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'public') return [];
    const full = join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith('.md') ? [full] : [];
  });
}

export function sitePages(): SitePage[] {
  return walk(SRC)
    .map((file) => relative(SRC, file).split(sep).join('/'))
    .sort()
    .map((source) => {
      const html = source.replace(/\.md$/, '.html');
      const url = `/${html.replace(/(^|\/)index\.html$/, '$1')}`;
      const locale = source.startsWith('zh/') ? 'zh' : 'en';
      const bare = source.replace(/^zh\//, '').replace(/\.md$/, '').replace(/\//g, '-');
      return { source, url, html, locale, slug: `${locale}-${bare}` } as SitePage;
    });
}
