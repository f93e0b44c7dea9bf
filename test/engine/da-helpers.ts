/** Simulated phones and fixtures for the DA tests: real SimPhones (sparse-file storage) with the XFlash DA. */
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { emiBlockFromPreloader } from '../../src/engine/da/emi-block.js';
import type { StorageKind } from '../../src/engine/da/xflash-info.js';
import { XFlashClient, type XFlashOptions } from '../../src/engine/da/xflash.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { buildPreloader, type BuildEmiRecord } from '../../src/formats/preloader/index.js';
import { xflashDaServer } from '../../src/sim/da-xflash.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';

export const MiB = 1024 * 1024;
const G = 1n << 30n;

export const HYNIX_CID = '90014a4842473461320a1b2c3d4e5f60';
export const UFS_ID = Buffer.from('KM2V8001CM-B707').toString('hex');

/** an MT6797 with a Hynix eMMC (or a UFS part) and 2 × 1 GiB LPDDR3, its DA server the simulated XFlash DA */
export function makePhone(kind: StorageKind = 'emmc'): Promise<SimPhone> {
  const id = kind === 'emmc' ? HYNIX_CID : UFS_ID;
  return SimPhone.create({
    profile: resolveSimProfile(`mt6797:${kind}:${id}:lpddr3:0x06:2x1G`),
    daServer: xflashDaServer,
  });
}

/** eMMC-MCP records: a Samsung part and the test phone's Hynix part */
export const fittingRecords: BuildEmiRecord[] = [
  { package: 'emmc-mcp', dram: 'LPDDR3', id: '150100474436424d42', rankSizes: [G, G] },
  { package: 'emmc-mcp', dram: 'LPDDR3', id: '90014a484247346132', rankSizes: [G, G] },
];
export const foreignRecords: BuildEmiRecord[] = [
  { package: 'emmc-mcp', dram: 'LPDDR3', id: '150100474436424d42', rankSizes: [G, G] },
];
export const ufsRecords: BuildEmiRecord[] = [
  { package: 'ufs', dram: 'LPDDR3', id: UFS_ID, rankSizes: [G, G] },
];

export function emiBlock(records: BuildEmiRecord[]): Uint8Array {
  const preloader = buildPreloader({
    fileName: 'preloader_test.bin',
    platform: 'MT6797',
    bloaderVersion: 35,
    records,
  });
  return emiBlockFromPreloader(preloader).block;
}

export const daFile = buildDaContainer({ entries: [{ hwCode: 0x6755 }, { hwCode: 0x6797 }] });

export function stagesFor(daCode = 0x6797) {
  return daStages(daFile, pickDaEntry(parseDaContainer(daFile), { hwCode: 0x279, daCode }), 'xflash');
}

/** Runs the simulated DA on one end of a memory pair with the given DA1 image (as after JUMP_DA). */
export function connect(
  phone: SimPhone,
  da1 = stagesFor().da1.bytes,
): { host: Transport; device: Transport; served: Promise<void> } {
  const [host, device] = createMemoryPair();
  const served = xflashDaServer({ transport: device, phone, daImage: da1, address: 0x200000 });
  return { host, device, served };
}

/** Full bring-up with a fitting preloader: DA2 runs, ready for flash operations. */
export async function readyClient(
  phone: SimPhone,
  options: XFlashOptions & { transport?: Transport; records?: BuildEmiRecord[] } = {},
): Promise<XFlashClient> {
  const host = options.transport ?? connect(phone).host;
  return XFlashClient.bringUp(host, {
    ...options,
    emiBlock: emiBlock(options.records ?? fittingRecords),
    da2: stagesFor().da2,
    checkMemory: () => {},
  });
}

export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** every byte equals `value` (native compare: these ranges are megabytes) */
export function filledWith(bytes: Uint8Array, value: number): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(Buffer.alloc(bytes.length, value));
}
