import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

const FOREIGN_KINDS: Record<string, string> = {
  qualcomm: 'a Qualcomm (Snapdragon) EDL package',
  samsung: 'a Samsung Odin package',
};

/** The package must be made for the device's platform: no Snapdragon ROM on an MTK phone, and the reverse. */
export const devicePlatformRule: Rule = {
  name: 'device platform',
  codes: ['package.platform-mismatch'],
  check(facts) {
    const device = facts.device;
    if (!device) return [];
    const subject = { file: facts.path };
    if (device.platform === 'mtk' && FOREIGN_KINDS[facts.kind] !== undefined) {
      return [
        finding(
          'package.platform-mismatch',
          'error',
          `${FOREIGN_KINDS[facts.kind]} cannot go on ${device.label}: it is an MTK phone (${device.chip ?? 'MediaTek'})`,
          subject,
          `get the SP Flash Tool package made for ${device.codename} (romctl info ${device.codename} lists them)`,
        ),
      ];
    }
    if (device.platform !== 'mtk' && facts.kind === 'mtk-scatter') {
      const chip = device.chip ? ` (${device.chip})` : '';
      return [
        finding(
          'package.platform-mismatch',
          'error',
          `this is not an MTK phone: ${device.label} is a ${device.platform} device${chip}, ` +
            'and an MTK scatter package cannot be flashed to it',
          subject,
          device.platform === 'qualcomm'
            ? 'use Qualcomm tools (fastboot, or EDL with the vendor flash tool) and a package made for this phone'
            : `use the ${device.platform} vendor tools and a package made for this phone`,
        ),
      ];
    }
    return [];
  },
};
