'use strict';
/*
 * The pthread worker of tfjs-backend-wasm's threaded build, as a real file so that Node's `Worker` can start it
 * (Node rejects the `blob:` URL tfjs makes in the browser). It runs the worker script that the pinned tfjs-backend-wasm
 * ships (a string export) with this file's `require` and `__filename`; that script then loads the package's own,
 * unbundled main script (`mainScriptUrlOrBlob`, an absolute path), so no bundler-renamed names are involved.
 */
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
// The export is a template literal whose string literals had their "\n" escapes turned into real newlines; put them back.
new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);
