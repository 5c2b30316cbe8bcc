import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// `shims` gives the CommonJS build an `import.meta.url`, which finds the installed Brown corpus.
export default defineConfig(packageBuild(['src/index.ts'], { shims: true }));
