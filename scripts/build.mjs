// Bundles src/ into dist/ (dependencies stay external): `npm start` runs plain JavaScript, which
// starts faster and uses less memory than compiling TypeScript on the fly.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/tessera.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
