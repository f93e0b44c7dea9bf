import { RomctlError } from '../../errors.js';
import type { Partition, Scatter } from './model.js';
import { scatterAsV1, type V1Options } from './to-v1.js';
import { toHex } from './values.js';

const BANNER = '#'.repeat(108);
const KEY = /^[A-Za-z_][\w.-]*$/;

/**
 * The scatter as YAML V1.1.x the way MTK's generator writes it (SP Flash Tool loads it): key order and spelling,
 * `info: ` with its trailing space, comment banners. Multi-storage and legacy scatters are converted first; see
 * `scatterAsV1` for the rules.
 */
export function writeScatterYaml(scatter: Scatter, options: V1Options = {}): string {
  const model = scatterAsV1(scatter, options);
  const layout = model.layouts[0];
  const out: string[] = [...banner('General Setting'), '- general: MTK_PLATFORM_CFG', '  info: '];
  const info: [string, string | null][] = [
    ['config_version', model.configVersion],
    ['platform', model.platform],
    ['project', model.project],
    ['storage', layout?.storage ?? null],
    ['boot_channel', layout?.bootChannel ?? null],
    ['block_size', layout?.blockSize == null ? null : toHex(layout.blockSize)],
    ...Object.entries(model.extra),
  ];
  out.push(...listItem(info, '    '));
  out.push(...banner('Layout Setting'));
  for (const partition of layout?.partitions ?? []) out.push(...partitionLines(partition, ''), '');
  return `${out.join('\n')}\n`;
}

/**
 * The scatter as a YAML V2.x multi-storage file the way MTK's generator writes it (the V2.1.0 files of MT6833 /
 * MT6893 packages): a general block with version, platform and project only, then per layout a `- storage_type:`
 * section with its own `MTK_STORAGE_CFG` (storage, boot channel, block size) and its partitions, indented under it.
 * Sizes derived while parsing are stated; a config version that is not V2.x is written as V2.1.0.
 */
export function writeScatterYamlV2(scatter: Scatter): string {
  const version = /^V2\./i.test(scatter.configVersion ?? '') ? (scatter.configVersion as string) : 'V2.1.0';
  const general: [string, string | null][] = [
    ['config_version', version],
    ['platform', scatter.platform],
    ['project', scatter.project],
    ...Object.entries(scatter.extra),
  ];
  const out: string[] = [...banner('General Setting'), '- general: MTK_PLATFORM_CFG', '  info: '];
  out.push(...listItem(general, '    '));
  for (const layout of scatter.layouts) {
    if (layout.storage === null) {
      throw new RomctlError('a V2.x scatter needs a storage name for every layout', {
        hint: 'set each layout’s storage (EMMC, UFS)',
      });
    }
    out.push(...banner(`${layout.storage} Layout Setting`));
    out.push(`- ${line('storage_type', layout.storage)}`, '  description: ');
    out.push('  - general: MTK_STORAGE_CFG', '    info: ');
    const config: [string, string | null][] = [
      ['storage', layout.storage],
      ['boot_channel', layout.bootChannel],
      ['block_size', layout.blockSize === null ? null : toHex(layout.blockSize)],
      ...Object.entries(layout.extra),
    ];
    out.push(...listItem(config, '      '), '');
    for (const partition of layout.partitions) out.push(...partitionLines(partition, '  '), '');
  }
  return `${out.join('\n')}\n`;
}

/** `- key: value` then the other keys aligned under it, the null ones left out */
function listItem(fields: [string, string | null][], indent: string): string[] {
  return fields
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value], position) => `${indent}${position === 0 ? '- ' : '  '}${line(key, value)}`);
}

function partitionLines(partition: Partition, indent: string): string[] {
  const fields: [string, string | null][] = [
    ['partition_index', `SYS${partition.index}`],
    ['partition_name', partition.name],
    ['file_name', partition.fileName ?? 'NONE'],
    ['is_download', String(partition.isDownload)],
    ['type', partition.type],
    ['linear_start_addr', toHex(partition.linearStart)],
    ['physical_start_addr', toHex(partition.physicalStart)],
    ['partition_size', partition.size === null ? null : toHex(partition.size)],
    ['region', partition.region],
    ['storage', partition.storage],
    ['boundary_check', String(partition.boundaryCheck)],
    ['is_reserved', String(partition.isReserved)],
    ['operation_type', partition.operationType],
    ...Object.entries(partition.extra),
  ];
  return listItem(fields, indent);
}

function line(key: string, value: string): string {
  if (!KEY.test(key)) {
    throw new RomctlError(`key ${JSON.stringify(key)} cannot be written as a YAML scatter key`, {
      hint: 'rename or remove the key',
    });
  }
  return value === '' ? `${key}:` : `${key}: ${yamlValue(value)}`;
}

/** Plain when the reader gives it back unchanged, else double-quoted (JSON escapes are valid YAML). */
function yamlValue(value: string): string {
  const plain = value === value.trim() && !/^['"#]/.test(value) && !/\s#|[\r\n]/.test(value);
  return plain ? value : JSON.stringify(value);
}

function banner(title: string): string[] {
  return [BANNER, '#', `#  ${title}`, '#', BANNER];
}
