import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

const KIND_ADVICE: Record<string, string> = {
  qualcomm:
    'a Qualcomm EDL/QFIL package (rawprogram/firehose): flash it with Qualcomm tools on a Qualcomm phone',
  samsung: 'a Samsung Odin package (.tar.md5): it is for Samsung phones and Odin/Heimdall',
  fastboot:
    'a fastboot-only package without a scatter file: flash it with fastboot (flash_all), not through BROM/DA',
  ota: 'an OTA update zip: install it from recovery or the updater, it is not a full flash package',
  unknown: 'no scatter file, Qualcomm, Samsung, fastboot or OTA marker was found',
};

/** The package must be an MTK scatter package, and its archive must be safe to read. */
export const packageKindRule: Rule = {
  name: 'package kind',
  codes: ['package.not-mtk', 'package.unsafe'],
  check(facts) {
    const findings = facts.problems.map((problem) =>
      finding(
        'package.unsafe',
        problem.severity,
        `${problem.message} (${problem.code})`,
        { file: problem.entry ?? facts.path },
        'do not use this archive: get the package again from a trusted source',
      ),
    );
    if (facts.kind !== 'mtk-scatter') {
      const advice = KIND_ADVICE[facts.kind] ?? KIND_ADVICE.unknown;
      findings.push(
        finding(
          'package.not-mtk',
          'error',
          `not an MTK scatter package: ${advice}`,
          { file: facts.path },
          'use the SP Flash Tool package (with an MTxxxx_Android_scatter.txt) made for this phone',
        ),
      );
    }
    return findings;
  },
};
