import { afterEach, describe, expect, it } from 'vitest';
import { DaStatusError } from '../../src/engine/da/da-status.js';
import { wordReversed } from '../../src/engine/da/legacy-dram.js';
import { EXT_RAM_NO_MATCH, LegacyCmd } from '../../src/engine/da/legacy-protocol.js';
import { RecordingTransport, type RecordedChunk } from '../../src/engine/transport/recording.js';
import { layoutsFor } from '../../src/formats/preloader/emi-layouts.js';
import type { MemoryIdentity } from '../../src/engine/da/client.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import type { SimPhone } from '../../src/sim/index.js';
import {
  connectLegacy,
  foreignRecords,
  legacyBringUp,
  P780_CID,
  P780_RIG,
  rigPhone,
  rigRecords,
  type LegacyRig,
} from './da-legacy-helpers.js';

const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});
async function phoneFor(rig: LegacyRig): Promise<SimPhone> {
  const phone = await rigPhone(rig);
  phones.push(phone);
  return phone;
}

/** what the host wrote after ENABLE_DRAM + version, up to the u32 trailer 0x80000001 */
function emiWrites(log: RecordedChunk[]): Uint8Array[] {
  const out = log.filter((c) => c.direction === 'out').map((c) => c.bytes);
  const at = out.findIndex((b) => b.length === 5 && b[0] === LegacyCmd.ENABLE_DRAM);
  return out.slice(at + 1, at + 4);
}

const MT6580: LegacyRig = { hwCode: 0x6580, bloaderVersion: 21, cid: '150100514533324d4201a1b2c3d4e5f1' };
const MT6582: LegacyRig = { hwCode: 0x6582, bloaderVersion: 12, cid: '150100514533324d4201a1b2c3d4e5f2' };
const MT6592: LegacyRig = { hwCode: 0x6592, bloaderVersion: 13, cid: '150100514533324d4201a1b2c3d4e5f3' };
const MT6572: LegacyRig = { hwCode: 0x6572, bloaderVersion: 11, cid: '150100514533324d4201a1b2c3d4e5f4' };
const MT8127: LegacyRig = { hwCode: 0x8127, bloaderVersion: 16, cid: '150100514533324d4201a1b2c3d4e5f5' };

describe('ENABLE_DRAM the way each real DA1 takes the EMI records', () => {
  it.each([
    ['MT6589', P780_RIG],
    ['MT6582', MT6582],
    ['MT6592', MT6592],
    ['MT6572', MT6572],
    ['MT8127', MT8127],
  ])('%s: one record, the one that fits the phone, and no length word', async (_name, rig) => {
    const phone = await phoneFor(rig);
    const recording = new RecordingTransport(connectLegacy(phone, rig.hwCode).host);
    const client = await legacyBringUp(recording, {
      daCode: rig.hwCode,
      bloaderVersion: rig.bloaderVersion,
      records: rigRecords(rig),
    });
    expect((await client.storageInfo()).id).toBe(rig.cid);
    const [ack, record, trailer] = emiWrites(recording.log);
    expect([...ack!]).toEqual([0x5a]);
    expect(record!.length).toBe(layoutsFor(rig.bloaderVersion)[0]!.size);
    expect([...trailer!]).toEqual([0x5a, 0x80, 0, 0, 1]);
  });

  it('MT6580: the DA names its record size and the host announces the real length of all records', async () => {
    const phone = await phoneFor(MT6580);
    const recording = new RecordingTransport(connectLegacy(phone, MT6580.hwCode).host);
    const client = await legacyBringUp(recording, {
      daCode: MT6580.hwCode,
      bloaderVersion: 21,
      records: rigRecords(MT6580, 2),
    });
    expect((await client.storageInfo()).id).toBe(MT6580.cid);
    const [announce, records] = emiWrites(recording.log);
    expect([...announce!]).toEqual([0x5a, 0, 0, 0x02, 0x34]); // 3 × 188
    expect(records!.length).toBe(3 * 188);
  });

  it('MT6580: more records than the DA holds (8) are cut to the one that fits the phone', async () => {
    const phone = await phoneFor(MT6580);
    const recording = new RecordingTransport(connectLegacy(phone, MT6580.hwCode).host);
    await legacyBringUp(recording, {
      daCode: MT6580.hwCode,
      bloaderVersion: 21,
      records: rigRecords(MT6580, 9),
    });
    const [announce, records] = emiWrites(recording.log);
    expect([...announce!]).toEqual([0x5a, 0, 0, 0, 188]);
    expect(records!.length).toBe(188);
  });

  it('MT6580: more records than the DA holds, none known to fit, is refused before any is sent', async () => {
    const phone = await phoneFor(MT6580);
    const error = await legacyBringUp(connectLegacy(phone, MT6580.hwCode).host, {
      daCode: MT6580.hwCode,
      bloaderVersion: 21,
      records: Array.from({ length: 9 }, () => foreignRecords[0]!),
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/carries 9 EMI records and this DA takes at most 8/);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect(phone.storage.writtenBytes).toBe(0);
  });

  it.each([12, 13, 20])(
    "MT6589's DA takes no v%i records: refused with the reason before any record is sent",
    async (version) => {
      const phone = await phoneFor(P780_RIG);
      const recording = new RecordingTransport(connectLegacy(phone).host);
      const error = await legacyBringUp(recording, { bloaderVersion: version }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaStatusError);
      expect((error as DaStatusError).step).toMatch(
        new RegExp(`^ENABLE_DRAM \\(EMI settings v${version} not accepted: the DA reads 0 bytes`),
      );
      expect(emiWrites(recording.log)).toHaveLength(0);
      expect(phone.storage.writtenBytes).toBe(0);
    },
  );

  it("MT6580's DA NACKs an EMI version its chip's preloaders do not carry", async () => {
    const phone = await phoneFor(MT6580);
    const error = await legacyBringUp(connectLegacy(phone, MT6580.hwCode).host, {
      daCode: MT6580.hwCode,
      bloaderVersion: 16,
      records: rigRecords(MT6580),
    }).catch((e: unknown) => e);
    expect((error as DaStatusError).step).toMatch(/^ENABLE_DRAM \(EMI settings v16 not accepted: .*NACK/);
  });

  it('a record list where nothing fits still fails with m_ext_ram_ret 3012 on an announced DA', async () => {
    const phone = await phoneFor(MT6580);
    const error = await legacyBringUp(connectLegacy(phone, MT6580.hwCode).host, {
      daCode: MT6580.hwCode,
      bloaderVersion: 21,
      records: [{ ...foreignRecords[0]!, dram: 'LPDDR3' }],
    }).catch((e: unknown) => e);
    expect((error as DaStatusError).status).toBe(EXT_RAM_NO_MATCH);
    expect(phone.storage.writtenBytes).toBe(0);
  });
});

describe('the device id in either byte order', () => {
  it('a DA that reports the CID words reversed: the memory check sees the id as EMI records hold it', async () => {
    const phone = await phoneFor(P780_RIG);
    const seen: MemoryIdentity[] = [];
    const client = await legacyBringUp(connectLegacy(phone, P780_RIG.hwCode, { idWordReversed: true }).host, {
      checkMemory: (memory) => void seen.push(memory),
    });
    expect(seen).toEqual([{ kind: 'emmc', id: P780_CID }]);
    expect(client.needsDramInit).toBe(true);
  });

  it('without a record to tell the order, the id is passed on as the DA sent it', async () => {
    const phone = await phoneFor(P780_RIG);
    const seen: MemoryIdentity[] = [];
    await legacyBringUp(connectLegacy(phone, P780_RIG.hwCode, { idWordReversed: true }).host, {
      records: foreignRecords,
      checkMemory: (memory) => void seen.push(memory),
    }).catch(() => {});
    expect(seen).toEqual([{ kind: 'emmc', id: wordReversed(P780_CID) }]);
  });

  it('word reversal swaps the bytes of every 4-byte word', () => {
    expect(wordReversed('000102030405060708090a0b0c0d0e0f')).toBe('03020100070605040b0a09080f0e0d0c');
  });
});
