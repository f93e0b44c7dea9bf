import { createHash, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrefixDigest } from '../../src/fetch/prefix-digest.js';
import { scratchFolder } from '../builders/archives.js';

const data = randomBytes(3 * 1024 * 1024 + 123);
const sha256 = createHash('sha256').update(data).digest('hex');
const md5 = createHash('md5').update(data).digest('hex');
let handle: FileHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function emptyFile(): Promise<FileHandle> {
  handle = await open(join(await scratchFolder(), 'blob.part'), 'w+');
  return handle;
}

/** Writes `bytes` at `position` and tells the digest, as the download's sink does. */
async function write(file: FileHandle, digest: PrefixDigest, position: number, bytes: Buffer): Promise<void> {
  await file.write(bytes, 0, bytes.length, position);
  digest.wrote(position, [bytes]);
}

describe('PrefixDigest', () => {
  it('hashes bytes written in order from memory, reading nothing back', async () => {
    const file = await emptyFile();
    const digest = new PrefixDigest(file, true);
    for (let at = 0; at < data.length; at += 65_536) {
      await write(file, digest, at, data.subarray(at, Math.min(at + 65_536, data.length)));
    }
    expect(await digest.finish(data.length)).toEqual({ sha256, md5 });
    expect(digest.readBack).toBe(0);
  });

  it('reads back a kept prefix once, then follows the new bytes', async () => {
    const file = await emptyFile();
    const kept = 1_000_000;
    await file.write(data, 0, kept, 0);
    const digest = new PrefixDigest(file, false);
    digest.have(0, kept);
    await digest.catchUp();
    for (let at = kept; at < data.length; at += 300_000) {
      await write(file, digest, at, data.subarray(at, Math.min(at + 300_000, data.length)));
    }
    expect(await digest.finish(data.length)).toEqual({ sha256 });
    expect(digest.readBack).toBe(kept);
  });

  it('gives the digest of the whole file when ranges arrive out of order', async () => {
    const file = await emptyFile();
    const digest = new PrefixDigest(file, false);
    const piece = 1 << 20;
    const order = [2, 0, 3, 1];
    for (const index of order) {
      const start = index * piece;
      await write(file, digest, start, data.subarray(start, Math.min(start + piece, data.length)));
      void digest.catchUp();
    }
    expect(await digest.finish(data.length)).toEqual({ sha256 });
  });

  it('starts over from the file when bytes already hashed are written again', async () => {
    const file = await emptyFile();
    const digest = new PrefixDigest(file, false);
    await write(file, digest, 0, Buffer.alloc(1000, 0x55));
    // a retried range rewrites the start with the real bytes
    await write(file, digest, 0, data.subarray(0, 2000));
    await write(file, digest, 2000, data.subarray(2000));
    expect(await digest.finish(data.length)).toEqual({ sha256 });
  });
});
