import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildGpt } from '../../src/engine/da/gpt-build.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';
import { romSpecForDevice } from '../../src/testkit/rom-builder.js';
import type { RomSpec } from '../../src/testkit/rom-builder.js';
import { nikel, nikelPackage, preloaderOf, workspace } from '../engine/flash-helpers.js';

const G = 1n << 30n;
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';

const ws = workspace('probe');
const validate = schemaValidator('probe');

interface ProbeJson {
  mode: string;
  chip: string;
  meId: string;
  storage: { kind: string; id: string; idPrefix: string } | null;
  preloader: { present: boolean; fits: string | null; fileName: string | null } | null;
  partitions: Array<{ name: string }> | null;
  notes: string[];
  redacted: boolean;
}

/** a simulated nikel whose boot1 holds its own good preloader and whose user area has a GPT */
async function bootedNikel(name: string): Promise<string> {
  const path = ws.path(name);
  const phone = await SimPhone.create({ profile: resolveSimProfile('nikel'), storagePath: path });
  await phone.storage.write('boot1', 0, preloaderOf(romSpecForDevice((await nikel()).profile)));
  const gpt = buildGpt({
    diskSize: BigInt(phone.storage.size('user')),
    partitions: [
      { name: 'proinfo', start: 0x80000n, size: 0x300000n },
      { name: 'nvram', start: 0x380000n, size: 0x500000n },
    ],
  });
  await phone.storage.write('user', 0, gpt);
  await phone.close();
  return path;
}

async function probe(...args: string[]): Promise<{ code: number; json: ProbeJson }> {
  const run = await runCli(['--json', 'probe', '--sim', 'nikel', ...args]);
  const json = JSON.parse(run.stdout) as ProbeJson;
  expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  return { code: run.code, json };
}

describe('romctl probe', { timeout: 60_000 }, () => {
  it('reads a phone in preloader mode: storage id, the boot1 preloader and its fit, the partition table', async () => {
    const storage = await bootedNikel('booted.img');
    const { code, json } = await probe('--sim-storage', storage);
    expect(code).toBe(0);
    expect(json).toMatchObject({ mode: 'preloader', chip: 'MT6797', redacted: false });
    expect(json.storage).toMatchObject({ kind: 'emmc', id: resolveSimProfile('nikel').storage.id });
    expect(json.preloader).toMatchObject({ present: true, fileName: expect.stringMatching(/^preloader/) });
    expect(json.partitions?.map((p) => p.name)).toEqual(['proinfo', 'nvram']);
  });

  it('--redact hashes the ids but keeps the storage id prefix', async () => {
    const storage = await bootedNikel('redact.img');
    const plain = (await probe('--sim-storage', storage)).json;
    const { json } = await probe('--sim-storage', storage, '--redact');
    expect(json.redacted).toBe(true);
    expect(json.meId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(json.meId).not.toBe(plain.meId);
    expect(json.storage?.id).toMatch(/^sha256:/);
    expect(json.storage?.idPrefix).toBe(plain.storage?.id.slice(0, 18));
  });

  it('a phone in BROM mode without --preloader still says who it is, and why the rest is missing', async () => {
    const { code, json } = await probe();
    expect(code).toBe(0);
    expect(json).toMatchObject({
      mode: 'brom',
      chip: 'MT6797',
      storage: null,
      preloader: null,
      partitions: null,
    });
    expect(json.notes.join(' ')).toMatch(/no preloader EMI block/);
  });

  it('check --probe decides the memory check from the probed storage id (redacted or not)', async () => {
    const storage = await bootedNikel('check.img');
    const probeFile = ws.path('probe.json');
    await writeFile(probeFile, JSON.stringify((await probe('--sim-storage', storage, '--redact')).json));
    const cid = resolveSimProfile('nikel').storage.id.slice(0, 18);
    // eMMC-MCP records decide by the storage id: one package names this phone's eMMC, the other another one
    const mcp = (id: string) => (spec: RomSpec) => {
      spec.preloader = {
        ...spec.preloader,
        records: [{ package: 'emmc-mcp', dram: 'LPDDR3', id, rankSizes: [G, G] }],
      };
    };
    const good = await nikelPackage(ws.path('good'), mcp(cid));
    const bad = await nikelPackage(ws.path('bad'), mcp('90014a484247346132'));
    const findings = (out: string) => (JSON.parse(out) as { findings: Array<{ code: string }> }).findings;
    const ok = await runCli(['--json', 'check', good, '--probe', probeFile]);
    expect(findings(ok.stdout).filter((f) => f.code.startsWith('preloader.emi-'))).toEqual([]);
    const refused = await runCli(['--json', 'check', bad, '--probe', probeFile]);
    expect(findings(refused.stdout).map((f) => f.code)).toContain('preloader.emi-no-match');
    expect(refused.code).toBe(1);
  });

  it("nikel's own discrete-DRAM records cannot be decided from a storage id: a warning, said as such", async () => {
    const storage = await bootedNikel('discrete.img');
    const probeFile = ws.path('probe-discrete.json');
    await writeFile(probeFile, JSON.stringify((await probe('--sim-storage', storage)).json));
    const run = await runCli(['--json', 'check', await nikelPackage(ws.path('own')), '--probe', probeFile]);
    const codes = (JSON.parse(run.stdout) as { findings: Array<{ code: string }> }).findings.map(
      (f) => f.code,
    );
    expect(codes).toContain('preloader.emi-undecided');
    expect(run.code).toBe(0);
  });

  it('a probe without storage is bad input for check --probe', async () => {
    const probeFile = ws.path('brom-probe.json');
    await writeFile(probeFile, JSON.stringify((await probe()).json));
    const run = await runCli(['check', await nikelPackage(ws.path('any')), '--probe', probeFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/holds no storage id/);
  });
});
