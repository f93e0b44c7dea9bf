/**
 * Simulated legacy-DA phones (the P780, an MT6589, and spec phones of other legacy chips), the generated legacy DA,
 * EMI records and client bring-up for the tests.
 */
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { emiBlockFromPreloader } from '../../src/engine/da/emi-block.js';
import { LegacyDaClient, type LegacyBringUp } from '../../src/engine/da/legacy.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { buildPreloader, type BuildEmiRecord } from '../../src/formats/preloader/index.js';
import { chipForHwCode } from '../../src/knowledge/chips.js';
import { daPhoneOf } from '../../src/sim/da-phone.js';
import { serveLegacyDa, type SimLegacyDaVariant } from '../../src/sim/da-legacy.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';

const MiB = 1n << 20n;
export const P780_DA_CODE = 0x6583;
/** the simulated P780's eMMC CID (SK hynix eMMC-MCP) */
export const P780_CID = '90014a4834473164020a1b2c3d4e5f61';

export const p780Records: BuildEmiRecord[] = [
  { package: 'emmc-mcp', dram: 'LPDDR2', id: '150100474436424d42', rankSizes: [512n * MiB, 512n * MiB] },
  { package: 'emmc-mcp', dram: 'LPDDR2', id: P780_CID.slice(0, 18), rankSizes: [512n * MiB, 512n * MiB] },
];
export const foreignRecords: BuildEmiRecord[] = [
  { package: 'emmc-mcp', dram: 'LPDDR2', id: '150100474436424d42', rankSizes: [512n * MiB, 512n * MiB] },
];

/** A legacy chip to simulate: its hw code, the EMI version its real preloaders carry, and the phone's eMMC CID. */
export interface LegacyRig {
  hwCode: number;
  bloaderVersion: number;
  cid: string;
}

export const P780_RIG: LegacyRig = { hwCode: 0x6583, bloaderVersion: 10, cid: P780_CID };

/** a simulated phone of the rig's chip: the rig's eMMC CID, LPDDR3, 2 × 512 MiB */
export function rigPhone(rig: LegacyRig): Promise<SimPhone> {
  if (rig === P780_RIG) return p780Phone();
  const chip = chipForHwCode(rig.hwCode)!;
  const spec = `${chip.names[0]!.toLowerCase()}:emmc:${rig.cid}:lpddr3:0x01:2x512M`;
  return SimPhone.create({ profile: resolveSimProfile(spec), daServer: simDaServer });
}

/** EMI records in which only the last fits the rig's phone */
export function rigRecords(rig: LegacyRig, foreignBefore = 1): BuildEmiRecord[] {
  if (rig === P780_RIG) return p780Records;
  const dram = 'LPDDR3' as const;
  const foreign = {
    package: 'emmc-mcp' as const,
    dram,
    id: '150100474436424d42',
    rankSizes: [512n * MiB, 512n * MiB],
  };
  return [
    ...Array.from({ length: foreignBefore }, () => foreign),
    { package: 'emmc-mcp', dram, id: rig.cid.slice(0, 18), rankSizes: [512n * MiB, 512n * MiB] },
  ];
}

export function p780Phone(): Promise<SimPhone> {
  return SimPhone.create({ profile: resolveSimProfile('P780'), daServer: simDaServer });
}

export function legacyEmiBlock(records: BuildEmiRecord[], bloaderVersion = 10): Uint8Array {
  const preloader = buildPreloader({
    fileName: 'preloader_prada.bin',
    platform: 'MT6589',
    bloaderVersion,
    records,
  });
  return emiBlockFromPreloader(preloader).block;
}

export const legacyDaFile = (daCode = P780_DA_CODE) =>
  buildDaContainer({ entries: [{ hwCode: daCode, protocol: 'legacy' }] });

export function legacyStages(daCode = P780_DA_CODE) {
  const file = legacyDaFile(daCode);
  const hwCode = chipForHwCode(daCode)?.hwCode ?? daCode;
  return daStages(file, pickDaEntry(parseDaContainer(file), { hwCode, daCode }), 'legacy');
}

/** the simulated DA on one end of a memory pair, as right after JUMP_DA */
export function connectLegacy(
  phone: SimPhone,
  daCode = P780_DA_CODE,
  variant?: SimLegacyDaVariant,
): {
  host: Transport;
  device: Transport;
  served: Promise<void>;
} {
  const [host, device] = createMemoryPair();
  const daImage = legacyStages(daCode).da1.bytes;
  const served = variant
    ? serveLegacyDa({ transport: device, phone: daPhoneOf(phone), daImage, variant })
    : simDaServer({ transport: device, phone, daImage, address: 0x200000 });
  return { host, device, served };
}

export function legacyBringUp(
  host: Transport,
  options: Partial<LegacyBringUp> & { records?: BuildEmiRecord[]; bloaderVersion?: number } = {},
): Promise<LegacyDaClient> {
  const daCode = options.daCode ?? P780_DA_CODE;
  return LegacyDaClient.bringUp(host, {
    daCode,
    emiBlock: legacyEmiBlock(options.records ?? p780Records, options.bloaderVersion),
    da2: legacyStages(daCode).da2,
    checkMemory: () => {},
    ...options,
  });
}
