import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractPackage, openPackage } from '../../src/package/index.js';
import { buildTgz, buildZip, scratchFolder, type ZipEntrySpec } from '../builders/archives.js';
import { expectPackageError } from './helpers.js';

/** A sandbox holding only the archive; after a refused extraction it must hold only the archive again. */
async function sandboxWith(name: string, bytes: Buffer) {
  const sandbox = await scratchFolder();
  const archive = join(sandbox, name);
  await writeFile(archive, bytes);
  return { sandbox, archive, destination: join(sandbox, 'out', 'rom') };
}

async function tree(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).sort();
}

const zipOf = (entries: ZipEntrySpec[]) => buildZip(entries);

describe('extractPackage', () => {
  it('unpacks files, folders and in-tree links, leaving no temporary folder', async () => {
    const { sandbox, archive, destination } = await sandboxWith(
      'rom.zip',
      zipOf([
        { name: 'images/', data: '' },
        { name: 'images/boot.img', data: Buffer.alloc(100_000, 5) },
        { name: 'MT6797_Android_scatter.txt', data: 'scatter' },
        { name: 'boot-link.img', data: 'images/boot.img', unixMode: 0o120777 },
        { name: 'images-link', data: 'images', unixMode: 0o120777 },
      ]),
    );
    const view = await openPackage(archive);
    const result = await extractPackage(view, destination);
    expect(result).toMatchObject({ files: 3, bytes: 200_007, skipped: ['images-link'] });
    expect(await tree(destination)).toEqual([
      'MT6797_Android_scatter.txt',
      'boot-link.img',
      'images',
      'images/boot.img',
    ]);
    expect((await readFile(join(destination, 'boot-link.img'))).equals(Buffer.alloc(100_000, 5))).toBe(true);
    expect(await readdir(join(sandbox, 'out'))).toEqual(['rom']);
  });

  it('unpacks a tgz in one pass', async () => {
    const { archive, destination } = await sandboxWith(
      'rom.tgz',
      buildTgz([
        { name: 'a/x.img', data: 'X' },
        { name: 'y.img', data: 'Y' },
      ]),
    );
    await extractPackage(await openPackage(archive), destination);
    expect(await tree(destination)).toEqual(['a', 'a/x.img', 'y.img']);
  });

  it.each([
    ['../evil.sh', 'package.unsafe-path'],
    ['../../evil.sh', 'package.unsafe-path'],
    ['/tmp/romctl-evil-absolute', 'package.unsafe-path'],
  ])('refuses %s and writes nothing anywhere', async (name, code) => {
    const { sandbox, archive, destination } = await sandboxWith(
      'rom.zip',
      zipOf([
        { name, data: 'x' },
        { name: 'ok', data: 'y' },
      ]),
    );
    await expectPackageError(extractPackage(await openPackage(archive), destination), code);
    expect(await tree(sandbox)).toEqual(['rom.zip']);
    expect(existsSync('/tmp/romctl-evil-absolute')).toBe(false);
  });

  it.each<[string, Buffer, string]>([
    ['links.tgz', buildTgz([{ name: 'l', type: '2', linkName: '../../outside' }]), 'package.link-escapes'],
    ['dev.tgz', buildTgz([{ name: 'sda', type: '4' }]), 'package.special-file'],
    [
      'dup.zip',
      zipOf([
        { name: 'a', data: '1' },
        { name: 'a', data: '2' },
      ]),
      'package.duplicate-entry',
    ],
    ['bomb.zip', zipOf([{ name: 'a', data: 'x', declaredSize: 1e12 }]), 'package.bomb'],
  ])('refuses %s before writing', async (name, bytes, code) => {
    const { sandbox, archive, destination } = await sandboxWith(name, bytes);
    await expectPackageError(extractPackage(await openPackage(archive), destination), code);
    expect(await tree(sandbox)).toEqual([name]);
  });

  it('cleans up when an entry turns out to lie about its size half-way', async () => {
    const { sandbox, archive, destination } = await sandboxWith(
      'liar.zip',
      zipOf([
        { name: 'first.img', data: Buffer.alloc(50_000, 1) },
        { name: 'liar.img', data: Buffer.alloc(500_000), declaredSize: 1000 },
      ]),
    );
    await expectPackageError(extractPackage(await openPackage(archive), destination), 'package.bomb');
    expect(await tree(sandbox)).toEqual(['liar.zip', 'out']);
    expect(await readdir(join(sandbox, 'out'))).toEqual([]);
  });

  it('stops at the total size limit and cleans up', async () => {
    const { sandbox, archive, destination } = await sandboxWith(
      'big.zip',
      zipOf([
        { name: 'a.img', data: Buffer.alloc(60_000, 1) },
        { name: 'b.img', data: Buffer.alloc(60_000, 2) },
      ]),
    );
    const view = await openPackage(archive);
    await expectPackageError(extractPackage(view, destination, { maxTotalBytes: 100_000 }), 'package.bomb');
    await expectPackageError(
      extractPackage(view, destination, { maxTotalRatio: 2, ratioFloorBytes: 10_000 }),
      'package.bomb',
    );
    expect(await readdir(join(sandbox, 'out'))).toEqual([]);
  });

  it('refuses an existing destination and names it', async () => {
    const { sandbox, archive } = await sandboxWith('rom.zip', zipOf([{ name: 'a', data: '1' }]));
    const error = await extractPackage(await openPackage(archive), sandbox).catch((e: unknown) => e);
    expect((error as Error).message).toContain('already exists');
  });
});
