// Regenerates registry/ (devices, bundles, index.json) from ../shared/corpus with romctl's own parsers.
// Usage: npm run build && node scripts/derive-registry.mjs [corpus-dir]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = process.env.ROMCTL_BUILD_DIR ?? join(root, 'dist');
const { generateRegistry } = await import(join(buildDir, 'registry/generate.js'));
const corpusDir = resolve(process.argv[2] ?? join(root, '../shared/corpus'));
const result = generateRegistry({
  corpusDir,
  overlaysFile: join(root, 'scripts/registry-overlays.yaml'),
  outDir: join(root, 'registry'),
});
console.log(`registry: ${result.devices} devices, ${result.bundles} bundles from ${corpusDir}`);
