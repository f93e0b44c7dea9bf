import { describeClaimed } from '../../package/index.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

const KIND_ADVICE: Record<string, string> = {
  qualcomm:
    'a Qualcomm EDL/QFIL package (rawprogram/firehose): flash it with Qualcomm tools on a Qualcomm phone',
  samsung: 'a Samsung Odin package (.tar.md5): it is for Samsung phones and Odin/Heimdall',
  fastboot:
    'a fastboot-only package without a scatter file: flash it with fastboot (flash_all), not through BROM/DA',
  ota:
    'an OTA/recovery update zip, not a full flash package: it installs only on the device it was built for, ' +
    'never on another phone',
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
      const { claims } = facts.identity;
      const whose =
        claims.length === 0
          ? ''
          : ` — this package is for ${describeClaimed(facts.identity)}: ${claims.map((c) => c.source).join('; ')}`;
      findings.push(
        finding(
          'package.not-mtk',
          'error',
          `not an MTK scatter package: ${advice}${whose}`,
          { file: facts.path },
          'use the SP Flash Tool package (with an MTxxxx_Android_scatter.txt) made for this phone',
        ),
      );
    }
    return findings;
  },
};
