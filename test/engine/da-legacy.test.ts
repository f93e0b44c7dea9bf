import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySpecOf, type MemoryIdentity } from '../../src/engine/da/client.js';
import { DaStatusError } from '../../src/engine/da/da-status.js';
import { LegacyCmd, EXT_RAM_NO_MATCH } from '../../src/engine/da/legacy-protocol.js';
import { Status } from '../../src/engine/da/xflash-protocol.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { TransportError } from '../../src/engine/transport/types.js';
import { RomctlError } from '../../src/errors.js';
import { matchMemory, parsePreloader, buildPreloader } from '../../src/formats/preloader/index.js';
import { serveLegacyDa } from '../../src/sim/da-legacy.js';
import { daPhoneOf } from '../../src/sim/da-phone.js';
import type { SimPhone } from '../../src/sim/index.js';
import { filledWith, MiB, pattern } from './da-helpers.js';
import {
  connectLegacy,
  foreignRecords,
  legacyBringUp,
  legacyStages,
  P780_CID,
  p780Phone,
  p780Records,
} from './da-legacy-helpers.js';

const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});
async function makePhone(): Promise<SimPhone> {
  const phone = await p780Phone();
  phones.push(phone);
  return phone;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('legacy DA bring-up', () => {
  it('hands the device id to the memory check before ENABLE_DRAM, then trains DRAM and runs DA2', async () => {
    const phone = await makePhone();
    const recording = new RecordingTransport(connectLegacy(phone).host);
    const seen: { memory: MemoryIdentity; bytesSentBefore: number }[] = [];
    const client = await legacyBringUp(recording, {
      checkMemory: (memory) => {
        seen.push({ memory, bytesSentBefore: recording.log.filter((c) => c.direction === 'out').length });
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.memory).toEqual({ kind: 'emmc', id: P780_CID });
    const out = recording.log.filter((c) => c.direction === 'out').map((c) => c.bytes);
    const enableDram = out.findIndex((bytes) => bytes[0] === LegacyCmd.ENABLE_DRAM && bytes.length === 5);
    expect(enableDram).toBeGreaterThanOrEqual(seen[0]!.bytesSentBefore);
    expect(client.needsDramInit).toBe(true);
    expect(await client.storageInfo()).toMatchObject({
      kind: 'emmc',
      blockSize: 512,
      id: P780_CID,
      userSize: BigInt(phone.storage.size('user')),
      boot1Size: BigInt(phone.storage.size('boot1')),
    });
    const bloader = parsePreloader(
      buildPreloader({ fileName: 'preloader_prada.bin', bloaderVersion: 10, records: p780Records }),
    ).bloader;
    expect(matchMemory(bloader, memorySpecOf(seen[0]!.memory)).verdict).toBe('match');
  });

  it("EMI records without the phone's memory fail with m_ext_ram_ret 3012 and nothing is written", async () => {
    const phone = await makePhone();
    const error = await legacyBringUp(connectLegacy(phone).host, { records: foreignRecords }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DaStatusError);
    expect((error as DaStatusError).status).toBe(EXT_RAM_NO_MATCH);
    expect((error as DaStatusError).step).toMatch(/^ENABLE_DRAM/);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it('no EMI block at all (unknown version) fails DRAM setup the same way', async () => {
    const phone = await makePhone();
    const error = await legacyBringUp(connectLegacy(phone).host, { emiBlock: new Uint8Array(0) }).catch(
      (e: unknown) => e,
    );
    expect((error as DaStatusError).status).toBe(EXT_RAM_NO_MATCH);
  });

  it('stops before ENABLE_DRAM when the memory check refuses', async () => {
    const phone = await makePhone();
    const recording = new RecordingTransport(connectLegacy(phone).host);
    const refusal = new RomctlError('not this phone');
    const error = await legacyBringUp(recording, {
      checkMemory: () => {
        throw refusal;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(refusal);
    const out = recording.log.filter((c) => c.direction === 'out').map((c) => c.bytes);
    expect(out.some((bytes) => bytes[0] === LegacyCmd.ENABLE_DRAM && bytes.length === 5)).toBe(false);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it('refuses a DA2 that does not match the hash DA1 carries', async () => {
    const phone = await makePhone();
    const { da2 } = legacyStages();
    const forged = { ...da2, bytes: da2.bytes.map((b, i) => (i === 200 ? b ^ 1 : b)) };
    const error = await legacyBringUp(connectLegacy(phone).host, { da2: forged }).catch((e: unknown) => e);
    expect((error as DaStatusError).status).toBe(Status.DA_HASH_MISMATCH);
  });
});

describe('legacy DA flash operations', () => {
  it('writes user and boot1 ranges and reads them back identical, with progress', async () => {
    const phone = await makePhone();
    const client = await legacyBringUp(connectLegacy(phone).host);
    const data = pattern(3 * MiB + 700, 1);
    const progress: bigint[] = [];
    await client.write('user', 0x100000n, data, BigInt(data.length), (p) => progress.push(p.done));
    expect(progress.at(-1)).toBe(BigInt(data.length));
    expect(await client.sha256('user', 0x100000n, BigInt(data.length))).toBe(sha(data));
    // the odd tail was padded with zeros to a whole sector
    expect(filledWith(await client.readAll('user', 0x100000n + BigInt(data.length), 324n), 0)).toBe(true);
    const boot = pattern(4096, 2);
    await client.write('boot1', 0n, boot, 4096n);
    expect(await client.readAll('boot1', 0n, 4096n)).toEqual(boot);
    expect(await phone.storage.read('user', 0x100000n, 4096)).toEqual(data.subarray(0, 4096));
  });

  it('a large erase answers every progress report (ACK, ACK, u32, percent) and ends at 100 %', async () => {
    const phone = await makePhone();
    const client = await legacyBringUp(connectLegacy(phone).host);
    const length = 600n * BigInt(MiB);
    await client.write('user', length - BigInt(MiB), pattern(MiB, 5), BigInt(MiB));
    const reports: bigint[] = [];
    await client.format('user', 0n, length, (p) => reports.push(p.done));
    // the simulated DA erases 256 MiB per step: 42 %, 85 %, 100 %
    expect(reports).toEqual([(length * 42n) / 100n, (length * 85n) / 100n, length]);
    expect(filledWith(await client.readAll('user', length - BigInt(MiB), BigInt(MiB)), 0)).toBe(true);
    expect(await client.readAll('user', 0n, 512n)).toEqual(new Uint8Array(512));
  });

  it('erases a range to zeros and reports 100 %', async () => {
    const phone = await makePhone();
    const client = await legacyBringUp(connectLegacy(phone).host);
    await client.write('user', 0n, pattern(MiB, 3), BigInt(MiB));
    let last = 0n;
    await client.format('user', 0n, BigInt(MiB), (p) => (last = p.done));
    expect(last).toBe(BigInt(MiB));
    expect(filledWith(await client.readAll('user', 0n, BigInt(MiB)), 0)).toBe(true);
  });

  it('a write past the end of the section is refused with the DA status and writes nothing', async () => {
    const phone = await makePhone();
    const client = await legacyBringUp(connectLegacy(phone).host);
    const end = BigInt(phone.storage.size('boot1'));
    const error = await client.write('boot1', end, pattern(512, 4), 512n).catch((e: unknown) => e);
    expect((error as DaStatusError).status).toBe(Status.EXCEED_AVAILABLE_RANGE);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it('an erased phone has no GPT', async () => {
    const phone = await makePhone();
    const client = await legacyBringUp(connectLegacy(phone).host);
    expect(await client.partitionTable()).toBeNull();
  });

  it('FINISH ends the DA session', async () => {
    const phone = await makePhone();
    const { host, served } = connectLegacy(phone);
    const client = await legacyBringUp(host);
    await client.shutdown();
    await served;
  });

  it('a cable pull mid-write is a TransportError', async () => {
    const phone = await makePhone();
    const { host, device } = connectLegacy(phone);
    const client = await legacyBringUp(host);
    const data = pattern(8 * MiB, 9);
    const error = await client
      .write('user', 0n, data, BigInt(data.length), (p) => {
        if (p.done === 2n * BigInt(MiB)) void device.close();
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('closed');
  });
});

describe('legacy DA robustness', () => {
  it('whatever a broken DA sends, bring-up ends in a RomctlError, never another exception or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const [host, device] = createMemoryPair();
        await device.write(bytes);
        await device.close();
        const error = await legacyBringUp(host, { timeoutMs: 50 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RomctlError);
      }),
      { numRuns: 60 },
    );
  });

  it('a mutated valid DA stream is a RomctlError or a working client, never another exception', async () => {
    const phone = await makePhone();
    const recording = new RecordingTransport(connectLegacy(phone).host);
    await legacyBringUp(recording);
    const valid = Buffer.concat(recording.log.filter((c) => c.direction === 'in').map((c) => c.bytes));
    await fc.assert(
      fc.asyncProperty(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const mutated = Uint8Array.from(valid);
        mutated[at] = mutated[at]! ^ flip;
        const [host, device] = createMemoryPair();
        await device.write(mutated);
        await device.close();
        await legacyBringUp(host, { timeoutMs: 50 }).catch((e: unknown) => {
          expect(e).toBeInstanceOf(RomctlError);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('the simulated DA given random host bytes ends when the link closes, without another exception', async () => {
    const phone = await makePhone();
    const da1 = legacyStages().da1.bytes;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const [host, device] = createMemoryPair();
        const served = serveLegacyDa({ transport: device, phone: daPhoneOf(phone), daImage: da1 });
        await host.write(bytes);
        await host.close();
        await served;
      }),
      { numRuns: 40 },
    );
    expect(phone.storage.writtenBytes).toBe(0);
  });
});
