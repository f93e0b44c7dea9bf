/**
 * Archive writers for tests. They write what is asked, including what normal tools refuse to write: `../`
 * names, duplicates, sizes that lie, overlapping entries, cut-off files, device entries.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

export interface ZipEntrySpec {
  name: string | Buffer;
  data?: Buffer | string;
  /** default deflate */
  method?: 'store' | 'deflate';
  /** raw compression method number written to the headers (data is still stored as given) */
  methodNumber?: number;
  /** what the headers claim instead of the truth */
  declaredSize?: number;
  declaredCompressedSize?: number;
  crc?: number;
  flags?: number;
  /** Unix mode in the external attributes, e.g. 0o120777 for a symlink whose data is the target */
  unixMode?: number;
  /** sizes and offset in a zip64 extra field */
  zip64?: boolean;
  /** the central directory points at the local header of this earlier entry (overlapping-data bomb) */
  sameDataAs?: number;
}

export interface ZipOptions {
  /** end the archive with a zip64 end-of-central-directory record and locator */
  zip64Eocd?: boolean;
  /** claim this many entries in the end record */
  declaredEntryCount?: number;
}

const u16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value & 0xffff);
  return b;
};
const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
};
const u64 = (value: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
};

export function buildZip(entries: ZipEntrySpec[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = typeof spec.name === 'string' ? Buffer.from(spec.name, 'utf8') : spec.name;
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0));
    const deflate = (spec.method ?? 'deflate') === 'deflate';
    const body = deflate ? deflateRawSync(data) : data;
    const method = spec.methodNumber ?? (deflate ? 8 : 0);
    const crc = spec.crc ?? crc32(data);
    const size = spec.declaredSize ?? data.length;
    const compressed = spec.declaredCompressedSize ?? body.length;
    const flags = (spec.flags ?? 0) | (typeof spec.name === 'string' ? 0x800 : 0);
    const version = spec.zip64 ? 45 : 20;
    const sizeFields = spec.zip64 ? [u32(0xffffffff), u32(0xffffffff)] : [u32(compressed), u32(size)];
    const localExtra = spec.zip64
      ? Buffer.concat([u16(1), u16(16), u64(size), u64(compressed)])
      : Buffer.alloc(0);
    const here = spec.sameDataAs === undefined ? offset : (offsets[spec.sameDataAs] as number);
    offsets.push(here);
    if (spec.sameDataAs === undefined) {
      const local = Buffer.concat([
        u32(0x04034b50),
        u16(version),
        u16(flags),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        ...sizeFields,
        u16(name.length),
        u16(localExtra.length),
        name,
        localExtra,
        body,
      ]);
      locals.push(local);
      offset += local.length;
    }
    const centralExtra = spec.zip64
      ? Buffer.concat([u16(1), u16(24), u64(size), u64(compressed), u64(here)])
      : Buffer.alloc(0);
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(spec.unixMode === undefined ? version : (3 << 8) | version),
        u16(version),
        u16(flags),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        ...sizeFields,
        u16(name.length),
        u16(centralExtra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(spec.unixMode === undefined ? 0 : spec.unixMode * 0x10000),
        u32(spec.zip64 ? 0xffffffff : here),
        name,
        centralExtra,
      ]),
    );
  }
  const central = Buffer.concat(centrals);
  const count = options.declaredEntryCount ?? entries.length;
  const tail: Buffer[] = [];
  if (options.zip64Eocd) {
    const zip64EocdOffset = offset + central.length;
    tail.push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(count),
        u64(count),
        u64(central.length),
        u64(offset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(zip64EocdOffset), u32(1)]),
      Buffer.concat([
        u32(0x06054b50),
        u16(0),
        u16(0),
        u16(0xffff),
        u16(0xffff),
        u32(0xffffffff),
        u32(0xffffffff),
        u16(0),
      ]),
    );
  } else {
    tail.push(
      Buffer.concat([
        u32(0x06054b50),
        u16(0),
        u16(0),
        u16(count),
        u16(count),
        u32(central.length),
        u32(offset),
        u16(0),
      ]),
    );
  }
  return Buffer.concat([...locals, central, ...tail]);
}

export interface TarEntrySpec {
  name: string;
  /** ustar type flag: 0 file, 1 hard link, 2 symlink, 3 char device, 4 block device, 5 folder, 6 FIFO */
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  data?: Buffer | string;
  linkName?: string;
  /** what the header claims instead of the data's length */
  declaredSize?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(spec: TarEntrySpec, size: number): Buffer {
  const header = Buffer.alloc(512);
  const name = Buffer.from(spec.name, 'utf8');
  if (name.length > 100) throw new Error(`test tar builder: name longer than 100 bytes: ${spec.name}`);
  name.copy(header, 0);
  header.write(octal(spec.type === '5' ? 0o755 : 0o644, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  header.write(octal(size, 12), 124, 'latin1');
  header.write(octal(0o14000000000, 12), 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(spec.type ?? '0', 156, 'latin1');
  if (spec.linkName) header.write(spec.linkName, 157, 'utf8');
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

export function buildTar(entries: TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const spec of entries) {
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0));
    blocks.push(
      tarHeader(spec, spec.declaredSize ?? data.length),
      data,
      Buffer.alloc((512 - (data.length % 512)) % 512),
    );
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function buildTgz(entries: TarEntrySpec[]): Buffer {
  return gzipSync(buildTar(entries));
}

const scratch: string[] = [];
// each test file gets its own copy of this module: its folders go when that file's tests are done
afterAll(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary folder for one test, removed when the test file is done. */
export async function scratchFolder(prefix = 'romctl-pkg-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Writes `files` (path → content; a `{ symlink }` value makes a link) under `root`. */
export async function writeTree(
  root: string,
  files: Record<string, string | Buffer | { symlink: string }>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) await symlink(content.symlink, full);
    else await writeFile(full, content);
  }
}

/** A small MTK SP Flash Tool package: scatter, preloader-like and image files (contents are placeholders). */
export function mtkPackageFiles(prefix = ''): Record<string, string | Buffer> {
  return {
    [`${prefix}MT6797_Android_scatter.txt`]:
      '- general: MTK_PLATFORM_CFG\n  info:\n    - config_version: V1.1.2\n',
    [`${prefix}preloader_nikel.bin`]: Buffer.concat([Buffer.from('MMM\x01'), Buffer.alloc(2044, 0x11)]),
    [`${prefix}boot.img`]: Buffer.alloc(70_000, 0x42),
    [`${prefix}Checksum.ini`]: '[VERSION]\n',
  };
}

/** Bytes that do not compress much (a fixed pseudo-random sequence), so a cut lands inside the data. */
export function noisyBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}
