import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  parseScatter,
  scatterAsV1,
  scatterToJson,
  writeScatterYaml,
  type Scatter,
} from '../../src/formats/scatter/index.js';
import { comparable, legacyText, SAMPLE, v1Text, v2Text, xmlText } from './fixtures.js';

const roundTrip = (scatter: Scatter, storage?: string) =>
  parseScatter(writeScatterYaml(scatter, { storage }), { fileName: 'written.txt' });

describe('writeScatterYaml', () => {
  it('writes MTK generator key order and spelling, general block with `info: ` and banners', () => {
    const text = writeScatterYaml(parseScatter(v1Text()));
    const lines = text.split('\n');
    expect(lines.slice(0, 13)).toEqual([
      '#'.repeat(108),
      '#',
      '#  General Setting',
      '#',
      '#'.repeat(108),
      '- general: MTK_PLATFORM_CFG',
      '  info: ',
      '    - config_version: V1.1.2',
      '      platform: MT6765',
      '      project: demo_bsp',
      '      storage: EMMC',
      '      boot_channel: MSDC_0',
      '      block_size: 0x20000',
    ]);
    const boot = lines.indexOf('  partition_name: boot') - 1;
    expect(lines.slice(boot, boot + 18).map((line) => line.replace(/:.*/, ''))).toEqual([
      '- partition_index',
      '  partition_name',
      '  file_name',
      '  is_download',
      '  type',
      '  linear_start_addr',
      '  physical_start_addr',
      '  partition_size',
      '  region',
      '  storage',
      '  boundary_check',
      '  is_reserved',
      '  operation_type',
      '  is_upgradable',
      '  empty_boot_needed',
      '  reserve',
      '',
      '- partition_index',
    ]);
  });

  it('round-trips a V1 model exactly (but for lines and notes)', () => {
    const scatter = parseScatter(v1Text());
    expect(comparable(scatterAsV1(scatter))).toEqual(comparable(scatter));
    expect(comparable(roundTrip(scatter))).toEqual(comparable(scatter));
  });

  it('quotes values the reader would otherwise change', () => {
    const scatter = parseScatter(v1Text());
    scatter.project = 'odd # project';
    scatter.layouts[0]!.partitions[3]!.extra.note = "'quoted'";
    expect(comparable(roundTrip(scatter))).toEqual(comparable(scatter));
  });

  it('writes the chosen layout of a multi-storage scatter (default the first)', () => {
    for (const source of [v2Text(), xmlText()]) {
      const scatter = parseScatter(source);
      const first = roundTrip(scatter);
      expect(first).toMatchObject({ format: 'v1', configVersion: 'V1.1.2', platform: scatter.platform });
      expect(first.layouts[0]!.storage).toBe(scatter.layouts[0]!.storage);
      expect(comparable(first)).toEqual(comparable(scatterAsV1(scatter)));
    }
    const ufs = roundTrip(parseScatter(v2Text()), 'ufs');
    expect(ufs.layouts[0]).toMatchObject({ storage: 'UFS', bootChannel: 'UFSHCI_0', blockSize: 0x80000n });
    expect(ufs.layouts[0]!.partitions[0]!.region).toBe('UFS_LU0_LU1');
    expect(() => writeScatterYaml(parseScatter(v2Text()), { storage: 'NAND' })).toThrow(RomctlError);
    expect(() => writeScatterYaml(parseScatter(v2Text()), { storage: 'NAND' })).toThrow(
      /no NAND layout.*EMMC, UFS/,
    );
  });

  it('writes a legacy scatter the way V1.1.1 files describe the same layout', () => {
    const legacy = parseScatter(legacyText(), { fileName: 'MT6589_Android_scatter_emmc.txt' });
    const written = roundTrip(legacy);
    expect(comparable(written)).toEqual(comparable(scatterAsV1(legacy)));
    expect(written).toMatchObject({ format: 'v1', configVersion: 'V1.1.1', platform: 'MT6589' });
    expect(written.layouts[0]).toMatchObject({ storage: 'EMMC', bootChannel: 'MSDC_0', blockSize: 0x20000n });
    const [preloader, mbr, , nvram, uboot, android, usrdata, bmtpool] = written.layouts[0]!.partitions;
    expect(preloader).toMatchObject({
      region: 'EMMC_BOOT_1',
      type: 'SV5_BL_BIN',
      operationType: 'BOOTLOADERS',
      fileName: 'preloader.bin',
      size: 0x600000n,
    });
    expect(mbr).toMatchObject({ region: 'EMMC_USER', fileName: 'MBR', isDownload: true });
    expect(nvram).toMatchObject({
      name: 'NVRAM',
      isDownload: false,
      fileName: null,
      type: 'NONE',
      operationType: 'BINREGION',
    });
    expect(uboot).toMatchObject({ fileName: 'lk.bin', operationType: 'UPDATE', storage: 'HW_STORAGE_EMMC' });
    expect(android).toMatchObject({ fileName: 'system.img', type: 'EXT4_IMG' });
    expect(usrdata).toMatchObject({ size: 0n, fileNameImplied: false, sizeDerived: false });
    expect(bmtpool).toMatchObject({ isReserved: true, boundaryCheck: false, operationType: 'RESERVED' });
  });
});

describe('scatterToJson', () => {
  it('writes addresses as 0x hex, NONE as null, and no line numbers', () => {
    const json = scatterToJson(parseScatter(v1Text()));
    const userdata = json.layouts[0]!.partitions[4]!;
    expect(userdata).toMatchObject({
      linearStart: '0x120000000',
      physicalStart: '0x120000000',
      size: '0x300000000',
    });
    expect(json.layouts[0]!.blockSize).toBe('0x20000');
    expect(json.layouts[0]!.partitions[1]!.fileName).toBeNull();
    expect(JSON.stringify(json)).not.toContain('"line"');
    expect(json.layouts[0]!.partitions.map((partition) => partition.name)).toEqual(
      SAMPLE.map((partition) => partition.name),
    );
  });
});
