import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkForFlash, expectationsOf } from '../../src/cli/commands/flash-prepare.js';
import { executePlan } from '../../src/engine/executor.js';
import { buildFlashPlan } from '../../src/engine/plan.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import { toDeviceFacts } from '../../src/registry/device-facts.js';
import type { DeviceProfile, LayoutEntry } from '../../src/registry/model.js';
import type { SimPhone } from '../../src/sim/index.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import { nikel, workspace } from './flash-helpers.js';
import { P780_CID, p780Phone } from './da-legacy-helpers.js';

const ws = workspace('legacy-flash');
const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
async function p780Fixture(): Promise<DeviceProfile> {
  const { profile } = await nikel();
  const layout = profile.layouts![0]!;
  return {
    ...profile,
    layouts: [
      {
        ...layout,
        partitions: layout.partitions.map((entry) => {
          return SHRUNK[entry[0]] ?? entry;
        }),
      },
    ],
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

async function flashP780(name: string, edit: (spec: RomSpec) => void = () => {}, acceptRisk: string[] = []) {
  const profile = await p780Fixture();
  const spec = romSpecForDevice(profile, { da: true });
  edit(spec);
  const dir = (await buildRomFolder(spec, ws.path(name))).dir;
  const device = toDeviceFacts(profile, []);
  const pkg = await checkForFlash(dir, device, 'download');
  const target = await p780Phone();
  phones.push(target);
  const [host, link] = createMemoryPair();
  const served = target.serve(link);
  try {
    const plan = buildFlashPlan(pkg.facts, pkg.report, { mode: 'download', acceptRisk });
    const result = await executePlan({
      plan,
      transport: host,
      daFile: pkg.da!.bytes,
      device: expectationsOf(device),
      openImage: pkg.openImage,
      backupDir: ws.path(`${name}-backup`),
    });
    return { dir, target, result };
  } finally {
    await pkg.close();
    await host.close();
    await served;
  }
}

describe('flash through the legacy DA on a simulated P780 (MT6589)', () => {
  it('writes and verifies every image of a legacy-chip package and the phone boots its preloader', async () => {
    const { dir, target, result } = await flashP780('good');
    expect(result.steps.filter((s) => s.state === 'done').map((s) => s.id)).toContain('write:boot');
    const boot = await readFile(join(dir, 'boot.img'));
    const bootAt = (await p780Fixture()).layouts![0]!.partitions.find(([name]) => name === 'boot')![1];
    expect(await target.storage.sha256('user', Number(bootAt), boot.length)).toBe(sha(boot));
    expect(target.lastBoot.mode).toBe('preloader');
  });

  it("with the static risk accepted, a preloader without the phone's memory fails ENABLE_DRAM; nothing written", async () => {
    const foreign = (spec: RomSpec) => {
      spec.preloader = {
        ...spec.preloader,
        records: [
          {
            package: 'emmc-mcp',
            dram: 'LPDDR2',
            id: '150100474436424d42',
            rankSizes: [1n << 29n, 1n << 29n],
          },
          {
            package: 'emmc-mcp',
            dram: 'LPDDR2',
            id: '110100474436424d42',
            rankSizes: [1n << 29n, 1n << 29n],
          },
        ],
      };
    };
    const error = await flashP780('foreign', foreign, ['preloader.emi-no-match']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^preloader\.emi-no-match: the phone.s DA could not start its DRAM/,
    );
    expect(phones.at(-1)!.storage.writtenBytes).toBe(0);
  });
});
