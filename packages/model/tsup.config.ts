import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// tfjs-core registers no gradients itself and ships the registration only as extension-less ESM that Node cannot
// load, so the build bundles that one module (and what it imports); everything else of tfjs-core stays external.
// The bundled copy shares tfjs-core's global engine and gradient registry.
export default defineConfig(packageBuild(['src/index.ts'], { noExternal: [/register_all_gradients/] }));
