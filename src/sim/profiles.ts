import { createHash } from 'node:crypto';
import { chipForHwCode, chipForPlatform, type ChipInfo } from '../knowledge/chips.js';
import { RomctlError } from '../errors.js';
import { parseMemorySpec } from '../formats/preloader/index.js';
import type { DramType, MemorySpec } from '../formats/preloader/index.js';
import { OPPO6833_UFS_LU2, TULIP_EMMC_USER, type FactoryPartition } from './factory-layouts.js';

export type SimStorageKind = 'emmc' | 'ufs';

/** Sizes of the hardware partitions the simulated storage has, in bytes. */
export interface SimStorageLayout {
  boot1: number;
  boot2: number;
  rpmb: number;
  user: number;
}

/**
 * Everything a simulated phone answers about itself. Version words, ME/SoC ids and storage ids are invented but
 * shaped like real ones; what matters for the checks (chip, hw code, memory) is real for the named devices.
 */
export interface SimProfile {
  codename: string;
  label: string;
  chip: ChipInfo;
  hwSubCode: number;
  hwVersion: number;
  swVersion: number;
  bromVersion: number;
  /** what a working preloader answers to GET_BL_VER (0xFE) */
  preloaderVersion: number;
  /** GET_TARGET_CONFIG word (SBC 0x1, SLA 0x2, DAA 0x4 …) */
  targetConfig: number;
  meId: Uint8Array;
  /** null on chips without a SoC id */
  socId: Uint8Array | null;
  storage: { kind: SimStorageKind; id: string; layout: SimStorageLayout };
  dram: { type: Exclude<DramType, 'unknown'>; vendorId: number; rankSizes: bigint[] };
  /** what a secure-boot phone's BROM accepts: the one auth file (DAA) and the SLA key's public half */
  security?: SimSecurity;
  /**
   * what a phone as sold holds when its storage file is new: a preloader fitting its memory in both boot
   * partitions (boot LUs on UFS) and a GPT with these partitions in the user area; left out, the storage starts empty
   */
  factory?: { partitions: readonly FactoryPartition[] };
}

export interface SimSecurity {
  /** sha256 (hex) of the auth file whose signature the phone's root key verifies */
  authFileSha256?: string;
  /** PEM public key the BROM checks SLA challenge responses with */
  slaPublicKey?: string;
  /** DA-level SLA: the PEM private key the DA opens SET_REMOTE_SEC_POLICY answers with (SLA on in the DA) */
  daSlaPrivateKey?: string;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** a 128 GB UFS user LU and a 64 GB eMMC user area as the parts report them */
const UFS_128G = 0x1dcb000000;
const EMMC_64G = 0xe8f800000;
/** a 32 GB / 16 GB / 4 GB eMMC as the card reports its user area */
const EMMC_32G = 0x747c00000;
const EMMC_16G = 0x3a3e00000;
const EMMC_4G = 0xe9000000;

/** what the two simulated MT6833 boards share: versions and an open boot ROM */
const MT6833_BOARD = {
  hwSubCode: 0x8a00,
  hwVersion: 0xca00,
  swVersion: 0x0000,
  bromVersion: 0x05,
  preloaderVersion: 0x05,
  targetConfig: 0,
} as const;

function derivedId(seed: string, length: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).digest().subarray(0, length));
}

function profile(
  codename: string,
  label: string,
  chipName: string,
  rest: Omit<SimProfile, 'codename' | 'label' | 'chip' | 'meId' | 'socId'>,
): SimProfile {
  const chip = chipForPlatform(chipName) as ChipInfo;
  const hasSocId = chip.socIdAddress !== null || chip.daProtocol === 'xml';
  return {
    codename,
    label,
    chip,
    meId: derivedId(`${codename}#meid`, 16),
    socId: hasSocId ? derivedId(`${codename}#socid`, 32) : null,
    ...rest,
  };
}

/** the version words the V6 phones answer (invented, shaped like real answers) */
const V6_VERSIONS = {
  hwSubCode: 0x8a00,
  hwVersion: 0xca00,
  swVersion: 0x0000,
  bromVersion: 0x05,
  preloaderVersion: 0x02,
  targetConfig: 0,
} as const;

const PROFILES: readonly SimProfile[] = [
  profile('nikel', 'Xiaomi Redmi Note 4 (MTK), 3 GB / 32 GB', 'MT6797', {
    hwSubCode: 0x8a00,
    hwVersion: 0xca00,
    swVersion: 0x0000,
    bromVersion: 0x01,
    preloaderVersion: 0x01,
    targetConfig: 0,
    // Samsung (0x15) eMMC, product name "RH64MB"
    storage: {
      kind: 'emmc',
      id: '150100524836344d4207a1b2c3d4e5f1',
      layout: { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 4 * MiB, user: EMMC_32G },
    },
    // nikel's own EMI table has discrete LPDDR3 records; Samsung (MR5 0x01) 2 × 1.5 GiB is its 3 GB variant
    dram: { type: 'LPDDR3', vendorId: 0x01, rankSizes: [3n * 512n * BigInt(MiB), 3n * 512n * BigInt(MiB)] },
  }),
  profile('P780', 'Lenovo P780, 1 GB / 4 GB', 'MT6589', {
    hwSubCode: 0x8a00,
    hwVersion: 0xca01,
    swVersion: 0x0001,
    bromVersion: 0x01,
    preloaderVersion: 0x01,
    targetConfig: 0,
    // SK hynix (0x90) eMMC-MCP, product name "H4G1d\x02"
    storage: {
      kind: 'emmc',
      id: '90014a4834473164020a1b2c3d4e5f61',
      layout: { boot1: 2 * MiB, boot2: 2 * MiB, rpmb: 512 * 1024, user: EMMC_4G },
    },
    dram: { type: 'LPDDR2', vendorId: 0x06, rankSizes: [512n * BigInt(MiB), 512n * BigInt(MiB)] },
  }),
  profile('oppo6833', 'OPPO A93s 5G class (MT6833 Dimensity 700), 8 GB / 128 GB UFS, XML DA', 'MT6833', {
    ...V6_VERSIONS,
    // Samsung UFS 2.2 part "KLUDG4UHDC-B0E1" as its product id reads in ASCII
    storage: {
      kind: 'ufs',
      id: Buffer.from('KLUDG4UHDC-B0E1').toString('hex'),
      layout: { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 16 * MiB, user: UFS_128G },
    },
    dram: { type: 'LPDDR4X', vendorId: 0x01, rankSizes: [4n * BigInt(GiB), 4n * BigInt(GiB)] },
    factory: { partitions: OPPO6833_UFS_LU2 },
  }),
  profile('tulip', 'Lenovo Tab M11 class (MT6789 Helio G99), 4 GB / 64 GB eMMC, XML DA', 'MT6789', {
    ...V6_VERSIONS,
    // SK hynix (0x90) eMMC 5.1, product name "hC8aP>"
    storage: {
      kind: 'emmc',
      id: '90014a68433861503e0a1b2c3d4e5f62',
      layout: { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 16 * MiB, user: EMMC_64G },
    },
    dram: { type: 'LPDDR4X', vendorId: 0x06, rankSizes: [2n * BigInt(GiB), 2n * BigInt(GiB)] },
    factory: { partitions: TULIP_EMMC_USER },
  }),
  // an MT6833 (XFlash DA) with the two memories one oppo6833 preloader lists (corpus MT6833 preloader records 17, 2)
  profile('oppo6833-ufs', 'OPPO MT6833 board, 6 GB / 128 GB, Samsung UFS', 'MT6833', {
    ...MT6833_BOARD,
    // UFS ids are the product name: "KM2V8001CM-B707"
    storage: {
      kind: 'ufs',
      id: Buffer.from('KM2V8001CM-B707', 'latin1').toString('hex'),
      layout: { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 16 * MiB, user: UFS_128G },
    },
    dram: { type: 'LPDDR4X', vendorId: 0x01, rankSizes: [2n * BigInt(GiB), 4n * BigInt(GiB)] },
  }),
  profile('oppo6833-emmc', 'OPPO MT6833 board, 6 GB / 64 GB, Micron eMMC-MCP', 'MT6833', {
    ...MT6833_BOARD,
    // Micron (0x13) eMMC, product name "G1J9Q9"
    storage: {
      kind: 'emmc',
      id: '13014e47314a39513910a1b2c3d4e5f3',
      layout: { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 4 * MiB, user: EMMC_64G },
    },
    dram: { type: 'LPDDR4X', vendorId: 0xff, rankSizes: [3n * BigInt(GiB), 3n * BigInt(GiB)] },
  }),
];

/** `generic` is this spec: an MT6765 with a 16 GB eMMC and 2 × 1 GiB LPDDR4X */
const GENERIC_SPEC = `mt6765:emmc:150100514533324d4201a1b2c3d4e5f1:lpddr4x:0x06:2x1G`;

export const SIM_SPEC_GRAMMAR =
  '<chip>:<emmc|ufs>:<storage id hex>:<dram type>:<mr5 byte>:<rank sizes>, e.g. mt6797:emmc:150100524836344d42:lpddr3:0x01:2x1.5G';

export function listSimProfiles(): string[] {
  return [...PROFILES.map((p) => p.codename), 'generic'];
}

/** A profile by codename (`nikel`, `P780`, `generic`, case-insensitive) or a spec (SIM_SPEC_GRAMMAR). */
export function resolveSimProfile(nameOrSpec: string): SimProfile {
  const wanted = nameOrSpec.trim();
  const named = PROFILES.find((p) => p.codename.toLowerCase() === wanted.toLowerCase());
  if (named) return named;
  if (wanted.toLowerCase() === 'generic') return profileFromSpec(GENERIC_SPEC, 'generic');
  if (wanted.includes(':')) return profileFromSpec(wanted, wanted);
  throw new RomctlError(`no simulated phone profile '${wanted}'`, {
    hint: `use one of ${listSimProfiles().join(', ')} or a spec ${SIM_SPEC_GRAMMAR}`,
  });
}

function profileFromSpec(spec: string, codename: string): SimProfile {
  const fail = (message: string) =>
    new RomctlError(`profile spec '${spec}': ${message}`, { hint: `expected ${SIM_SPEC_GRAMMAR}` });
  const parts = spec.split(':').map((p) => p.trim());
  if (parts.length !== 6) throw fail(`${parts.length} fields, expected 6`);
  const [chipName, kind, id, dram, mr5, ranks] = parts as [string, string, string, string, string, string];
  const chip =
    chipForPlatform(chipName) ?? (/^0x[0-9a-f]+$/i.test(chipName) ? chipForHwCode(Number(chipName)) : null);
  if (!chip) throw fail(`'${chipName}' is not a known MediaTek chip or hw code`);
  if (kind !== 'emmc' && kind !== 'ufs') throw fail(`storage '${kind}' is not emmc or ufs`);
  let memory: MemorySpec;
  try {
    memory = parseMemorySpec(`${kind}:${id},${dram},mr5=${mr5},${ranks}`);
  } catch (error) {
    throw error instanceof RomctlError ? fail(error.message) : error;
  }
  const hasSocId = chip.socIdAddress !== null || chip.daProtocol === 'xml';
  return {
    codename,
    label: `simulated ${chip.names[0]} (${kind}, ${dram})`,
    chip,
    hwSubCode: 0x8a00,
    hwVersion: 0xca00,
    swVersion: 0x0000,
    bromVersion: 0x01,
    preloaderVersion: 0x01,
    targetConfig: 0,
    meId: derivedId(`${spec}#meid`, 16),
    socId: hasSocId ? derivedId(`${spec}#socid`, 32) : null,
    storage: {
      kind,
      id: memory.storage?.id ?? id,
      layout:
        kind === 'ufs'
          ? { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 16 * MiB, user: 64 * GiB }
          : { boot1: 4 * MiB, boot2: 4 * MiB, rpmb: 4 * MiB, user: EMMC_16G },
    },
    dram: {
      type: memory.dram as Exclude<DramType, 'unknown'>,
      vendorId: memory.dramVendorId as number,
      rankSizes: memory.rankSizes as bigint[],
    },
  };
}

/** the logical block size of the phone's storage: 512-byte eMMC sectors, 4096-byte UFS blocks */
export function storageBlockSize(kind: SimStorageKind): number {
  return kind === 'ufs' ? 4096 : 512;
}

/** The phone's memory as the preloader's EMI matching sees it. */
export function memoryOf(profile: SimProfile): MemorySpec {
  return {
    storage: { kind: profile.storage.kind, id: profile.storage.id },
    dram: profile.dram.type,
    dramVendorId: profile.dram.vendorId,
    rankSizes: profile.dram.rankSizes,
  };
}
