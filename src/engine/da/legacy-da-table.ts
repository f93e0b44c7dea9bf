/**
 * What differs between legacy (V3) DAs, per DA code: the stage-2 configuration values the host sends (reference
 * §4.3 step 5) and how DA1 takes the EMI records after ENABLE_DRAM (§4.3 steps 8–10). Both the host client and the
 * simulated DA read this table; test/engine/legacy-da-table.test.ts checks it against real DA files.
 *
 * Sources:
 * - BMT flag / partition size for eMMC phones: mtkclient `mtkclient/config/mtk_config.py` `bmtsettings` (the eMMC
 *   branch; keyed there by hw code, which equals the DA code for every chip that differs from the default).
 * - Reset key, extras: mtkclient `mtkclient/Library/DA/legacy/dalegacy_lib.py` `set_stage2_config`.
 * - EMI intake: read from the ENABLE_DRAM handler in the real DA1 code of SP Flash Tool's
 *   `MTK_AllInOne_DA_v7.1504` (../shared/corpus/da/spft_MTK_AllInOne_DA.bin) and of a vendor MT6580 DA
 *   (tecno_pop4air_MT6580_DA.bin, 2018). A "one-record" DA1 names the length of one EMI record of the version it
 *   takes (0 for any other version) and reads exactly that many bytes, with no length word from the host; it skips
 *   the exchange for the "unknown" version 0xFFFFFFFF. An "announced" DA1 names the record length, then reads a u32
 *   length from the host and halts unless it is a multiple of the record length and at most `maxRecords` records
 *   (8 in SP Flash Tool's MT6580/MT6735 DAs, 20 in the 2018 MT6580 DA: the smaller is kept).
 */

export type EmiIntake =
  | {
      kind: 'one-record';
      /** bytes of DRAM info the DA sends before the length (MT6572) */ infoBytes: number;
    }
  | { kind: 'announced'; maxRecords: number };

/** one chip-specific field appended to the stage-2 configuration, in order */
export interface Stage2Extra {
  field: string;
  /** big-endian u32, or raw bytes (hex) */
  value: { u32: number } | { hex: string };
}

export interface LegacyDaFacts {
  bmtFlag: number;
  bmtPartitionSize: number;
  /** 0x01, except 0x00 on MT6589 (hw code 0x6583) */
  resetKey: number;
  extras: readonly Stage2Extra[];
  /** null where no real DA1 of this code was read: the EMI version then decides (`emiIntakeFor`) */
  emiIntake: EmiIntake | null;
}

/**
 * mtkclient's `slc_percent` 1 and the 20 fixed bytes after it (MT6580, MT8127, MT8163; meaning not documented).
 * The real MT6580 DA1 reads that u32 as a count of 20-byte entries (legacy-da-table.test.ts), so 1 is one entry.
 */
const SLC_TAIL = '46460000000000000000000000000000ff000000' as const;
const SLC: readonly Stage2Extra[] = [
  { field: 'slc_percent', value: { u32: 1 } },
  { field: 'slc_tail', value: { hex: SLC_TAIL } },
];
const ONE_RECORD: EmiIntake = { kind: 'one-record', infoBytes: 0 };
const ANNOUNCED: EmiIntake = { kind: 'announced', maxRecords: 8 };

const DEFAULTS: LegacyDaFacts = {
  bmtFlag: 1,
  bmtPartitionSize: 0,
  resetKey: 0x01,
  extras: [],
  emiIntake: null,
};

const BMT_EMMC_POOL = { bmtFlag: 1, bmtPartitionSize: 0x1500000 };

const TABLE: Readonly<Record<number, Partial<LegacyDaFacts>>> = {
  0x6571: BMT_EMMC_POOL,
  0x6572: { bmtFlag: 0, bmtPartitionSize: 0xa8, emiIntake: { kind: 'one-record', infoBytes: 16 } },
  0x6575: { ...BMT_EMMC_POOL, emiIntake: ONE_RECORD },
  0x6577: { emiIntake: ONE_RECORD },
  0x6580: { extras: SLC, emiIntake: ANNOUNCED },
  0x6582: {
    bmtFlag: 2,
    bmtPartitionSize: 0x1500000,
    extras: [{ field: 'new_combo', value: { u32: 1 } }],
    emiIntake: ONE_RECORD,
  },
  0x6583: { resetKey: 0x00, extras: [{ field: 'force_dram', value: { u32: 0 } }], emiIntake: ONE_RECORD },
  0x6592: {
    ...BMT_EMMC_POOL,
    extras: [{ field: 'is_gpt_solution', value: { u32: 0 } }],
    emiIntake: ONE_RECORD,
  },
  0x6595: { emiIntake: ANNOUNCED },
  0x6735: { emiIntake: ANNOUNCED },
  0x6752: { emiIntake: ANNOUNCED },
  0x6795: { emiIntake: ANNOUNCED },
  0x8127: {
    ...BMT_EMMC_POOL,
    extras: [{ field: 'is_gpt_solution', value: { u32: 0 } }, ...SLC],
    emiIntake: ONE_RECORD,
  },
  0x8163: { extras: SLC },
};

/** The table's facts for a legacy DA code; unknown codes get mtkclient's defaults. */
export function legacyDaFacts(daCode: number): LegacyDaFacts {
  return { ...DEFAULTS, ...TABLE[daCode] };
}

/** the DA codes the table names */
export const LEGACY_DA_CODES: readonly number[] = Object.keys(TABLE).map(Number);

/**
 * How DA1 takes the EMI records: from the table, else (no real DA1 read) by EMI version as mtkclient does it —
 * v10/v11 with 16 bytes of DRAM info first, v12/v13 one record, everything else announced.
 */
export function emiIntakeFor(daCode: number, version: number): EmiIntake {
  const known = legacyDaFacts(daCode).emiIntake;
  if (known) return known;
  if (version === 10 || version === 11) return { kind: 'one-record', infoBytes: 16 };
  if (version === 12 || version === 13) return ONE_RECORD;
  return ANNOUNCED;
}

export function extraBytes(extra: Stage2Extra): Uint8Array {
  if ('hex' in extra.value) return Uint8Array.from(Buffer.from(extra.value.hex, 'hex'));
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, extra.value.u32 >>> 0);
  return out;
}
