import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** The scatter's platform must be the device's chip, or a chip reporting the same hw code. */
export const deviceChipRule: Rule = {
  name: 'device chip',
  codes: ['device.chip-mismatch'],
  check(facts) {
    const device = facts.device;
    const platform = facts.scatter?.model.platform;
    if (!device || device.platform !== 'mtk' || !device.chip || !platform) return [];
    const wanted = device.chip.toUpperCase();
    const found = platform.toUpperCase();
    if (found === wanted) return [];
    const subject = { file: facts.scatter?.path };
    const hw = device.hwCode === undefined ? '' : ` (hw code 0x${device.hwCode.toString(16)})`;
    if (device.chipFamily.includes(found)) {
      return [
        finding(
          'device.chip-mismatch',
          'info',
          `the scatter is for ${found}, ${device.codename} has ${wanted}: both report the same hw code${hw}, ` +
            'so BROM and the DA treat them as one chip',
          subject,
          'nothing to do if this package is for this exact model',
        ),
      ];
    }
    return [
      finding(
        'device.chip-mismatch',
        'error',
        `the scatter is for ${found}, but ${device.label} has ${wanted}${hw}`,
        subject,
        `use a package whose scatter says platform ${wanted}`,
        ['S_BROM_BBCHIP_HW_VER_INCORRECT', 'STATUS_SCATTER_HW_CHIP_ID_MISMATCH (0xC003000F)'],
      ),
    ];
  },
};
