import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { classifyPackage, extractPackage, openPackage } from '../../src/package/index.js';
import { buildTar, buildTgz, buildZip, scratchFolder } from '../builders/archives.js';
import { readAll } from './helpers.js';

const files = [
  { name: 'MT6797_Android_scatter.txt', data: '- general: MTK_PLATFORM_CFG\n' },
  { name: 'images/boot.img', data: Buffer.alloc(3000, 0x42) },
  { name: 'images/lk.img', data: Buffer.from('LK'.repeat(300)) },
];

const seeds: Record<string, Buffer> = {
  'rom.zip': buildZip([...files, { name: 'link', data: 'images/lk.img', unixMode: 0o120777 }]),
  'rom.tar': buildTar([...files, { name: 'link', type: '2', linkName: 'images/lk.img' }]),
  'rom.tgz': buildTgz(files),
};

/** A seed with some bytes overwritten, then possibly cut short. */
const mutated = (seed: Buffer) =>
  fc
    .record({
      writes: fc.array(fc.record({ at: fc.nat({ max: seed.length - 1 }), value: fc.nat({ max: 255 }) }), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.option(fc.nat({ max: seed.length }), { nil: undefined }),
    })
    .map(({ writes, cut }) => {
      const bytes = Buffer.from(seed);
      for (const { at, value } of writes) bytes[at] = value;
      return cut === undefined ? bytes : bytes.subarray(0, cut);
    });

/** Opens, classifies, reads every entry and unpacks; anything but a RomctlError is a failure. */
async function exercise(path: string, work: string): Promise<void> {
  try {
    const view = await openPackage(path);
    classifyPackage(view);
    await view.forEach(async (_entry, stream) => void (await readAll(stream))).catch(expectRomctlError);
    for (const entry of view.entries().filter((e) => e.kind === 'file')) {
      await view.open(entry.path).then(readAll).catch(expectRomctlError);
    }
    const destination = join(work, 'out');
    await extractPackage(view, destination)
      .then(() => rm(destination, { recursive: true }))
      .catch(expectRomctlError);
    await view.close();
  } catch (error) {
    expectRomctlError(error);
  }
}

function expectRomctlError(error: unknown): void {
  if (!(error instanceof RomctlError)) throw error;
  expect(error.oneLine()).not.toMatch(/\n/);
}

describe('package opening survives mutated archives', () => {
  it.each(Object.keys(seeds))('%s', async (name) => {
    const seed = seeds[name] as Buffer;
    const work = await scratchFolder();
    const path = join(work, name);
    await fc.assert(
      fc.asyncProperty(mutated(seed), async (bytes) => {
        await writeFile(path, bytes);
        await exercise(path, work);
      }),
      { numRuns: 60 },
    );
  });
});
