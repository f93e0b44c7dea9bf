import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, RomctlError } from '../../src/errors.js';
import type { SimPhone } from '../../src/sim/index.js';
import type { RomSpec } from '../../src/testkit/rom-builder.js';
import { workspace } from './flash-helpers.js';
import { flashP780 as run, p780Fixture } from './p780-helpers.js';

const ws = workspace('legacy-flash');
const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function flashP780(name: string, edit: (spec: RomSpec) => void = () => {}, acceptRisk: string[] = []) {
  return run({ dir: ws.path(name), backupDir: ws.path(`${name}-backup`), edit, acceptRisk, phones });
}

describe('flash through the legacy DA on a simulated P780 (MT6589)', () => {
  it('writes and verifies every image of a legacy-chip package and the phone boots its preloader', async () => {
    const { dir, target, result } = await flashP780('good');
    expect(result.steps.filter((s) => s.state === 'done').map((s) => s.id)).toContain('write:boot');
    // the legacy DA has no check of its own: every written byte was read back
    expect(result.verify.mode).toBe('full');
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
