// `npm run bench [-- part… ] [-- --readme]`: every budget of DESIGN §8 measured against a named tool in the same
// run, then one table of them all. Parts: startup, registry, check, download, flash (all when none is named).
// `--readme` writes the table into README.md between its bench:table markers.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { markdownTable, replaceReadmeTable, textTable } from './summary.js';
import { reported } from './verdict.js';

const parts = {
  startup: async () => (await import('./startup.js')).benchStartup(),
  registry: async () => (await import('./registry.js')).benchRegistry(),
  check: async () => (await import('./check.js')).benchCheck(),
  download: async () => (await import('./download.js')).benchDownload(),
  flash: async () => (await import('./flash.js')).benchFlash(),
};

const args = process.argv.slice(2);
const readme = args.includes('--readme');
const named = args.filter((arg) => arg !== '--readme');
const unknown = named.filter((name) => !(name in parts));
if (unknown.length > 0) {
  console.error(
    `romctl bench: no part named ${unknown.join(', ')} (parts: ${Object.keys(parts).join(', ')})`,
  );
  process.exit(2);
}
if (readme && named.length > 0) {
  console.error('romctl bench: --readme writes the whole table, so it runs every part: name none');
  process.exit(2);
}

console.log(`node ${process.version}, ${cpus().length} cores`);
for (const name of named.length > 0 ? named : Object.keys(parts)) await parts[name]();

const verdicts = reported();
console.log(`\nsummary: ${verdicts.filter((entry) => entry.met).length} of ${verdicts.length} budgets met`);
for (const line of textTable(verdicts)) console.log(line);
if (readme) {
  const date = new Date().toISOString().slice(0, 10);
  const table = markdownTable(verdicts, { date, node: process.version, cores: cpus().length });
  await replaceReadmeTable(fileURLToPath(new URL('../README.md', import.meta.url)), table);
  console.log('README.md: performance table replaced');
}
