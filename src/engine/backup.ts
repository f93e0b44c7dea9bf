/**
 * A verified local copy of the protected partitions (IMEI, calibration: reference §6.6): one file per partition
 * and `manifest.json` with sha256s. Each file is hashed as it arrives from the phone, then read back from disk
 * and hashed again; a backup counts only when both agree. Restore writes a file back and verifies it by
 * read-back hash.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, RomctlError } from '../errors.js';
import type { DaClient, ProgressFn } from './da/client.js';
import type { Section } from './da/xflash-info.js';
import { inStep } from './step.js';

export interface BackupRange {
  partition: string;
  /** canonical name */
  name: string;
  section: Section;
  address: bigint;
  size: bigint;
}

export interface BackupEntry extends BackupRange {
  file: string;
  sha256: string;
}

export interface BackupManifest {
  version: 1;
  device: string;
  /** eMMC CID / UFS id of the phone the copy came from */
  storageId: string;
  createdAt: string;
  partitions: BackupEntry[];
}

export const MANIFEST = 'manifest.json';

function backupError(message: string, where: string, hint: string): RomctlError {
  return new RomctlError(message, { exitCode: ExitCode.device, where, hint });
}

/** Reads each range from the phone into `dir`, verifies the files, writes the manifest last. */
export async function backupPartitions(
  client: DaClient,
  ranges: readonly BackupRange[],
  dir: string,
  meta: { device: string; storageId: string },
  onProgress?: (label: string, done: bigint, total: bigint) => void,
): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  const partitions: BackupEntry[] = [];
  for (const range of ranges) {
    const file = `${range.name}.bin`;
    const path = join(dir, file);
    const hash = createHash('sha256');
    const handle = await open(path, 'w');
    const step = `backup ${range.partition}`;
    try {
      const progress: ProgressFn = (p) => onProgress?.(step, p.done, p.total);
      await inStep(step, async () => {
        for await (const piece of client.read(range.section, range.address, range.size, progress)) {
          hash.update(piece);
          await handle.write(piece);
        }
      });
      await handle.sync();
    } finally {
      await handle.close();
    }
    const sha256 = hash.digest('hex');
    const onDisk = await hashFile(path);
    if (onDisk !== sha256) {
      throw backupError(
        `the backup of ${range.partition} reads back differently from disk`,
        path,
        'the backup folder is on a failing disk: choose another --backup-dir',
      );
    }
    partitions.push({ ...range, file, sha256 });
  }
  const manifest: BackupManifest = {
    version: 1,
    ...meta,
    createdAt: new Date().toISOString(),
    partitions,
  };
  const text = JSON.stringify(
    manifest,
    (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v),
    2,
  );
  await writeFile(join(dir, `${MANIFEST}.tmp`), text);
  await rename(join(dir, `${MANIFEST}.tmp`), join(dir, MANIFEST));
  return manifest;
}

/** The manifest in `dir` with every file re-hashed; a missing or changed file is an error. */
export async function loadVerifiedBackup(dir: string): Promise<BackupManifest> {
  const where = join(dir, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(where, 'utf8'));
  } catch (error) {
    throw new RomctlError(`no readable backup manifest (${(error as Error).message})`, {
      exitCode: ExitCode.badInput,
      where,
      hint: 'give the folder romctl backup or romctl flash wrote (--backup-dir)',
    });
  }
  const manifest = parseManifest(raw, where);
  for (const entry of manifest.partitions) {
    const path = join(dir, entry.file);
    const actual = await hashFile(path).catch(() => null);
    if (actual !== entry.sha256) {
      throw new RomctlError(
        `the backup of ${entry.partition} is ${actual === null ? 'missing' : 'changed'}`,
        {
          exitCode: ExitCode.download,
          where: path,
          hint: 'this backup cannot be trusted: restore it from another copy before flashing',
        },
      );
    }
  }
  return manifest;
}

/** Writes a backed-up file to `target` and verifies it by read-back hash. */
export async function restorePartition(
  client: DaClient,
  dir: string,
  entry: BackupEntry,
  target: { section: Section; address: bigint; size: bigint },
  onProgress?: ProgressFn,
): Promise<void> {
  if (entry.size > target.size) {
    throw new RomctlError(
      `the backup of ${entry.partition} (${entry.size} bytes) does not fit the new partition (${target.size} bytes)`,
      { exitCode: ExitCode.refused, where: join(dir, entry.file), hint: 'use a package with this layout' },
    );
  }
  const path = join(dir, entry.file);
  await client.write(target.section, target.address, fileChunks(path), entry.size, onProgress);
  const back = await client.sha256(target.section, target.address, entry.size);
  if (back !== entry.sha256) {
    throw backupError(
      `${entry.partition} reads back differently after the restore`,
      `${target.section} @ 0x${target.address.toString(16)}`,
      `the phone's storage is failing; the verified copy stays in ${dir}`,
    );
  }
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
}

function parseManifest(raw: unknown, where: string): BackupManifest {
  const bad = (what: string) =>
    new RomctlError(`the backup manifest is not valid: ${what}`, {
      exitCode: ExitCode.badInput,
      where,
      hint: 'give the folder romctl backup or romctl flash wrote (--backup-dir)',
    });
  const m = raw as Partial<Omit<BackupManifest, 'partitions'>> & { partitions?: unknown };
  if (typeof m !== 'object' || m === null || m.version !== 1 || !Array.isArray(m.partitions))
    throw bad('version or partition list');
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== 'string' || !/^0x[0-9a-f]+$/i.test(v)) throw bad(what);
    return BigInt(v);
  };
  const partitions = (m.partitions as Array<Record<string, unknown>>).map((p, i): BackupEntry => {
    const text = (key: string) => {
      const v = p[key];
      if (typeof v !== 'string' || v === '') throw bad(`partition ${i} ${key}`);
      return v;
    };
    const section = text('section');
    if (section !== 'user' && section !== 'boot1' && section !== 'boot2') throw bad(`partition ${i} section`);
    const file = text('file');
    if (file.includes('/') || file.includes('\\') || file.startsWith('.')) throw bad(`partition ${i} file`);
    return {
      partition: text('partition'),
      name: text('name'),
      section,
      address: big(p.address, `partition ${i} address`),
      size: big(p.size, `partition ${i} size`),
      file,
      sha256: text('sha256'),
    };
  });
  return {
    version: 1,
    device: String(m.device ?? ''),
    storageId: String(m.storageId ?? ''),
    createdAt: String(m.createdAt ?? ''),
    partitions,
  };
}
