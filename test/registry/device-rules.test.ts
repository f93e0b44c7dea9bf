import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPackage, type Finding } from '../../src/check/index.js';
import { parseScatter } from '../../src/formats/scatter/index.js';
import { layoutsFromScatter, toDeviceFacts, type DeviceProfile } from '../../src/registry/index.js';
import type { BuiltRom } from '../../src/testkit/rom-builder.js';
import { romWorkspace } from '../check/helpers.js';

const workspace = romWorkspace('device-rules');
let rom: BuiltRom;
let nikelLike: DeviceProfile;
let preloaderSha256: string;

/** A profile that fits the default generated package exactly (the testkit ROM is nikel-like). */
beforeAll(async () => {
  rom = await workspace.rom('nikel');
  const scatter = parseScatter(await readFile(rom.scatterPath), { fileName: rom.scatterPath });
  const preloader = rom.files.find((file) => file.name === 'preloader');
  preloaderSha256 = createHash('sha256')
    .update(await readFile(preloader?.path ?? ''))
    .digest('hex');
  nikelLike = {
    codename: 'nikel',
    names: ['Redmi Note 4 MTK'],
    platform: 'mtk',
    chip: 'MT6797',
    hwCode: '0x279',
    storage: ['EMMC'],
    preloaderProjects: ['lcsh6797_6c_lw_m'],
    layouts: layoutsFromScatter(scatter, 'generated'),
    variants: [
      {
        id: 'samsung-2g',
        label: '2 GiB LPDDR3, Samsung DRAM',
        package: 'discrete',
        dram: 'LPDDR3',
        dramVendorId: '0x01',
        rankSizes: ['0x40000000', '0x40000000'],
        source: 'test',
      },
    ],
  };
});

async function check(profile: DeviceProfile, options: { variant?: string; path?: string; mode?: 'download' | 'format-all' } = {}) {
  const report = await checkPackage(options.path ?? rom.dir, {
    mode: options.mode ?? 'download',
    device: toDeviceFacts(profile, [], options.variant),
  });
  return report.findings;
}

const withCode = (findings: Finding[], code: string) => findings.filter((finding) => finding.code === code);

describe('device rules on a generated package', () => {
  it('pass the package for the device it was made for', async () => {
    const findings = await check(nikelLike);
    const deviceCodes = ['package.platform-mismatch', 'device.chip-mismatch', 'device.storage-mismatch', 'device.layout-changed', 'device.preloader-project', 'preloader.emi-no-match', 'preloader.emi-undecided'];
    expect(findings.filter((finding) => deviceCodes.includes(finding.code))).toEqual([]);
  });

  it('refuse an MTK package for a Qualcomm phone: "not an MTK phone"', async () => {
    const [hit] = withCode(await check({ codename: 'mido', names: ['Redmi Note 4'], platform: 'qualcomm', chip: 'MSM8953' }), 'package.platform-mismatch');
    expect(hit?.severity).toBe('error');
    expect(hit?.message).toContain('this is not an MTK phone');
    expect(hit?.remedy).toContain('Qualcomm tools');
  });

  it('refuse a Qualcomm package for an MTK phone', async () => {
    const dir = workspace.path('qualcomm');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/rawprogram0.xml`, '<?xml version="1.0" ?><data></data>\n');
    await writeFile(`${dir}/prog_emmc_firehose_8953_ddr.mbn`, Buffer.alloc(64));
    const [hit] = withCode(await check(nikelLike, { path: dir }), 'package.platform-mismatch');
    expect(hit?.severity).toBe('error');
    expect(hit?.message).toMatch(/Qualcomm .* cannot go on nikel .*MTK phone \(MT6797\)/);
  });

  it('refuse a scatter for another chip, and accept one sharing the hw code', async () => {
    const [other] = withCode(await check({ ...nikelLike, chip: 'MT6765', hwCode: '0x766' }), 'device.chip-mismatch');
    expect(other?.severity).toBe('error');
    expect(other?.message).toBe('the scatter is for MT6797, but nikel (Redmi Note 4 MTK) has MT6765 (hw code 0x766)');
    const [same] = withCode(await check({ ...nikelLike, chip: 'MT6767' }), 'device.chip-mismatch');
    expect(same?.severity).toBe('info');
    expect(same?.message).toContain('same hw code (hw code 0x279)');
  });

  it('refuse a package for another storage type', async () => {
    const [hit] = withCode(await check({ ...nikelLike, storage: ['UFS'] }), 'device.storage-mismatch');
    expect(hit?.message).toBe('the scatter lays out EMMC, nikel (Redmi Note 4 MTK) has UFS');
  });

  it('say a changed layout needs Format All (error for Download Only, warning for Format All)', async () => {
    const layouts = nikelLike.layouts?.map((layout) => ({
      ...layout,
      partitions: layout.partitions.map(([name, start, size]) =>
        name === 'system' ? ([name, `0x${(BigInt(start) + 0x100000n).toString(16)}`, size] as typeof layout.partitions[number]) : [name, start, size],
      ),
    })) as DeviceProfile['layouts'];
    const [download] = withCode(await check({ ...nikelLike, layouts }), 'device.layout-changed');
    expect(download?.severity).toBe('error');
    expect(download?.message).toMatch(/system starts at 0x[0-9a-f]+, on the device at 0x[0-9a-f]+/);
    expect(download?.symptoms).toContain('ERROR_ROM_MUST_ENABLE (8502)');
    expect(download?.remedy).toContain('IMEI');
    const [formatAll] = withCode(await check({ ...nikelLike, layouts }, { mode: 'format-all' }), 'device.layout-changed');
    expect(formatAll?.severity).toBe('warning');
  });

  it("refuse a preloader built for another board's project", async () => {
    const [hit] = withCode(await check({ ...nikelLike, preloaderProjects: ['lcsh6797_other'] }), 'device.preloader-project');
    expect(hit?.message).toBe('the preloader is built for project lcsh6797_6c_lw_m, nikel uses lcsh6797_other');
  });

  it('name the memory variant a preloader would brick', async () => {
    const elpida = {
      id: 'elpida-3g',
      label: '3 GiB LPDDR3, Elpida DRAM',
      package: 'discrete' as const,
      dram: 'LPDDR3',
      dramVendorId: '0x03',
      rankSizes: ['0x60000000', '0x60000000'],
      period: 'after 03.2014',
      source: 'test',
    };
    const profile = { ...nikelLike, variants: [...(nikelLike.variants ?? []), elpida] };
    const [hit, ...rest] = withCode(await check(profile), 'preloader.emi-no-match');
    expect(rest).toEqual([]);
    expect(hit?.severity).toBe('error');
    expect(hit?.message).toContain('no EMI record for nikel@elpida-3g (3 GiB LPDDR3, Elpida DRAM, made after 03.2014)');
    expect(hit?.symptoms).toContain('S_FT_ENABLE_DRAM_FAIL (4032)');
    // the user's own variant is covered: choosing it judges only that one
    expect(withCode(await check(profile, { variant: 'samsung-2g' }), 'preloader.emi-no-match')).toEqual([]);
    expect(withCode(await check(profile, { variant: 'elpida-3g' }), 'preloader.emi-no-match')).toHaveLength(1);
  });

  it('warn, never pass silently, when a variant cannot be decided', async () => {
    const unknown = { ...nikelLike, variants: [{ id: '8gb', label: '8 GB eMMC version', source: 'test' }] };
    const [hit] = withCode(await check(unknown), 'preloader.emi-undecided');
    expect(hit?.severity).toBe('warning');
    expect(hit?.message).toContain('cannot tell whether the preloader boots nikel@8gb');
    const [none] = withCode(await check({ ...nikelLike, variants: [] }), 'preloader.emi-undecided');
    expect(none?.message).toContain('the registry knows no memory variants of nikel');
  });

  it('name a preloader the registry knows as good, and only that', async () => {
    const known = { ...nikelLike, knownGoodPreloaders: [{ sha256: preloaderSha256, file: 'preloader_lcsh6797_6c_lw_m.bin', source: 'test' }] };
    const [hit] = withCode(await check(known), 'bundle.known-good');
    expect(hit?.severity).toBe('info');
    const other = { ...nikelLike, knownGoodPreloaders: [{ sha256: '0'.repeat(64), source: 'test' }] };
    expect(withCode(await check(other), 'bundle.known-good')).toEqual([]);
  });
});
