import { canonicalPartitionName, type Partition } from '../../formats/scatter/model.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** Partitions holding IMEI, calibration and production data (reference §6.6), by canonical name. */
export const PROTECTED_PARTITIONS: ReadonlySet<string> = new Set([
  'nvram',
  'nvdata',
  'nvcfg',
  'protect1',
  'protect2',
  'proinfo',
  'persist',
  'seccfg',
]);

function isProtected(partition: Partition): boolean {
  return PROTECTED_PARTITIONS.has(canonicalPartitionName(partition.name));
}

/** Data safety (DESIGN §4.6): IMEI and calibration survive the plan, or the plan is refused. */
export const dataSafetyRule: Rule = {
  name: 'data safety',
  codes: ['data.erases-protected', 'data.overwrites-protected'],
  check(facts) {
    const scatterPath = facts.scatter?.path;
    const partitions = facts.scatter?.model.layouts.flatMap((layout) => layout.partitions) ?? [];
    const protectedHere = [...new Set(partitions.filter(isProtected).map((partition) => partition.name))];
    const findings = [];
    if (facts.mode === 'format-all') {
      const unbacked = protectedHere.filter(
        (name) => !facts.verifiedBackup.has(canonicalPartitionName(name)),
      );
      if (unbacked.length > 0) {
        findings.push(
          finding(
            'data.erases-protected',
            'error',
            `Format All would erase ${unbacked.join(', ')}: the phone's IMEI, MAC addresses and radio calibration`,
            { file: scatterPath },
            'use firmware upgrade mode, or back these partitions up first (romctl backup) and pass the backup',
          ),
        );
      }
    }
    const written = facts.files.filter(
      ({ partition, path }) => partition.isDownload && path !== undefined && isProtected(partition),
    );
    for (const { partition, path } of written) {
      findings.push(
        finding(
          'data.overwrites-protected',
          'warning',
          `the package writes ${path} over ${partition.name}: this phone's IMEI/calibration would be replaced by ` +
            `the package's`,
          { file: scatterPath, partition: partition.name },
          'leave this partition out of the download unless you are restoring this very phone’s own backup',
        ),
      );
    }
    return findings;
  },
};
