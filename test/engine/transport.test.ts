import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BromClient } from '../../src/engine/brom.js';
import { Inbound } from '../../src/engine/transport/inbound.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { createPtyPair, socatAvailable, type PtyPair } from '../../src/engine/transport/pty.js';
import { openSerialTransport } from '../../src/engine/transport/serial.js';
import { TransportError, type Transport } from '../../src/engine/transport/types.js';
import { SimPhone, type DaServer } from '../../src/sim/phone.js';
import { startPtySim } from '../../src/sim/index.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';
import { nikelPreloader } from '../sim/fixtures.js';

if (!socatAvailable()) console.warn('pty tests skipped: socat is not installed (apt-get install socat)');

const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return (error as TransportError).failure;
};

describe('in-memory transport pair', () => {
  it('delivers exact-length reads across write boundaries, in order', async () => {
    const [a, b] = createMemoryPair();
    const first = b.read(3);
    const second = b.read(2);
    await a.write(Uint8Array.of(1, 2));
    await a.write(Uint8Array.of(3, 4, 5, 6));
    expect(await first).toEqual(Uint8Array.of(1, 2, 3));
    expect(await second).toEqual(Uint8Array.of(4, 5));
    expect(await b.read(1)).toEqual(Uint8Array.of(6));
  });

  it('times out a read, keeps what arrived, and drops it on discardInput', async () => {
    const [a, b] = createMemoryPair();
    await a.write(Uint8Array.of(9));
    expect(await failureOf(b.read(2, 20))).toBe('timeout');
    expect(await b.read(1, 20)).toEqual(Uint8Array.of(9));
    await a.write(Uint8Array.of(7, 7));
    b.discardInput();
    expect(await failureOf(b.read(1, 20))).toBe('timeout');
  });

  it('fails pending and later reads and writes with closed when either end closes', async () => {
    const [a, b] = createMemoryPair();
    await a.write(Uint8Array.of(1));
    const pending = failureOf(b.read(2, Infinity));
    await a.close();
    expect(await pending).toBe('closed');
    expect(b.closed).toBe(true);
    expect(await failureOf(b.write(Uint8Array.of(1)))).toBe('closed');
    expect(await failureOf(a.read(1))).toBe('closed');
  });

  it('lets bytes sent before the close still be read', async () => {
    const [a, b] = createMemoryPair();
    await a.write(Uint8Array.of(5, 6));
    await a.close();
    expect(await b.read(2)).toEqual(Uint8Array.of(5, 6));
  });
});

describe('bytes waiting on a link (Inbound)', () => {
  it('hands out what arrived in adjacent pieces of one read pool as one view, and copies across pools', async () => {
    const inbound = new Inbound('test link');
    const pool = Uint8Array.from({ length: 64 }, (_, i) => i);
    inbound.push(pool.subarray(0, 10));
    inbound.push(pool.subarray(10, 40));
    inbound.push(Uint8Array.of(200, 201));
    const first = await inbound.read(30, 1000);
    expect([...first]).toEqual([...pool.subarray(0, 30)]);
    expect(first.buffer).toBe(pool.buffer);
    const second = await inbound.read(12, 1000);
    expect([...second]).toEqual([...pool.subarray(30, 40), 200, 201]);
    expect(second.buffer).not.toBe(pool.buffer);
    await expect(inbound.read(1, 10)).rejects.toMatchObject({ failure: 'timeout' });
  });
});

describe.skipIf(!socatAvailable())('serial transport over a socat pty pair', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'romctl-pty-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function openPair(): Promise<{ pair: PtyPair; phone: Transport; host: Transport }> {
    const pair = await createPtyPair(dir);
    const phone = await openSerialTransport(pair.phonePath);
    const host = await openSerialTransport(pair.hostPath);
    return { pair, phone, host };
  }

  it('carries bytes both ways with exact-length reads', async () => {
    const { pair, phone, host } = await openPair();
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    const received = phone.read(big.length);
    await host.write(big);
    expect(Buffer.from(await received).equals(Buffer.from(big))).toBe(true);
    await phone.write(Uint8Array.of(0x5f));
    expect(await host.read(1)).toEqual(Uint8Array.of(0x5f));
    expect(await failureOf(host.read(1, 50))).toBe('timeout');
    await host.close();
    await phone.close();
    await pair.close();
  });

  it('gives closed to a waiting read when the link goes away (socat gone, as a pulled cable)', async () => {
    const { pair, phone, host } = await openPair();
    const pending = failureOf(host.read(4, Infinity));
    await pair.close();
    expect(await pending).toBe('closed');
    expect(host.closed).toBe(true);
    expect(await failureOf(host.write(Uint8Array.of(1)))).toBe('closed');
    await phone.close();
  });

  it('says what to do when the port does not exist', async () => {
    const error = (await openSerialTransport(join(dir, 'missing')).catch(
      (e: unknown) => e,
    )) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.oneLine()).toMatch(/missing: cannot open the port.*romctl detect/);
  });

  it('runs the BROM client against the simulated phone through the pty, DA hand-over included', async () => {
    const daServer: DaServer = async ({ transport, daImage }) => {
      await transport.write(Uint8Array.of(0xc0, daImage.length & 0xff));
      await transport.read(1, Infinity);
    };
    const phone = await SimPhone.create({ profile: resolveSimProfile('nikel'), daServer });
    await phone.storage.write('boot1', 0, nikelPreloader());
    await phone.reboot();
    const sim = await startPtySim(phone, dir);
    const host = await openSerialTransport(sim.hostPath);
    const client = new BromClient(host);
    await client.handshake({ preloaderPort: true });
    const id = await client.identify();
    expect(id).toMatchObject({ mode: 'preloader', hwCode: 0x279 });
    const da = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 13) & 0xff);
    await client.sendDa(0x200000, da, 0x100);
    await client.jumpDa(0x200000);
    expect(await host.read(2)).toEqual(Uint8Array.of(0xc0, 70_001 & 0xff));
    // the host closes its port and comes back, as romctl does between commands
    await host.close();
    const again = await openSerialTransport(sim.hostPath);
    await again.write(Uint8Array.of(0));
    await new BromClient(again).handshake();
    await phone.pullCable();
    await sim.served;
    expect(await failureOf(again.read(1, Infinity))).toBe('closed');
    await phone.close();
  });
});
