import type { DeviceFacts, DeviceVariantFacts, MemoryTarget } from '../facts.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';
import { BRICK_SYMPTOMS, coverageFinding } from './preloader-memory.js';

function asTarget(device: DeviceFacts, variant: DeviceVariantFacts): MemoryTarget {
  const period = variant.period ? `, made ${variant.period}` : '';
  return {
    label: `${device.codename}@${variant.id} (${variant.label}${period})`,
    spec: variant.memory,
    consequence: `flashing this preloader would brick those units`,
  };
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
    const preloaders = [...facts.preloaders.values()];
    const variants =
      device.chosenVariant === undefined
        ? device.variants
        : device.variants.filter((variant) => variant.id === device.chosenVariant);
    if (variants.length === 0) {
      return preloaders.map((preloader) =>
        finding(
          'preloader.emi-undecided',
          'warning',
          `the registry knows no memory variants of ${device.codename}, so whether this preloader boots it is unknown`,
          { file: preloader.path, partition: 'preloader' },
          'leave the preloader out (untick it) unless the phone needs it',
          BRICK_SYMPTOMS,
        ),
      );
    }
    return preloaders.flatMap((preloader) =>
      variants.flatMap((variant) => coverageFinding(preloader, asTarget(device, variant)) ?? []),
    );
  },
};
