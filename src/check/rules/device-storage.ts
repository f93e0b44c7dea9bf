import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** The scatter must describe a storage the device has (a UFS-only package on an eMMC phone is refused). */
export const deviceStorageRule: Rule = {
  name: 'device storage',
  codes: ['device.storage-mismatch'],
  check(facts) {
    const device = facts.device;
    const scatter = facts.scatter;
    if (!device || !scatter || device.storage.length === 0) return [];
    const storages = scatter.model.layouts.flatMap((layout) =>
      layout.storage ? [layout.storage.toUpperCase()] : [],
    );
    if (storages.length === 0 || storages.some((storage) => device.storage.includes(storage))) return [];
    return [
      finding(
        'device.storage-mismatch',
        'error',
        `the scatter lays out ${storages.join('+')}, ${device.label} has ${device.storage.join('+')}`,
        { file: scatter.path },
        `use a package built for ${device.storage.join('/')} storage`,
        ['STATUS_STORAGE_MISMATCH (0xC0030006)'],
      ),
    ];
  },
};
