import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// The CLI ships as one ESM program; workspace packages stay external (they are its dependencies).
export default defineConfig(
  packageBuild({ bin: 'src/bin.ts', index: 'src/index.ts' }, { format: ['esm'], dts: false }),
);
