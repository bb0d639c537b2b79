// Bundles the compiled CLI and the daemon's pass thread into one file each
// (dist/bundle/), so a command loads one module instead of ~110: measured in
// bench/ANALYSIS.md ("Start-up"). Dependencies stay in node_modules (loaded when used).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'dist/cli/main.js', 'pass-worker': 'dist/daemon/pass-worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  splitting: true, // each command stays its own chunk, loaded when it runs (as the lazy imports of src/cli/table.ts intend)
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
