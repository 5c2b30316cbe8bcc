/**
 * Shared setup for the browser tests: Debian's Chromium driven by playwright-core (never `playwright install`),
 * a fresh profile per run, no network beyond 127.0.0.1, and the built site served with the isolation headers.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

export const CHROMIUM = process.env.SELFSUP_CHROMIUM ?? '/usr/bin/chromium';
export const DIST = fileURLToPath(new URL('../.vitepress/dist', import.meta.url));
/** Screenshots and figures land in the repository's test-results/ folder, which CI keeps as artifacts. */
export const RESULTS = fileURLToPath(new URL('../../../test-results/docs', import.meta.url));

/** Why the browser tests cannot run here, or undefined when they can. Only a missing browser skips them. */
export function skipReason(): string | undefined {
  if (!existsSync(CHROMIUM))
    return `${CHROMIUM} not found (install Debian's chromium package to run the browser tests)`;
  return undefined;
}

const ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export interface Session {
  url: string;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and requests to other hosts seen since the last `takeProblems()`. */
  takeProblems(): string[];
  close(): Promise<void>;
}

export async function openSession(): Promise<Session> {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST} holds no built site: run \`pnpm --filter docs build\` (the root \`pnpm test\` does)`);
  }
  mkdirSync(RESULTS, { recursive: true });
  const server = await serve({ root: DIST, port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'selfsup-docs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const problems: string[] = [];
  const origin = new URL(server.url).origin;
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error on ${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  // Nothing may leave 127.0.0.1: fonts, scripts, models and data all come with the site.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request to another host: ${url}`);
    return route.abort();
  });
  return {
    url: server.url,
    context,
    takeProblems: () => problems.splice(0),
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
