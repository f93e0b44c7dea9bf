import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage } from '../../src/check/index.js';
import { packFolder } from '../../src/testkit/pack.js';
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';
import { partitionOf, romWorkspace } from './helpers.js';

const work = romWorkspace('check');
const codes = (report: { findings: { code: string }[] }) => report.findings.map((finding) => finding.code);

describe('romctl check on a sound package', () => {
  it('passes a generated MT6797 package as a folder, a zip and a tgz', async () => {
    const rom = await work.rom('good');
    const zip = await packFolder(rom.dir, work.path('good.zip'), 'zip');
    const tgz = await packFolder(rom.dir, work.path('good.tgz'), 'tgz', 'images/');
    for (const path of [rom.dir, zip, tgz]) {
      const report = await checkPackage(path);
      expect(report.findings, path).toEqual([]);
      expect(report.verdict).toBe('pass');
      expect(report.package).toMatchObject({
        kind: 'mtk-scatter',
        scatter: { platform: 'MT6797', project: 'lcsh6797_6c_lw_m', storage: 'EMMC', format: 'v1' },
      });
    }
    const run = await runCli(['check', zip]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS — 0 errors/);
  });

  it('checks a scatter file named directly, with its images beside it', async () => {
    const rom = await work.rom('direct');
    const report = await checkPackage(rom.scatterPath);
    expect(report.verdict).toBe('pass');
  });

  it('prints a JSON report valid against schemas/report.schema.json', async () => {
    const rom = await work.rom('json', (spec) => {
      partitionOf(spec, 'logo').size = 0x10000n;
    });
    const run = await runCli(['check', rom.dir, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      verdict: string;
      findings: { code: string; subject: object }[];
    };
    const validate = schemaValidator('report');
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.verdict).toBe('refuse');
    expect(report.findings[0]).toMatchObject({ code: 'image.too-large', subject: { partition: 'logo' } });
  });
});

describe('romctl check refuses each broken variant with its code', () => {
  const refused = async (path: string, code: string, args: string[] = [], exitCode = 1) => {
    const run = await runCli(['check', path, '--json', ...args]);
    const report = JSON.parse(run.stdout) as { findings: { code: string; severity: string }[] };
    expect(run.code, run.stderr).toBe(exitCode);
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toContain(code);
    return report;
  };

  it('an image larger than its partition (sparse images count expanded)', async () => {
    const rom = await work.rom('too-large', (spec) => {
      const system = partitionOf(spec, 'system');
      system.size = 32n * 1024n * 1024n; // the sparse file is 4 MiB, its expanded size 64 MiB
    });
    const report = await refused(rom.dir, 'image.too-large');
    expect(JSON.stringify(report)).toMatch(/expanded sparse size/);
  });

  it('a downloadable file missing from the package', async () => {
    const rom = await work.rom('missing');
    rmSync(`${rom.dir}/boot.img`);
    await refused(rom.dir, 'file.missing');
  });

  it('overlapping, duplicate and misaligned partitions in the scatter', async () => {
    const rom = await work.rom('layout');
    const text = readFileSync(rom.scatterPath, 'utf8');
    const broken = text
      .replace(/partition_name: lk2/, 'partition_name: lk')
      .replace(/(partition_name: logo[\s\S]*?linear_start_addr: )0x[0-9a-f]+/, '$10x1000')
      .replace(/(partition_name: md1img[\s\S]*?linear_start_addr: )0x([0-9a-f]+)/, '$10x$2' + '1');
    writeFileSync(rom.scatterPath, broken);
    await refused(rom.dir, 'scatter.overlap');
    await refused(rom.dir, 'scatter.duplicate-name');
    await refused(rom.dir, 'scatter.misaligned');
  });

  it('a sparse image with a bad chunk', async () => {
    const rom = await work.rom('bad-sparse');
    const path = `${rom.dir}/cache.img`;
    const bytes = readFileSync(path);
    bytes.writeUInt16LE(0xcaff, 28); // first chunk header: an unknown chunk type
    writeFileSync(path, bytes);
    const report = await refused(rom.dir, 'image.sparse-invalid', ['--quiet']);
    expect(JSON.stringify(report)).toMatch(/chunk/);
  });

  it('a truncated sparse image', async () => {
    const rom = await work.rom('cut-sparse');
    truncateSync(`${rom.dir}/system.img`, 1_000_000);
    await refused(rom.dir, 'image.sparse-invalid');
  });

  it('an image that does not match Checksum.ini', async () => {
    const rom = await work.rom('checksum');
    appendFileSync(`${rom.dir}/logo.bin`, Buffer.from([1]));
    const report = await refused(rom.dir, 'checksum.mismatch');
    expect(JSON.stringify(report)).toMatch(/ERROR_CHKSUM_FAIL/);
  });

  it('a preloader slot holding something else', async () => {
    const rom = await work.rom('not-preloader', (spec) => {
      Object.assign(partitionOf(spec, 'preloader'), {
        image: { kind: 'raw', size: 4096 },
        type: 'SV5_BL_BIN',
      });
    });
    await refused(rom.dir, 'image.type-mismatch');
  });

  it('a format-all plan that would erase IMEI and calibration', async () => {
    const rom = await work.rom('format-all');
    const report = await refused(rom.dir, 'data.erases-protected', ['--mode', 'format-all']);
    expect(JSON.stringify(report)).toMatch(/nvram/);
    expect((await runCli(['check', rom.dir, '--mode', 'upgrade'])).code).toBe(0);
  });

  it('a Qualcomm package', async () => {
    const rom = await work.rom('qualcomm', (spec) => {
      spec.partitions = spec.partitions.filter((partition) => partition.image !== 'preloader');
    });
    rmSync(rom.scatterPath);
    writeFileSync(`${rom.dir}/rawprogram0.xml`, '<?xml version="1.0" ?><data></data>');
    writeFileSync(`${rom.dir}/prog_emmc_firehose_8953_ddr.mbn`, 'ELF');
    // not the expected format: bad input (exit 2), the report still says what it is
    const report = await refused(rom.dir, 'package.not-mtk', [], 2);
    expect(JSON.stringify(report)).toMatch(/Qualcomm/);
    const empty = work.path('no-scatter');
    mkdirSync(empty);
    const text = await runCli(['check', empty]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/NOT AN MTK SCATTER PACKAGE/);
  });
});

describe('romctl check warns without refusing', () => {
  it('garbage lines in Checksum.ini', async () => {
    const rom = await work.rom('checksum-garbage');
    appendFileSync(`${rom.dir}/Checksum.ini`, 'this is not a key\r\n[CheckSum]\r\n=0x12\r\n');
    const report = await checkPackage(rom.dir);
    expect(report.verdict).toBe('warn');
    expect(codes(report)).toContain('checksum.bad-line');
  });

  it('a package that would overwrite nvram with its own copy', async () => {
    const rom = await work.rom('writes-nvram', (spec) => {
      partitionOf(spec, 'nvram').image = { kind: 'raw', size: 65536 };
    });
    const report = await checkPackage(rom.dir);
    expect(codes(report)).toEqual(['data.overwrites-protected']);
  });

  it('a file whose name differs from the scatter only in letter case', async () => {
    const rom = await work.rom('case', (spec) => {
      partitionOf(spec, 'logo').fileName = 'LOGO.bin';
    });
    const text = readFileSync(rom.scatterPath, 'utf8').replace('file_name: LOGO.bin', 'file_name: logo.bin');
    writeFileSync(rom.scatterPath, text);
    const report = await checkPackage(rom.dir);
    expect(codes(report)).toEqual(['file.name-case']);
  });
});

describe('romctl check explains where it looked', () => {
  it('names the scatter it used, groups one remedy for many findings, and points at the images/ subfolder', async () => {
    const rom = await work.rom('images-below');
    mkdirSync(join(rom.dir, 'images'));
    for (const file of rom.files) {
      if (existsSync(file.path)) renameSync(file.path, join(rom.dir, 'images', basename(file.path)));
    }
    const run = await runCli(['check', rom.dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`scatter used: ${basename(rom.scatterPath)}`);
    const missing = run.stdout.match(/✗ file\.missing/g) ?? [];
    expect(missing.length).toBeGreaterThan(3);
    const remedies = run.stdout.split('\n').filter((line) => line.trimStart().startsWith('→'));
    expect(remedies).toEqual([
      `      → (all ${missing.length}) the images are in images/, not beside the scatter (SP Flash Tool reads them ` +
        `from the scatter's folder): put ${basename(rom.scatterPath)} in images/ with them`,
    ]);
  });
});

describe('romctl check on a file that is not an archive at all', () => {
  it.each([
    [
      'rom.zip',
      Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200)]),
      /a PNG image, not an archive \(renamed\?\)/,
    ],
    [
      'rom.tgz',
      Buffer.from('<!DOCTYPE html><html><body>Please log in</body></html>'),
      /a web page, not an archive \(the download saved/,
    ],
  ])('%s holding something else is named as what it is (exit 2, one line)', async (name, bytes, message) => {
    const path = work.path(name);
    writeFileSync(path, bytes);
    const run = await runCli(['check', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
