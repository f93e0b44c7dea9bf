/** A P780 package on the simulated P780 (MT6589, legacy DA): the fixture profile and one flash run. */
import { checkForFlash, expectationsOf } from '../../src/cli/commands/flash-prepare.js';
import type { PlanMode } from '../../src/check/index.js';
import { executePlan, type FlashResult } from '../../src/engine/executor.js';
import { buildFlashPlan } from '../../src/engine/plan.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { toDeviceFacts } from '../../src/registry/device-facts.js';
import type { DeviceProfile, LayoutEntry } from '../../src/registry/model.js';
import type { SimPhone } from '../../src/sim/index.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import { nikel } from './flash-helpers.js';
import { P780_CID, p780Phone } from './da-legacy-helpers.js';

/** system, cache and userdata shrunk so nikel's layout fits the simulated P780's 4 GB eMMC */
const SHRUNK: Record<string, LayoutEntry> = {
  system: ['system', '0x2e800000', '0x40000000'],
  cache: ['cache', '0x6e800000', '0x1b000000'],
  userdata: ['userdata', '0x89800000', '0x40000000'],
};

/**
 * The registry's P780 has no partition layout or memory ids yet, so the fixture is a P780 (MT6589, the simulated
 * phone's SK hynix eMMC-MCP with 2 × 512 MiB LPDDR2) on nikel's layout.
 */
export async function p780Fixture(): Promise<DeviceProfile> {
  const { profile } = await nikel();
  const layout = profile.layouts![0]!;
  return {
    ...profile,
    layouts: [{ ...layout, partitions: layout.partitions.map((entry) => SHRUNK[entry[0]] ?? entry) }],
    codename: 'P780',
    chip: 'MT6589',
    hwCode: '0x6583',
    preloaderProjects: ['prada'],
    variants: [
      {
        id: '4gb',
        label: 'fixture: 4 GB, SK hynix eMMC-MCP',
        source: 'test fixture (src/sim/profiles.ts P780)',
        package: 'emmc-mcp',
        dram: 'LPDDR2',
        storageId: P780_CID.slice(0, 18),
        rankSizes: ['0x20000000', '0x20000000'],
      },
    ],
  };
}

export interface P780Run {
  /** the package folder */
  dir: string;
  /** where the backup and journal go */
  backupDir: string;
  edit?: (spec: RomSpec) => void;
  editProfile?: (profile: DeviceProfile) => DeviceProfile;
  acceptRisk?: string[];
  withPreloader?: boolean;
  mode?: PlanMode;
  /** the phone to flash; a fresh blank P780 (registered in `phones`) when left out */
  target?: SimPhone;
  phones: SimPhone[];
}

/** Builds a P780 package, checks and plans it, and runs the plan on the phone over a memory link. */
export async function flashP780(
  run: P780Run,
): Promise<{ dir: string; target: SimPhone; result: FlashResult; spec: RomSpec }> {
  const profile = (run.editProfile ?? ((p) => p))(await p780Fixture());
  const spec = romSpecForDevice(profile, { da: true });
  run.edit?.(spec);
  const dir = (await buildRomFolder(spec, run.dir)).dir;
  const device = toDeviceFacts(profile, []);
  const mode = run.mode ?? 'download';
  const pkg = await checkForFlash(dir, device, mode);
  const target = run.target ?? (await p780Phone());
  if (!run.target) run.phones.push(target);
  const [host, link] = createMemoryPair();
  const served = target.serve(link);
  try {
    const plan = buildFlashPlan(pkg.facts, pkg.report, {
      mode,
      acceptRisk: run.acceptRisk ?? [],
      withPreloader: run.withPreloader === true,
    });
    const result = await executePlan({
      plan,
      transport: host,
      daFile: pkg.da!.bytes,
      device: expectationsOf(device),
      openImage: pkg.openImage,
      backupDir: run.backupDir,
    });
    return { dir, target, result, spec };
  } finally {
    await pkg.close();
    await host.close();
    await served;
  }
}
