import { canonicalPartitionName, type Layout } from '../../formats/scatter/model.js';
import type { DeviceLayoutFacts, PlanMode } from '../facts.js';
import type { Rule } from '../rule.js';
import { finding, hex } from '../rule.js';

interface Entry {
  name: string;
  start: bigint;
  size: bigint | null;
}

function entriesOf(layout: Layout): Entry[] {
  return layout.partitions
    .filter((partition) => !partition.isReserved)
    .map((partition) => ({
      name: canonicalPartitionName(partition.name),
      start: partition.linearStart,
      size: partition.size,
    }));
}

/**
 * The first difference between a package's table and a known one, or null when they agree. The last
 * partition's size is not compared: it grows to fill the storage and scatters write it differently.
 */
export function layoutDifference(known: DeviceLayoutFacts, layout: Layout): string | null {
  const found = entriesOf(layout);
  const wanted = known.partitions;
  for (let i = 0; i < Math.max(found.length, wanted.length); i++) {
    const a = found[i];
    const b = wanted[i];
    if (!a) return `${b?.name} is missing from the package's table`;
    if (!b) return `${a.name} is not in the device's table`;
    if (a.name !== b.name) return `partition ${i + 1} is ${a.name}, the device has ${b.name}`;
    if (a.start !== b.start) return `${a.name} starts at ${hex(a.start)}, on the device at ${hex(b.start)}`;
    const last = i === wanted.length - 1;
    if (!last && a.size !== null && b.size !== null && a.size !== b.size) {
      return `${a.name} is ${hex(a.size)} bytes, on the device ${hex(b.size)}`;
    }
  }
  return null;
}

const SEVERITY: Record<PlanMode, 'error' | 'warning'> = {
  download: 'error',
  upgrade: 'warning',
  'format-all': 'warning',
};

/** A package whose partition table differs from the device's known one cannot be written with Download Only. */
export const deviceLayoutRule: Rule = {
  name: 'device layout',
  codes: ['device.layout-changed'],
  check(facts) {
    const device = facts.device;
    const scatter = facts.scatter;
    if (!device || !scatter || device.layouts.length === 0) return [];
    const findings = [];
    for (const layout of scatter.model.layouts) {
      const storage = layout.storage?.toUpperCase() ?? null;
      const candidates = device.layouts.filter(
        (known) => !storage || !known.storage || known.storage === storage,
      );
      if (candidates.length === 0) continue;
      const differences = candidates.map((known) => layoutDifference(known, layout));
      if (differences.some((difference) => difference === null)) continue;
      const named =
        candidates.length === 1 ? `the known layout` : `any of the ${candidates.length} known layouts`;
      findings.push(
        finding(
          'device.layout-changed',
          SEVERITY[facts.mode],
          `the ${storage ?? ''} partition table differs from ${named} of ${device.codename}: ${differences[0]}`.replace(
            /\s+/g,
            ' ',
          ),
          { file: scatter.path },
          facts.mode === 'download'
            ? 'Download Only cannot change a partition table: back up nvram/nvdata/proinfo (IMEI) first, ' +
                'then use Firmware Upgrade or Format All + Download'
            : 'this re-partitions the phone: back up nvram/nvdata/proinfo (IMEI) first, they are at risk',
          ['ERROR_ROM_MUST_ENABLE (8502)', 'S_FT_PMT_MISMATCH'],
        ),
      );
    }
    return findings;
  },
};
