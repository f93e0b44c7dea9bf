import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DaStatusError } from '../../src/engine/da/da-status.js';
import { buildGpt } from '../../src/engine/da/gpt-build.js';
import { sparseRuns } from '../../src/engine/da/sparse-runs.js';
import { ChecksumLevel, Cmd, Ctrl, Status } from '../../src/engine/da/xflash-protocol.js';
import { memorySpecOf, XFlashClient, type Progress } from '../../src/engine/da/xflash.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { TransportError, type Transport } from '../../src/engine/transport/types.js';
import { RomctlError } from '../../src/errors.js';
import { buildSparseImage } from '../../src/formats/image/sparse-build.js';
import { matchMemory, parsePreloader, buildPreloader } from '../../src/formats/preloader/index.js';
import { encodeFrameHeader, u32le } from '../../src/engine/da/xflash-link.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import {
  connect,
  emiBlock,
  filledWith,
  fittingRecords,
  foreignRecords,
  HYNIX_CID,
  makePhone as newPhone,
  MiB,
  pattern,
  pieces,
  readyClient,
  stagesFor,
  UFS_ID,
  ufsRecords,
} from './da-helpers.js';
import { BromClient } from '../../src/engine/brom.js';
import type { SimPhone } from '../../src/sim/index.js';

const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});
async function makePhone(kind: 'emmc' | 'ufs' = 'emmc'): Promise<SimPhone> {
  const phone = await newPhone(kind);
  phones.push(phone);
  return phone;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** the u32 command codes the host sent as 4-byte frames */
function commandsSent(recording: RecordingTransport): number[] {
  const codes: number[] = [];
  const out = recording.log.filter((c) => c.direction === 'out').map((c) => c.bytes);
  for (let i = 0; i + 1 < out.length; i++) {
    const header = out[i]!;
    const payload = out[i + 1]!;
    if (header.length === 12 && payload.length === 4)
      codes.push(new DataView(payload.buffer).getUint32(0, true));
  }
  return codes;
}

describe('XFlash bring-up', () => {
  it('reports the eMMC CID in DA1 before INIT_EXT_RAM, so the preloader EMI rule runs before DRAM setup', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    const recording = new RecordingTransport(host);
    const client = await XFlashClient.start(recording);
    expect(client.connectionAgent).toBe('brom');
    expect(client.needsDramInit).toBe(true);
    const info = await client.storageInfo();
    expect(info).toMatchObject({
      kind: 'emmc',
      blockSize: 512,
      id: HYNIX_CID,
      userSize: BigInt(phone.storage.size('user')),
    });
    expect(commandsSent(recording)).not.toContain(Cmd.INIT_EXT_RAM);

    const fitting = parsePreloader(
      buildPreloader({ fileName: 'preloader_a.bin', bloaderVersion: 35, records: fittingRecords }),
    );
    expect(matchMemory(fitting.bloader, memorySpecOf(info)).verdict).toBe('match');
    const foreign = parsePreloader(
      buildPreloader({ fileName: 'preloader_b.bin', bloaderVersion: 35, records: foreignRecords }),
    );
    expect(matchMemory(foreign.bloader, memorySpecOf(info)).verdict).toBe('no-match');
  });

  it('stops before INIT_EXT_RAM when the memory check refuses', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    const recording = new RecordingTransport(host);
    const { da2 } = stagesFor();
    const refusal = new RomctlError('preloader does not fit', { exitCode: 1 });
    await expect(
      XFlashClient.bringUp(recording, {
        emiBlock: emiBlock(foreignRecords),
        da2,
        checkMemory: () => {
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(commandsSent(recording)).not.toContain(Cmd.INIT_EXT_RAM);
    expect(commandsSent(recording)).not.toContain(Cmd.BOOT_TO);
  });

  it('a wrong EMI block fails INIT_EXT_RAM with STATUS_EMI_SETTING_VERSION_ERROR and nothing else works', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    const client = await XFlashClient.start(host);
    const error = await client.initExtRam(emiBlock(foreignRecords)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaStatusError);
    expect((error as DaStatusError).status).toBe(Status.EMI_SETTING_VERSION_ERROR);
    expect((error as DaStatusError).exitCode).toBe(4);
    expect((error as DaStatusError).oneLine()).toMatch(/STATUS_EMI_SETTING_VERSION_ERROR \(0xC0040050\)/);
    const again = await client.bootTo(stagesFor().da2).catch((e: unknown) => e);
    expect((again as DaStatusError).status).toBe(Status.EMI_SETTING_VERSION_ERROR);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it('after a failed INIT_EXT_RAM another EMI block can be tried, and the right one lets DA2 start', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    const client = await XFlashClient.start(host);
    await expect(client.initExtRam(emiBlock(foreignRecords))).rejects.toBeInstanceOf(DaStatusError);
    await client.initExtRam(emiBlock(fittingRecords));
    await client.bootTo(stagesFor().da2);
    expect(client.inStage1).toBe(false);
  });

  it('DA1 answers the DEVICE_CTRL queries a real XFlash DA answers', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    const client = await XFlashClient.start(host);
    const text = async (code: number) => Buffer.from(await client.deviceGet(code)).toString('latin1');
    const word = async (code: number) => Buffer.from(await client.deviceGet(code)).readUInt32LE(0);
    expect(await text(Ctrl.GET_USB_SPEED)).toBe('high-speed');
    expect(await text(Ctrl.GET_DA_VERSION)).toMatch(/\S/);
    expect(await client.deviceGet(Ctrl.GET_RANDOM_ID)).toHaveLength(16);
    expect(await word(Ctrl.SLA_ENABLED_STATUS)).toBe(0);
    expect(await client.deviceGet(Ctrl.GET_EXPIRE_DATE)).toHaveLength(4);
    // no NAND, no NOR: type 0 in replies shaped as mtkclient reads them (45 and 16 bytes)
    expect(Array.from(await client.deviceGet(Ctrl.GET_NAND_INFO))).toEqual(new Array(45).fill(0));
    expect(Array.from(await client.deviceGet(Ctrl.GET_NOR_INFO))).toEqual(new Array(16).fill(0));
    const ramBefore = Buffer.from(await client.deviceGet(Ctrl.GET_RAM_INFO));
    expect(ramBefore).toHaveLength(48);
    expect(ramBefore.readBigUInt64LE(40)).toBe(0n);
    await client.initExtRam(emiBlock(fittingRecords));
    const ram = Buffer.from(await client.deviceGet(Ctrl.GET_RAM_INFO));
    expect(ram.readBigUInt64LE(40)).toBe(phone.profile.dram.rankSizes.reduce((a, b) => a + b, 0n));
    expect(await client.chipId()).toMatchObject({ hwCode: 0x279, hwVersion: 0xca00 });
    await expect(client.deviceGet(0x04ffff)).rejects.toMatchObject({ status: Status.UNSUPPORT_CTRL_CODE });
  });

  it('garbage instead of an EMI block is STATUS_EMI_HDR_INVALID', async () => {
    const { host } = connect(await makePhone());
    const client = await XFlashClient.start(host);
    const error = await client.initExtRam(pattern(300, 1)).catch((e: unknown) => e);
    expect((error as DaStatusError).status).toBe(Status.EMI_HDR_INVALID);
  });

  it('refuses a DA2 that does not match the hash DA1 carries', async () => {
    const { host } = connect(await makePhone());
    const client = await XFlashClient.start(host);
    await client.initExtRam(emiBlock(fittingRecords));
    const da2 = stagesFor().da2;
    const altered = da2.bytes.slice();
    altered[100] = altered[100]! ^ 1;
    const error = await client
      .bootTo({ bytes: altered, loadAddress: da2.loadAddress })
      .catch((e: unknown) => e);
    expect((error as DaStatusError).status).toBe(Status.DA_HASH_MISMATCH);
  });

  it('a phone given a DA for another chip never answers: a TransportError timeout, not a hang', async () => {
    const { host } = connect(await makePhone(), stagesFor(0x6755).da1.bytes);
    const error = await XFlashClient.start(host, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('timeout');
    expect((error as TransportError).exitCode).toBe(4);
  });

  it('flash operations before DA2 are refused by the client', async () => {
    const { host } = connect(await makePhone());
    const client = await XFlashClient.start(host);
    await expect(client.write('user', 0n, new Uint8Array(512), 512n)).rejects.toThrow(/needs DA2/);
  });
});

describe('XFlash flash operations against the simulated DA', () => {
  it('writes a range and reads it back identical, with progress', async () => {
    const phone = await makePhone();
    const client = await readyClient(phone);
    const data = pattern(3 * MiB + 4096, 7);
    const progress: Progress[] = [];
    await client.write('user', 0x100000n, pieces(data, 100_000), BigInt(data.length), (p) =>
      progress.push(p),
    );
    expect(progress.at(-1)).toEqual({ done: BigInt(data.length), total: BigInt(data.length) });
    expect(progress.length).toBe(4);
    expect(await phone.storage.sha256('user', 0x100000, data.length)).toBe(sha(data));
    const back = await client.readAll('user', 0x100000n, BigInt(data.length));
    expect(sha(back)).toBe(sha(data));
    expect(await client.sha256('user', 0x100000n, BigInt(data.length))).toBe(sha(data));
  });

  it('pads the last sector of an odd-sized write with zeros', async () => {
    const phone = await makePhone();
    await phone.storage.write('boot1', 0, new Uint8Array(2048).fill(0xaa));
    const client = await readyClient(phone);
    const data = pattern(1000, 3);
    await client.write('boot1', 0n, data, 1000n);
    const boot1 = await phone.storage.read('boot1', 0, 2048);
    expect(sha(boot1.subarray(0, 1000))).toBe(sha(data));
    expect(filledWith(boot1.subarray(1000, 1024), 0)).toBe(true);
    expect(boot1[1024]).toBe(0xaa);
  });

  it('a write past the end of the section is STATUS_EXCEED_AVAILABLE_RANGE and writes nothing', async () => {
    const phone = await makePhone();
    const client = await readyClient(phone);
    const error = await client
      .write('boot2', 4n * BigInt(MiB) - 512n, new Uint8Array(1024), 1024n)
      .catch((e) => e);
    expect((error as DaStatusError).status).toBe(Status.EXCEED_AVAILABLE_RANGE);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it('erases a range to zeros', async () => {
    const phone = await makePhone();
    await phone.storage.write('user', 0, new Uint8Array(0x800000).fill(0x5a));
    const client = await readyClient(phone);
    const progress: Progress[] = [];
    await client.format('user', 0x200000n, 0x400000n, (p) => progress.push(p));
    const user = await phone.storage.read('user', 0, 0x800000);
    expect(filledWith(user.subarray(0x200000, 0x600000), 0)).toBe(true);
    expect(user[0x1fffff]).toBe(0x5a);
    expect(user[0x600000]).toBe(0x5a);
    expect(progress.at(-1)).toEqual({ done: 0x400000n, total: 0x400000n });
  });

  it('writes a sparse image expanded: RAW and FILL land, DONT_CARE leaves the old bytes', async () => {
    const phone = await makePhone();
    await phone.storage.write('user', 0, new Uint8Array(0x20000).fill(0x77));
    const client = await readyClient(phone);
    const raw = pattern(8192, 11);
    const image = buildSparseImage({
      chunks: [
        { type: 'raw', data: raw },
        { type: 'fill', blocks: 3, pattern: 0x01020304 },
        { type: 'dont-care', blocks: 2 },
        { type: 'raw', data: raw.subarray(0, 4096) },
      ],
    });
    const base = 0x10000n;
    const size = await client.writeSparse('user', base, pieces(image, 1000));
    expect(size).toBe(8n * 4096n);
    const user = await phone.storage.read('user', base, 8 * 4096);
    expect(sha(user.subarray(0, 8192))).toBe(sha(raw));
    const fill = new DataView(user.buffer, user.byteOffset + 8192, 3 * 4096);
    for (let i = 0; i < 3 * 4096; i += 4) expect(fill.getUint32(i, true)).toBe(0x01020304);
    expect(filledWith(user.subarray(5 * 4096, 7 * 4096), 0x77)).toBe(true);
    expect(sha(user.subarray(7 * 4096, 8 * 4096))).toBe(sha(raw.subarray(0, 4096)));
  });

  it('writes a sparse image of several 8 MiB runs byte-exact while the next run is being read', async () => {
    const phone = await makePhone();
    const client = await readyClient(phone);
    const raw = pattern(20 * 1024 * 1024 + 4096, 29);
    const image = buildSparseImage({
      chunks: [
        { type: 'raw', data: raw },
        { type: 'dont-care', blocks: 4 },
        { type: 'raw', data: raw.subarray(0, 9 * 1024 * 1024) },
      ],
    });
    const runs: Array<[bigint, number]> = [];
    await sparseRuns(pieces(image, 1 << 20), 'system', async (offset, bytes) => {
      runs.push([offset, bytes.length]);
      await client.write('user', offset, bytes, BigInt(bytes.length));
    });
    expect(runs).toEqual([
      [0n, 8 * 1024 * 1024],
      [8n * 1024n * 1024n, 8 * 1024 * 1024],
      [16n * 1024n * 1024n, 4 * 1024 * 1024 + 4096],
      [BigInt(raw.length + 4 * 4096), 8 * 1024 * 1024],
      [BigInt(raw.length + 4 * 4096 + 8 * 1024 * 1024), 1024 * 1024],
    ]);
    expect(await phone.storage.sha256('user', 0, raw.length)).toBe(sha(raw));
    expect(await phone.storage.sha256('user', raw.length + 4 * 4096, 9 * 1024 * 1024)).toBe(
      sha(raw.subarray(0, 9 * 1024 * 1024)),
    );
  });

  it('reads the GPT from the user area; an erased device has none', async () => {
    const phone = await makePhone();
    const client = await readyClient(phone);
    expect(await client.partitionTable()).toBeNull();
    const gpt = buildGpt({
      diskSize: BigInt(phone.storage.size('user')),
      partitions: [
        { name: 'proinfo', start: 0x80000n, size: 0x300000n },
        { name: 'nvram', start: 0x380000n, size: 0x500000n },
      ],
    });
    await phone.storage.write('user', 0, gpt);
    const table = await client.partitionTable();
    expect(table?.partitions.map((p) => [p.name, p.start, p.size])).toEqual([
      ['proinfo', 0x80000n, 0x300000n],
      ['nvram', 0x380000n, 0x500000n],
    ]);
  });

  it('checksum level 0 by default, as real clients; at level 1 a corrupted packet is STATUS_CHECKSUM_ERR', async () => {
    const phone = await makePhone();
    const { host } = connect(phone);
    let corrupt = false;
    const flipping: Transport = Object.create(host, {
      write: {
        value: (bytes: Uint8Array) => {
          if (!corrupt || bytes.length < 512) return host.write(bytes);
          const bad = bytes.slice();
          bad[17] = bad[17]! ^ 0x40;
          return host.write(bad);
        },
      },
    });
    const { da2 } = stagesFor();
    const client = await XFlashClient.bringUp(flipping, {
      emiBlock: emiBlock(fittingRecords),
      da2,
      checkMemory: () => {},
    });
    corrupt = true;
    // level 0: the DA stores what arrived; only the read-back verify can tell
    await client.write('user', 0n, pattern(4096, 5), 4096n);
    expect(phone.storage.writtenBytes).toBe(4096);
    expect(await client.readAll('user', 0n, 4096n)).not.toEqual(pattern(4096, 5));
    await client.deviceSet(Ctrl.SET_CHECKSUM_LEVEL, u32le(ChecksumLevel.usb));
    const error = await client.write('user', 4096n, pattern(4096, 5), 4096n).catch((e) => e);
    expect((error as DaStatusError).status).toBe(Status.CHECKSUM_ERR);
    expect(phone.storage.writtenBytes).toBe(4096);
  });

  it('a cable pull mid-write is a TransportError', async () => {
    const phone = await makePhone();
    const { host, device } = connect(phone);
    const { da2 } = stagesFor();
    const client = await XFlashClient.bringUp(host, {
      emiBlock: emiBlock(fittingRecords),
      da2,
      checkMemory: () => {},
    });
    const data = pattern(8 * MiB, 9);
    const error = await client
      .write('user', 0n, data, BigInt(data.length), (p) => {
        if (p.done === 2n * BigInt(MiB)) void device.close();
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('closed');
  });

  it('end to end through the BROM: SEND_DA, JUMP_DA, bring-up, write, SHUTDOWN, and the phone boots again', async () => {
    const phone = await makePhone();
    const [host, device] = createMemoryPair();
    const served = phone.serve(device);
    const brom = new BromClient(host);
    await brom.handshake();
    const identity = await brom.identify();
    expect(identity.hwCode).toBe(0x279);
    const { da1, da2 } = stagesFor(identity.chip?.daCode);
    await brom.sendDa(da1.loadAddress, da1.bytes, da1.signatureLength);
    await brom.jumpDa(da1.loadAddress);
    const client = await XFlashClient.bringUp(host, {
      emiBlock: emiBlock(fittingRecords),
      da2,
      checkMemory: () => {},
    });
    const data = pattern(64 * 1024, 8);
    await client.write('user', 0x8000n, data, BigInt(data.length));
    await client.shutdown();
    await new BromClient(host).handshake();
    expect(phone.mode).toBe('brom');
    expect(await phone.storage.sha256('user', 0x8000, data.length)).toBe(sha(data));
    await host.close();
    await served;
  });

  it('works on UFS: 4096-byte blocks and the UFS product id', async () => {
    const id = UFS_ID;
    const phone = await makePhone('ufs');
    const { host } = connect(phone);
    const client = await XFlashClient.start(host);
    expect(await client.storageInfo()).toMatchObject({ kind: 'ufs', blockSize: 4096, id });
    await client.initExtRam(emiBlock(ufsRecords));
    await client.bootTo(stagesFor().da2);
    const data = pattern(8192, 2);
    await client.write('user', 4096n, data, 8192n);
    expect(sha(await client.readAll('user', 4096n, 8192n))).toBe(sha(data));
  });
});

describe('XFlash client against a broken peer', () => {
  async function peerSays(bytes: Uint8Array): Promise<unknown> {
    const [host, device] = createMemoryPair();
    await device.write(bytes);
    return XFlashClient.start(host, { timeoutMs: 100 }).catch((e: unknown) => e);
  }

  it('a garbage frame header is a protocol error (exit 4), not a hang', async () => {
    const error = await peerSays(Uint8Array.of(0xc0, ...pattern(12, 4)));
    expect(error).toBeInstanceOf(RomctlError);
    expect(error).not.toBeInstanceOf(TransportError);
    expect((error as RomctlError).message).toMatch(/bad frame magic/);
    expect((error as RomctlError).exitCode).toBe(4);
  });

  it('a truncated frame times out as a TransportError', async () => {
    const error = await peerSays(Uint8Array.of(0xc0, ...encodeFrameHeader(4), 0, 0));
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('timeout');
  });

  it('a wrong sync byte is a protocol error', async () => {
    const error = await peerSays(Uint8Array.of(0x5a));
    expect((error as RomctlError).message).toMatch(/sync byte/);
  });
});
