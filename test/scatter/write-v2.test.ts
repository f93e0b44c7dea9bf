/**
 * The V2.1.0 multi-storage writer (the testkit's packages for phones sold with eMMC and with UFS) against the real
 * V2.1.0 MT6833 file: same shape line for line where it matters, and the parser reads both the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { parseScatter, writeScatterYamlV2, type Scatter } from '../../src/formats/scatter/index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { romSpecForDevice, scatterFor } from '../../src/testkit/rom-builder.js';
import { comparable } from './fixtures.js';

const real = fileURLToPath(
  new URL('../../../shared/corpus/scatter/MT6833_oppo6833_fce8c74b.txt', import.meta.url),
);

async function generated(): Promise<{ model: Scatter; text: string }> {
  const { profile } = await deviceFactsFor(await openRegistry({}), 'oppo6833');
  const model = scatterFor(romSpecForDevice(profile));
  return { model, text: writeScatterYamlV2(model) };
}

/**
 * The file's shape without its values: every non-comment line as indentation + key, the partition entries
 * reduced to the first one of each storage section (they all have the same keys).
 */
function shape(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.replace(/^(\s*(?:- )?[\w.]+:).*$/, '$1'));
  const out: string[] = [];
  let seenEntry = false;
  let inEntry = false;
  for (const line of lines) {
    if (line === '- storage_type:') seenEntry = false;
    if (line === '  - partition_index:') {
      inEntry = seenEntry;
      seenEntry = true;
    } else if (!line.startsWith('    ')) inEntry = false;
    if (!inEntry) out.push(line);
  }
  return out;
}

/** what a flash needs from each layout: storage, boot channel, block size, and the region of each partition */
function layoutFacts(scatter: Scatter) {
  return scatter.layouts.map((layout) => ({
    storage: layout.storage,
    bootChannel: layout.bootChannel,
    blockSize: layout.blockSize,
    regions: [...new Set(layout.partitions.map((p) => `${p.region} ${p.storage}`))],
    preloader: layout.partitions.find((p) => p.type === 'SV5_BL_BIN')?.region,
    pgpt: layout.partitions.find((p) => p.name === 'pgpt')?.linearStart,
  }));
}

describe('writeScatterYamlV2', () => {
  it('writes what the parser reads back as the same multi-storage model', async () => {
    const { model, text } = await generated();
    const parsed = parseScatter(text, { fileName: 'MT6833_Android_scatter.txt' });
    expect(parsed.format).toBe('v2');
    expect(parsed.notes).toEqual([]);
    expect(comparable(parsed)).toEqual(comparable(model));
  });

  it('refuses a layout without a storage name', () => {
    const model: Scatter = {
      format: 'v2',
      configVersion: 'V2.1.0',
      platform: 'MT6833',
      project: 'x',
      extra: {},
      layouts: [{ storage: null, bootChannel: null, blockSize: null, extra: {}, partitions: [] }],
      notes: [],
    };
    expect(() => writeScatterYamlV2(model)).toThrow(RomctlError);
  });
});

describe.skipIf(!existsSync(real))(
  'the generated V2.1.0 file and the real MT6833 one (skipped when ../shared/corpus is absent)',
  () => {
    it('have the same shape: general block, per-storage config, partition keys in the same order', async () => {
      const { text } = await generated();
      const realShape = shape(readFileSync(real, 'latin1'));
      expect(shape(text)).toEqual(realShape);
      // the shape holds the two storage sections, each with its config and one entry's keys
      expect(realShape.filter((line) => line === '- storage_type:')).toHaveLength(2);
      expect(realShape).toContain('    combo_partsize_check:');
    });

    it('are read the same way: EMMC then UFS, the same configs, preloader in the boot areas, GPT at 0 of the user area', async () => {
      const { text } = await generated();
      const mine = parseScatter(text, { fileName: 'MT6833_Android_scatter.txt' });
      const theirs = parseScatter(readFileSync(real), { fileName: real });
      expect(layoutFacts(mine)).toEqual(layoutFacts(theirs));
      expect(layoutFacts(theirs)).toEqual([
        expect.objectContaining({
          storage: 'EMMC',
          blockSize: 0x20000n,
          preloader: 'EMMC_BOOT1_BOOT2',
          pgpt: 0n,
        }),
        // the real file puts the GPT on the user LU (LU2), not on LU0
        expect.objectContaining({ storage: 'UFS', blockSize: 0x80000n, preloader: 'UFS_LU0_LU1', pgpt: 0n }),
      ]);
      // same partitions at the same places in both storages of both files; the end-relative reserved entries
      // are not compared: the real file puts flashinfo 0x60 bytes apart in its EMMC and UFS layouts
      const rows = (s: Scatter) =>
        s.layouts.map((l) =>
          l.partitions.map((p) => [p.name, p.isReserved ? 'reserved' : p.linearStart, p.size]),
        );
      expect(rows(mine)[0]).toEqual(rows(mine)[1]);
      expect(rows(theirs)[0]).toEqual(rows(theirs)[1]);
    });
  },
);
