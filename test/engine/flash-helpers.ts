/** Packages made for nikel, simulated nikel phones, and the run of a plan against them (memory or pty links). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { DeviceFacts, PlanMode } from '../../src/check/index.js';
import { checkForFlash, expectationsOf, type CheckedPackage } from '../../src/cli/commands/flash-prepare.js';
import {
  executePlan,
  type ExecuteOptions,
  type FlashEvent,
  type FlashResult,
} from '../../src/engine/executor.js';
import { buildFlashPlan, type FlashPlan } from '../../src/engine/plan.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import type { DeviceProfile } from '../../src/registry/model.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { faultyXFlashDaServer, xflashDaServer, type SimDaFaults } from '../../src/sim/da-xflash.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';

export const G = 1n << 30n;

export async function nikel(): Promise<{ profile: DeviceProfile; facts: DeviceFacts }> {
  return deviceFactsFor(await openRegistry({}), 'nikel');
}

/** A temp folder removed after the file's tests. */
export function workspace(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), `romctl-${prefix}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { root, path: (...parts: string[]) => join(root, ...parts) };
}

/** A nikel package with the generated DA; `edit` changes the spec first. */
export async function nikelPackage(dir: string, edit: (spec: RomSpec) => void = () => {}): Promise<string> {
  const { profile } = await nikel();
  const spec = romSpecForDevice(profile, { da: true });
  edit(spec);
  return (await buildRomFolder(spec, dir)).dir;
}

/**
 * the wrong preloader: made for the 4 GiB units only (two records, so MediaTek's rule checks them), so a 3 GiB
 * Samsung nikel cannot start its DRAM with it
 */
export function wrongPreloader(spec: RomSpec): void {
  spec.preloader = {
    ...spec.preloader,
    records: [
      { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0xff, rankSizes: [2n * G, 2n * G] },
      { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0x06, rankSizes: [2n * G, 2n * G] },
    ],
  };
}

/** the preloader bytes a spec's package holds */
export function preloaderOf(spec: RomSpec): Uint8Array {
  return buildPreloader(spec.preloader);
}

/** a simulated nikel; with `preloader` it is written to boot1 first and the phone boots from it */
export async function nikelPhone(
  options: { preloader?: Uint8Array; faults?: SimDaFaults; storagePath?: string } = {},
): Promise<SimPhone> {
  const phone = await SimPhone.create({
    profile: resolveSimProfile('nikel'),
    daServer: options.faults ? faultyXFlashDaServer(options.faults) : xflashDaServer,
    ...(options.storagePath === undefined ? {} : { storagePath: options.storagePath }),
  });
  if (options.preloader) {
    await phone.storage.write('boot1', 0, options.preloader);
    await phone.reboot();
  }
  return phone;
}

export async function checked(
  path: string,
  mode: PlanMode,
  options: { withPreloader?: boolean; acceptRisk?: string[] } = {},
): Promise<{ pkg: CheckedPackage; plan: FlashPlan; device: DeviceFacts }> {
  const { facts: device } = await nikel();
  const pkg = await checkForFlash(path, device, mode);
  try {
    return { pkg, plan: buildFlashPlan(pkg.facts, pkg.report, { mode, ...options }), device };
  } catch (error) {
    await pkg.close();
    throw error;
  }
}

/** Serves the phone on a fresh memory link and runs the plan; the link is closed afterwards. */
export async function flashOnce(
  phone: SimPhone,
  prepared: { pkg: CheckedPackage; plan: ExecuteOptions['plan']; device: DeviceFacts },
  options: Partial<ExecuteOptions> & {
    backupDir: string;
    onEvent?: (event: FlashEvent, host: Transport) => void;
  },
): Promise<FlashResult> {
  const [host, device] = createMemoryPair();
  const served = phone.serve(device);
  try {
    return await executePlan({
      plan: prepared.plan,
      transport: host,
      daFile: prepared.pkg.da!.bytes,
      device: expectationsOf(prepared.device),
      openImage: prepared.pkg.openImage,
      ...options,
      onEvent: (event) => options.onEvent?.(event, host),
    });
  } finally {
    await host.close();
    await served;
  }
}
