import { open, stat } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { RomctlError } from '../errors.js';
import { openFolder } from './folder-view.js';
import { openTar } from './tar-view.js';
import { PackageError, defaultPackageLimits, type PackageLimits, type PackageView } from './types.js';
import { openZip } from './zip-view.js';

/**
 * Opens a ROM package as one read-only view: a folder, a zip, a tar / tar.gz / tgz / Samsung .tar.md5, or a
 * single scatter (or other text) file — then the view is that file's folder, not descended into, with the file
 * noted as the chosen scatter. The container is recognised by its first bytes, the name only breaks ties.
 */
export async function openPackage(path: string, limits: Partial<PackageLimits> = {}): Promise<PackageView> {
  const effective = { ...defaultPackageLimits, ...limits };
  try {
    const info = await stat(path);
    if (info.isDirectory()) return await openFolder(path, { limits: effective, recursive: true });
    if (!info.isFile()) throw new PackageError('package.unreadable', 'not a file or folder', { where: path });
    const container = detectContainer(await readHead(path), path);
    switch (container) {
      case 'zip':
        return await openZip(path, info.size, effective);
      case 'tar':
        return await openTar(path, info.size, effective);
      case 'text': {
        const view = await openFolder(dirname(path), { limits: effective, recursive: false });
        view.chosenScatter = basename(path);
        return view;
      }
    }
  } catch (error) {
    throw asOpenError(error, path);
  }
}

type Container = 'zip' | 'tar' | 'text';

const headBytes = 512;

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(headBytes);
    const { bytesRead } = await handle.read(buffer, 0, headBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** files that are often saved under an archive's name: an image, a document, a web page instead of the file */
const NOT_ARCHIVES: { test: (head: Buffer) => boolean; what: string; hint: string }[] = [
  {
    test: (h) => h.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
    what: 'a PNG image',
    hint: 'renamed?',
  },
  {
    test: (h) => h.length >= 3 && h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
    what: 'a JPEG image',
    hint: 'renamed?',
  },
  { test: (h) => /^GIF8[79]a/.test(h.toString('latin1', 0, 6)), what: 'a GIF image', hint: 'renamed?' },
  { test: (h) => h.toString('latin1', 0, 5) === '%PDF-', what: 'a PDF document', hint: 'renamed?' },
  {
    test: (h) => /^\s*(<!doctype html|<html|<head|<\?xml[^>]*>\s*<html)/i.test(h.toString('latin1')),
    what: 'a web page',
    hint: 'the download saved the site’s page (a login, a captcha or an error), not the file',
  },
];

function detectContainer(head: Buffer, path: string): Container {
  const name = basename(path).toLowerCase();
  if (head.length >= 4 && head.readUInt16BE(0) === 0x504b) return 'zip'; // PK: local header or empty archive
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar'; // gzip
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  const impostor =
    /\.(zip|tar|tar\.md5|tgz|tar\.gz)$/.test(name) && NOT_ARCHIVES.find((kind) => kind.test(head));
  if (impostor) {
    throw new PackageError(
      'package.unreadable',
      `this is ${impostor.what}, not an archive (${impostor.hint})`,
      {
        where: path,
        hint: 'get the firmware package itself (a zip or tgz), then check it again',
      },
    );
  }
  if (/\.(zip)$/.test(name)) return 'zip'; // a self-extracting or prefixed zip: yauzl reads from the end
  if (/\.(tar|tar\.md5|tgz|tar\.gz)$/.test(name)) return 'tar';
  if (head.length >= 4 && (head.toString('latin1', 0, 4) === 'Rar!' || head.readUInt32BE(0) === 0x377abcaf)) {
    throw new PackageError('package.unreadable', 'RAR and 7z archives are not supported', {
      where: path,
      hint: 'unpack it with unrar / 7z and pass the folder',
    });
  }
  if (['.txt', '.xml', '.cfg'].includes(extname(name))) return 'text';
  throw new PackageError('package.unreadable', 'not a zip, tar, tar.gz, folder or scatter file', {
    where: path,
    hint: 'pass the ROM package (zip / tgz / folder) or its *_Android_scatter.txt',
  });
}

function asOpenError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof RomctlError || typeof code !== 'string') return error;
  const message =
    code === 'ENOENT'
      ? 'no such file or folder'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : `cannot read: ${error instanceof Error ? error.message : String(error)}`;
  const where = (error as NodeJS.ErrnoException | undefined)?.path ?? path;
  return new PackageError(code === 'ENOENT' ? 'package.not-found' : 'package.unreadable', message, {
    where,
    cause: error,
  });
}
