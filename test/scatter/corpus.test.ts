import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseScatter,
  scatterAsV1,
  scatterToJson,
  writeScatterYaml,
  type ScatterFormat,
} from '../../src/formats/scatter/index.js';
import { comparable } from './fixtures.js';
import { schemaValidator } from '../helpers/schema.js';

const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const present = existsSync(join(corpus, 'MANIFEST.tsv')) && existsSync(join(corpus, 'scatter'));
if (!present) console.warn(`scatter corpus tests skipped: ${corpus} is absent`);

interface ManifestRow {
  file: string;
  format: string;
  platform: string;
  storage: string;
}

function manifest(): ManifestRow[] {
  return readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .filter((cells) => cells[0]?.startsWith('scatter/'))
    .map((cells) => ({ file: cells[0]!, format: cells[4]!, platform: cells[5]!, storage: cells[6] ?? '' }));
}

const MANIFEST_FORMATS: Record<string, ScatterFormat> = {
  legacy: 'legacy',
  'v1.1': 'v1',
  'v2.1': 'v2',
  'v2.2': 'v2',
  xml: 'xml',
  other: 'ota',
};

/** Facts counted straight from the raw text with plain regexes, independent of the parser. */
function rawFacts(text: string) {
  const all = (pattern: RegExp) => [...text.matchAll(pattern)].map((match) => match[1]!.trim());
  let names = all(/<partition_name>([^<]*)</g);
  if (names.length === 0) names = all(/^\s*partition_name:\s*(\S+)/gm);
  if (names.length === 0)
    names = all(/^\s*([A-Za-z_][\w.]*)\s+0x[0-9a-f]+\s*$/gim).map((name) => name.replace(/^__NODL_/, ''));
  const platform = /<platform>([^<]*)</.exec(text)?.[1] ?? /^\s*platform:\s*(\S+)/m.exec(text)?.[1] ?? null;
  return { count: names.length, first: names[0], last: names.at(-1), platform };
}

describe.skipIf(!present)('scatter corpus (../shared/corpus/scatter)', () => {
  const rows = present ? manifest() : [];
  const validate = schemaValidator('scatter');

  it('has files to check', () => {
    expect(rows.length).toBeGreaterThan(100);
  });

  it.each(rows.map((row) => [row.file, row] as const))('%s', (_name, row) => {
    const file = join(corpus, row.file);
    const bytes = readFileSync(file);
    const scatter = parseScatter(bytes, { fileName: row.file.replace(/^scatter\//, '') });
    const facts = rawFacts(bytes.toString('latin1'));
    const partitions = scatter.layouts.flatMap((layout) => layout.partitions);

    expect(scatter.format).toBe(MANIFEST_FORMATS[row.format]);
    expect(partitions).toHaveLength(facts.count);
    expect(partitions[0]?.name).toBe(facts.first);
    expect(partitions.at(-1)?.name).toBe(facts.last);
    if (facts.platform !== null) expect(scatter.platform).toBe(facts.platform);
    if (row.platform !== 'unknown') expect(scatter.platform).toBe(row.platform);
    if (row.storage !== '') {
      expect(scatter.layouts.map((layout) => layout.storage).join('+')).toBe(row.storage);
    }

    expect(validate(scatterToJson(scatter)), JSON.stringify(validate.errors)).toBe(true);

    for (const layout of scatter.layouts) {
      const options = { storage: layout.storage ?? undefined };
      const written = parseScatter(writeScatterYaml(scatter, options), { fileName: 'written.txt' });
      expect(comparable(written)).toEqual(comparable(scatterAsV1(scatter, options)));
    }
    if (scatter.format === 'v1') expect(comparable(scatterAsV1(scatter))).toEqual(comparable(scatter));
  });
});
