import { RomctlError } from '../../errors.js';
import type { Partition, SkippedEntry } from './model.js';
import { optionalText, parseAddress, parseBoolean, parseFileName, type ValueSite } from './values.js';

/** One `key: value` of an entry, as read from YAML or XML. */
export interface Field {
  /** the key as written (kept verbatim for `extra`) */
  key: string;
  value: string;
  line: number;
}

/** An entry's fields by lower-case key, in file order. */
export type FieldMap = Map<string, Field>;

export interface EntryContext {
  fileName: string | undefined;
  /** position of the entry in its layout, from 0 */
  position: number;
  /** line where the entry starts */
  line: number;
  notes: string[];
  /** broken entries that are not downloaded are collected here instead of failing the file */
  skipped: SkippedEntry[];
}

/** The keys MTK's generator writes, in its order; anything else goes to `extra`. */
export const PARTITION_KEYS = [
  'partition_index',
  'partition_name',
  'file_name',
  'is_download',
  'type',
  'linear_start_addr',
  'physical_start_addr',
  'partition_size',
  'region',
  'storage',
  'boundary_check',
  'is_reserved',
  'operation_type',
] as const;

const KNOWN_KEYS: ReadonlySet<string> = new Set(PARTITION_KEYS);

/** `0xFFFF0000`…`0xFFFFFFFF`: a reserved area counted from the end of the device, not an offset. */
export function isEndRelativeAddress(address: bigint): boolean {
  return address >= 0xffff0000n && address <= 0xffffffffn;
}

/** Adds a field, noting a duplicate key (the later value wins, as in most YAML loaders). */
export function setField(
  fields: FieldMap,
  field: Field,
  notes: string[],
  fileName: string | undefined,
): void {
  const lower = field.key.toLowerCase();
  const previous = fields.get(lower);
  if (previous) {
    notes.push(
      `${fileName ?? 'scatter'}:${field.line}: duplicate key ${field.key} (first at line ${previous.line}); ` +
        `the later value ${JSON.stringify(field.value)} is used`,
    );
  }
  fields.set(lower, field);
}

/**
 * The entry as a partition; null when it is broken but not downloaded (`is_download: false`, or no image): SP
 * Flash Tool loads such files, so the entry is left out with a warning in `context.skipped`, not an error.
 */
export function partitionFromFields(fields: FieldMap, context: EntryContext): Partition | null {
  try {
    return strictPartition(fields, context);
  } catch (error) {
    if (!(error instanceof RomctlError) || downloaded(fields)) throw error;
    const name = optionalText(fields.get('partition_name')?.value);
    context.skipped.push({ line: context.line, name, message: error.message });
    return null;
  }
}

/** `is_download: true`, or (without the key) an entry naming an image file */
function downloaded(fields: FieldMap): boolean {
  const flag = fields.get('is_download')?.value.trim().toLowerCase();
  if (flag !== undefined) return flag === 'true';
  const file = fields.get('file_name')?.value.trim() ?? '';
  return file !== '' && file.toUpperCase() !== 'NONE';
}

function strictPartition(fields: FieldMap, context: EntryContext): Partition {
  const site = (key: string): ValueSite => {
    const field = fields.get(key);
    return { key, where: `${context.fileName ?? 'scatter'}:${field?.line ?? context.line}` };
  };
  const text = (key: string): string | undefined => fields.get(key)?.value;

  const name = optionalText(text('partition_name'));
  if (name === null) {
    throw new RomctlError('partition entry without a partition_name', {
      where: `${context.fileName ?? 'scatter'}:${context.line}`,
      hint: 'every `- partition_index:` entry needs `partition_name: <name>`',
    });
  }
  const linearText = text('linear_start_addr') ?? text('physical_start_addr');
  if (linearText === undefined) {
    throw new RomctlError(`partition ${name} has no linear_start_addr`, {
      where: `${context.fileName ?? 'scatter'}:${context.line}`,
      hint: 'add `linear_start_addr: 0x…` to the entry',
    });
  }
  const linearStart = parseAddress(linearText, site('linear_start_addr'));
  const physicalText = text('physical_start_addr');
  const physicalStart =
    physicalText === undefined ? linearStart : parseAddress(physicalText, site('physical_start_addr'));
  const sizeText = text('partition_size');
  const size = sizeText === undefined ? null : parseAddress(sizeText, site('partition_size'));
  if (sizeText === undefined) {
    context.notes.push(`partition ${name} has no partition_size; derived from the next partition's start`);
  }
  const fileName = parseFileName(text('file_name') ?? '');
  const isDownloadText = text('is_download');
  const isReservedText = text('is_reserved');
  const isReserved =
    isReservedText === undefined
      ? isEndRelativeAddress(linearStart)
      : parseBoolean(isReservedText, site('is_reserved'));
  const boundaryText = text('boundary_check');

  const extra: Record<string, string> = {};
  for (const [lower, field] of fields) if (!KNOWN_KEYS.has(lower)) extra[field.key] = field.value.trim();

  return {
    index: parseIndex(text('partition_index'), context),
    name,
    fileName,
    fileNameImplied: false,
    isDownload:
      isDownloadText === undefined ? fileName !== null : parseBoolean(isDownloadText, site('is_download')),
    type: optionalText(text('type')),
    operationType: optionalText(text('operation_type')),
    region: optionalText(text('region')),
    storage: optionalText(text('storage')),
    linearStart,
    physicalStart,
    size,
    sizeDerived: false,
    isReserved,
    boundaryCheck:
      boundaryText === undefined ? !isReserved : parseBoolean(boundaryText, site('boundary_check')),
    extra,
    line: context.line,
  };
}

/** `SYS12` (or a bare number) → 12; missing or odd → the entry's position. */
function parseIndex(value: string | undefined, context: EntryContext): number {
  const match = /^\s*(?:SYS)?\s*(\d{1,6})\s*$/i.exec(value ?? '');
  if (match?.[1] !== undefined) return Number(match[1]);
  if (value !== undefined) {
    context.notes.push(
      `${context.fileName ?? 'scatter'}:${context.line}: partition_index ${JSON.stringify(value.trim())} ` +
        `is not SYS<n>; position ${context.position} used`,
    );
  }
  return context.position;
}

/**
 * Fills in sizes a file does not state: next non-reserved entry's start in the same region minus this start.
 * When the next start is not above this one (e.g. `preloader 0x0` then `pgpt 0x0`: different areas) or there is
 * no next entry (the last partition extends to the end of the device), the size stays null.
 */
export function deriveSizes(partitions: Partition[]): void {
  partitions.forEach((partition, position) => {
    if (partition.size !== null || partition.isReserved) return;
    const next = partitions
      .slice(position + 1)
      .find((other) => !other.isReserved && other.region === partition.region);
    if (next && next.linearStart > partition.linearStart) {
      partition.size = next.linearStart - partition.linearStart;
      partition.sizeDerived = true;
    }
  });
}
