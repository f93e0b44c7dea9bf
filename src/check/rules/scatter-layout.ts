import { canonicalPartitionName, type Layout, type Partition } from '../../formats/scatter/model.js';
import type { PackageFacts } from '../facts.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { finding, hex } from '../rule.js';

/** `0xFFFF....` start addresses count from the end of the device: they are not offsets (reference §6.2). */
function isEndRelative(partition: Partition): boolean {
  return partition.linearStart >= 0xffff0000n && partition.linearStart <= 0xffffffffn;
}

/** Partitions that occupy a known byte range, the ones overlap and order rules can reason about. */
function placed(partition: Partition): partition is Partition & { size: bigint } {
  return !partition.isReserved && !isEndRelative(partition) && partition.size !== null;
}

function subjectOf(facts: PackageFacts, partition: Partition) {
  return {
    file: facts.scatter?.path,
    partition: partition.name,
    offset: partition.linearStart,
    ...(partition.line > 0 ? { line: partition.line } : {}),
  };
}

function byRegion(layout: Layout): Map<string, Partition[]> {
  const regions = new Map<string, Partition[]>();
  for (const partition of layout.partitions) {
    const region = partition.region ?? layout.storage ?? '?';
    regions.set(region, [...(regions.get(region) ?? []), partition]);
  }
  return regions;
}

function duplicateNames(facts: PackageFacts, layout: Layout): Finding[] {
  const seen = new Map<string, Partition>();
  const findings: Finding[] = [];
  for (const partition of layout.partitions) {
    const key = canonicalPartitionName(partition.name);
    const first = seen.get(key);
    if (first) {
      findings.push(
        finding(
          'scatter.duplicate-name',
          'error',
          `partition ${partition.name} is listed twice (first at line ${first.line})`,
          subjectOf(facts, partition),
          'the scatter file was edited by hand or is corrupt: use the one from the original package',
        ),
      );
    } else seen.set(key, partition);
  }
  return findings;
}

function orderAndOverlaps(facts: PackageFacts, layout: Layout): Finding[] {
  const findings: Finding[] = [];
  for (const [region, partitions] of byRegion(layout)) {
    const ranged = partitions.filter(placed);
    ranged.forEach((partition, i) => {
      const previous = ranged[i - 1];
      if (previous && partition.linearStart < previous.linearStart) {
        findings.push(
          finding(
            'scatter.unordered',
            'warning',
            `${partition.name} (${hex(partition.linearStart)}) starts before ${previous.name} ` +
              `(${hex(previous.linearStart)}) which comes earlier in ${region}`,
            subjectOf(facts, partition),
            'check the scatter against the original: partitions are normally listed in address order',
          ),
        );
      }
    });
    const sorted = [...ranged].sort((a, b) => (a.linearStart < b.linearStart ? -1 : 1));
    sorted.forEach((partition, i) => {
      const next = sorted[i + 1];
      if (next && partition.linearStart + partition.size > next.linearStart) {
        // entries nothing is written to (read-back layouts, logical partitions) cannot destroy each other
        const written = partition.isDownload || next.isDownload;
        findings.push(
          finding(
            'scatter.overlap',
            written ? 'error' : 'warning',
            `${partition.name} (${hex(partition.linearStart)} + ${hex(partition.size)}) overlaps ` +
              `${next.name} at ${hex(next.linearStart)} in ${region}`,
            subjectOf(facts, partition),
            'writing one partition would destroy the other: use an unmodified scatter file for this phone',
          ),
        );
      }
    });
  }
  return findings;
}

/**
 * The unit a partition must be aligned to: the erase block on NAND (block_size), the sector elsewhere. Real eMMC
 * scatters often leave block_size alignment (measured: 43 of 88 corpus files), and eMMC writes by 512-byte sectors.
 */
function alignmentUnit(layout: Layout): { unit: bigint; what: string } {
  const storage = (layout.storage ?? '').toUpperCase();
  if (storage === 'NAND' && layout.blockSize) return { unit: layout.blockSize, what: 'NAND block size' };
  if (storage === 'UFS') return { unit: 4096n, what: 'UFS sector' };
  return { unit: 512n, what: 'sector' };
}

/** A misaligned start cannot be written as laid out; a misaligned size (seen on a real userdata) only wastes the tail. */
function misaligned(facts: PackageFacts, layout: Layout): Finding[] {
  const { unit, what } = alignmentUnit(layout);
  return layout.partitions.filter(placed).flatMap((partition) => {
    const startOff = partition.linearStart % unit !== 0n;
    const sizeOff = !partition.sizeDerived && partition.size % unit !== 0n;
    if (!startOff && !sizeOff) return [];
    const field = startOff ? `start ${hex(partition.linearStart)}` : `size ${hex(partition.size)}`;
    return [
      finding(
        'scatter.misaligned',
        startOff ? 'error' : 'warning',
        `${partition.name} ${field} is not a multiple of the ${what} (${hex(unit)})`,
        subjectOf(facts, partition),
        'the scatter file is damaged or hand-edited: use the original one',
      ),
    ];
  });
}

/** Newer scatters give reserved entries absolute addresses too; only the opposite case is suspicious. */
function reservedRanges(facts: PackageFacts, layout: Layout): Finding[] {
  return layout.partitions
    .filter((partition) => isEndRelative(partition) && !partition.isReserved)
    .map((partition) =>
      finding(
        'scatter.reserved-range',
        'warning',
        `${partition.name} has the end-relative address ${hex(partition.linearStart)} but is not marked reserved`,
        subjectOf(facts, partition),
        'leave reserved areas alone; if the scatter was edited, use the original',
      ),
    );
}

/** Broken entries SP Flash Tool would not download anyway: left out of the layout, named with their line. */
function skippedEntries(facts: PackageFacts): Finding[] {
  return (facts.scatter?.model.skipped ?? []).map((entry) =>
    finding(
      'scatter.entry-skipped',
      'warning',
      `the entry ${entry.name ?? '(no partition_name)'} is not downloaded and is broken, so it was left out: ${entry.message}`,
      {
        file: facts.scatter?.path,
        line: entry.line,
        ...(entry.name === null ? {} : { partition: entry.name }),
      },
      'nothing to do for a flash; the scatter generator that wrote it should be fixed',
    ),
  );
}

/** Scatter sanity (DESIGN §4.2): unique names; per region ordered, not overlapping, sector-aligned; reserved ranges. */
export const scatterLayoutRule: Rule = {
  name: 'scatter sanity',
  codes: [
    'scatter.duplicate-name',
    'scatter.unordered',
    'scatter.overlap',
    'scatter.misaligned',
    'scatter.reserved-range',
    'scatter.entry-skipped',
  ],
  check(facts) {
    const layouts = facts.scatter?.model.layouts ?? [];
    return skippedEntries(facts).concat(
      layouts.flatMap((layout) => [
        ...duplicateNames(facts, layout),
        ...orderAndOverlaps(facts, layout),
        ...misaligned(facts, layout),
        ...reservedRanges(facts, layout),
      ]),
    );
  },
};
