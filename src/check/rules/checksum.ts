import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

function formatSum(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}

/** Checksum.ini: SP Flash Tool's 16-bit byte sums per partition, checked the way the tool does (reference §7.3). */
export const checksumRule: Rule = {
  name: 'Checksum.ini',
  codes: ['checksum.disabled', 'checksum.bad-line', 'checksum.mismatch'],
  check(facts) {
    const checksum = facts.checksum;
    if (!checksum) return [];
    const findings = checksum.warnings.map(({ line, message }) =>
      finding(
        'checksum.bad-line',
        'warning',
        message,
        { file: checksum.path, ...(line > 0 ? { line } : {}) },
        'SP Flash Tool ignores such lines; if the file was edited, regenerate it or take it from the original package',
      ),
    );
    if (!checksum.enabled) {
      findings.push(
        finding(
          'checksum.disabled',
          'info',
          'CHECKSUM_SWITCH is off: SP Flash Tool would not verify the images',
          { file: checksum.path },
          'nothing to do: romctl verifies the sums anyway',
        ),
      );
    }
    const expectedByName = new Map([...checksum.sums].map(([name, sum]) => [name.toLowerCase(), sum]));
    const checked = new Set<string>();
    for (const { partition, path } of facts.files) {
      const image = path === undefined ? undefined : facts.images.get(path);
      const expected = expectedByName.get(partition.name.toLowerCase());
      if (!partition.isDownload || !image || expected === undefined || checked.has(partition.name)) continue;
      checked.add(partition.name);
      if (expected !== image.byteSum16) {
        findings.push(
          finding(
            'checksum.mismatch',
            'error',
            `${image.path} sums to ${formatSum(image.byteSum16)}, Checksum.ini says ${formatSum(expected)} ` +
              `for ${partition.name}`,
            { file: image.path, partition: partition.name },
            'the image was damaged or replaced: download the package again',
            ['ERROR_CHKSUM_FAIL (8507)'],
          ),
        );
      }
    }
    return findings;
  },
};
