import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { SimStorage } from '../../src/sim/storage.js';

const MiB = 1024 * 1024;
const layout = { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 4 * MiB, user: 32 * 1024 * MiB };
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('simulated storage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'romctl-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a 32 GiB user area in one sparse file that costs only what was written', async () => {
    const path = join(dir, 'flash.img');
    const storage = await SimStorage.open(path, layout);
    const data = new Uint8Array(3 * MiB);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const far = 30 * 1024 * MiB + 123;
    await storage.write('user', far, data);
    await storage.write('boot1', 0, data.subarray(0, 1000));
    expect(Buffer.from(await storage.read('user', far, data.length)).equals(data)).toBe(true);
    expect(await storage.read('boot2', 0, 16)).toEqual(new Uint8Array(16));
    const info = await stat(path);
    expect(info.size).toBe(12 * MiB + 32 * 1024 * MiB);
    expect(info.blocks * 512).toBeLessThan(16 * MiB);
    await storage.close();
  });

  it('erases to zero and hashes ranges, holes included', async () => {
    const storage = await SimStorage.open(join(dir, 'flash.img'), layout);
    const data = new Uint8Array(10_000).fill(0xab);
    await storage.write('user', 5000, data);
    await storage.erase('user', 6000, 2000);
    const expected = new Uint8Array(20_000);
    expected.fill(0xab, 5000, 15_000);
    expected.fill(0, 6000, 8000);
    expect(Buffer.from(await storage.read('user', 0, 20_000)).equals(expected)).toBe(true);
    expect(await storage.sha256('user', 0, 20_000)).toBe(sha(expected));
    expect(await storage.sha256('rpmb')).toBe(sha(new Uint8Array(4 * MiB)));
    await storage.close();
  });

  it('refuses ranges outside a region with a device error', async () => {
    const storage = await SimStorage.open(join(dir, 'flash.img'), layout);
    for (const attempt of [
      () => storage.write('boot1', 4 * MiB - 1, Uint8Array.of(1, 2)),
      () => storage.read('boot2', -1, 1),
      () => storage.erase('user', BigInt(layout.user), 1n),
      () => storage.read('user', 0.5, 1),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RomctlError);
      expect((error as RomctlError).exitCode).toBe(4);
    }
    expect(await storage.read('boot1', 4 * MiB - 1, 1)).toEqual(Uint8Array.of(0));
    await storage.close();
  });

  it('reopens a kept file with its contents and its record of written ranges', async () => {
    const path = join(dir, 'flash.img');
    const first = await SimStorage.open(path, layout);
    await first.write('boot2', 100, Uint8Array.of(9, 8, 7));
    await first.close();
    const again = await SimStorage.open(path, layout);
    expect(await again.read('boot2', 100, 3)).toEqual(Uint8Array.of(9, 8, 7));
    expect(again.writtenBytes).toBe(3);
    await again.close();
    const wrongSize = await SimStorage.open(path, { ...layout, user: MiB }).catch((e: unknown) => e);
    expect((wrongSize as RomctlError).message).toMatch(/this phone's storage needs/);
  });
});
