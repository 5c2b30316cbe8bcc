#!/usr/bin/env node
// Generates the API reference of each package from its TSDoc comments (TypeDoc + typedoc-plugin-markdown) into
// src/.generated/api/<package>.md, which the package pages include. `build` and `dev` run it first, so the reference
// always matches the sources; the folder is gitignored. One TypeDoc run reads all packages (one TypeScript program).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel } from 'typedoc';

const docs = fileURLToPath(new URL('..', import.meta.url));
const repo = join(docs, '..', '..');
const out = join(docs, 'src', '.generated', 'api');
const tmp = join(docs, 'src', '.generated', '.typedoc');

/** The packages with a page under /packages/. */
export const PACKAGES = ['tokenizer', 'dataset', 'model', 'trainer', 'backends'];

const started = Date.now();
rmSync(tmp, { recursive: true, force: true });
const app = await Application.bootstrapWithPlugins({
  entryPoints: PACKAGES.map((name) => join(repo, 'packages', name, 'src', 'index.ts')),
  tsconfig: join(docs, 'tsconfig.typedoc.json'),
  plugin: ['typedoc-plugin-markdown'],
  readme: 'none',
  out: tmp,
  logLevel: LogLevel.Error,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  skipErrorChecking: true,
  disableSources: true,
  // typedoc-plugin-markdown: one file per package, without title or breadcrumbs (the page around it has them).
  outputFileStrategy: 'modules',
  entryFileName: 'index.md',
  hidePageHeader: true,
  hidePageTitle: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  sanitizeComments: true,
});
const project = await app.convert();
if (!project) throw new Error('TypeDoc could not read the packages (see the errors above)');
await app.generateOutputs(project);

mkdirSync(out, { recursive: true });
const counts = [];
for (const name of PACKAGES) {
  const module = project.children?.find((c) => c.name === `${name}/src`);
  let text = module?.children?.length
    ? readFileSync(join(tmp, name, 'src.md'), 'utf8')
    : '_This package exports nothing yet._\n';
  // Links to another package's reference point at that package's page (a sibling of the including page).
  text = text.replace(/\]\(\.\.\/(\w+)\/src\.md(#[^)]*)?\)/g, (_, pkg, anchor = '') => `](./${pkg}${anchor})`);
  const target = join(out, `${name}.md`);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  counts.push(`${name} ${module?.children?.length ?? 0}`);
}
rmSync(tmp, { recursive: true, force: true });
console.log(`api: ${counts.join(', ')} exports documented in ${((Date.now() - started) / 1000).toFixed(1)} s`);
