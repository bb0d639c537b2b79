// Bundles the compiled CLI and the daemon's pass thread into one file each
// (dist/bundle/), so a command loads one module instead of ~110: measured in
// bench/ANALYSIS.md ("Start-up"). Dependencies stay in node_modules (loaded when used),
// except isomorphic-git, which is bundled so that its SHA-1 can be pointed at node:crypto.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true }); // chunks of an earlier build are never loaded again

const deps = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);

await build({
  entryPoints: { cli: 'dist/cli/main.js', 'pass-worker': 'dist/daemon/pass-worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: deps.filter((d) => d !== 'isomorphic-git'),
  // isomorphic-git prefers WebCrypto's async digest when it exists, one thread-pool round
  // trip per object of a fetched pack; without it, it hashes with node:crypto's createHash
  // (its own fallback): a first fetch of 10,000 objects 1.94 -> 1.32 s (bench/ANALYSIS.md).
  define: { 'crypto.subtle': 'undefined' },
  // The bundled CommonJS of isomorphic-git and its dependencies calls require() for builtins.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  splitting: true, // each command stays its own chunk, loaded when it runs (as the lazy imports of src/cli/table.ts intend)
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
