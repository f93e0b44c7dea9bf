import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  parseScatter,
  scatterAsV1,
  writeScatterYaml,
  writeScatterYamlV2,
  type Scatter,
} from '../../src/formats/scatter/index.js';
import { scatterFor } from '../../src/testkit/rom-builder.js';
import { comparable, legacyText, v1Text, v2Text, xmlText } from './fixtures.js';

/** A model or a RomctlError; anything else thrown fails the property. */
function parseOrRefuse(input: string | Buffer): Scatter | null {
  try {
    return parseScatter(input, { fileName: 'fuzz.txt' });
  } catch (error) {
    if (error instanceof RomctlError) return null;
    throw error;
  }
}

/** What a parsed model must also survive: writing it and reading it back. */
function checkWriter(scatter: Scatter): void {
  let written: string;
  try {
    written = writeScatterYaml(scatter);
  } catch (error) {
    if (error instanceof RomctlError) return;
    throw error;
  }
  expect(comparable(parseScatter(written))).toEqual(comparable(scatterAsV1(scatter)));
  if (scatter.format === 'v2') checkV2Writer(scatter);
}

/** A multi-storage model also survives the V2.x writer: every layout, as it was. */
function checkV2Writer(scatter: Scatter): void {
  let written: string;
  try {
    written = writeScatterYamlV2(scatter);
  } catch (error) {
    if (error instanceof RomctlError) return;
    throw error;
  }
  // as the V1 writer does, sizes derived while parsing are stated; a version that is not V2.x becomes V2.1.0
  const expected: Scatter = {
    ...scatter,
    configVersion: /^V2\./i.test(scatter.configVersion ?? '') ? scatter.configVersion : 'V2.1.0',
    layouts: scatter.layouts.map((layout) => ({
      ...layout,
      partitions: layout.partitions.map((partition) => ({ ...partition, sizeDerived: false })),
    })),
  };
  expect(comparable(parseScatter(written))).toEqual(comparable(expected));
}

/** a V2.1.0 multi-storage scatter as the testkit writes it for a phone sold with eMMC and with UFS */
function generatedV2Text(): string {
  return writeScatterYamlV2(
    scatterFor({
      platform: 'MT6833',
      project: 'fuzz6833',
      storage: ['EMMC', 'UFS'],
      preloader: { fileName: 'preloader_fuzz6833.bin', bloaderVersion: 52, records: [] },
      partitions: [
        { name: 'preloader', size: 0x80000n, image: 'preloader' },
        { name: 'pgpt', size: 0x8000n },
        { name: 'nvram', size: 0x400000n, operationType: 'BINREGION' },
        { name: 'boot', size: 0x2000000n, image: { kind: 'raw', size: 16 } },
        { name: 'userdata', size: 0x4000000n, image: { kind: 'raw', size: 16 } },
        { name: 'sgpt', size: 0x8000n, operationType: 'RESERVED', reservedAt: 0xffff0000n },
      ],
    }),
  );
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
  fc.record({
    kind: fc.constant('insert-token' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '\r\n',
      '\t',
      ' ',
      '#',
      ':',
      '- ',
      '{',
      '}',
      '0x',
      'NONE',
      '\\',
      '<',
      '>',
      '"',
      "'",
      '0xFFFFFFFFFFFFFFFFFF',
      '\uFEFF',
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, steps: Mutation[]): string {
  let result = text;
  for (const step of steps) {
    const lines = result.split('\n');
    const line = step.at % Math.max(lines.length, 1);
    const offset = step.at % Math.max(result.length, 1);
    if (step.kind === 'delete-line') lines.splice(line, 1);
    else if (step.kind === 'duplicate-line') lines.splice(line, 0, lines[line] ?? '');
    else if (step.kind === 'truncate') return result.slice(0, offset);
    else {
      result = result.slice(0, offset) + step.text + result.slice(offset);
      continue;
    }
    result = lines.join('\n');
  }
  return result;
}

const corpusDir = fileURLToPath(new URL('../../../shared/corpus/scatter/', import.meta.url));
const corpusSamples = [
  'MT6735M_hq6735m_35u_b1d_l_940b095d.txt',
  'MT6789_tulip_row_wifi_0a81c1e3.txt',
  'MT6893_k6893v1_64_157b4156.xml',
  'MT6577_iq441_3_4_5_bb_2dfb9c7d.txt',
  'MT6833_oppo6833_fce8c74b.txt',
]
  .map((name) => corpusDir + name)
  .filter((path) => existsSync(path))
  .map((path) => readFileSync(path, 'latin1'));

describe('scatter parser fuzz: a model or a RomctlError, never another exception', () => {
  it('random text and bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        ),
        (input) => {
          parseOrRefuse(input);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random lines in scatter vocabulary', () => {
    const token = fc.constantFrom(
      '- general: MTK_PLATFORM_CFG',
      '- partition_index: SYS1',
      '  partition_name: boot',
      '  linear_start_addr: 0x10',
      '  partition_size: 0x',
      '- storage_type: UFS',
      '  - general: MTK_STORAGE_CFG',
      '      block_size: zz',
      'BOOT 0x0',
      '{',
      '}',
      '<root>',
      '  is_reserved: true',
      '  file_name: a\\b.img',
      '[huaqin]',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 20 }), (lines) => {
        const scatter = parseOrRefuse(lines.join('\n'));
        if (scatter) checkWriter(scatter);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated generated scatters (every format) parse or refuse, and what parses writes back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          v1Text(),
          v2Text(),
          generatedV2Text(),
          xmlText(),
          legacyText(),
          legacyText(undefined, false),
        ),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (text, steps) => {
          const scatter = parseOrRefuse(mutate(text, steps));
          if (scatter) checkWriter(scatter);
        },
      ),
      { numRuns: 400 },
    );
  });

  it.skipIf(corpusSamples.length === 0)('mutated corpus scatters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corpusSamples),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (text, steps) => {
          const scatter = parseOrRefuse(mutate(text, steps));
          if (scatter) checkWriter(scatter);
        },
      ),
      { numRuns: 60 },
    );
  });
});
