import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** Files whose sha256 the registry knows from a good release of this device are named as such. */
export const deviceKnownGoodRule: Rule = {
  name: 'known-good files',
  codes: ['bundle.known-good'],
  check(facts) {
    const device = facts.device;
    if (!device || device.knownGood.length === 0) return [];
    const byHash = new Map(device.knownGood.map((entry) => [entry.sha256, entry]));
    return [...facts.images.values()].flatMap((image) => {
      const known = byHash.get(image.sha256);
      if (!known) return [];
      return [
        finding(
          'bundle.known-good',
          'info',
          `${image.path} is byte-identical to ${known.file} of ${known.origin} (sha256 ${image.sha256.slice(0, 12)}…)`,
          { file: image.path },
          'nothing to do: this file is the one the registry vouches for',
        ),
      ];
    });
  },
};
