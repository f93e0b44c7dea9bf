import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage } from '../../src/check/index.js';
import {
  detectScatterFormat,
  parseScatter,
  type Partition,
  type Scatter,
} from '../../src/formats/scatter/index.js';
import { legacyText, SAMPLE, v1Text, v2Text, xmlText } from './fixtures.js';
import { errorOf } from '../helpers/errors.js';

const byName = (scatter: Scatter, name: string): Partition => {
  const partition = scatter.layouts[0]?.partitions.find((candidate) => candidate.name === name);
  if (!partition) throw new Error(`no ${name}`);
  return partition;
};

describe('YAML V1.1.x', () => {
  const scatter = parseScatter(v1Text(), { fileName: 'demo.txt' });

  it('reads the general block into the model', () => {
    expect(scatter).toMatchObject({
      format: 'v1',
      configVersion: 'V1.1.2',
      platform: 'MT6765',
      project: 'demo_bsp',
    });
    expect(scatter.layouts).toHaveLength(1);
    expect(scatter.layouts[0]).toMatchObject({ storage: 'EMMC', bootChannel: 'MSDC_0', blockSize: 0x20000n });
  });

  it('reads every partition field, addresses above 32 bits exactly', () => {
    const partitions = scatter.layouts[0]!.partitions;
    expect(partitions.map((partition) => partition.name)).toEqual(SAMPLE.map((partition) => partition.name));
    expect(byName(scatter, 'userdata')).toMatchObject({
      index: 4,
      fileName: 'userdata.img',
      isDownload: true,
      type: 'EXT4_IMG',
      linearStart: 0x1_2000_0000n,
      physicalStart: 0x1_2000_0000n,
      size: 0x3_0000_0000n,
      sizeDerived: false,
      region: 'EMMC_USER',
      storage: 'HW_STORAGE_EMMC',
      operationType: 'UPDATE',
      isReserved: false,
      boundaryCheck: true,
    });
    expect(byName(scatter, 'pgpt')).toMatchObject({ fileName: null, isDownload: false });
    expect(byName(scatter, 'sgpt')).toMatchObject({
      isReserved: true,
      boundaryCheck: false,
      linearStart: 0xffff0000n,
    });
  });

  it('keeps unknown keys verbatim and in order, and the entry line', () => {
    const boot = byName(scatter, 'boot');
    expect(Object.entries(boot.extra)).toEqual([
      ['is_upgradable', 'true'],
      ['empty_boot_needed', 'false'],
      ['reserve', '0x00'],
    ]);
    expect(v1Text().split('\n')[boot.line - 1]).toBe('- partition_index: SYS3');
  });
});

describe('quirks of hand-edited files', () => {
  const plain = parseScatter(v1Text());
  const withoutLines = (scatter: Scatter) =>
    scatter.layouts.map((layout) => layout.partitions.map(({ line: _line, ...rest }) => rest));

  it.each([
    ['CRLF line ends', (text: string) => text.replace(/\n/g, '\r\n')],
    ['CR line ends', (text: string) => text.replace(/\n/g, '\r')],
    ['trailing spaces and tabs', (text: string) => text.replace(/\n/g, ' \t \n')],
    ['tab indentation', (text: string) => text.replace(/^ {2}/gm, '\t')],
    [
      'comment lines and inline comments',
      (text: string) => text.replace(/(0x[0-9a-f]+)\n/g, '$1   # edited\n# note\n'),
    ],
    [
      'quoted values',
      (text: string) =>
        text.replace(/platform: (\w+)/, "platform: '$1'").replace(/file_name: (\S+)/g, 'file_name: "$1"'),
    ],
    [
      'upper-case keys and booleans',
      (text: string) =>
        text.replace(/is_download: (\w+)/g, (_m, value: string) => `IS_DOWNLOAD: ${value.toUpperCase()}`),
    ],
  ])('%s parse to the same model', (_title, mutate) => {
    const parsed = parseScatter(mutate(v1Text()));
    expect(withoutLines(parsed)).toEqual(withoutLines(plain));
    expect(parsed.platform).toBe('MT6765');
  });

  it('strips a UTF-8 BOM and decodes UTF-16 (Notepad "Unicode") and Latin-1 bytes', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(v1Text())]);
    expect(withoutLines(parseScatter(bom))).toEqual(withoutLines(plain));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(v1Text(), 'utf16le')]);
    expect(withoutLines(parseScatter(utf16))).toEqual(withoutLines(plain));
    const latin1 = Buffer.from(v1Text().replace('demo_bsp', 'd\u00e9mo'), 'latin1');
    expect(parseScatter(latin1).project).toBe('d\u00e9mo');
  });

  it('takes the later of duplicate keys and says so in notes', () => {
    const text = v1Text().replace(
      '  partition_size: 0x2000000',
      '  partition_size: 0x1000\n  partition_size: 0x2000000',
    );
    const scatter = parseScatter(text, { fileName: 'dup.txt' });
    expect(byName(scatter, 'boot').size).toBe(0x2000000n);
    expect(scatter.notes.join('\n')).toMatch(/dup\.txt:\d+: duplicate key partition_size/);
  });

  it('normalises Windows paths and NONE in any case', () => {
    const text = v1Text()
      .replace('file_name: boot.img', 'file_name: ..\\images\\boot.img')
      .replace(/NONE/g, 'none');
    const scatter = parseScatter(text);
    expect(byName(scatter, 'boot').fileName).toBe('../images/boot.img');
    expect(byName(scatter, 'nvram').fileName).toBeNull();
  });

  it('keeps names as written (upper-case V1.1.1 names)', () => {
    const scatter = parseScatter(
      v1Text(SAMPLE.map((partition) => ({ ...partition, name: partition.name.toUpperCase() }))),
    );
    expect(scatter.layouts[0]!.partitions[0]!.name).toBe('PRELOADER');
  });

  it('tolerates trailers after the last entry ([huaqin], checkSum = …) with a note', () => {
    const scatter = parseScatter(`${v1Text()}\n\n[huaqin]\ncheckSum = 0x15bf\n`);
    expect(scatter.layouts[0]!.partitions).toHaveLength(SAMPLE.length);
    expect(scatter.notes.join('\n')).toMatch(/ignored 2 line\(s\) after the last entry.*\[huaqin\]/);
  });

  it('derives a missing partition_size from the next start and says so', () => {
    const text = v1Text().replace('  partition_size: 0x500000\n', '');
    const nvram = byName(parseScatter(text), 'nvram');
    expect(nvram).toMatchObject({ size: 0x500000n, sizeDerived: true });
  });
});

describe('broken input names the line and what was expected', () => {
  const lineOf = (text: string, needle: string) =>
    text.split('\n').findIndex((line) => line.includes(needle)) + 1;

  it('a line that is not key: value in the middle', () => {
    const text = v1Text().replace('  type: EXT4_IMG', '  type EXT4_IMG');
    const error = errorOf(() => parseScatter(text, { fileName: 'x.txt' }));
    expect(error.where).toBe(`x.txt:${lineOf(text, 'type EXT4_IMG')}`);
    expect(error.message).toMatch(/expected `key: value`/);
  });

  it('a bad hex number in an entry that is downloaded', () => {
    const text = v1Text().replace('partition_size: 0x2000000', 'partition_size: 0x200000G');
    const error = errorOf(() => parseScatter(text, { fileName: 'x.txt' }));
    expect(error.where).toBe(`x.txt:${lineOf(text, '0x200000G')}`);
    expect(error.message).toMatch(/partition_size: expected a hex number/);
  });

  it('broken entries SP Flash Tool does not download are left out with a warning and their line', () => {
    const text = v1Text()
      .replace('partition_size: 0x500000', 'partition_size: 0x50000G')
      .replace('partition_name: pgpt', 'partition_name: ');
    const scatter = parseScatter(text, { fileName: 'x.txt' });
    expect(scatter.layouts[0]!.partitions.map((p) => p.name)).not.toContain('nvram');
    // an entry's line is its `- partition_index:` line, the one before its partition_name
    const entryLine = (name: string) =>
      text.split('\n').findIndex((line) => line.trim() === `partition_name: ${name}`.trim());
    expect(scatter.skipped).toEqual([
      { line: entryLine(''), name: null, message: 'partition entry without a partition_name' },
      {
        line: entryLine('nvram'),
        name: 'nvram',
        message: expect.stringMatching(/partition_size: expected a hex number/),
      },
    ]);
  });

  it('a bad boolean', () => {
    const error = errorOf(() =>
      parseScatter(v1Text().replace('is_reserved: false', 'is_reserved: maybe'), { fileName: 'x.txt' }),
    );
    expect(error.message).toMatch(/is_reserved: expected true or false/);
    expect(error.where).toMatch(/^x\.txt:\d+$/);
  });

  it('an entry without a name or start', () => {
    expect(errorOf(() => parseScatter(v1Text().replace('  partition_name: boot\n', ''))).message).toMatch(
      /without a partition_name/,
    );
    expect(
      errorOf(() => parseScatter(v1Text().replace(/ {2}(linear|physical)_start_addr: 0x508000\n/g, '')))
        .message,
    ).toMatch(/boot has no linear_start_addr/);
  });

  it('a general block without any partition', () => {
    expect(errorOf(() => parseScatter(v1Text([]))).message).toMatch(/no partition entries/);
  });

  it('not well-formed XML', () => {
    const error = errorOf(() =>
      parseScatter(xmlText().replace('</partition_size>', '</partition_sise>'), { fileName: 'a.xml' }),
    );
    expect(error.message).toMatch(/not well-formed XML/);
    expect(error.where).toMatch(/^a\.xml:\d+$/);
  });

  it('an unclosed legacy block', () => {
    const error = errorOf(() =>
      parseScatter('PRELOADER 0x0\n{\nMBR 0x600000\n{\n}\n', { fileName: 'l.txt' }),
    );
    expect(error.where).toBe('l.txt:3');
    expect(error.message).toMatch(/expected `}`/);
  });
});

describe('YAML V2.x multi-storage', () => {
  const scatter = parseScatter(v2Text());

  it('has one layout per storage_type with its own MTK_STORAGE_CFG', () => {
    expect(scatter).toMatchObject({
      format: 'v2',
      configVersion: 'V2.1.0',
      platform: 'MT6893',
      project: 'demo_v2',
    });
    expect(scatter.layouts.map((layout) => [layout.storage, layout.bootChannel, layout.blockSize])).toEqual([
      ['EMMC', 'MSDC_0', 0x20000n],
      ['UFS', 'UFSHCI_0', 0x80000n],
    ]);
    expect(scatter.layouts.map((layout) => layout.partitions.length)).toEqual([SAMPLE.length, SAMPLE.length]);
    expect(scatter.layouts[1]!.partitions[0]).toMatchObject({
      name: 'preloader',
      region: 'UFS_LU0_LU1',
      storage: 'HW_STORAGE_UFS',
    });
  });
});

describe('XML scatter', () => {
  it('reads the same fields as YAML, with element lines', () => {
    const text = xmlText();
    const scatter = parseScatter(text);
    expect(scatter).toMatchObject({
      format: 'xml',
      configVersion: 'V2.1.0',
      platform: 'MT6893',
      project: 'demo_xml',
    });
    const layout = scatter.layouts[0]!;
    expect(layout).toMatchObject({ storage: 'EMMC', bootChannel: 'MSDC_0', blockSize: 0x20000n });
    const userdata = layout.partitions[4]!;
    expect(userdata).toMatchObject({
      name: 'userdata',
      linearStart: 0x1_2000_0000n,
      size: 0x3_0000_0000n,
      index: 4,
    });
    expect(text.split('\n')[userdata.line - 1]).toContain('<partition_index name="SYS4">');
    expect(layout.partitions[3]!.extra).toEqual({ is_upgradable: 'true', empty_boot_needed: 'false' });
  });
});

describe('legacy text format', () => {
  it('derives sizes, implies file names, marks __NODL_ and end-relative entries', () => {
    const scatter = parseScatter(legacyText(), { fileName: 'MT6589_Android_scatter_emmc.txt' });
    expect(scatter).toMatchObject({
      format: 'legacy',
      configVersion: null,
      platform: 'MT6589',
      project: null,
    });
    expect(scatter.layouts[0]!.storage).toBe('EMMC');
    expect(scatter.notes.join('\n')).toMatch(/platform MT6589 taken from the file name/);
    expect(scatter.notes.join('\n')).toMatch(/EMMC inferred from the `_emmc` file name/);
    expect(byName(scatter, 'PRELOADER')).toMatchObject({
      fileName: 'preloader.bin',
      fileNameImplied: true,
      size: 0x600000n,
      sizeDerived: true,
      isDownload: true,
      line: 1,
    });
    expect(byName(scatter, 'UBOOT').fileName).toBe('lk.bin');
    expect(byName(scatter, 'ANDROID')).toMatchObject({
      fileName: 'system.img',
      size: 0x2_0000_0000n - 0xc60000n,
    });
    expect(byName(scatter, 'NVRAM')).toMatchObject({
      isDownload: false,
      fileName: null,
      fileNameImplied: false,
      size: 0x500000n,
    });
    expect(byName(scatter, 'USRDATA')).toMatchObject({
      size: null,
      sizeDerived: false,
      linearStart: 0x2_0000_0000n,
    });
    expect(byName(scatter, 'BMTPOOL')).toMatchObject({
      isReserved: true,
      boundaryCheck: false,
      size: null,
      linearStart: 0xffff00a8n,
    });
  });

  it('infers NAND for an MT6575 scatter without _emmc and without MBR, and notes it', () => {
    const nand = legacyText(
      [
        ['PRELOADER', 0n],
        ['UBOOT', 0x40000n],
        ['ANDROID', 0x100000n],
      ],
      true,
    );
    const scatter = parseScatter(nand, { fileName: 'MT6575_Android_scatter.txt' });
    expect(scatter.layouts[0]!.storage).toBe('NAND');
    expect(scatter.notes.join('\n')).toMatch(/NAND inferred/);
    expect(parseScatter(nand).layouts[0]!.storage).toBeNull();
  });

  it('accepts braces on the entry line and mixed-case hex', () => {
    const scatter = parseScatter('PRELOADER 0x0 {}\nUBOOT 0X4A0000 {\n}\nBOOTIMG 0x50000A\n{\n}\n');
    expect(scatter.layouts[0]!.partitions.map((partition) => partition.linearStart)).toEqual([
      0n,
      0x4a0000n,
      0x50000an,
    ]);
  });
});

describe('OTA layout lists', () => {
  it('are recognised and labelled ota, with no downloads', () => {
    const text = legacyText(undefined, false);
    expect(detectScatterFormat(text).format).toBe('ota');
    const scatter = parseScatter(text);
    expect(scatter.format).toBe('ota');
    expect(
      scatter.layouts[0]!.partitions.every(
        (partition) => !partition.isDownload && partition.fileName === null,
      ),
    ).toBe(true);
    expect(byName(scatter, 'NVRAM').size).toBe(0x500000n);
  });

  it('leave the size unknown when the next entry starts at the same address (other area)', () => {
    const scatter = parseScatter(
      'preloader 0x0\npgpt 0x0\nboot_para 0x8000\nuserdata 0x100000\nsgpt 0xFFFF0000\n',
    );
    expect(byName(scatter, 'preloader').size).toBeNull();
    expect(byName(scatter, 'pgpt')).toMatchObject({ size: 0x8000n, sizeDerived: true });
  });
});

describe('detection by content', () => {
  it.each([
    [Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1'), null, /PNG image/],
    [Buffer.alloc(0), null, /empty file/],
    [
      '<?xml version="1.0" ?>\n<data>\n<program filename="boot.img" label="boot"/>\n</data>',
      null,
      /Qualcomm rawprogram XML/,
    ],
    [
      '<?xml version="1.0"?>\n<flashtool-config version="2.0">\n<download-rom-item partition="boot"/>\n</flashtool-config>',
      null,
      /flashtool-config/,
    ],
    [Buffer.from('PK\x03\x04rest', 'latin1'), null, /zip archive/],
    ['hello world\n', null, /text file without scatter entries/],
    [v1Text(), 'v1', /YAML V1/],
    [v2Text(), 'v2', /V2/],
    [xmlText(), 'xml', /XML/],
    [legacyText(), 'legacy', /legacy/],
  ] as const)('case %#', (input, format, description) => {
    const detection = detectScatterFormat(input);
    expect(detection.format).toBe(format);
    expect(detection.description).toMatch(description);
  });

  it('parseScatter refuses a non-scatter with what it is and what was expected', () => {
    const error = errorOf(() =>
      parseScatter('<data><program label="x"/></data>', { fileName: 'rawprogram0.xml' }),
    );
    expect(error.oneLine()).toBe(
      'rawprogram0.xml: this is a Qualcomm rawprogram XML (QFIL/EDL), not an MTK scatter file — ' +
        'expected an SP Flash Tool scatter (MTxxxx_Android_scatter.txt or .xml)',
    );
  });
});

describe('a scatter with a broken reserved entry checks with a warning, not exit 2', () => {
  it('romctl check reports scatter.entry-skipped with the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'romctl-skip-'));
    const text = v1Text().replace('partition_name: pgpt', 'partition_name: ');
    await writeFile(join(dir, 'MT6765_Android_scatter.txt'), text);
    const report = await checkPackage(join(dir, 'MT6765_Android_scatter.txt')).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );
    const skipped = report.findings.find((f) => f.code === 'scatter.entry-skipped');
    expect(skipped?.severity).toBe('warning');
    expect(skipped?.subject).toMatchObject({ file: 'MT6765_Android_scatter.txt', line: expect.any(Number) });
    expect(skipped?.message).toMatch(/\(no partition_name\) is not downloaded and is broken/);
  });
});
