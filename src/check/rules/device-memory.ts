import { describeMemory, matchMemory } from '../../formats/preloader/index.js';
import type { DeviceFacts, DeviceVariantFacts } from '../facts.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';
import { packagePreloaders, type PackagePreloader } from './device-preloader-files.js';

const BRICK_SYMPTOMS = [
  'S_FT_ENABLE_DRAM_FAIL (4032)',
  'S_DA_DRAM_NOT_SUPPORT (3008)',
  'BROM only (0e8d:0003)',
];

function variantName(device: DeviceFacts, variant: DeviceVariantFacts): string {
  const period = variant.period ? `, made ${variant.period}` : '';
  return `${device.codename}@${variant.id} (${variant.label}${period})`;
}

function judge(device: DeviceFacts, preloader: PackagePreloader, variants: DeviceVariantFacts[]) {
  const subject = { file: preloader.path, partition: preloader.partition };
  if (!preloader.info) {
    return [
      finding(
        'preloader.emi-undecided',
        'warning',
        `the preloader could not be read (${preloader.error ?? 'unknown reason'}), so whether it boots ` +
          `${device.codename}'s memory is unknown`,
        subject,
        'do not flash this preloader unless you know it is the one for this phone',
        BRICK_SYMPTOMS,
      ),
    ];
  }
  const bloader = preloader.info.bloader;
  return variants.flatMap((variant) => {
    const match = matchMemory(bloader, variant.memory);
    if (match.verdict === 'match') return [];
    if (match.verdict === 'no-match') {
      return [
        finding(
          'preloader.emi-no-match',
          'error',
          `no EMI record for ${variantName(device, variant)}: flashing this preloader would brick those units ` +
            `(${match.reason})`,
          subject,
          `leave the preloader out (untick it), or use a package whose preloader lists ${describeMemory(variant.memory)}`,
          BRICK_SYMPTOMS,
        ),
      ];
    }
    return [
      finding(
        'preloader.emi-undecided',
        'warning',
        `cannot tell whether this preloader boots ${variantName(device, variant)}: ${match.reason}`,
        subject,
        'leave the preloader out (untick it) unless the phone needs it; then compare with romctl preloader',
        BRICK_SYMPTOMS,
      ),
    ];
  });
}

/**
 * The package's preloader must carry an EMI record for the device's memory: the chosen variant, or else every
 * known variant (a variant left out is named). A question the data cannot answer is a warning, never a pass.
 */
export const deviceMemoryRule: Rule = {
  name: 'device memory (EMI)',
  codes: ['preloader.emi-no-match', 'preloader.emi-undecided'],
  check(facts) {
    const device = facts.device;
    if (!device || device.platform !== 'mtk') return [];
    const preloaders = packagePreloaders(facts);
    if (preloaders.length === 0) return [];
    const chosen = device.variants.filter((variant) => variant.id === device.chosenVariant);
    const variants = device.chosenVariant === undefined ? device.variants : chosen;
    if (variants.length === 0) {
      return preloaders.map((preloader) =>
        finding(
          'preloader.emi-undecided',
          'warning',
          `the registry knows no memory variants of ${device.codename}, so whether this preloader boots it is unknown`,
          { file: preloader.path, partition: preloader.partition },
          'leave the preloader out (untick it) unless the phone needs it',
          BRICK_SYMPTOMS,
        ),
      );
    }
    return preloaders.flatMap((preloader) => judge(device, preloader, variants));
  },
};
