/** Checks on the built site's files: every page in both languages, nothing fetched from other hosts. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../.vitepress/locales/en';
import { zh } from '../.vitepress/locales/zh';
import { DIST } from './browser';
import { SRC, sitePages } from './pages';

const pages = sitePages();

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), ext) : ext.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function sidebarLinks(config: typeof en): string[] {
  const sidebar = config.themeConfig?.sidebar;
  if (!Array.isArray(sidebar)) return [];
  return sidebar.flatMap((group) => (group.items ?? []).map((item) => item.link ?? ''));
}

describe('site sources', () => {
  it('has every English page in Chinese and the other way round', () => {
    const en = pages.filter((p) => p.locale === 'en').map((p) => p.source);
    const zh = pages.filter((p) => p.locale === 'zh').map((p) => p.source.replace(/^zh\//, ''));
    expect(en.length).toBeGreaterThanOrEqual(14);
    expect(zh).toEqual(en);
  });

  it('links every sidebar entry to a page that exists', () => {
    const urls = new Set(pages.map((p) => p.url.replace(/\.html$/, '')));
    for (const link of [...sidebarLinks(en), ...sidebarLinks(zh)]) expect(urls, link).toContain(link);
    expect(sidebarLinks(zh).map((l) => l.replace(/^\/zh/, ''))).toEqual(sidebarLinks(en));
  });

  it('keeps the Chinese pages in Chinese', () => {
    for (const page of pages.filter((p) => p.locale === 'zh')) {
      const text = readFileSync(join(SRC, page.source), 'utf8');
      const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
      expect(han, page.source).toBeGreaterThan(40);
    }
  });
});

describe('built site', () => {
  it('exists (the root `pnpm test` builds it; alone: `pnpm --filter docs build`)', () => {
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
  });

  it('built every page', () => {
    for (const page of pages) expect(existsSync(join(DIST, page.html)), page.html).toBe(true);
  });

  it('loads no script, style, font or image from another host', () => {
    const external = /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/(?!127\.0\.0\.1|localhost)[^"'\s>]+/gi;
    for (const file of files(DIST, /\.html$/)) {
      const html = readFileSync(file, 'utf8');
      // Outgoing links (<a href>) are fine; resources the page loads are not.
      const tags = html.match(/<(?:script|link|img|iframe|source|video|audio)\b[^>]*>/gi) ?? [];
      for (const tag of tags) expect(tag.match(external), `${file}: ${tag}`).toBeNull();
    }
    for (const file of files(DIST, /\.css$/)) {
      const css = readFileSync(file, 'utf8');
      expect(css.match(/url\(\s*["']?(?:https?:)?\/\/[^)]*\)/gi), file).toBeNull();
      expect(css.match(/@import\s+(?:url\()?["']?(?:https?:)?\/\//gi), file).toBeNull();
    }
  });

  it('has no script that loads from another host', () => {
    // Links in messages and licence headers are fine; fetching, importing or styling with a remote URL is not.
    const loads =
      /(?:(?:fetch|import|importScripts|Worker)\(\s*[`'"]|url\(\s*[`'"]?|src\s*[:=]\s*[`'"])https?:\/\/[\w.-]+/g;
    for (const file of files(DIST, /\.js$/)) {
      const found = (readFileSync(file, 'utf8').match(loads) ?? []).filter(
        // VitePress's social-link icons fall back to api.iconify.design; the site has no social links.
        (m) => !m.startsWith("url('https://api.iconify.design"),
      );
      expect(found, file).toEqual([]);
    }
    expect(en.themeConfig?.socialLinks ?? []).toEqual([]);
    expect(zh.themeConfig?.socialLinks ?? []).toEqual([]);
  });

  it('renders all emphasis (no stray ** from CJK punctuation next to a bold run)', () => {
    for (const page of pages) {
      const html = readFileSync(join(DIST, page.html), 'utf8').replace(/<(pre|code)[\s\S]*?<\/\1>/g, '');
      expect(html.includes('**'), page.html).toBe(false);
    }
  });

  it('documents every export of each package on its page, in both languages', () => {
    for (const name of ['tokenizer', 'dataset', 'model', 'trainer', 'backends']) {
      const index = readFileSync(join(SRC, '..', '..', '..', 'packages', name, 'src', 'index.ts'), 'utf8');
      const exported = [...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)]
        .flatMap((m) => m[1].split(','))
        .map((e) =>
          e
            .trim()
            .split(/\s+as\s+/)
            .at(-1)!
            .trim(),
        )
        .filter((e) => /^\w+$/.test(e));
      expect(exported.length, name).toBeGreaterThan(3);
      for (const html of [`packages/${name}.html`, `zh/packages/${name}.html`]) {
        const text = readFileSync(join(DIST, html), 'utf8');
        for (const e of exported) expect(text, `${html} documents ${e}`).toContain(e);
      }
    }
  });

  it('ships the deployment headers and the fonts locally', () => {
    const headers = readFileSync(join(DIST, '_headers'), 'utf8');
    expect(headers).toMatch(/Cross-Origin-Opener-Policy: same-origin/);
    expect(headers).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
    expect(files(DIST, /\.woff2$/).length).toBeGreaterThan(0);
  });
});
