/**
 * The phone's own partition table against the package's (reference §6.6): where the protected partitions are on
 * the phone now, where they go in the new layout, and whether the plan can keep them. Decided after connecting
 * and before a single byte is written.
 */
import { PROTECTED_PARTITIONS } from '../check/rules/data-safety.js';
import { ExitCode, RomctlError } from '../errors.js';
import { canonicalPartitionName } from '../formats/scatter/model.js';
import type { BackupRange } from './backup.js';
import type { GptTable } from './da/gpt.js';
import type { FlashPlan, PlannedRange } from './plan.js';

/** One partition of a table: the phone's GPT or the package's scatter (user area). */
export interface TableRow {
  name: string;
  start: bigint;
  size: bigint;
}

export interface LayoutChange {
  code: 'device.layout-changed';
  /** the phone's table as its GPT lists it */
  phone: TableRow[];
  /** the table the package writes */
  package: TableRow[];
  /** one line per partition that moved, changed size, or is only in one table */
  differences: string[];
}

/** Where the backup reads each protected partition, and (for a plan that formats) where it is restored. */
export interface ProtectedPlacement {
  sources: BackupRange[];
  change: LayoutChange | null;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

export function phoneRows(table: GptTable): TableRow[] {
  return table.partitions.map((p) => ({ name: p.name, start: p.start, size: p.size }));
}

function packageRows(plan: FlashPlan): TableRow[] {
  return plan.table.flatMap((r) =>
    r.size === null ? [] : [{ name: r.partition, start: r.address, size: r.size }],
  );
}

/**
 * Every difference between the two tables, by canonical name. The last partition's size is not compared: it
 * grows to fill the storage and tables write it differently.
 */
export function layoutDifferences(phone: TableRow[], wanted: TableRow[]): string[] {
  const byName = new Map(phone.map((row) => [canonicalPartitionName(row.name), row]));
  const lastStart = phone.reduce((max, row) => (row.start > max ? row.start : max), -1n);
  const out: string[] = [];
  for (const row of wanted) {
    const there = byName.get(canonicalPartitionName(row.name));
    byName.delete(canonicalPartitionName(row.name));
    if (!there) out.push(`${row.name}: not on the phone (package: ${hex(row.start)}+${hex(row.size)})`);
    else if (there.start !== row.start) {
      out.push(
        `${row.name}: phone ${hex(there.start)}+${hex(there.size)}, package ${hex(row.start)}+${hex(row.size)}`,
      );
    } else if (there.size !== row.size && there.start !== lastStart) {
      out.push(`${row.name}: phone ${hex(there.size)} bytes, package ${hex(row.size)} bytes`);
    }
  }
  for (const row of byName.values())
    out.push(`${row.name}: only on the phone (${hex(row.start)}+${hex(row.size)})`);
  return out;
}

function refusal(code: string, message: string, hint: string, where: string): RomctlError {
  return new RomctlError(`${code}: ${message}`, {
    exitCode: ExitCode.refused,
    where,
    hint: `${hint}; nothing was written`,
  });
}

/**
 * Reads nothing itself: given the phone's GPT (null when it has none), decides where each protected partition is
 * backed up from and refuses a plan that would lose one — Download Only onto a different layout (the images
 * would land in other partitions), or a format that cannot restore a protected partition by name at its size.
 */
export function placeProtected(
  plan: FlashPlan,
  table: GptTable | null | Error,
  where: string,
): ProtectedPlacement {
  const ranges = backupRanges(plan);
  const formats = plan.steps.some((s) => s.kind === 'format');
  if (table instanceof Error) {
    // where the IMEI partitions are is unknown: a format would back up (and erase) at the package's guess
    if (formats && ranges.length > 0 && !plan.acceptRisk.includes('device.table-unreadable')) {
      throw refusal(
        'device.table-unreadable',
        `the phone's partition table cannot be read (${table.message}), so where its IMEI partitions are is unknown`,
        'use --mode download, or back the phone up first (romctl backup) and accept with ' +
          '--accept-risk device.table-unreadable to back up at the package’s addresses',
        where,
      );
    }
    return { sources: ranges.map(packagePlaced), change: null };
  }
  // no GPT at all (an erased or new phone): the package's addresses are the only guess there is
  if (!table) return { sources: ranges.map(packagePlaced), change: null };
  const phone = phoneRows(table);
  const wanted = packageRows(plan);
  const differences = layoutDifferences(phone, wanted);
  const change: LayoutChange | null =
    differences.length === 0 ? null : { code: 'device.layout-changed', phone, package: wanted, differences };
  if (change && !formats) {
    throw refusal(
      'device.layout-changed',
      `the phone's partition table differs from the package's (${summary(differences)}): Download Only would ` +
        `write the images where the phone keeps other partitions`,
      'flash with --mode upgrade or --mode format-all: romctl backs up the protected partitions at the ' +
        "phone's addresses and restores them by name into the new layout",
      where,
    );
  }
  // a protected partition the phone's table does not list holds nothing to keep: the new one starts empty
  const sources = ranges.flatMap((range): BackupRange[] => {
    const entry = table.partitions.find((p) => canonicalPartitionName(p.name) === range.name);
    if (!entry) return [];
    if (formats && range.size !== null && entry.size !== range.size) {
      throw refusal(
        'data.protected-resized',
        `${range.partition} is ${hex(entry.size)} bytes on the phone and ${hex(range.size)} in the package: ` +
          'its backup cannot be restored byte for byte into the new layout',
        'use the package made for this phone’s layout',
        where,
      );
    }
    return [{ ...range, address: entry.start, size: entry.size }];
  });
  if (formats) {
    const kept = new Set(ranges.map((r) => r.name));
    const lost = table.partitions.filter(
      (p) =>
        PROTECTED_PARTITIONS.has(canonicalPartitionName(p.name)) && !kept.has(canonicalPartitionName(p.name)),
    );
    if (lost.length > 0) {
      throw refusal(
        'data.protected-unplaceable',
        `${lost.map((p) => p.name).join(', ')} on the phone ${lost.length === 1 ? 'has' : 'have'} no place in the ` +
          `package's layout: the format would erase ${lost.length === 1 ? 'it' : 'them'} for good`,
        'use the package made for this phone’s layout, or back them up with romctl backup first',
        where,
      );
    }
  }
  return { sources, change };
}

function backupRanges(plan: FlashPlan): PlannedRange[] {
  const step = plan.steps.find((s) => s.kind === 'backup');
  return step?.kind === 'backup' ? step.ranges : [];
}

function packagePlaced(range: PlannedRange): BackupRange {
  if (range.size === null) {
    throw new RomctlError(`no size for ${range.partition}`, { exitCode: ExitCode.internal });
  }
  return { ...range, size: range.size };
}

/** the first differences, the IMEI partitions' first: they are what a user stands to lose */
function summary(differences: string[]): string {
  const rank = (line: string) =>
    PROTECTED_PARTITIONS.has(canonicalPartitionName(line.split(':')[0] ?? '')) ? 0 : 1;
  const sorted = [...differences].sort((a, b) => rank(a) - rank(b));
  return sorted.slice(0, 2).join('; ') + (sorted.length > 2 ? `; ${sorted.length - 2} more` : '');
}

/**
 * Every range the plan writes, formats or backs up in the user area must start on one of the phone's logical
 * blocks (512 bytes on eMMC, 4096 on UFS): the DA addresses storage by block, so a misaligned start would land
 * elsewhere. Refused after connecting, before anything is written.
 */
export function checkAlignment(plan: FlashPlan, blockSize: number, where: string): void {
  const block = BigInt(blockSize);
  const ranges = plan.steps.flatMap((step): Array<{ partition: string; address: bigint }> => {
    switch (step.kind) {
      case 'write':
        return [step.image];
      case 'format':
        return [step.range];
      case 'partition-table':
        return step.partitions;
      case 'backup':
      case 'restore':
        return step.ranges;
      default:
        return [];
    }
  });
  const off = ranges.find((range) => range.address % block !== 0n);
  if (!off) return;
  throw refusal(
    'scatter.misaligned',
    `${off.partition} starts at ${hex(off.address)}, not on a ${blockSize}-byte block of this phone's ` +
      `${plan.storage.toUpperCase()} storage`,
    'the scatter does not fit this storage: use the package (or scatter layout) made for it',
    where,
  );
}
