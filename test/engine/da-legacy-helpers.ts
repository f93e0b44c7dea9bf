/** A simulated P780 (MT6589, legacy DA) and the generated legacy DA, EMI records and client bring-up for the tests. */
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { emiBlockFromPreloader } from '../../src/engine/da/emi-block.js';
import { LegacyDaClient, type LegacyBringUp } from '../../src/engine/da/legacy.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { buildPreloader, type BuildEmiRecord } from '../../src/formats/preloader/index.js';
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

export const legacyDaFile = buildDaContainer({ entries: [{ hwCode: P780_DA_CODE, protocol: 'legacy' }] });

export function legacyStages() {
  return daStages(
    legacyDaFile,
    pickDaEntry(parseDaContainer(legacyDaFile), { hwCode: 0x6583, daCode: P780_DA_CODE }),
    'legacy',
  );
}

/** the simulated DA on one end of a memory pair, as right after JUMP_DA */
export function connectLegacy(phone: SimPhone): {
  host: Transport;
  device: Transport;
  served: Promise<void>;
} {
  const [host, device] = createMemoryPair();
  const served = simDaServer({
    transport: device,
    phone,
    daImage: legacyStages().da1.bytes,
    address: 0x200000,
  });
  return { host, device, served };
}

export function legacyBringUp(
  host: Transport,
  options: Partial<LegacyBringUp> & { records?: BuildEmiRecord[]; bloaderVersion?: number } = {},
): Promise<LegacyDaClient> {
  return LegacyDaClient.bringUp(host, {
    daCode: P780_DA_CODE,
    emiBlock: legacyEmiBlock(options.records ?? p780Records, options.bloaderVersion),
    da2: legacyStages().da2,
    checkMemory: () => {},
    ...options,
  });
}
