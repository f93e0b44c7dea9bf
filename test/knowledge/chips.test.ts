import { describe, expect, it } from 'vitest';
import {
  CHIPS,
  chipForHwCode,
  chipForPlatform,
  chipHasPlatform,
  hwCodeForPlatform,
} from '../../src/knowledge/chips.js';

describe('chip table', () => {
  it('maps hw codes to chips with their watchdog writes (reference §2.7, §3)', () => {
    const mt6797 = chipForHwCode(0x279);
    expect(mt6797?.names[0]).toBe('MT6797');
    expect(mt6797?.daProtocol).toBe('xflash');
    expect(mt6797?.watchdogDisable).toEqual([{ address: 0x10007000, value: 0x22000064, width: 32 }]);
    expect(chipForHwCode(0x321)?.watchdogDisable).toEqual([
      { address: 0x10212000, value: 0x22000000, width: 32 },
    ]);
    expect(chipForHwCode(0x6577)?.watchdogDisable).toEqual([
      { address: 0xc0000000, value: 0x2264, width: 16 },
    ]);
    expect(chipForHwCode(0x6592)?.watchdogDisable).toHaveLength(2);
    expect(chipForHwCode(0x907)?.watchdogDisable).toEqual([]);
    expect(chipForHwCode(0x1234)).toBeNull();
    expect(new Set(CHIPS.map((c) => c.hwCode)).size).toBe(CHIPS.length);
  });

  it('translates platform names, MT6589 and MT6589T sharing 0x6583', () => {
    expect(hwCodeForPlatform('MT6589')).toBe(0x6583);
    expect(hwCodeForPlatform('mt6589t')).toBe(0x6583);
    expect(hwCodeForPlatform('MT6765')).toBe(0x766);
    expect(hwCodeForPlatform('MT6572_S00')).toBe(0x6572);
    expect(hwCodeForPlatform('MT6750')).toBe(0x601);
    expect(hwCodeForPlatform('Snapdragon')).toBeNull();
    expect(chipHasPlatform(chipForHwCode(0x335)!, 'MT6735')).toBe(true);
    expect(chipHasPlatform(chipForPlatform('MT6797')!, 'MT6589')).toBe(false);
  });
});
