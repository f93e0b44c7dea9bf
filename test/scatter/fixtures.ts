/** Scatter text generated for tests (never copied from vendor files): each format, with quirks layered on. */
import type { Scatter } from '../../src/formats/scatter/index.js';

export interface FixturePartition {
  name: string;
  file?: string;
  download?: boolean;
  type?: string;
  start: bigint;
  size: bigint;
  region?: string;
  storage?: string;
  reserved?: boolean;
  operation?: string;
  extra?: [string, string][];
}

export const SAMPLE: FixturePartition[] = [
  {
    name: 'preloader',
    file: 'preloader_demo.bin',
    type: 'SV5_BL_BIN',
    start: 0n,
    size: 0x40000n,
    region: 'EMMC_BOOT1_BOOT2',
    operation: 'BOOTLOADERS',
  },
  { name: 'pgpt', start: 0n, size: 0x8000n, operation: 'INVISIBLE' },
  { name: 'nvram', start: 0x8000n, size: 0x500000n, operation: 'BINREGION' },
  {
    name: 'boot',
    file: 'boot.img',
    start: 0x508000n,
    size: 0x2000000n,
    operation: 'UPDATE',
    extra: [
      ['is_upgradable', 'true'],
      ['empty_boot_needed', 'false'],
    ],
  },
  {
    name: 'userdata',
    file: 'userdata.img',
    type: 'EXT4_IMG',
    start: 0x1_2000_0000n,
    size: 0x3_0000_0000n,
    operation: 'UPDATE',
  },
  { name: 'sgpt', start: 0xffff0000n, size: 0x80000n, reserved: true, operation: 'RESERVED' },
];

const hex = (value: bigint) => `0x${value.toString(16)}`;

function partitionLines(partition: FixturePartition, index: number, indent: string): string[] {
  const fields: [string, string][] = [
    ['partition_index', `SYS${index}`],
    ['partition_name', partition.name],
    ['file_name', partition.file ?? 'NONE'],
    ['is_download', String(partition.download ?? partition.file !== undefined)],
    ['type', partition.type ?? 'NORMAL_ROM'],
    ['linear_start_addr', hex(partition.start)],
    ['physical_start_addr', hex(partition.start)],
    ['partition_size', hex(partition.size)],
    ['region', partition.region ?? 'EMMC_USER'],
    ['storage', partition.storage ?? 'HW_STORAGE_EMMC'],
    ['boundary_check', String(!partition.reserved)],
    ['is_reserved', String(partition.reserved ?? false)],
    ['operation_type', partition.operation ?? 'UPDATE'],
    ...(partition.extra ?? []),
    ['reserve', '0x00'],
  ];
  return [
    ...fields.map(([key, value], position) => `${indent}${position === 0 ? '- ' : '  '}${key}: ${value}`),
    '',
  ];
}

export function v1Text(
  partitions: FixturePartition[] = SAMPLE,
  platform = 'MT6765',
  version = 'V1.1.2',
): string {
  return [
    '############',
    '#  General Setting',
    '- general: MTK_PLATFORM_CFG',
    '  info: ',
    `    - config_version: ${version}`,
    `      platform: ${platform}`,
    '      project: demo_bsp',
    '      storage: EMMC',
    '      boot_channel: MSDC_0',
    '      block_size: 0x20000',
    '############',
    ...partitions.flatMap((partition, index) => partitionLines(partition, index, '')),
  ].join('\n');
}

export function v2Text(partitions: FixturePartition[] = SAMPLE): string {
  const section = (storage: string, channel: string, block: string) => [
    `- storage_type: ${storage}`,
    '  description: ',
    '  - general: MTK_STORAGE_CFG',
    '    info: ',
    `      - storage: ${storage}`,
    `        boot_channel: ${channel}`,
    `        block_size: ${block}`,
    '',
    ...partitions.flatMap((partition, index) =>
      partitionLines(
        storage === 'UFS'
          ? { ...partition, region: partition.region ? 'UFS_LU0_LU1' : 'UFS_LU2', storage: 'HW_STORAGE_UFS' }
          : partition,
        index,
        '  ',
      ),
    ),
  ];
  return [
    '- general: MTK_PLATFORM_CFG',
    '  info: ',
    '    - config_version: V2.1.0',
    '      platform: MT6893',
    '      project: demo_v2',
    '#  EMMC Layout Setting',
    ...section('EMMC', 'MSDC_0', '0x20000'),
    '#  UFS Layout Setting',
    ...section('UFS', 'UFSHCI_0', '0x80000'),
  ].join('\n');
}

export function xmlText(partitions: FixturePartition[] = SAMPLE): string {
  const element = (partition: FixturePartition, index: number) => [
    `    <partition_index name="SYS${index}">`,
    `      <partition_name>${partition.name}</partition_name>`,
    `      <file_name>${partition.file ?? 'NONE'}</file_name>`,
    `      <is_download>${partition.file !== undefined}</is_download>`,
    `      <type>${partition.type ?? 'NORMAL_ROM'}</type>`,
    `      <linear_start_addr>${hex(partition.start)}</linear_start_addr>`,
    `      <physical_start_addr>${hex(partition.start)}</physical_start_addr>`,
    `      <partition_size>${hex(partition.size)}</partition_size>`,
    `      <region>${partition.region ?? 'EMMC_USER'}</region>`,
    `      <storage>HW_STORAGE_EMMC</storage>`,
    `      <boundary_check>${!partition.reserved}</boundary_check>`,
    `      <is_reserved>${partition.reserved ?? false}</is_reserved>`,
    `      <operation_type>${partition.operation ?? 'UPDATE'}</operation_type>`,
    ...(partition.extra ?? []).map(([key, value]) => `      <${key}>${value}</${key}>`),
    '    </partition_index>',
  ];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<root>',
    '  <general name="MTK_PLATFORM_CFG">',
    '    <config_version name="V2.1.0">',
    '      <platform>MT6893</platform>',
    '      <project>demo_xml</project>',
    '    </config_version>',
    '  </general>',
    '  <storage_type name="EMMC">',
    '    <general name="MTK_STORAGE_CFG">',
    '      <storage name="EMMC">',
    '        <boot_channel>MSDC_0</boot_channel>',
    '        <block_size>0x20000</block_size>',
    '      </storage>',
    '    </general>',
    ...partitions.flatMap(element),
    '  </storage_type>',
    '</root>',
    '',
  ].join('\n');
}

export const LEGACY_ENTRIES: [string, bigint][] = [
  ['PRELOADER', 0x0n],
  ['MBR', 0x600000n],
  ['EBR1', 0x680000n],
  ['__NODL_NVRAM', 0x700000n],
  ['UBOOT', 0xc00000n],
  ['ANDROID', 0xc60000n],
  ['USRDATA', 0x2_0000_0000n],
  ['__NODL_BMTPOOL', 0xffff00a8n],
];

export function legacyText(entries: [string, bigint][] = LEGACY_ENTRIES, braces = true): string {
  return entries
    .flatMap(([name, start]) => [`${name} 0x${start.toString(16)}`, ...(braces ? ['{', '}'] : [])])
    .join('\n');
}

/** The model minus what a round trip may change by design: source lines and parser notes. */
export function comparable(scatter: Scatter): unknown {
  return {
    format: scatter.format,
    configVersion: scatter.configVersion,
    platform: scatter.platform,
    project: scatter.project,
    extra: scatter.extra,
    layouts: scatter.layouts.map((layout) => ({
      ...layout,
      partitions: layout.partitions.map(({ line: _line, ...partition }) => partition),
    })),
  };
}
