import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedRegistryDir } from '../../src/registry/index.js';
import { generateRegistry } from '../../src/registry/generate.js';

const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const hasCorpus = existsSync(join(corpus, 'MANIFEST.tsv'));
if (!hasCorpus) console.warn(`registry derive tests skipped: no corpus at ${corpus}`);

const files = (dir: string, sub: string): string[] =>
  readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(dir, join(sub, entry.name)) : [join(sub, entry.name)],
  );

describe.skipIf(!hasCorpus)('the shipped registry is what the corpus and the overlays give', () => {
  // made in a hook: a skipped suite's body still runs, its hooks do not
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'romctl-derive-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates byte for byte with romctl parsers', () => {
    generateRegistry({
      corpusDir: corpus,
      overlaysFile: fileURLToPath(new URL('../../scripts/registry-overlays.yaml', import.meta.url)),
      outDir: out,
    });
    const shipped = embeddedRegistryDir();
    const expected = [...files(shipped, 'devices'), ...files(shipped, 'bundles'), 'index.json'].sort();
    expect([...files(out, 'devices'), ...files(out, 'bundles'), 'index.json'].sort()).toEqual(expected);
    for (const file of expected) expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(shipped, file), 'utf8'));
  });

  it('derives nikel from its real scatter and its own EMI table, and cites both', () => {
    const nikel = readFileSync(join(out, 'devices', 'nikel.yaml'), 'utf8');
    expect(nikel).toContain('chip: MT6797');
    expect(nikel).toContain('hwCode: "0x279"');
    expect(nikel).toContain('preloaderProjects: [lcsh6797_6c_lw_m]');
    expect(nikel).toMatch(/source: corpus scatter\/MT6797_nikel_070c8550\.txt \(DroidDumps\/xiaomi_nikel_dump:/);
    expect(nikel).toMatch(/id: lpddr3-3g-samsung\n\s+label: 3 GiB LPDDR3, Samsung DRAM/);
  });
});
