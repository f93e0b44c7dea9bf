import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyPackage, findScatters, openPackage, type PackageView } from '../../src/package/index.js';
import { buildZip, mtkPackageFiles, scratchFolder, writeTree } from '../builders/archives.js';
import { archiveFile } from './helpers.js';

async function folderWith(files: Record<string, string | Buffer>): Promise<PackageView> {
  const root = await scratchFolder();
  await writeTree(root, files);
  return openPackage(root);
}

describe('classifyPackage', () => {
  it('recognises an MTK scatter package inside a zip, with the image root', async () => {
    const files = mtkPackageFiles('nikel_V11/');
    const zip = buildZip(Object.entries(files).map(([name, data]) => ({ name, data })));
    const view = await openPackage(await archiveFile('rom.zip', zip));
    expect(classifyPackage(view)).toEqual({
      kind: 'mtk-scatter',
      evidence: ['scatter nikel_V11/MT6797_Android_scatter.txt'],
      scatterPath: 'nikel_V11/MT6797_Android_scatter.txt',
      scatterCandidates: ['nikel_V11/MT6797_Android_scatter.txt'],
      imageRoot: 'nikel_V11',
    });
  });

  it('recognises a Xiaomi MTK hybrid (fastboot layout with the scatter in images/) as MTK', async () => {
    const view = await folderWith({ ...mtkPackageFiles('images/'), 'flash_all.sh': '', 'flash_all.bat': '' });
    const result = classifyPackage(view);
    expect(result.kind).toBe('mtk-scatter');
    expect(result.imageRoot).toBe('images');
    expect(result.evidence.join(' ')).toContain('MiFlash');
  });

  it('picks among several scatters by name, then platform, then shortest path, and says so', async () => {
    const view = await folderWith({
      'scatter.txt': '',
      'backup/MT6765_Android_scatter.txt': '',
      'MT6765_Android_scatter - Unprotected proinfo.txt': '',
      'MT6765_Android_scatter.xml': '',
      'MT6765_Android_scatter.txt': '',
      'Android_scatter_mod.txt': '',
      'ota_scatter.txt': '',
    });
    expect(findScatters(view)).toEqual([
      'MT6765_Android_scatter.txt',
      'MT6765_Android_scatter.xml',
      'backup/MT6765_Android_scatter.txt',
      'MT6765_Android_scatter - Unprotected proinfo.txt',
      'scatter.txt',
      'Android_scatter_mod.txt',
    ]);
    const result = classifyPackage(view);
    expect(result.scatterPath).toBe('MT6765_Android_scatter.txt');
    expect(result.evidence[1]).toContain('6 scatter candidates');
  });

  it('prefers the scatter the user named', async () => {
    const root = await scratchFolder();
    await writeTree(root, { 'MT6765_Android_scatter.txt': '', 'my_scatter.txt': '' });
    const view = await openPackage(join(root, 'my_scatter.txt'));
    expect(classifyPackage(view)).toMatchObject({ kind: 'mtk-scatter', scatterPath: 'my_scatter.txt' });
  });

  it.each([
    [
      'qualcomm',
      {
        'rom/rawprogram0.xml': '',
        'rom/patch0.xml': '',
        'rom/prog_emmc_firehose_8953_ddr.mbn': '',
        'rom/sbl1.mbn': '',
      },
      'rom',
    ],
    ['qualcomm', { 'prog_firehose_ddr.elf': '' }, ''],
    [
      'samsung',
      { 'AP_G950FXXU1AQL5_CL12345.tar.md5': '', 'BL_G950F.tar.md5': '', 'CSC_OXM.tar.md5': '' },
      '',
    ],
    ['samsung', { 'fw/HOME_CSC_OXM_G950.tar': '' }, 'fw'],
    [
      'fastboot',
      { 'sweet/flash_all.sh': '', 'sweet/images/boot.img': '', 'sweet/images/super.img': '' },
      'sweet/images',
    ],
    [
      'ota',
      { 'META-INF/com/google/android/update-binary': '', 'system.new.dat.br': '', 'ota_scatter.txt': '' },
      '',
    ],
    ['ota', { 'payload.bin': '', 'payload_properties.txt': '' }, ''],
    ['unknown', { 'readme.txt': '', 'boot.img': '' }, ''],
  ])('recognises a %s package', async (kind, files, imageRoot) => {
    const result = classifyPackage(await folderWith(files));
    expect(result.kind).toBe(kind);
    expect(result.imageRoot).toBe(imageRoot);
    expect(result.scatterPath).toBeUndefined();
    expect(result.evidence.length).toBeGreaterThan(0);
  });
});

const corpus = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');
const manifest = join(corpus, 'MANIFEST.tsv');

describe.skipIf(!existsSync(manifest))(
  'scatter names from the corpus (skipped: ../shared/corpus absent)',
  () => {
    it('every SP Flash Tool scatter name is a candidate, OTA scatters are not', async () => {
      const rows = readFileSync(manifest, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.split('\t'))
        .filter((row) => row[0]?.startsWith('scatter/'));
      const names = (format: (f: string) => boolean) => [
        ...new Set(
          rows.filter((row) => format(row[4] ?? '')).map((row) => (row[2] ?? '').split('/').pop() ?? ''),
        ),
      ];
      const flashTool = names((f) => f !== 'other');
      const other = names((f) => f === 'other');
      const view = await folderWith(Object.fromEntries([...flashTool, ...other].map((name) => [name, ''])));
      const found = findScatters(view);
      expect(flashTool.filter((name) => !found.includes(name))).toEqual([]);
      expect(found.filter((name) => /^(ota|update)_scatter/.test(name))).toEqual([]);
      expect(flashTool.length).toBeGreaterThan(30);
    });
  },
);
