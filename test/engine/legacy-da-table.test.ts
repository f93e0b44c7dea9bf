import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEGACY_DA_CODES, legacyDaFacts } from '../../src/engine/da/legacy-da-table.js';
import {
  EmmcInfoAt,
  encodeStage2Config,
  FlashInfoSize,
  Stage2,
  stage2ConfigLength,
} from '../../src/engine/da/legacy-protocol.js';
import { layoutsFor } from '../../src/formats/preloader/emi-layouts.js';
import { stage2Problem } from '../../src/sim/da-legacy.js';

const DA_DIR = join(process.cwd(), '../shared/corpus/da');
const REAL_DAS = ['spft_MTK_AllInOne_DA.bin', 'spft_DA_PL.bin', 'tecno_pop4air_MT6580_DA.bin'];
const haveCorpus = REAL_DAS.every((name) => existsSync(join(DA_DIR, name)));
if (!haveCorpus) console.warn(`skipping the real-DA checks: ${DA_DIR} is absent`);

/** DA1 (region[1]) of every entry of a real DA file, read here with the reference §4.1 layout */
function da1s(name: string): { daCode: number; bytes: Uint8Array }[] {
  const file = readFileSync(join(DA_DIR, name));
  const count = file.readUInt32LE(0x68);
  const entrySize = file.readUInt16LE(0x6c + 0xd8) === 0xdada ? 0xd8 : 0xdc;
  const regionsAt = entrySize === 0xdc ? 0x14 : 0x10;
  return Array.from({ length: count }, (_, i) => {
    const entry = 0x6c + i * entrySize;
    const region1 = entry + regionsAt + 20;
    const offset = file.readUInt32LE(region1);
    return {
      daCode: file.readUInt16LE(entry + 2),
      bytes: file.subarray(offset, offset + file.readUInt32LE(region1 + 4)),
    };
  });
}

function indexOf(haystack: Uint8Array, needle: number[], from = 0): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle), from);
}

/** Thumb-2 `movs/cmp rX, #imm8` operands in a code window: the imm8 of each halfword whose high byte is `op` */
function imm8s(window: Uint8Array, ops: number[]): number[] {
  const out: number[] = [];
  for (let at = 0; at + 1 < window.length; at += 2) if (ops.includes(window[at + 1]!)) out.push(window[at]!);
  return out;
}

/** ThumbExpandImm of `cmp.w r0, #imm` (bytes b0 f5 lo hi, i = 1) */
function cmpWImmediate(lo: number, hi: number): number {
  const imm12 = 0x800 | ((hi & 0x70) << 4) | lo;
  const rotation = imm12 >> 7;
  const value = 0x80 | (imm12 & 0x7f);
  return ((value >>> rotation) | (value << (32 - rotation))) >>> 0;
}

/**
 * How a real DA1's ENABLE_DRAM handler takes the EMI records, read from its Thumb-2 code (the handlers were found
 * by disassembly; these are the instruction bytes they share):
 * - one-record: `cmp.w r0, #-1` (b0 f1 ff 3f) for the unknown version, then `cmp r0, #NN` per EMI version taken
 *   and `movs r5|r6, #L` for the record length it names and reads; `movs r1, #16` where 16 bytes of DRAM info go
 *   out first.
 * - announced: the log string "EnableDRAM, EMI version", `cmp r3, #NN; beq; adds r3, #1; bne` (NN or unknown gets
 *   ACK), `movs r0, #L` (the named record length) and `cmp.w r0, #MAX` (halt above MAX bytes).
 */
function emiHandler(da1: Uint8Array) {
  const announcedAt = indexOf(da1, [0x2b, 0x01, 0xd0, 0x01, 0x33, 0x02, 0xd1]);
  if (Buffer.from(da1).includes('EnableDRAM, EMI version') && announcedAt > 0) {
    const window = da1.subarray(announcedAt + 7, announcedAt + 100);
    const cmpW = indexOf(window, [0xb0, 0xf5]);
    const length = imm8s(window.subarray(0, 24), [0x20]).find((v) => v !== 0x5a && v !== 0xa5)!;
    return {
      kind: 'announced' as const,
      versions: [da1[announcedAt - 1]!],
      lengths: [length],
      maxRecords: cmpWImmediate(window[cmpW + 2]!, window[cmpW + 3]!) / length,
    };
  }
  const at = indexOf(da1, [0xb0, 0xf1, 0xff, 0x3f]);
  const window = da1.subarray(at, at + 72);
  return {
    kind: 'one-record' as const,
    versions: imm8s(window.subarray(0, 32), [0x28]),
    lengths: imm8s(window.subarray(0, 36), [0x25, 0x26]),
    infoBytes: indexOf(window, [0x10, 0x21]) >= 0 ? 16 : 0,
  };
}

describe.skipIf(!haveCorpus)('the legacy DA table against real DA1 code', () => {
  // vitest runs a skipped suite's body to list its tests: nothing is read without the corpus
  const seen = (haveCorpus ? REAL_DAS : []).flatMap((name) =>
    da1s(name)
      .filter((da) => legacyDaFacts(da.daCode).emiIntake !== null)
      .map((da) => ({ name, ...da })),
  );

  it('covers every DA code whose EMI intake the table states', () => {
    const stated = LEGACY_DA_CODES.filter((code) => legacyDaFacts(code).emiIntake !== null);
    expect(new Set(seen.map((da) => da.daCode))).toEqual(new Set(stated));
  });

  it.each(seen.map((da) => [`${da.name} 0x${da.daCode.toString(16)}`, da] as const))(
    '%s: intake kind, record length = §5.4 record size, DRAM info, at least maxRecords',
    (_label, da) => {
      const intake = legacyDaFacts(da.daCode).emiIntake!;
      const found = emiHandler(da.bytes);
      expect(found.kind).toBe(intake.kind);
      expect(found.versions.length).toBeGreaterThan(0);
      const sizes = found.versions.map((v) => layoutsFor(v)[0]?.size);
      expect(new Set(found.lengths)).toEqual(new Set(sizes));
      if (intake.kind === 'one-record') expect(found).toMatchObject({ infoBytes: intake.infoBytes });
      if (intake.kind === 'announced' && found.kind === 'announced')
        expect(found.maxRecords).toBeGreaterThanOrEqual(intake.maxRecords);
    },
  );

  it('the DAs read show the limits the table keeps the smaller of: 8 (SP Flash Tool) and 20 records (2018)', () => {
    const limits = seen
      .filter((da) => da.daCode === 0x6580)
      .map((da) => emiHandler(da.bytes))
      .map((h) => (h.kind === 'announced' ? [h.versions[0], h.maxRecords] : null));
    expect(limits).toEqual([
      [17, 8],
      [17, 8],
      [21, 20],
    ]);
  });
});

describe.skipIf(!haveCorpus)('the stage-2 configuration as real DA1 code reads it', () => {
  /**
   * The reader in any DA1: the first run of get_u8/get_u32 calls (`ldr rT, [rN, #4|#36]; blx rT`, at most 12
   * bytes apart) that starts like the stage-2 fields; their widths in call order.
   */
  function fieldReads(da1: Uint8Array): number[] {
    const calls: { at: number; width: number }[] = [];
    for (let at = 0; at + 8 < da1.length; at += 2) {
      const [lo, hi] = [da1[at]!, da1[at + 1]!];
      if ((hi !== 0x68 && hi !== 0x6a) || (lo & 0xc0) !== 0x40) continue;
      const blx = 0x80 | ((lo & 7) << 3);
      if ([2, 4, 6].some((d) => da1[at + d] === blx && da1[at + d + 1] === 0x47))
        calls.push({ at, width: hi === 0x68 ? 1 : 4 });
    }
    const runs: number[][] = [];
    calls.forEach((call, i) => {
      if (i === 0 || call.at - calls[i - 1]!.at > 12) runs.push([]);
      runs.at(-1)!.push(call.width);
    });
    const head = [1, 1, 1, 1, 1, 4, 1, 4];
    return runs.find((widths) => head.every((w, k) => widths[k] === w)) ?? [];
  }

  it('every legacy DA1 of SP Flash Tool reads the same 18 bytes of fields first; MT6582 a u32 more', () => {
    const bases = REAL_DAS.slice(0, 2).flatMap((name) =>
      da1s(name)
        .filter((da) => LEGACY_DA_CODES.includes(da.daCode))
        .map((da) => ({ daCode: da.daCode, widths: fieldReads(da.bytes) })),
    );
    expect(bases.length).toBeGreaterThanOrEqual(20);
    for (const { widths } of bases) expect(widths.slice(0, 12)).toEqual([1, 1, 1, 1, 1, 4, 1, 4, 1, 1, 1, 1]);
    expect(Stage2.baseLength).toBe(18);
    for (const { daCode, widths } of bases.filter((b) => b.daCode === 0x6582)) {
      expect(widths[12]).toBe(4);
      expect(stage2ConfigLength(daCode)).toBe(18 + 4);
    }
  });

  it('MT6580: 18 bytes of fields, a u32 count and count × 20 bytes, as the table encodes for 0x6580', () => {
    const da1 = da1s('tecno_pop4air_MT6580_DA.bin')[0]!.bytes;
    expect(fieldReads(da1)).toEqual([1, 1, 1, 1, 1, 4, 1, 4, 1, 1, 1, 1, 4]);
    // then get_data(count × 20): `movs r3, #20; mul r6, r3, r0`
    expect(indexOf(da1, [0x14, 0x23, 0x03, 0xfb, 0x00, 0xf6])).toBeGreaterThan(0);
    const bytes = encodeStage2Config(0x6580, { brom: 0xff, bootloader: 0xfe });
    const count = Buffer.from(bytes).readUInt32BE(Stage2.baseLength);
    expect(bytes.length).toBe(Stage2.baseLength + 4 + count * 20);
  });
});

describe('the stage-2 configuration (§4.3 step 5)', () => {
  const versions = { brom: 0xff, bootloader: 0xfe };
  // BROM/BL version, NOR chip 0x0008, CS 0, ACCCON 0x7007ffff, BMT flag + size, force charge 1, reset key, 26 MHz, MSDC 0
  const base = (bmt: string, resetKey: string) => `fffe0008007007ffff${bmt}01${resetKey}0200`;
  const slcTail = '00000001' + '46460000000000000000000000000000ff000000'; // slc_percent 1 + mtkclient's 20 bytes

  it.each([
    ['6580', base('0100000000', '01') + slcTail],
    ['6583', base('0100000000', '00') + '00000000'],
    ['6582', base('0201500000', '01') + '00000001'],
    ['6592', base('0101500000', '01') + '00000000'],
    ['8127', base('0101500000', '01') + '00000000' + slcTail],
    ['6572', base('00000000a8', '01')],
    ['6735', base('0100000000', '01')],
  ])('DA code 0x%s: the bytes mtkclient sends', (code, hex) => {
    const daCode = Number.parseInt(code, 16);
    const bytes = encodeStage2Config(daCode, versions);
    expect(Buffer.from(bytes).toString('hex')).toBe(hex);
    expect(bytes.length).toBe(stage2ConfigLength(daCode));
  });

  it('the simulated DA, reading with its own offsets, finds every table code encoded right', () => {
    for (const code of [...LEGACY_DA_CODES, 0x6261]) {
      expect(stage2Problem(encodeStage2Config(code, versions), code)).toBeNull();
    }
  });

  it('the simulated DA names a wrong field', () => {
    const bytes = encodeStage2Config(0x6582, versions);
    bytes[9] = 0x01;
    expect(stage2Problem(bytes, 0x6582)).toBe('BMT flag 0x1, not 0x2');
    const tail = encodeStage2Config(0x6580, versions);
    tail[tail.length - 4] = 0;
    expect(stage2Problem(tail, 0x6580)).toMatch(/^slc_tail /);
  });
});

describe("DA2's eMMC info block (§4.3 step 13)", () => {
  it('the offsets follow u32 ret, u64 boot1/boot2/RPMB, 4 × u64 GP, u64 user, 2 × u64 CID, 8 bytes FW in 0x5C', () => {
    const sizes = [4, 8, 8, 8, 4 * 8, 8, 2 * 8, 8];
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const { ret, boot1, boot2, rpmb, gp, user, cid, firmwareVersion, end } = EmmcInfoAt;
    expect([ret, boot1, boot2, rpmb, gp, user, cid, firmwareVersion]).toEqual(starts);
    expect(end).toBe(starts.at(-1)! + 8);
    expect(FlashInfoSize.emmc).toBe(0x5c);
  });
});
