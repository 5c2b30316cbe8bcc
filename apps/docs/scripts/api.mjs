#!/usr/bin/env node
// Generates the API reference of each package from its TSDoc comments (TypeDoc + typedoc-plugin-markdown) into
// src/.generated/api/<package>.md, which the package pages include. Runs before every `vitepress build` and
// `vitepress dev`, so the reference always matches the sources; the folder is gitignored.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel } from 'typedoc';

const docs = fileURLToPath(new URL('..', import.meta.url));
const repo = join(docs, '..', '..');
const out = join(docs, 'src', '.generated', 'api');

/** The packages with a page under /packages/. */
export const PACKAGES = (process.env.SELFSUP_API_PACKAGES ?? 'tokenizer,dataset,model,trainer,backends').split(',');

async function generate(name) {
  const pkgDir = join(repo, 'packages', name);
  const tmp = join(out, `.${name}`);
  rmSync(tmp, { recursive: true, force: true });
  const app = await Application.bootstrapWithPlugins({
    entryPoints: [join(pkgDir, 'src', 'index.ts')],
    tsconfig: join(pkgDir, 'tsconfig.json'),
    plugin: ['typedoc-plugin-markdown'],
    name: `@selfsup/${name}`,
    readme: 'none',
    out: tmp,
    logLevel: LogLevel.Error,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    skipErrorChecking: true,
    disableSources: true,
    githubPages: false,
    // typedoc-plugin-markdown: one file per package, no title or breadcrumbs (the page around it has them).
    outputFileStrategy: 'modules',
    entryFileName: 'index.md',
    hidePageHeader: true,
    hidePageTitle: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    expandObjects: false,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    classPropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    sanitizeComments: true,
  });
  const project = await app.convert();
  if (!project) throw new Error(`TypeDoc could not read packages/${name}/src/index.ts`);
  await app.generateOutputs(project);
  const file = join(tmp, 'index.md');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  if (!project.children?.length) text = '_This package exports nothing yet._\n';
  const target = join(out, `${name}.md`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  rmSync(tmp, { recursive: true, force: true });
  return project.children?.length ?? 0;
}

const started = Date.now();
mkdirSync(out, { recursive: true });
const counts = [];
for (const name of PACKAGES) counts.push(`${name} ${await generate(name)}`);
console.log(`api: ${counts.join(', ')} exports documented in ${((Date.now() - started) / 1000).toFixed(1)} s`);
