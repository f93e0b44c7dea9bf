import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/index.js';
import { mtkPackageFiles, scratchFolder, writeTree } from '../builders/archives.js';
import { archiveFile, codes, expectPackageError, readAll, readEntry } from './helpers.js';

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('folder view', () => {
  it('lists a folder recursively in name order and reads files', async () => {
    const root = await scratchFolder();
    await writeTree(root, { ...mtkPackageFiles('images/'), 'flash_all.sh': '#!/bin/sh\n' });
    const view = await openPackage(root);
    expect(view.format).toBe('folder');
    expect(view.problems).toEqual([]);
    expect(view.entries().map((e) => e.path)).toEqual([
      'flash_all.sh',
      'images',
      'images/Checksum.ini',
      'images/MT6797_Android_scatter.txt',
      'images/boot.img',
      'images/preloader_nikel.bin',
    ]);
    expect((await readEntry(view, 'images/boot.img')).length).toBe(70_000);
    const seen: string[] = [];
    await view.forEach(
      async (entry, stream) => void seen.push(`${entry.path}:${(await readAll(stream)).length}`),
    );
    expect(seen).toContain('images/preloader_nikel.bin:2048');
  });

  it('follows links inside the folder and reports links that leave it', async () => {
    const root = await scratchFolder();
    const outside = await archiveFile('secret.txt', Buffer.from('secret'));
    await writeTree(join(root, 'rom'), {
      'images/boot.img': 'BOOT',
      'boot.img': { symlink: 'images/boot.img' },
      'escape.txt': { symlink: outside },
      'escape2.txt': { symlink: '../../../../../../etc/hostname' },
      'gone.img': { symlink: 'missing.img' },
    });
    const view = await openPackage(join(root, 'rom'));
    expect(codes(view).sort()).toEqual([
      'package.dangling-link',
      'package.link-escapes',
      'package.link-escapes',
    ]);
    expect((await readEntry(view, 'boot.img')).toString()).toBe('BOOT');
    await expectPackageError(view.open('escape.txt'), 'package.not-found');
  });

  it.skipIf(!hasMkfifo)('reports a FIFO without opening it', async () => {
    const root = await scratchFolder();
    await writeFile(join(root, 'boot.img'), 'b');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const view = await openPackage(root);
    expect(codes(view)).toEqual(['package.special-file']);
  });

  it('opens a single scatter file as a view of its own folder, not descending', async () => {
    const root = await scratchFolder();
    await writeTree(root, { ...mtkPackageFiles(), 'other/MT6765_Android_scatter.txt': 'x' });
    const view = await openPackage(join(root, 'MT6797_Android_scatter.txt'));
    expect(view.chosenScatter).toBe('MT6797_Android_scatter.txt');
    expect(view.entries().some((e) => e.path.startsWith('other/'))).toBe(false);
    expect(view.entry('boot.img')?.size).toBe(70_000);
  });
});

describe('openPackage', () => {
  it('gives one-line errors for missing paths, RAR/7z and unknown files', async () => {
    await expectPackageError(openPackage('/nonexistent/rom.zip'), 'package.not-found');
    await expectPackageError(
      openPackage(await archiveFile('rom.rar', Buffer.from('Rar!\x1a\x07\x00'))),
      'package.unreadable',
    );
    await expectPackageError(
      openPackage(await archiveFile('x.bin', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27]))),
      'package.unreadable',
    );
    await expectPackageError(
      openPackage(await archiveFile('firmware.bin', Buffer.alloc(10))),
      'package.unreadable',
    );
    await expectPackageError(
      openPackage(await archiveFile('empty.zip', Buffer.alloc(0))),
      'package.unreadable',
    );
  });
});
